"""COGNITO_USER_POOLS method authorization, behind a small interface so a Cognito service
can plug in later.

The decision belongs to a `TokenVerifier`, looked up as the `token_verifier` attribute of
the registry's "cognito-idp" provider. lenticular serves no Cognito yet, so today: a
missing or empty identity header (the authorizer's identitySource, Authorization by
default) answers 401 {"message": "Unauthorized"}, as AWS does before it looks at the
token; a present token answers 500 {"message": null} (AuthorizerConfigurationException),
AWS's answer for an authorizer it cannot run.
https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-integrate-with-cognito.html

With a verifier, its claims (None: 401 Unauthorized) become requestContext.authorizer
{"claims": {...}} with string values, as in AWS's REST proxy event; the method's
authorizationScopes are passed along for access tokens.
"""

from __future__ import annotations

from typing import Any, Protocol

from lenticular.protocol.http import HttpResponse
from lenticular.services.apigateway import lambda_authorizer
from lenticular.services.apigateway.integrations import Invocation

Doc = dict[str, Any]
DEFAULT_SOURCE = "method.request.header.Authorization"


class TokenVerifier(Protocol):
    def verify(self, token: str, user_pool_arns: list[str], scopes: list[str]) -> Doc | None:
        """The token's claims if a pool in `user_pool_arns` issued it (and, when `scopes`
        is not empty, it is an access token holding one of them); None otherwise."""


def token_verifier(registry: Any) -> TokenVerifier | None:
    """The Cognito service's verifier, or None while lenticular has no Cognito."""
    provider = registry.get("cognito-idp") if registry is not None else None
    return getattr(provider, "token_verifier", None)


def authorize(call: Invocation, authorizer: Doc, registry: Any) -> HttpResponse | None:
    """None when the caller's token is good (claims stored in the request context), else
    the response the client gets."""
    source = authorizer.get("identitySource") or DEFAULT_SOURCE
    header = source.removeprefix("method.request.header.").lower()
    token = call.request.headers.get(header, "").strip()
    if not token:
        return lambda_authorizer.unauthorized()
    verifier = token_verifier(registry)
    if verifier is None:
        return lambda_authorizer.configuration_error()
    scopes = list(call.method.get("authorizationScopes") or [])
    claims = verifier.verify(token, list(authorizer.get("providerARNs") or []), scopes)
    if claims is None:
        return lambda_authorizer.unauthorized()
    call.request_context["authorizer"] = {
        "claims": {k: v if isinstance(v, str) else str(v) for k, v in claims.items()}
    }
    return None
