"""DynamoDB's errors (codes are the model's shape names; statuses come from the model)."""

from __future__ import annotations

from lenticular.errors import ServiceError


class ValidationException(ServiceError):
    code = "ValidationException"
    status = 400


class SerializationException(ServiceError):
    code = "SerializationException"
    status = 400


class ResourceNotFoundException(ServiceError):
    code = "ResourceNotFoundException"


class ResourceInUseException(ServiceError):
    code = "ResourceInUseException"


class ConditionalCheckFailedException(ServiceError):
    code = "ConditionalCheckFailedException"


class TransactionCanceledException(ServiceError):
    code = "TransactionCanceledException"


class TransactionConflictException(ServiceError):
    code = "TransactionConflictException"


class IdempotentParameterMismatchException(ServiceError):
    code = "IdempotentParameterMismatchException"


class ItemCollectionSizeLimitExceededException(ServiceError):
    code = "ItemCollectionSizeLimitExceededException"


class LimitExceededException(ServiceError):
    code = "LimitExceededException"


class ProvisionedThroughputExceededException(ServiceError):
    code = "ProvisionedThroughputExceededException"


class DuplicateItemException(ServiceError):
    code = "DuplicateItemException"


class InternalServerError(ServiceError):
    code = "InternalServerError"
    sender_fault = False


class TableNotFoundException(ServiceError):
    code = "TableNotFoundException"
