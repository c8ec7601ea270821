"""What API Gateway keeps: REST APIs (with their resource tree), deployments, stages, and
(as plain wire documents) authorizers, API keys and usage plans.

Attribute dicts are kept in their wire shape (RestApi, Resource, Method, Integration,
Deployment, Stage as botocore's model names them), so reads need no translation.
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass, field
from typing import Any

_ID_ALPHABET = string.ascii_lowercase + string.digits


def new_id(length: int = 10) -> str:
    """An identifier shaped like AWS's: lowercase letters and digits."""
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(length))


@dataclass(slots=True)
class RestApi:
    id: str
    account_id: str
    region: str
    api: dict[str, Any]  # the RestApi's attributes (name, createdDate, rootResourceId, ...)
    resources: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> Resource

    @property
    def root_id(self) -> str:
        return self.api["rootResourceId"]


@dataclass(slots=True)
class Deployment:
    api_id: str
    id: str
    created: int  # epoch seconds
    deployment: dict[str, Any]  # id, description, createdDate
    snapshot: dict[str, Any]  # {"api": {...}, "resources": {...}} as deployed


@dataclass(slots=True)
class Stage:
    api_id: str
    name: str
    stage: dict[str, Any]  # the Stage as GetStage returns it
