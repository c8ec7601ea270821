"""AWS_IAM method authorization on the execute-api data plane: the request must carry a
valid SigV4 signature (Authorization header or presigned query) for the service
`execute-api` and the API's region, made with credentials lenticular knows (test/test,
`LENTICULAR_CREDENTIALS` keys, STS temporary credentials with their X-Amz-Security-Token).
It is checked for every such method, whatever the server's --verify-signatures setting,
by the same code that checks AWS API calls (`lenticular.aws.accounts`, `lenticular.aws.sigv4`).
https://docs.aws.amazon.com/apigateway/latest/developerguide/permissions.html

A refusal is a 403 with a `{"message": ...}` body and an x-amzn-ErrorType header:
no signature -> "Missing Authentication Token"; an unknown key or a wrong session token ->
"The security token included in the request is invalid."; a bad signature -> "The
request signature we calculated does not match..."; a request signed more than 15
minutes away from now -> "Signature expired: ..." / "Signature not yet current: ...".

Limitations: IAM policies (identity or the API's resource policy) are not evaluated: any
known, correctly signing principal may call the method. AWS appends the canonical request
and string-to-sign it expected to a signature mismatch message; lenticular does not.
SigV4a signatures are accepted without checking the ECDSA signature (as elsewhere).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from lenticular.aws import sigv4
from lenticular.aws.accounts import AccountDirectory, Identity
from lenticular.errors import ServiceError
from lenticular.protocol.http import HttpRequest, HttpResponse
from lenticular.services.apigateway.integrations import error_response

SERVICE = "execute-api"
_PROTOCOL = "rest-json"  # execute-api answers with the rest-json codes, all 403


def refused(error: ServiceError) -> HttpResponse:
    return error_response(403, error.message, error.code)


def authenticate(
    request: HttpRequest, accounts: AccountDirectory, region: str, now: datetime | None = None
) -> Identity | HttpResponse:
    """The principal that signed `request`, or the 403 the client gets."""
    try:
        credential = sigv4.parse_credential(request)
    except ServiceError as error:  # a malformed Authorization header or presigned query
        return refused(error)
    if credential is None or credential.algorithm == sigv4.SIGV2:
        return error_response(
            403, "Missing Authentication Token", "MissingAuthenticationTokenException"
        )
    if credential.algorithm == sigv4.SIGV4 and credential.service != SERVICE:
        return error_response(
            403, f"Credential should be scoped to correct service: '{SERVICE}'. ",
            "InvalidSignatureException",
        )  # fmt: skip
    if credential.algorithm == sigv4.SIGV4 and credential.region != region:
        return error_response(
            403, f"Credential should be scoped to a valid region, not '{credential.region}'. ",
            "InvalidSignatureException",
        )  # fmt: skip
    try:
        return accounts.authenticate(
            request, credential, strict=True, now=now or datetime.now(UTC), protocol=_PROTOCOL
        )
    except ServiceError as error:
        return refused(error)


def is_signed(request: HttpRequest) -> bool:
    """Whether the request carries a signature at all (header or presigned query)."""
    return "authorization" in request.headers or "X-Amz-Signature" in request.query_string


def identity_fields(identity: Identity) -> dict[str, Any]:
    """requestContext.identity members for an IAM caller (`$context.identity.*`)."""
    return {
        "accessKey": identity.access_key,
        "accountId": identity.account_id,
        "caller": identity.user_id,
        "user": identity.user_id,
        "userArn": identity.arn,
    }
