"""Helpers for the CloudWatch metrics tests: unique namespaces on the shared server and
clients forced onto each of the three wire protocols CloudWatch speaks."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import botocore.model
import pytest

PROTOCOLS = ("smithy-rpc-v2-cbor", "json", "query")


@pytest.fixture
def cw(aws_client: Callable[..., Any]) -> Any:
    return aws_client("cloudwatch")


@pytest.fixture
def cw_with(aws_client: Callable[..., Any]) -> Callable[[str], Any]:
    """cw_with("query") -> a CloudWatch client that speaks that protocol."""

    def make(protocol: str) -> Any:
        preferred = botocore.model.PRIORITY_ORDERED_SUPPORTED_PROTOCOLS
        botocore.model.PRIORITY_ORDERED_SUPPORTED_PROTOCOLS = (protocol, *preferred)
        try:
            client = aws_client("cloudwatch")
        finally:
            botocore.model.PRIORITY_ORDERED_SUPPORTED_PROTOCOLS = preferred
        assert client.meta.service_model.resolved_protocol == protocol
        return client

    return make


@pytest.fixture
def namespace() -> str:
    return f"Test/{uuid.uuid4().hex[:12]}"
