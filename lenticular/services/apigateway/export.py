"""GetExport: a stage's deployed REST API as an OpenAPI 3.0 (`oas30`) or Swagger 2.0
(`swagger`) document, in JSON or YAML (the `accepts` media type).
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-export-api.html

Paths, methods (operationId, path/query/header parameters, request models, method
responses with their headers and models) and security (sigv4 for AWS_IAM, api_key for
apiKeyRequired, one scheme per authorizer) are always exported. With the parameter
`extensions` set to `integrations` or `apigateway`: x-amazon-apigateway-integration on each
method, and x-amazon-apigateway-api-key-source, -binary-media-types and -policy at the top;
with `authorizers` or `apigateway`: x-amazon-apigateway-authorizer on the authorizers'
security schemes. The result imports back (ImportRestApi) into an API that serves the same.

Limitations: `extensions=postman` answers BadRequestException (Postman extensions are not
produced); request validators, gateway responses and documentation parts are not exported;
a model whose schema the deployment does not hold is exported as an empty object schema;
the server URL is the AWS one (`https://{apiId}.execute-api.{region}.amazonaws.com/{stage}`).
"""

from __future__ import annotations

import datetime
import json
import re
from typing import Any

import yaml

from lenticular.services.apigateway.errors import BadRequestException

Doc = dict[str, Any]
EXPORT_TYPES = ("oas30", "swagger")
MEDIA_TYPES = ("application/json", "application/yaml")
EXTENSIONS = ("integrations", "authorizers", "apigateway", "postman")
_IN = {"path": "path", "querystring": "query", "multivaluequerystring": "query",
       "header": "header", "multivalueheader": "header"}  # fmt: skip
_PATH_VARIABLE = re.compile(r"\{([^}+]+)\+?\}")
_INTEGRATION_KEYS = (
    "uri", "httpMethod", "credentials", "requestParameters", "requestTemplates",
    "contentHandling", "timeoutInMillis", "cacheNamespace", "cacheKeyParameters",
    "connectionType", "connectionId",
)  # fmt: skip
_AUTHORIZER_KEYS = ("authorizerUri", "authorizerCredentials", "identitySource",
                    "identityValidationExpression", "authorizerResultTtlInSeconds",
                    "providerARNs")  # fmt: skip


def export_options(params: Doc) -> tuple[str, str, set[str]]:
    """(exportType, media type, extensions) of a GetExport request, checked as AWS does."""
    kind = params["exportType"]
    if kind not in EXPORT_TYPES:
        raise BadRequestException(
            f"Invalid export type specified: {kind}. Valid options are {','.join(EXPORT_TYPES)}"
        )
    accepts = (params.get("accepts") or "application/json").split(";", 1)[0].strip().lower()
    if accepts in ("*/*", "application/*", ""):
        accepts = "application/json"
    if accepts not in MEDIA_TYPES:
        raise BadRequestException(
            f"Unsupported media type: {accepts}. Valid options are {','.join(MEDIA_TYPES)}"
        )
    extensions: set[str] = set()
    for name, value in (params.get("parameters") or {}).items():
        if name == "postman":
            raise BadRequestException("Postman extensions are not supported by lenticular yet")
        if name != "extensions":
            raise BadRequestException(f"Invalid export parameter specified: {name}")
        for item in value.split(","):
            item = item.strip()
            if item == "postman":
                raise BadRequestException("Postman extensions are not supported by lenticular yet")
            if item not in EXTENSIONS:
                raise BadRequestException(f"Invalid extensions specified: {item}")
            extensions.add(item)
    return kind, accepts, extensions


def render(document: Doc, media_type: str) -> bytes:
    if media_type == "application/yaml":
        return yaml.safe_dump(document, sort_keys=False, allow_unicode=True).encode("utf-8")
    return json.dumps(document, indent=2).encode("utf-8")


