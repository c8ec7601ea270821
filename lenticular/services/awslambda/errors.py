"""Lambda's errors (codes are the model's shape names; statuses come from the model)."""

from __future__ import annotations

from lenticular.errors import ServiceError


class InvalidParameterValueException(ServiceError):
    code = "InvalidParameterValueException"


class InvalidRequestContentException(ServiceError):
    code = "InvalidRequestContentException"


class RequestTooLargeException(ServiceError):
    code = "RequestTooLargeException"


class ResourceNotFoundException(ServiceError):
    code = "ResourceNotFoundException"


class ResourceConflictException(ServiceError):
    code = "ResourceConflictException"


class TooManyRequestsException(ServiceError):
    code = "TooManyRequestsException"


class ServiceException(ServiceError):
    code = "ServiceException"
    sender_fault = False


class InvalidRuntimeException(ServiceError):
    code = "InvalidRuntimeException"


class InvalidZipFileException(ServiceError):
    code = "InvalidZipFileException"


class CodeStorageExceededException(ServiceError):
    code = "CodeStorageExceededException"


class PreconditionFailedException(ServiceError):
    code = "PreconditionFailedException"


class PolicyLengthExceededException(ServiceError):
    code = "PolicyLengthExceededException"
