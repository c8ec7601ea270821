"""What an HTTP API is made of: routes, integrations and authorizers (Create/Get/Update/
Delete of each), checked as AWS checks them. Every change is reported so stages with
autoDeploy redeploy.
https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop.html
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from lenticular.services.apigateway.models import new_id
from lenticular.services.apigatewayv2.errors import (
    BadRequestException,
    ConflictException,
    not_found,
)
from lenticular.services.apigatewayv2.store import HttpApiStore

Doc = dict[str, Any]
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY")
_ROUTE_FIELDS = (
    "ApiKeyRequired", "AuthorizationScopes", "AuthorizationType", "AuthorizerId",
    "ModelSelectionExpression", "OperationName", "RequestModels", "RequestParameters",
    "RouteKey", "RouteResponseSelectionExpression", "Target",
)  # fmt: skip
_INTEGRATION_FIELDS = (
    "ConnectionId", "ConnectionType", "ContentHandlingStrategy", "CredentialsArn", "Description",
    "IntegrationMethod", "IntegrationSubtype", "IntegrationType", "IntegrationUri",
    "PassthroughBehavior", "PayloadFormatVersion", "RequestParameters", "RequestTemplates",
    "ResponseParameters", "TemplateSelectionExpression", "TimeoutInMillis", "TlsConfig",
)  # fmt: skip
_AUTHORIZER_FIELDS = (
    "AuthorizerCredentialsArn", "AuthorizerPayloadFormatVersion", "AuthorizerResultTtlInSeconds",
    "AuthorizerType", "AuthorizerUri", "EnableSimpleResponses", "IdentitySource",
    "IdentityValidationExpression", "JwtConfiguration", "Name",
)  # fmt: skip
_PATH_SEGMENT = re.compile(r"^(?:[^{}]+|\{[A-Za-z0-9._-]+\}|\{[A-Za-z0-9._-]+\+\})$")
_IDENTITY_SOURCE = re.compile(r"^\$(?:request\.(?:header|querystring)\.[^.\s]+|context\.\S+|stageVariables\.\S+)$")  # fmt: skip
_PARAMETER_TARGET = re.compile(
    r"^(?:(?:append|overwrite|remove):(?:header|querystring)\.[^\s]+|overwrite:path|overwrite:statuscode)$"
)


def check_route_key(route_key: str) -> None:
    """`$default`, or `METHOD /path` with `{param}` segments and a final `{greedy+}`."""
    if route_key == "$default":
        return
    method, _, path = route_key.partition(" ")
    if method not in METHODS or not path.startswith("/"):
        raise BadRequestException(f"Invalid route key: {route_key}")
    segments = path.split("/")[1:]
    if path == "/":
        return
    names = set()
    for index, segment in enumerate(segments):
        if not _PATH_SEGMENT.match(segment):
            raise BadRequestException(f"Invalid route key: {route_key}")
        if segment.endswith("+}") and index != len(segments) - 1:
            raise BadRequestException(
                f"Invalid route key: {route_key}. A greedy path variable must be last"
            )
        if segment.startswith("{"):
            name = segment.strip("{}+")
            if name in names:
                raise BadRequestException(f"Invalid route key: {route_key}. Duplicate {name}")
            names.add(name)


def lambda_arn_of(uri: str) -> str | None:
    """The function ARN of a Lambda integration URI (a bare ARN or the apigateway path)."""
    found = re.search(r"/functions/(arn:[^/]+)/invocations", uri)
    if found:
        return found.group(1)
    if re.match(r"^arn:[^:]+:lambda:[^:]*:[^:]*:function:[^/]+$", uri):
        return uri
    return None


class ApiParts:
    """Reading an API's parts (routes, integrations, authorizers, deployments, stages): the
    API must exist, then the part, else NotFoundException."""

    def __init__(self, store: HttpApiStore, require_api: Callable[[str, str, str], Doc]
                 ) -> None:  # fmt: skip
        self.store = store
        self._require_api = require_api

    def _part(self, account_id: str, region: str, api_id: str, kind: str, label: str,
              part_id: str) -> Doc:  # fmt: skip
        self._require_api(account_id, region, api_id)
        doc = self.store.get_part(api_id, kind, part_id)
        if doc is None:
            raise not_found(label, part_id)
        return doc

    def list(self, account_id: str, region: str, api_id: str, kind: str) -> list[Doc]:
        self._require_api(account_id, region, api_id)
        return self.store.list_parts(api_id, kind)


class DefinitionEngine(ApiParts):
    def __init__(self, store: HttpApiStore, require_api: Callable[[str, str, str], Doc],
                 changed: Callable[[str], None]) -> None:  # fmt: skip
        super().__init__(store, require_api)
        self._changed = changed

    def _updated(self, account_id: str, region: str, params: Doc, kind: str, label: str,
                 fields: tuple[str, ...]) -> tuple[str, str, Doc]:  # fmt: skip
        """(api id, part id, the part) for an Update call: the part `params` names (its
        `{label}Id`) with the `fields` that `params` sets applied, not yet saved."""
        api_id, part_id = params["ApiId"], params[f"{label}Id"]
        doc = self._part(account_id, region, api_id, kind, label, part_id)
        for name in fields:
            if params.get(name) is not None:
                doc[name] = params[name]
        return api_id, part_id, doc

    def _save(self, api_id: str, kind: str, part_id: str, doc: Doc, *, new: bool = False
              ) -> None:  # fmt: skip
        if new:
            self.store.add_part(api_id, kind, part_id, doc)
        else:
            self.store.put_part(api_id, kind, part_id, doc)
        self._changed(api_id)

    # -- routes ---------------------------------------------------------------------------

    def _check_route(self, api_id: str, route: Doc, route_id: str) -> None:
        check_route_key(route.get("RouteKey") or "")
        for other in self.store.list_parts(api_id, "route"):
            if other["RouteKey"] == route["RouteKey"] and other["RouteId"] != route_id:
                raise ConflictException(
                    f"Route with key {route['RouteKey']} already exists for this API"
                )
        target = route.get("Target")
        if target:
            if not target.startswith("integrations/"):
                raise BadRequestException(f"Invalid Target {target}. Use integrations/{{id}}")
            if self.store.get_part(api_id, "integration", target.split("/", 1)[1]) is None:
                raise BadRequestException(f"Invalid integration identifier specified {target}")
        kind = route.get("AuthorizationType") or "NONE"
        if kind not in ("NONE", "AWS_IAM", "CUSTOM", "JWT"):
            raise BadRequestException(f"Invalid authorization type {kind}")
        if kind in ("CUSTOM", "JWT"):
            authorizer = self.store.get_part(api_id, "authorizer", route.get("AuthorizerId") or "")
            if authorizer is None:
                raise BadRequestException(
                    f"Invalid authorizer identifier specified {route.get('AuthorizerId')}"
                )
            wanted = "JWT" if kind == "JWT" else "REQUEST"
            if authorizer["AuthorizerType"] != wanted:
                raise BadRequestException(
                    f"AuthorizationType {kind} requires an authorizer of type {wanted}"
                )
        elif route.get("AuthorizerId"):
            raise BadRequestException(
                "AuthorizerId can only be set with AuthorizationType CUSTOM or JWT"
            )
        if route.get("AuthorizationScopes") and kind != "JWT":
            raise BadRequestException("AuthorizationScopes are only supported for JWT authorizers")

    def create_route(self, account_id: str, region: str, params: Doc, managed: bool = False
                     ) -> Doc:  # fmt: skip
        api_id = params["ApiId"]
        self._require_api(account_id, region, api_id)
        route: Doc = {k: params[k] for k in _ROUTE_FIELDS if params.get(k) is not None}
        route.setdefault("ApiKeyRequired", False)
        route.setdefault("AuthorizationType", "NONE")
        route["RouteId"] = new_id(7)
        if managed:
            route["ApiGatewayManaged"] = True
        self._check_route(api_id, route, route["RouteId"])
        self._save(api_id, "route", route["RouteId"], route, new=True)
        return route

    def get_route(self, account_id: str, region: str, api_id: str, route_id: str) -> Doc:
        return self._part(account_id, region, api_id, "route", "Route", route_id)

    def update_route(self, account_id: str, region: str, params: Doc) -> Doc:
        api_id, route_id, route = self._updated(
            account_id, region, params, "route", "Route", _ROUTE_FIELDS
        )
        if route.get("AuthorizationType") == "NONE":
            route.pop("AuthorizerId", None)
            route.pop("AuthorizationScopes", None)
        self._check_route(api_id, route, route_id)
        self._save(api_id, "route", route_id, route)
        return route

    def delete_route(self, account_id: str, region: str, api_id: str, route_id: str) -> None:
        self.get_route(account_id, region, api_id, route_id)
        self.store.delete_part(api_id, "route", route_id)
        self._changed(api_id)

    # -- integrations ---------------------------------------------------------------------

    def _check_integration(self, integration: Doc) -> None:
        kind = integration.get("IntegrationType")
        if kind not in ("AWS_PROXY", "HTTP_PROXY"):
            raise BadRequestException(
                f"Integration type {kind} is not supported for HTTP APIs; use AWS_PROXY or HTTP_PROXY"
            )
        uri = integration.get("IntegrationUri")
        subtype = integration.get("IntegrationSubtype")
        if not uri and not subtype:
            raise BadRequestException("IntegrationUri is required")
        version = integration.get("PayloadFormatVersion")
        if kind == "AWS_PROXY":
            if version not in ("1.0", "2.0"):
                raise BadRequestException("PayloadFormatVersion must be 1.0 or 2.0")
            if uri and not subtype and lambda_arn_of(uri) is None:
                raise BadRequestException(f"Invalid integration URI specified {uri}")
        else:
            if version != "1.0":
                raise BadRequestException(
                    "HTTP_PROXY integrations only support PayloadFormatVersion 1.0"
                )
            if not integration.get("IntegrationMethod"):
                raise BadRequestException("IntegrationMethod is required for HTTP_PROXY")
            if integration.get("ConnectionType", "INTERNET") == "INTERNET" and not re.match(
                r"^https?://", uri or ""
            ):
                raise BadRequestException(f"Invalid integration URI specified {uri}")
        timeout = integration.get("TimeoutInMillis", 30000)
        if not 50 <= timeout <= 30000:
            raise BadRequestException("TimeoutInMillis must be between 50 and 30000")
        for target in integration.get("RequestParameters") or {}:
            if kind == "HTTP_PROXY" and not _PARAMETER_TARGET.match(target):
                raise BadRequestException(f"Invalid mapping expression specified: {target}")
        for status, mapping in (integration.get("ResponseParameters") or {}).items():
            if not (status.isdigit() and 200 <= int(status) <= 599):
                raise BadRequestException(f"Invalid status code specified: {status}")
            for target in mapping:
                if not _PARAMETER_TARGET.match(target) or "querystring" in target:
                    raise BadRequestException(f"Invalid mapping expression specified: {target}")

    def create_integration(self, account_id: str, region: str, params: Doc,
                           managed: bool = False) -> Doc:  # fmt: skip
        api_id = params["ApiId"]
        self._require_api(account_id, region, api_id)
        integration: Doc = {k: params[k] for k in _INTEGRATION_FIELDS if params.get(k) is not None}
        if integration.get("IntegrationType") == "HTTP_PROXY":
            integration.setdefault("PayloadFormatVersion", "1.0")
        if integration.get("IntegrationType") == "AWS_PROXY":
            integration.setdefault("IntegrationMethod", "POST")
        integration.setdefault("ConnectionType", "INTERNET")
        integration.setdefault("TimeoutInMillis", 30000)
        integration["IntegrationId"] = new_id(7)
        if managed:
            integration["ApiGatewayManaged"] = True
        self._check_integration(integration)
        self._save(api_id, "integration", integration["IntegrationId"], integration, new=True)
        return integration

    def get_integration(self, account_id: str, region: str, api_id: str, integration_id: str
                        ) -> Doc:  # fmt: skip
        return self._part(account_id, region, api_id, "integration", "Integration", integration_id)

    def update_integration(self, account_id: str, region: str, params: Doc) -> Doc:
        api_id, integration_id, integration = self._updated(
            account_id, region, params, "integration", "Integration", _INTEGRATION_FIELDS
        )
        self._check_integration(integration)
        self._save(api_id, "integration", integration_id, integration)
        return integration

    def delete_integration(self, account_id: str, region: str, api_id: str, integration_id: str
                           ) -> None:  # fmt: skip
        self.get_integration(account_id, region, api_id, integration_id)
        target = f"integrations/{integration_id}"
        if any(r.get("Target") == target for r in self.store.list_parts(api_id, "route")):
            raise ConflictException(
                f"Integration {integration_id} is in use by a route; detach it first"
            )
        self.store.delete_part(api_id, "integration", integration_id)
        self._changed(api_id)

    # -- authorizers ----------------------------------------------------------------------

    def _check_authorizer(self, authorizer: Doc) -> None:
        kind = authorizer.get("AuthorizerType")
        sources = authorizer.get("IdentitySource") or []
        for source in sources:
            if not _IDENTITY_SOURCE.match(source):
                raise BadRequestException(f"Invalid identity source specified: {source}")
        ttl = authorizer.get("AuthorizerResultTtlInSeconds", 0)
        if not 0 <= ttl <= 3600:
            raise BadRequestException("AuthorizerResultTtlInSeconds must be between 0 and 3600")
        if kind == "JWT":
            jwt = authorizer.get("JwtConfiguration") or {}
            if not jwt.get("Issuer"):
                raise BadRequestException("JwtConfiguration.Issuer is required for JWT authorizers")
            if not jwt.get("Audience"):
                raise BadRequestException(
                    "JwtConfiguration.Audience is required for JWT authorizers"
                )
            if len(sources) != 1 or not sources[0].startswith("$request.header."):
                raise BadRequestException(
                    "A JWT authorizer takes exactly one identity source, a request header"
                )
        elif kind == "REQUEST":
            if (
                not authorizer.get("AuthorizerUri")
                or lambda_arn_of(authorizer["AuthorizerUri"]) is None
            ):
                raise BadRequestException("AuthorizerUri must be a Lambda function invocation URI")
            version = authorizer.get("AuthorizerPayloadFormatVersion")
            if version not in ("1.0", "2.0"):
                raise BadRequestException(
                    "AuthorizerPayloadFormatVersion must be 1.0 or 2.0 for REQUEST authorizers"
                )
            if authorizer.get("EnableSimpleResponses") and version != "2.0":
                raise BadRequestException(
                    "EnableSimpleResponses requires AuthorizerPayloadFormatVersion 2.0"
                )
            if ttl and not sources:
                raise BadRequestException("Identity sources are required when caching is enabled")
        else:
            raise BadRequestException(f"Invalid authorizer type {kind}")

    def create_authorizer(self, account_id: str, region: str, params: Doc) -> Doc:
        api_id = params["ApiId"]
        self._require_api(account_id, region, api_id)
        authorizer: Doc = {k: params[k] for k in _AUTHORIZER_FIELDS if params.get(k) is not None}
        if authorizer.get("AuthorizerType") == "REQUEST":
            authorizer.setdefault("AuthorizerResultTtlInSeconds", 0)
            authorizer.setdefault("EnableSimpleResponses", False)
        authorizer["AuthorizerId"] = new_id(6)
        self._check_authorizer(authorizer)
        self._save(api_id, "authorizer", authorizer["AuthorizerId"], authorizer, new=True)
        return authorizer

    def get_authorizer(self, account_id: str, region: str, api_id: str, authorizer_id: str
                       ) -> Doc:  # fmt: skip
        return self._part(account_id, region, api_id, "authorizer", "Authorizer", authorizer_id)

    def update_authorizer(self, account_id: str, region: str, params: Doc) -> Doc:
        api_id, authorizer_id, authorizer = self._updated(
            account_id, region, params, "authorizer", "Authorizer", _AUTHORIZER_FIELDS
        )
        self._check_authorizer(authorizer)
        self._save(api_id, "authorizer", authorizer_id, authorizer)
        return authorizer

    def delete_authorizer(self, account_id: str, region: str, api_id: str, authorizer_id: str
                          ) -> None:  # fmt: skip
        self.get_authorizer(account_id, region, api_id, authorizer_id)
        if any(r.get("AuthorizerId") == authorizer_id
               for r in self.store.list_parts(api_id, "route")):  # fmt: skip
            raise ConflictException(
                f"Authorizer {authorizer_id} is in use by a route; detach it first"
            )
        self.store.delete_part(api_id, "authorizer", authorizer_id)
        self._changed(api_id)
