"""CloudWatch's modelled errors. Codes are the model's shape names; on the wire they
become the query protocol's codes (InvalidParameterValue, ...) in every protocol, as
CloudWatch is `awsQueryCompatible`."""

from __future__ import annotations

from lenticular.errors import ServiceError


class InvalidParameterValueException(ServiceError):
    code = "InvalidParameterValueException"


class InvalidParameterCombinationException(ServiceError):
    code = "InvalidParameterCombinationException"


class MissingRequiredParameterException(ServiceError):
    code = "MissingRequiredParameterException"


class InvalidNextToken(ServiceError):
    code = "InvalidNextToken"


class ValidationException(ServiceError):
    code = "ValidationException"


class LimitExceededException(ServiceError):
    code = "LimitExceededException"


def invalid_value(value: object, parameter: str) -> InvalidParameterValueException:
    """AWS's usual wording: "The value X for parameter P is invalid." """
    return InvalidParameterValueException(
        f"The value {value} for parameter {parameter} is invalid."
    )