class OpenApiExport:
    """One export of a deployment snapshot (`{"api", "resources", "authorizers"}`)."""

    def __init__(
        self, api_id: str, region: str, stage: str, snapshot: Doc, created: int,
        kind: str, extensions: set[str],
    ) -> None:  # fmt: skip
        self.api_id, self.region, self.stage = api_id, region, stage
        self.api: Doc = snapshot["api"]
        self.resources: dict[str, Doc] = snapshot["resources"]
        self.authorizers: dict[str, Doc] = snapshot.get("authorizers") or {}
        self.models: Doc = snapshot.get("models") or {}
        self.created = created
        self.oas3 = kind == "oas30"
        self.integrations = bool(extensions & {"integrations", "apigateway"})
        self.with_authorizers = bool(extensions & {"authorizers", "apigateway"})
        self.schemes: Doc = {}
        self.schemas: Doc = {}

    def document(self) -> Doc:
        created = datetime.datetime.fromtimestamp(self.created, datetime.UTC)
        info: Doc = {"title": self.api.get("name", "")}
        if self.api.get("description"):
            info["description"] = self.api["description"]
        info["version"] = self.api.get("version") or created.strftime("%Y-%m-%dT%H:%M:%SZ")
        host = f"{self.api_id}.execute-api.{self.region}.amazonaws.com"
        doc: Doc = {"openapi": "3.0.1"} if self.oas3 else {"swagger": "2.0"}
        doc["info"] = info
        if self.oas3:
            doc["servers"] = [{"url": f"https://{host}/{{basePath}}",
                               "variables": {"basePath": {"default": self.stage}}}]  # fmt: skip
        else:
            doc.update(host=host, basePath=f"/{self.stage}", schemes=["https"])
        doc["paths"] = self._paths()
        if self.oas3:
            components = {k: v for k, v in (("schemas", self.schemas),
                                            ("securitySchemes", self.schemes)) if v}  # fmt: skip
            if components:
                doc["components"] = components
        else:
            if self.schemes:
                doc["securityDefinitions"] = self.schemes
            if self.schemas:
                doc["definitions"] = self.schemas
        if self.integrations:
            self._api_extensions(doc)
        return doc

    def _api_extensions(self, doc: Doc) -> None:
        doc["x-amazon-apigateway-api-key-source"] = self.api.get("apiKeySource") or "HEADER"
        if self.api.get("binaryMediaTypes"):
            doc["x-amazon-apigateway-binary-media-types"] = list(self.api["binaryMediaTypes"])
        if self.api.get("policy"):
            try:
                doc["x-amazon-apigateway-policy"] = json.loads(self.api["policy"])
            except ValueError:
                doc["x-amazon-apigateway-policy"] = self.api["policy"]

    def _paths(self) -> Doc:
        paths: Doc = {}
        for resource in sorted(self.resources.values(), key=lambda r: r["path"]):
            methods = resource.get("resourceMethods") or {}
            if not methods:
                continue
            item: Doc = {}
            for verb in sorted(methods):
                key = "x-amazon-apigateway-any-method" if verb == "ANY" else verb.lower()
                item[key] = self._operation(resource, methods[verb])
            paths[resource["path"]] = item
        return paths

    def _operation(self, resource: Doc, method: Doc) -> Doc:
        operation: Doc = {}
        if method.get("operationName"):
            operation["operationId"] = method["operationName"]
        parameters = self._parameters(resource, method)
        models = method.get("requestModels") or {}
        if models and self.oas3:
            operation["requestBody"] = {
                "content": {ct: {"schema": self._ref(name)} for ct, name in models.items()},
                "required": True,
            }
        elif models:
            name = next(iter(models.values()))
            parameters.append({"in": "body", "name": name, "required": True,
                               "schema": self._ref(name)})  # fmt: skip
        if parameters:
            operation["parameters"] = parameters
        operation["responses"] = self._responses(method)
        security = self._security(method)
        if security:
            operation["security"] = security
        integration = method.get("methodIntegration")
        if self.integrations and integration:
            operation["x-amazon-apigateway-integration"] = _integration(integration)
        return operation

    def _string(self) -> Doc:
        return {"schema": {"type": "string"}} if self.oas3 else {"type": "string"}

    def _parameters(self, resource: Doc, method: Doc) -> list[Doc]:
        out: list[Doc] = []
        seen: set[tuple[str, str]] = set()
        for name in _PATH_VARIABLE.findall(resource["path"]):
            seen.add(("path", name))
            out.append({"name": name, "in": "path", "required": True, **self._string()})
        for key, required in sorted((method.get("requestParameters") or {}).items()):
            kind, _, name = key.removeprefix("method.request.").partition(".")
            where = _IN.get(kind)
            if where is None or (where, name) in seen:
                continue
            seen.add((where, name))
            entry: Doc = {"name": name, "in": where}
            if required or where == "path":
                entry["required"] = True
            out.append({**entry, **self._string()})
        return out

    def _responses(self, method: Doc) -> Doc:
        responses: Doc = {}
        for status, response in sorted((method.get("methodResponses") or {}).items()):
            out: Doc = {"description": f"{status} response"}
            headers = {
                key.removeprefix("method.response.header."): self._string()
                for key in sorted(response.get("responseParameters") or {})
                if key.startswith("method.response.header.")
            }
            if headers:
                out["headers"] = headers
            models = response.get("responseModels") or {}
            if models and self.oas3:
                out["content"] = {ct: {"schema": self._ref(n)} for ct, n in models.items()}
            elif models:
                out["schema"] = self._ref(next(iter(models.values())))
            responses[status] = out
        return responses

    def _ref(self, model: str) -> Doc:
        if model not in self.schemas:
            stored = self.models.get(model) if isinstance(self.models, dict) else None
            schema: Any = (stored or {}).get("schema") if isinstance(stored, dict) else None
            if isinstance(schema, str):
                try:
                    schema = json.loads(schema)
                except ValueError:
                    schema = None
            if not isinstance(schema, dict):
                schema = {"title": "Empty Schema", "type": "object"}
            self.schemas[model] = {k: v for k, v in schema.items() if k != "$schema"}
        prefix = "#/components/schemas/" if self.oas3 else "#/definitions/"
        return {"$ref": prefix + model}

    def _security(self, method: Doc) -> list[Doc]:
        security: list[Doc] = []
        kind = method.get("authorizationType")
        if kind == "AWS_IAM":
            self.schemes["sigv4"] = {"type": "apiKey", "name": "Authorization", "in": "header",
                                     "x-amazon-apigateway-authtype": "awsSigv4"}  # fmt: skip
            security.append({"sigv4": []})
        elif kind in ("CUSTOM", "COGNITO_USER_POOLS"):
            authorizer = self.authorizers.get(method.get("authorizerId", ""))
            if authorizer is not None:
                name = authorizer.get("name") or authorizer["id"]
                self.schemes[name] = self._authorizer_scheme(authorizer)
                security.append({name: list(method.get("authorizationScopes") or [])})
        if method.get("apiKeyRequired"):
            self.schemes["api_key"] = {"type": "apiKey", "name": "x-api-key", "in": "header"}
            security.append({"api_key": []})
        return security

    def _authorizer_scheme(self, authorizer: Doc) -> Doc:
        kind = authorizer.get("type", "TOKEN")
        source = authorizer.get("identitySource") or "method.request.header.Authorization"
        header = source.removeprefix("method.request.header.") if kind != "REQUEST" else "Unused"
        scheme: Doc = {
            "type": "apiKey", "name": header, "in": "header",
            "x-amazon-apigateway-authtype": (
                "cognito_user_pools" if kind == "COGNITO_USER_POOLS" else "custom"
            ),
        }  # fmt: skip
        if self.with_authorizers:
            settings: Doc = {"type": kind.lower()}
            settings.update((k, authorizer[k]) for k in _AUTHORIZER_KEYS if k in authorizer)
            scheme["x-amazon-apigateway-authorizer"] = settings
        return scheme


def _integration(integration: Doc) -> Doc:
    out: Doc = {"type": integration["type"].lower()}
    for key in _INTEGRATION_KEYS:
        if integration.get(key) not in (None, [], {}):
            out[key] = integration[key]
    out["passthroughBehavior"] = (integration.get("passthroughBehavior") or "WHEN_NO_MATCH").lower()
    responses: Doc = {}
    for status, response in sorted((integration.get("integrationResponses") or {}).items()):
        entry: Doc = {"statusCode": status}
        for key in ("responseParameters", "responseTemplates", "contentHandling"):
            if response.get(key) not in (None, {}):
                entry[key] = response[key]
        responses[response.get("selectionPattern") or "default"] = entry
    if responses:
        out["responses"] = responses
    return out
