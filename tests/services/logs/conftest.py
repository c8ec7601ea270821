"""Shared helpers for the CloudWatch Logs tests: unique names on the shared server."""

from __future__ import annotations

import time
import uuid

import pytest


def now_ms() -> int:
    return int(time.time() * 1000)


@pytest.fixture
def logs(aws_client):
    return aws_client("logs")


@pytest.fixture
def group_name() -> str:
    return f"/test/{uuid.uuid4().hex[:12]}"


@pytest.fixture
def group(logs, group_name) -> str:
    logs.create_log_group(logGroupName=group_name)
    return group_name
