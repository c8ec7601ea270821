"""OpenAPI (Swagger 2.0 and OpenAPI 3) import for REST APIs: ImportRestApi and PutRestApi.

The document's paths become resources, its operations methods (with their parameters,
responses and security), `x-amazon-apigateway-integration` the integrations and their
responses, and `x-amazon-apigateway-authorizer` security schemes the authorizers. All of
it goes through the provider's own operations, so imported APIs obey the same rules as
APIs built call by call.
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-swagger-extensions.html

Models, request validators and gateway responses come in through `openapi_models`.
Limitations: documentation parts and `basePath` handling are ignored; warnings are never reported (failOnWarnings has no
effect); merge mode replaces a method that exists in both with the document's.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import yaml

from lenticular.errors import ServiceError
from lenticular.services.apigateway import openapi_models
from lenticular.services.apigateway.errors import BadRequestException

if TYPE_CHECKING:
    from lenticular.context import RequestContext

Doc = dict[str, Any]
_VERBS = {"get", "put", "post", "delete", "patch", "head", "options"}
_ANY = "x-amazon-apigateway-any-method"
_INTEGRATION_KEYS = {
    "uri": "uri", "httpMethod": "integrationHttpMethod", "credentials": "credentials",
    "requestTemplates": "requestTemplates", "requestParameters": "requestParameters",
    "cacheNamespace": "cacheNamespace", "cacheKeyParameters": "cacheKeyParameters",
    "contentHandling": "contentHandling", "timeoutInMillis": "timeoutInMillis",
    "connectionType": "connectionType", "connectionId": "connectionId",
}  # fmt: skip


def parse_document(body: bytes | str | Doc) -> Doc:
    """The OpenAPI document from an ImportRestApi body (JSON or YAML)."""
    if isinstance(body, dict):
        return body
    text = body.decode("utf-8") if isinstance(body, bytes) else body
    try:
        doc = json.loads(text)
    except ValueError:
        try:
            doc = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise BadRequestException(f"Invalid OpenAPI input: {exc}") from None
    if not isinstance(doc, dict) or not ("swagger" in doc or "openapi" in doc):
        raise BadRequestException(
            "Invalid OpenAPI input: the document has no 'swagger' or 'openapi' version field"
        )
    return doc


def api_settings(doc: Doc) -> Doc:
    """CreateRestApi parameters the document's top level carries."""
    info = doc.get("info") or {}
    params: Doc = {"name": info.get("title") or "imported"}
    if info.get("description"):
        params["description"] = info["description"]
    if info.get("version"):
        params["version"] = str(info["version"])
    if doc.get("x-amazon-apigateway-binary-media-types"):
        params["binaryMediaTypes"] = doc["x-amazon-apigateway-binary-media-types"]
    source = doc.get("x-amazon-apigateway-api-key-source")
    if source:
        params["apiKeySource"] = source.upper()
    if doc.get("x-amazon-apigateway-policy"):
        params["policy"] = json.dumps(doc["x-amazon-apigateway-policy"])
    return params


