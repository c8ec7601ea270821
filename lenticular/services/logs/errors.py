"""CloudWatch Logs' modelled errors (codes are the model's shape names, statuses its own)."""

from __future__ import annotations

from lenticular.errors import ServiceError


class InvalidParameterException(ServiceError):
    code = "InvalidParameterException"


class ResourceAlreadyExistsException(ServiceError):
    code = "ResourceAlreadyExistsException"


class ResourceNotFoundException(ServiceError):
    code = "ResourceNotFoundException"


class LimitExceededException(ServiceError):
    code = "LimitExceededException"


class OperationAbortedException(ServiceError):
    code = "OperationAbortedException"


class TooManyTagsException(ServiceError):
    code = "TooManyTagsException"


class ServiceUnavailableException(ServiceError):
    code = "ServiceUnavailableException"
    sender_fault = False


GROUP_EXISTS = "The specified log group already exists"
STREAM_EXISTS = "The specified log stream already exists"
NO_GROUP = "The specified log group does not exist."
NO_STREAM = "The specified log stream does not exist."


def group_not_found() -> ResourceNotFoundException:
    return ResourceNotFoundException(NO_GROUP)


def stream_not_found() -> ResourceNotFoundException:
    return ResourceNotFoundException(NO_STREAM)
