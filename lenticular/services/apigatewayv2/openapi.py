"""ImportApi and ReimportApi: an HTTP API from an OpenAPI 3 (or Swagger 2) document with API
Gateway's extensions, as SAM's AWS::Serverless::HttpApi and hand-written definitions use
them: paths and methods (`x-amazon-apigateway-any-method`, the `$default` path),
`x-amazon-apigateway-integration` (aws_proxy, http_proxy), authorizers from
`components.securitySchemes` (`x-amazon-apigateway-authorizer`, jwt and request), route
`security` (scopes), `x-amazon-apigateway-cors`, tags with `x-amazon-apigateway-tag-value`.
Models, request validation, `x-amazon-apigateway-integrations` references and other
extensions are ignored (each named in the response's Warnings).
https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-open-api.html
"""

from __future__ import annotations

import json
from typing import Any

import yaml

from lenticular.services.apigatewayv2.errors import BadRequestException

Doc = dict[str, Any]
_METHODS = {"get", "post", "put", "patch", "delete", "head", "options"}
_CORS_KEYS = {"allowOrigins": "AllowOrigins", "allowMethods": "AllowMethods",
              "allowHeaders": "AllowHeaders", "exposeHeaders": "ExposeHeaders",
              "allowCredentials": "AllowCredentials", "maxAge": "MaxAge"}  # fmt: skip
_INTEGRATION_KEYS = {"uri": "IntegrationUri", "httpMethod": "IntegrationMethod",
                     "connectionType": "ConnectionType", "connectionId": "ConnectionId",
                     "credentials": "CredentialsArn", "description": "Description",
                     "integrationSubtype": "IntegrationSubtype",
                     "requestParameters": "RequestParameters",
                     "responseParameters": "ResponseParameters",
                     "timeoutInMillis": "TimeoutInMillis"}  # fmt: skip


def parse_document(body: str) -> Doc:
    try:
        doc = json.loads(body)
    except ValueError:
        try:
            doc = yaml.safe_load(body)
        except yaml.YAMLError as error:
            raise BadRequestException(f"Invalid OpenAPI input: {error}") from None
    if not isinstance(doc, dict) or not ("openapi" in doc or "swagger" in doc):
        raise BadRequestException("Invalid OpenAPI input: no 'openapi' or 'swagger' field")
    return doc


def _version(value: Any, default: str) -> str:
    """payloadFormatVersion as written (YAML may have made "2.0" a float)."""
    if value is None:
        return default
    return f"{float(value):.1f}" if isinstance(value, (int, float)) else str(value)


def api_settings(doc: Doc) -> Doc:
    """CreateApi/UpdateApi parameters from the document's top level."""
    info = doc.get("info") or {}
    params: Doc = {"Name": str(info.get("title") or "imported"), "ProtocolType": "HTTP"}
    if info.get("version") is not None:
        params["Version"] = str(info["version"])
    if info.get("description"):
        params["Description"] = str(info["description"])
    cors = doc.get("x-amazon-apigateway-cors")
    if isinstance(cors, dict):
        params["CorsConfiguration"] = {_CORS_KEYS[k]: v for k, v in cors.items() if k in _CORS_KEYS}
    if doc.get("x-amazon-apigateway-disable-default-endpoint") is not None:
        params["DisableExecuteApiEndpoint"] = bool(
            doc["x-amazon-apigateway-disable-default-endpoint"]
        )
    tags = {str(t["name"]): str(t.get("x-amazon-apigateway-tag-value", ""))
            for t in doc.get("tags") or [] if isinstance(t, dict) and "name" in t
            and "x-amazon-apigateway-tag-value" in t}  # fmt: skip
    if tags:
        params["Tags"] = tags
    return params


