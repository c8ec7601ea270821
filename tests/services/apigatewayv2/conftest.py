"""Helpers for the HTTP API tests: APIs with unique names on the shared server (deleted
after each test); Lambda functions from source (`function`) and plain HTTP calls to stage
URLs come from the REST API tests' conftest."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.services.apigateway.conftest import (  # noqa: F401
    QuietHandler,
    Reply,
    call,
    function,
    http_backend,
    unique,
)


@pytest.fixture
def v2(aws_client: Callable[..., Any]) -> Any:
    return aws_client("apigatewayv2")


@pytest.fixture
def http_api(v2: Any) -> Callable[..., dict[str, Any]]:
    """http_api(**params) -> a new HTTP API (deleted after the test)."""
    created: list[str] = []

    def create(**params: Any) -> dict[str, Any]:
        params.setdefault("Name", unique())
        params.setdefault("ProtocolType", "HTTP")
        api = v2.create_api(**params)
        created.append(api["ApiId"])
        return api

    yield create
    for api_id in created:
        try:
            v2.delete_api(ApiId=api_id)
        except Exception:  # noqa: BLE001 - already deleted by the test
            pass


def lambda_route(v2: Any, api_id: str, function_arn: str, route_key: str, *,
                 version: str = "2.0", **route: Any) -> dict[str, Any]:  # fmt: skip
    """A route to the function through a new AWS_PROXY integration."""
    integration = v2.create_integration(
        ApiId=api_id, IntegrationType="AWS_PROXY", IntegrationUri=function_arn,
        PayloadFormatVersion=version,
    )  # fmt: skip
    return v2.create_route(
        ApiId=api_id, RouteKey=route_key, Target=f"integrations/{integration['IntegrationId']}",
        **route,
    )  # fmt: skip
