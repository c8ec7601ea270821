"""The management side of Lambda authorizers (TOKEN and REQUEST): Create/Get/Update/Delete
Authorizer. An authorizer belongs to a REST API and is deployed with it (a deployment
snapshots the API's authorizers). The data plane side is in `lambda_authorizer`.
https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-use-lambda-authorizer.html
"""

from __future__ import annotations

import re
from typing import Any

from lenticular.services.apigateway import errors
from lenticular.services.apigateway.apis import RestApiEngine, lambda_function_arn
from lenticular.services.apigateway.errors import BadRequestException
from lenticular.services.apigateway.models import new_id
from lenticular.services.apigateway.patch import invalid_path
from lenticular.services.apigateway.store import ApiGatewayStore

Doc = dict[str, Any]
KIND = "authorizer"
TYPES = ("TOKEN", "REQUEST", "COGNITO_USER_POOLS")
DEFAULT_TTL = 300
MAX_TTL = 3600
_SOURCE = re.compile(
    r"^(?:method\.request\.(?:header|querystring|multivalueheader|multivaluequerystring)\.[^,\s]+"
    r"|stageVariables\.[A-Za-z0-9_]+|context\.[A-Za-z0-9_.]+)$"
)
_STRINGS = {"/name", "/authorizerUri", "/identitySource", "/identityValidationExpression",
            "/authorizerCredentials", "/authType", "/type"}  # fmt: skip


def identity_sources(authorizer: Doc) -> list[str]:
    """The authorizer's identity source expressions (REQUEST: comma-separated)."""
    text = authorizer.get("identitySource") or ""
    return [part.strip() for part in text.split(",") if part.strip()]


def _check(authorizer: Doc) -> None:
    """What AWS refuses at Create/UpdateAuthorizer."""
    kind = authorizer.get("type")
    if kind not in TYPES:
        raise BadRequestException(
            f"Invalid authorizer type specified. Valid options are {','.join(TYPES)}"
        )
    if kind == "COGNITO_USER_POOLS":
        if not authorizer.get("providerARNs"):
            raise BadRequestException("ProviderARNs need to be specified for COGNITO_USER_POOLS")
        return
    if not lambda_function_arn(authorizer.get("authorizerUri") or ""):
        raise BadRequestException("Invalid Authorizer URI specified")
    sources = identity_sources(authorizer)
    if kind == "TOKEN":
        if len(sources) != 1 or not sources[0].startswith("method.request.header."):
            raise BadRequestException(
                "Invalid identity source specified. Identity source for TOKEN authorizers"
                " must be a header: method.request.header.<name>"
            )
    for source in sources:
        if not _SOURCE.match(source):
            raise BadRequestException(f"Invalid identity source specified: {source}")
    expression = authorizer.get("identityValidationExpression")
    if expression:
        try:
            re.compile(expression)
        except re.error:
            raise BadRequestException("Invalid identity validation expression specified") from None
    ttl = authorizer.get("authorizerResultTtlInSeconds", DEFAULT_TTL)
    if not isinstance(ttl, int) or not 0 <= ttl <= MAX_TTL:
        raise BadRequestException(
            f"Invalid authorizer result TTL specified. Must be between 0 and {MAX_TTL}"
        )
    if ttl and kind == "REQUEST" and not sources:
        raise BadRequestException(
            "Identity source must be specified when caching is enabled for REQUEST authorizers"
        )


class AuthorizerEngine:
    def __init__(self, store: ApiGatewayStore, apis: RestApiEngine) -> None:
        self.store = store
        self.apis = apis

    def _get(self, account_id: str, region: str, api_id: str, authorizer_id: str) -> Doc:
        self.apis.api(account_id, region, api_id)
        found = self.store.get_doc(KIND, f"{api_id}/{authorizer_id}", account_id, region)
        if found is None:
            raise errors.authorizer_not_found()
        return found

    def _save(self, account_id: str, region: str, api_id: str, authorizer: Doc) -> None:
        self.store.put_doc(
            KIND, f"{api_id}/{authorizer['id']}", account_id, region, authorizer, parent=api_id
        )

    def create(self, account_id: str, region: str, params: Doc) -> Doc:
        api_id = params["restApiId"]
        self.apis.api(account_id, region, api_id)
        authorizer: Doc = {"id": new_id(6)}
        for member in ("name", "type", "providerARNs", "authType", "authorizerUri",
                       "authorizerCredentials", "identitySource", "identityValidationExpression",
                       "authorizerResultTtlInSeconds"):  # fmt: skip
            if params.get(member) not in (None, "", []):
                authorizer[member] = params[member]
        if authorizer.get("type") in ("TOKEN", "REQUEST"):
            authorizer.setdefault("authorizerResultTtlInSeconds", DEFAULT_TTL)
        _check(authorizer)
        self._save(account_id, region, api_id, authorizer)
        return authorizer

    def get(self, account_id: str, region: str, api_id: str, authorizer_id: str) -> Doc:
        return self._get(account_id, region, api_id, authorizer_id)

    def list(self, account_id: str, region: str, api_id: str) -> list[Doc]:
        self.apis.api(account_id, region, api_id)
        return self.store.list_docs(KIND, parent=api_id)

    def update(
        self, account_id: str, region: str, api_id: str, authorizer_id: str, operations: list[Doc]
    ) -> Doc:
        authorizer = dict(self._get(account_id, region, api_id, authorizer_id))
        for operation in operations:
            path, value = operation.get("path") or "", operation.get("value")
            if operation.get("op") != "replace" and path != "/providerARNs":
                raise invalid_path(path)
            if path in _STRINGS:
                if value in (None, ""):
                    authorizer.pop(path[1:], None)
                else:
                    authorizer[path[1:]] = value
            elif path == "/authorizerResultTtlInSeconds":
                try:
                    authorizer["authorizerResultTtlInSeconds"] = int(value)
                except (TypeError, ValueError):
                    raise BadRequestException(f"Invalid value for {path}: {value}") from None
            else:
                raise invalid_path(path)
        _check(authorizer)
        self._save(account_id, region, api_id, authorizer)
        return authorizer

    def delete(self, account_id: str, region: str, api_id: str, authorizer_id: str) -> None:
        self._get(account_id, region, api_id, authorizer_id)
        for resource in self.apis.api(account_id, region, api_id).resources.values():
            for method in (resource.get("resourceMethods") or {}).values():
                if method.get("authorizerId") == authorizer_id:
                    raise errors.ConflictException(
                        "Cannot delete authorizer, is referenced in method:"
                        f" {method['httpMethod']}/{resource['path']}"
                    )
        self.store.delete_doc(KIND, f"{api_id}/{authorizer_id}")

    def deployed(self, api_id: str) -> dict[str, Doc]:
        """The API's authorizers by id, as a deployment snapshots them."""
        return {a["id"]: a for a in self.store.list_docs(KIND, parent=api_id)}
