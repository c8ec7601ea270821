"""The gateway response types of REST APIs and the tag every error API Gateway makes itself
carries: `GatewayError`, an `HttpResponse` that knows its response type (and, for request
validation failures, the validation error), so the data plane can render it through the
API's deployed gateway responses (`gateway_responses`) and name it in access logs.
https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html

Responses that come from an integration (a backend's 5xx, a Lambda proxy's reply) are plain
`HttpResponse`s and are never rendered as gateway responses, as on AWS.
"""

from __future__ import annotations

from dataclasses import dataclass

from lenticular.protocol.http import HttpResponse

# Each response type with its default status code (None: the fallbacks keep the status of
# the error they stand in for).
RESPONSE_TYPES: dict[str, str | None] = {
    "DEFAULT_4XX": None,
    "DEFAULT_5XX": None,
    "RESOURCE_NOT_FOUND": "404",
    "UNAUTHORIZED": "401",
    "INVALID_API_KEY": "403",
    "ACCESS_DENIED": "403",
    "AUTHORIZER_FAILURE": "500",
    "AUTHORIZER_CONFIGURATION_ERROR": "500",
    "INVALID_SIGNATURE": "403",
    "EXPIRED_TOKEN": "403",
    "MISSING_AUTHENTICATION_TOKEN": "403",
    "INTEGRATION_FAILURE": "504",
    "INTEGRATION_TIMEOUT": "504",
    "API_CONFIGURATION_ERROR": "500",
    "UNSUPPORTED_MEDIA_TYPE": "415",
    "BAD_REQUEST_PARAMETERS": "400",
    "BAD_REQUEST_BODY": "400",
    "REQUEST_TOO_LARGE": "413",
    "THROTTLED": "429",
    "QUOTA_EXCEEDED": "429",
    "WAF_FILTERED": "403",
}

# The x-amzn-ErrorType API Gateway sends with an error -> its response type.
_BY_ERROR_TYPE = {
    "MissingAuthenticationTokenException": "MISSING_AUTHENTICATION_TOKEN",
    "UnauthorizedException": "UNAUTHORIZED",
    "AccessDeniedException": "ACCESS_DENIED",
    "AuthorizerConfigurationException": "AUTHORIZER_CONFIGURATION_ERROR",
    "AuthorizerFailureException": "AUTHORIZER_FAILURE",
    "InvalidSignatureException": "INVALID_SIGNATURE",
    "IncompleteSignatureException": "INVALID_SIGNATURE",
    "ExpiredTokenException": "EXPIRED_TOKEN",
    "TooManyRequestsException": "THROTTLED",
    "LimitExceededException": "QUOTA_EXCEEDED",
    "UnsupportedMediaTypeException": "UNSUPPORTED_MEDIA_TYPE",
    "RequestTooLargeException": "REQUEST_TOO_LARGE",
    "NotFoundException": "RESOURCE_NOT_FOUND",
}


def fallback(response_type: str, status: int) -> str:
    """DEFAULT_4XX or DEFAULT_5XX: where a type that is not customized falls back to."""
    default = RESPONSE_TYPES.get(response_type)
    code = int(default) if default else status
    return "DEFAULT_5XX" if code >= 500 else "DEFAULT_4XX"


def infer(status: int, error_type: str | None) -> str:
    """The response type of an error API Gateway made, from its x-amzn-ErrorType."""
    found = _BY_ERROR_TYPE.get(error_type or "")
    if found is not None:
        return found
    if status == 504:
        return "INTEGRATION_TIMEOUT"
    return "DEFAULT_5XX" if status >= 500 else "DEFAULT_4XX"


@dataclass(slots=True)
class GatewayError(HttpResponse):
    """An error API Gateway generated (not the backend), with its gateway response type."""

    response_type: str = "DEFAULT_4XX"
    validation_error: str | None = None  # $context.error.validationErrorString
