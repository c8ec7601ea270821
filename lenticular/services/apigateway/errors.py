"""API Gateway's modelled errors (codes are the model's shape names, statuses its own) and
the messages AWS sends with them."""

from __future__ import annotations

from lenticular.errors import ServiceError


class BadRequestException(ServiceError):
    code = "BadRequestException"


class ConflictException(ServiceError):
    code = "ConflictException"


class NotFoundException(ServiceError):
    code = "NotFoundException"


class LimitExceededException(ServiceError):
    code = "LimitExceededException"


def api_not_found(account_id: str, api_id: str) -> NotFoundException:
    return NotFoundException(f"Invalid API identifier specified {account_id}:{api_id}")


def resource_not_found() -> NotFoundException:
    return NotFoundException("Invalid Resource identifier specified")


def method_not_found() -> NotFoundException:
    return NotFoundException("Invalid Method identifier specified")


def integration_not_found() -> NotFoundException:
    return NotFoundException("Invalid Integration identifier specified")


def response_not_found() -> NotFoundException:
    return NotFoundException("Invalid Response status code specified")


def stage_not_found() -> NotFoundException:
    return NotFoundException("Invalid Stage identifier specified")


def deployment_not_found() -> NotFoundException:
    return NotFoundException("Invalid Deployment identifier specified")


def authorizer_not_found() -> NotFoundException:
    return NotFoundException("Invalid Authorizer identifier specified")


def api_key_not_found() -> NotFoundException:
    return NotFoundException("Invalid API Key identifier specified")


def usage_plan_not_found() -> NotFoundException:
    return NotFoundException("Invalid Usage Plan ID specified")


def usage_plan_key_not_found() -> NotFoundException:
    return NotFoundException("Invalid Usage Plan Key identifier specified")
