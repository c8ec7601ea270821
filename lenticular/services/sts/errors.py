"""STS's modelled errors (status codes come from the model)."""

from __future__ import annotations

from lenticular.errors import ServiceError


class ValidationError(ServiceError):
    code = "ValidationError"


class MalformedPolicyDocument(ServiceError):
    code = "MalformedPolicyDocument"


class PackedPolicyTooLarge(ServiceError):
    code = "PackedPolicyTooLarge"


class AccessDenied(ServiceError):
    code = "AccessDenied"
    status = 403
