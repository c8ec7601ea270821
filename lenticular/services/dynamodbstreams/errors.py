"""DynamoDB Streams' errors (codes are the model's shape names; statuses come from the
model)."""

from __future__ import annotations

from lenticular.errors import ServiceError


class ValidationException(ServiceError):
    code = "ValidationException"
    status = 400


class ResourceNotFoundException(ServiceError):
    code = "ResourceNotFoundException"


class ExpiredIteratorException(ServiceError):
    code = "ExpiredIteratorException"


class TrimmedDataAccessException(ServiceError):
    code = "TrimmedDataAccessException"


class LimitExceededException(ServiceError):
    code = "LimitExceededException"


class InternalServerError(ServiceError):
    code = "InternalServerError"
    sender_fault = False