def authorizers(doc: Doc) -> dict[str, Doc]:
    """CreateAuthorizer parameters by security scheme name."""
    schemes = ((doc.get("components") or {}).get("securitySchemes")
               or doc.get("securityDefinitions") or {})  # fmt: skip
    out: dict[str, Doc] = {}
    for name, scheme in schemes.items():
        spec = (scheme or {}).get("x-amazon-apigateway-authorizer")
        if not isinstance(spec, dict):
            continue
        sources = spec.get("identitySource") or []
        if isinstance(sources, str):
            sources = [s.strip() for s in sources.split(",") if s.strip()]
        kind = str(spec.get("type", "")).lower()
        params: Doc = {"Name": name, "IdentitySource": sources}
        if kind == "jwt":
            jwt = spec.get("jwtConfiguration") or {}
            params.update(AuthorizerType="JWT", JwtConfiguration={
                "Issuer": jwt.get("issuer"), "Audience": list(jwt.get("audience") or []),
            })  # fmt: skip
            params["IdentitySource"] = sources or ["$request.header.Authorization"]
        else:
            params.update(
                AuthorizerType="REQUEST", AuthorizerUri=spec.get("authorizerUri"),
                AuthorizerPayloadFormatVersion=_version(
                    spec.get("authorizerPayloadFormatVersion"), "2.0"),
                EnableSimpleResponses=bool(spec.get("enableSimpleResponses", False)),
                AuthorizerResultTtlInSeconds=int(spec.get("authorizerResultTtlInSeconds", 0)),
            )  # fmt: skip
            if spec.get("authorizerCredentials"):
                params["AuthorizerCredentialsArn"] = spec["authorizerCredentials"]
        out[name] = params
    return out


def integration(spec: Doc) -> Doc:
    """CreateIntegration parameters of an `x-amazon-apigateway-integration`."""
    kind = str(spec.get("type", "")).upper()
    params: Doc = {"IntegrationType": kind}
    for key, name in _INTEGRATION_KEYS.items():
        if spec.get(key) is not None:
            params[name] = spec[key]
    default = "2.0" if kind == "AWS_PROXY" else "1.0"
    params["PayloadFormatVersion"] = _version(spec.get("payloadFormatVersion"), default)
    if kind == "HTTP_PROXY":
        params.setdefault("IntegrationMethod", "ANY")
    return params


def routes(doc: Doc, basepath: str | None) -> tuple[list[tuple[str, Doc, Doc]], list[str]]:
    """(route key, integration, route parameters) for each operation, and warnings."""
    prefix = ""
    if basepath == "prepend":
        servers = doc.get("servers") or [{}]
        url = str((servers[0] or {}).get("url", "")) if servers else ""
        prefix = "/" + url.split("://", 1)[-1].partition("/")[2].strip("/") if "/" in url else ""
        prefix = "" if prefix == "/" else prefix.rstrip("/")
    default_security = doc.get("security")
    found: list[tuple[str, Doc, Doc]] = []
    warnings: list[str] = []
    for path, item in (doc.get("paths") or {}).items():
        if not isinstance(item, dict):
            continue
        for method, operation in item.items():
            lowered = method.lower()
            if lowered == "x-amazon-apigateway-any-method":
                verb = "ANY"
            elif lowered in _METHODS:
                verb = lowered.upper()
            else:
                continue
            operation = operation or {}
            if path == "$default" or operation.get("isDefaultRoute"):
                key = "$default"
            else:
                key = f"{verb} {prefix}{path}"
            spec = operation.get("x-amazon-apigateway-integration")
            if not isinstance(spec, dict):
                warnings.append(f"Route {key} has no x-amazon-apigateway-integration")
                spec = None
            route: Doc = {}
            if operation.get("operationId"):
                route["OperationName"] = str(operation["operationId"])
            security = operation.get("security", default_security)
            if security:
                name, scopes = next(iter(security[0].items())) if security[0] else (None, [])
                if name:
                    route["_authorizer"] = name
                    if scopes:
                        route["AuthorizationScopes"] = list(scopes)
            found.append((key, integration(spec) if spec else {}, route))
    return found, warnings