class OpenApiImport:
    """One import of `doc` into the REST API `api_id` through `provider`'s operations."""

    def __init__(self, provider: Any, ctx: RequestContext, api_id: str, doc: Doc) -> None:
        self.provider, self.ctx, self.api_id, self.doc = provider, ctx, api_id, doc
        self.schemes: Doc = dict(doc.get("securityDefinitions") or {})
        self.schemes.update((doc.get("components") or {}).get("securitySchemes") or {})
        self.authorizer_ids: dict[str, str] = {}
        self.resource_ids: dict[str, str] = {}
        self.validator_ids: dict[str, str] = {}  # request validators by name

    def _call(self, operation: str, params: Doc) -> Doc:
        return getattr(self.provider, operation)(self.ctx, {"restApiId": self.api_id, **params})

    def clear(self) -> None:
        """Remove every resource, method and authorizer (PutRestApi's overwrite mode)."""
        resources = self._call("get_resources", {"limit": 500})["items"]
        for resource in resources:
            if resource.get("parentId") is None:
                for verb in resource.get("resourceMethods") or {}:
                    self._call("delete_method", {"resourceId": resource["id"], "httpMethod": verb})
        for resource in resources:
            parent = next((r for r in resources if r["id"] == resource.get("parentId")), None)
            if parent is not None and parent.get("parentId") is None:
                self._call("delete_resource", {"resourceId": resource["id"]})
        for authorizer in self._call("get_authorizers", {"limit": 500})["items"]:
            self._call("delete_authorizer", {"authorizerId": authorizer["id"]})
        openapi_models.clear(self._call)  # models, request validators, gateway responses

    def run(self) -> None:
        for resource in self._call("get_resources", {"limit": 500})["items"]:
            self.resource_ids[resource["path"]] = resource["id"]
        openapi_models.import_models(self._call, self.doc, self.api_id)
        self.validator_ids = openapi_models.import_validators(self._call, self.doc)
        openapi_models.import_gateway_responses(self._call, self.doc)
        for name, scheme in self.schemes.items():
            settings = scheme.get("x-amazon-apigateway-authorizer")
            if settings:
                self.authorizer_ids[name] = self._authorizer(name, scheme, settings)
        for path, item in (self.doc.get("paths") or {}).items():
            resource_id = self._resource(path)
            shared = item.get("parameters") or []
            for key, operation in item.items():
                verb = "ANY" if key == _ANY else key.upper() if key in _VERBS else None
                if verb is not None:
                    self._method(resource_id, verb, operation, shared)

    def _authorizer(self, name: str, scheme: Doc, settings: Doc) -> str:
        kind = (settings.get("type") or "token").upper()
        params: Doc = {"name": name, "type": kind}
        if kind == "COGNITO_USER_POOLS":
            params["providerARNs"] = settings.get("providerARNs") or []
        else:
            params["authorizerUri"] = settings.get("authorizerUri")
        header = scheme.get("name")
        identity = settings.get("identitySource") or (
            f"method.request.header.{header}" if header and kind != "REQUEST" else None
        )
        if identity:
            params["identitySource"] = identity
        for key in ("authorizerCredentials", "identityValidationExpression"):
            if settings.get(key):
                params[key] = settings[key]
        if settings.get("authorizerResultTtlInSeconds") is not None:
            params["authorizerResultTtlInSeconds"] = int(settings["authorizerResultTtlInSeconds"])
        if scheme.get("x-amazon-apigateway-authtype"):
            params["authType"] = scheme["x-amazon-apigateway-authtype"]
        return self._call("create_authorizer", params)["id"]

    def _resource(self, path: str) -> str:
        path = "/" + path.strip("/")
        if path in self.resource_ids:
            return self.resource_ids[path]
        parent_path, _, part = path.rpartition("/")
        parent_id = self._resource(parent_path or "/")
        created = self._call("create_resource", {"parentId": parent_id, "pathPart": part})
        self.resource_ids[path] = created["id"]
        return created["id"]

    def _method(self, resource_id: str, verb: str, operation: Doc, shared: list[Doc]) -> None:
        where = {"resourceId": resource_id, "httpMethod": verb}
        try:
            self._call("delete_method", where)  # merge mode: the document's method wins
        except ServiceError:
            pass  # absent: the usual case
        params: Doc = {**where, "authorizationType": "NONE"}
        security = operation.get("security", self.doc.get("security")) or []
        for requirement in security:
            for name, scopes in requirement.items():
                scheme = self.schemes.get(name) or {}
                if name in self.authorizer_ids:
                    kind = scheme["x-amazon-apigateway-authorizer"].get("type") or "token"
                    params["authorizationType"] = (
                        "COGNITO_USER_POOLS" if kind.lower() == "cognito_user_pools" else "CUSTOM"
                    )
                    params["authorizerId"] = self.authorizer_ids[name]
                    if scopes:
                        params["authorizationScopes"] = scopes
                elif (scheme.get("x-amazon-apigateway-authtype") or "").lower() == "awssigv4":
                    params["authorizationType"] = "AWS_IAM"
                elif scheme.get("type") == "apiKey":
                    params["apiKeyRequired"] = True
        if operation.get("operationId"):
            params["operationName"] = operation["operationId"]
        request_parameters = {
            f"method.request.{_location(p['in'])}.{p['name']}": bool(p.get("required", False))
            for p in [*shared, *(operation.get("parameters") or [])]
            if p.get("in") in ("path", "query", "header")
        }  # fmt: skip
        if request_parameters:
            params["requestParameters"] = request_parameters
        params.update(openapi_models.method_settings(self.doc, operation, self.validator_ids))
        self._call("put_method", params)
        for status, response in (operation.get("responses") or {}).items():
            if not str(status).isdigit():
                continue
            headers = (response or {}).get("headers") or {}
            out: Doc = {**where, "statusCode": str(status)}
            if headers:
                out["responseParameters"] = {f"method.response.header.{h}": False for h in headers}
            models = openapi_models.response_models(self.doc, operation, response or {})
            if models:
                out["responseModels"] = models
            self._call("put_method_response", out)
        integration = operation.get("x-amazon-apigateway-integration")
        if integration:
            self._integration(where, integration)

    def _integration(self, where: Doc, integration: Doc) -> None:
        params: Doc = {**where, "type": (integration.get("type") or "").upper()}
        for key, member in _INTEGRATION_KEYS.items():
            if integration.get(key) is not None:
                params[member] = integration[key]
        if integration.get("passthroughBehavior"):
            params["passthroughBehavior"] = integration["passthroughBehavior"].upper()
        if "timeoutInMillis" in params:
            params["timeoutInMillis"] = int(params["timeoutInMillis"])
        self._call("put_integration", params)
        for pattern, response in (integration.get("responses") or {}).items():
            out: Doc = {**where, "statusCode": str(response.get("statusCode") or "200")}
            if pattern != "default":
                out["selectionPattern"] = pattern
            for key in ("responseTemplates", "responseParameters", "contentHandling"):
                if response.get(key) is not None:
                    out[key] = response[key]
            self._call("put_integration_response", out)


def _location(where: str) -> str:
    return "querystring" if where == "query" else where
