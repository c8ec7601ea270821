"""The errors AWS returns when it refuses a request's credentials or signature.

AWS spells the same refusal differently per protocol family ("dialect"):

    dialect    bad signature               malformed auth                  unknown key
    s3         SignatureDoesNotMatch       AuthorizationHeaderMalformed    InvalidAccessKeyId
    query      SignatureDoesNotMatch       IncompleteSignature             InvalidClientTokenId
    json       InvalidSignatureException   IncompleteSignatureException    UnrecognizedClientException

`rest-json` services (Lambda, API Gateway) use the json codes with status 403.
Every error here is a plain `ServiceError` with an explicit status, since none of these
codes is in a service model.
"""

from __future__ import annotations

from typing import Any

from lenticular.errors import ServiceError

S3_SERVICES = frozenset({"s3", "s3-object-lambda", "s3express", "s3-outposts"})
# Signing names of services that speak the query (or ec2) protocol.
QUERY_SERVICES = frozenset(
    {
        "sts", "iam", "sns", "cloudformation", "ec2", "monitoring", "autoscaling",
        "elasticloadbalancing", "rds", "elasticache", "redshift", "email", "sdb",
        "elasticbeanstalk", "cloudsearch", "importexport", "cloudfront", "route53",
    }
)  # fmt: skip
REST_JSON_SERVICES = frozenset({"lambda", "apigateway", "execute-api", "appsync", "es"})

_PROTOCOL_DIALECT = {
    "query": "query",
    "ec2": "query",
    "json": "json",
    "smithy-rpc-v2-cbor": "json",
    "rest-json": "rest-json",
}

MISMATCH_MESSAGE = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. "
    "Consult the service documentation for details."
)
S3_MISMATCH_MESSAGE = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your key and signing method."
)
INVALID_TOKEN_MESSAGE = "The security token included in the request is invalid."
EXPIRED_TOKEN_MESSAGE = "The security token included in the request is expired"


def dialect_for(service: str, protocol: str | None = None) -> str:
    """The error dialect of a signing service name, or of a botocore protocol name when known."""
    if service in S3_SERVICES:
        return "s3"
    if protocol is not None:
        if protocol == "rest-xml":
            return "query"  # CloudFront, Route 53: XML errors with the query codes
        return _PROTOCOL_DIALECT.get(protocol, "json")
    if service in QUERY_SERVICES:
        return "query"
    if service in REST_JSON_SERVICES:
        return "rest-json"
    return "json"


def _error(code: str, message: str, status: int, fields: dict[str, Any] | None = None):
    return ServiceError(message, code=code, status=status, sender_fault=True, fields=fields)


def signature_mismatch(dialect: str, fields: dict[str, Any] | None = None) -> ServiceError:
    if dialect == "s3":
        return _error("SignatureDoesNotMatch", S3_MISMATCH_MESSAGE, 403, fields)
    if dialect == "query":
        return _error("SignatureDoesNotMatch", MISMATCH_MESSAGE, 403)
    return _error("InvalidSignatureException", MISMATCH_MESSAGE, _json_status(dialect))


def signature_rejected(dialect: str, message: str) -> ServiceError:
    """A signature refused for its timing or scope ("Signature expired: ...") outside S3."""
    if dialect == "query":
        return _error("SignatureDoesNotMatch", message, 403)
    return _error("InvalidSignatureException", message, _json_status(dialect))


def incomplete_signature(dialect: str, message: str) -> ServiceError:
    """A malformed Authorization header or query-string authentication."""
    if dialect == "s3":
        return _error("AuthorizationHeaderMalformed", message, 400)
    if dialect == "query":
        return _error("IncompleteSignature", message, 400)
    return _error("IncompleteSignatureException", message, 400 if dialect == "json" else 403)


def query_parameters_error(dialect: str, message: str) -> ServiceError:
    """Bad presigned-URL parameters (S3's AuthorizationQueryParametersError)."""
    if dialect == "s3":
        return _error("AuthorizationQueryParametersError", message, 400)
    return incomplete_signature(dialect, message)


def request_time_too_skewed(request_time: str, server_time: str) -> ServiceError:
    return _error(
        "RequestTimeTooSkewed",
        "The difference between the request time and the current time is too large.",
        403,
        {
            "RequestTime": request_time,
            "ServerTime": server_time,
            "MaxAllowedSkewMilliseconds": "900000",
        },
    )


def request_expired(fields: dict[str, Any], message: str = "Request has expired") -> ServiceError:
    """S3's answer to a presigned URL past its expiry (or not valid yet)."""
    return _error("AccessDenied", message, 403, fields)


def payload_hash_mismatch(client_hash: str, computed_hash: str) -> ServiceError:
    return _error(
        "XAmzContentSHA256Mismatch",
        "The provided 'x-amz-content-sha256' header does not match what was computed.",
        400,
        {"ClientComputedContentSHA256": client_hash, "S3ComputedContentSHA256": computed_hash},
    )


def unknown_access_key(dialect: str) -> ServiceError:
    if dialect == "s3":
        return _error(
            "InvalidAccessKeyId",
            "The AWS Access Key Id you provided does not exist in our records.",
            403,
        )
    return invalid_token(dialect)


def invalid_token(dialect: str) -> ServiceError:
    """An access key nobody issued, or a session token that does not belong to it."""
    if dialect == "s3":
        return _error("InvalidToken", "The provided token is malformed or otherwise invalid.", 400)
    if dialect == "query":
        return _error("InvalidClientTokenId", INVALID_TOKEN_MESSAGE, 403)
    return _error("UnrecognizedClientException", INVALID_TOKEN_MESSAGE, _json_status(dialect))


def expired_token(dialect: str) -> ServiceError:
    if dialect == "s3":
        return _error("ExpiredToken", "The provided token has expired.", 400)
    if dialect == "query":
        return _error("ExpiredToken", EXPIRED_TOKEN_MESSAGE, 403)
    return _error("ExpiredTokenException", EXPIRED_TOKEN_MESSAGE, _json_status(dialect))


def missing_authentication(dialect: str) -> ServiceError:
    """An unsigned request to an operation that requires a signature (strict mode)."""
    if dialect == "s3":
        return access_denied("Access Denied")
    if dialect == "query":
        return _error("MissingAuthenticationToken", "Request is missing Authentication Token", 403)
    if dialect == "json":
        return _error(
            "MissingAuthenticationTokenException", "Request is missing Authentication Token", 400
        )
    return _error("MissingAuthenticationTokenException", "Missing Authentication Token", 403)


def _json_status(dialect: str) -> int:
    return 400 if dialect == "json" else 403


def invalid_argument(message: str) -> ServiceError:
    """S3's InvalidArgument, e.g. for a SigV2 header without a colon."""
    return _error("InvalidArgument", message, 400)


def access_denied(message: str) -> ServiceError:
    return _error("AccessDenied", message, 403)
