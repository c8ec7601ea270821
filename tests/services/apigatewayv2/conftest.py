"""Helpers for the HTTP API tests: APIs with unique names on the shared server (deleted
after each test), Lambda functions from source, and plain HTTP calls to stage URLs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.services.apigateway.conftest import Reply, call, unique  # noqa: F401
from tests.services.awslambda.conftest import ROLE, make_zip


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


@pytest.fixture
def function(aws_client: Callable[..., Any]) -> Callable[[str], str]:
    """function(source) -> the ARN of a new python3.12 function `app.handler`."""
    lam = aws_client("lambda")
    names: list[str] = []

    def create(source: str, **params: Any) -> str:
        name = unique("fn")
        lam.create_function(
            FunctionName=name, Runtime="python3.12", Role=ROLE, Handler="app.handler",
            Code={"ZipFile": make_zip({"app.py": source})}, **params,
        )  # fmt: skip
        names.append(name)
        return lam.get_function(FunctionName=name)["Configuration"]["FunctionArn"]

    yield create
    for name in names:
        lam.delete_function(FunctionName=name)


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
