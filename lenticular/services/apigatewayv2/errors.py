"""API Gateway V2's modelled errors (codes are the model's shape names, statuses its own)
and the messages AWS sends with them."""

from __future__ import annotations

from lenticular.errors import ServiceError


class BadRequestException(ServiceError):
    code = "BadRequestException"


class ConflictException(ServiceError):
    code = "ConflictException"


class NotFoundException(ServiceError):
    code = "NotFoundException"


def not_found(kind: str, identifier: str) -> NotFoundException:
    """AWS's wording: "Invalid Route identifier specified abc1234" (resourceType: Route)."""
    return NotFoundException(
        f"Invalid {kind} identifier specified {identifier}", fields={"ResourceType": kind}
    )
