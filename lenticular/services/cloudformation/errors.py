"""CloudFormation's modelled errors (status codes come from the model).

CloudFormation answers almost every caller mistake (bad template, unknown stack, nothing to
update) as `ValidationError`, not as the `ValidationException` other services use.
"""

from __future__ import annotations

from lenticular.errors import ServiceError


class ValidationError(ServiceError):
    code = "ValidationError"
    status = 400


class AlreadyExistsException(ServiceError):
    code = "AlreadyExistsException"


class InsufficientCapabilitiesException(ServiceError):
    code = "InsufficientCapabilitiesException"


class TemplateError(ValidationError):
    """A template that cannot be deployed, worded as CloudFormation words it."""

    def __init__(self, detail: str) -> None:
        super().__init__(f"Template format error: {detail}")


class ChangeSetNotFoundException(ServiceError):
    code = "ChangeSetNotFoundException"


class InvalidChangeSetStatusException(ServiceError):
    code = "InvalidChangeSetStatusException"
