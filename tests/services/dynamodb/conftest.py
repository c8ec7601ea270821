"""Fixtures for DynamoDB tests against the session's real server: clients and throwaway
tables with unique names (the server is shared by every test)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError


def unique(prefix: str = "t") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def ddb(aws_client: Callable[..., Any]) -> Any:
    return aws_client("dynamodb")


@pytest.fixture
def resource(lenticular_server: Any) -> Any:
    return boto3.resource(
        "dynamodb",
        endpoint_url=lenticular_server.endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


@pytest.fixture
def make_table(ddb: Any) -> Iterator[Callable[..., str]]:
    """make_table(hash_type="S", range_type=None, **extra) -> the new table's name."""
    created: list[str] = []

    def make(hash_type: str = "S", range_type: str | None = None, **extra: Any) -> str:
        name = unique()
        schema = [{"AttributeName": "pk", "KeyType": "HASH"}]
        defs = [{"AttributeName": "pk", "AttributeType": hash_type}]
        if range_type is not None:
            schema.append({"AttributeName": "sk", "KeyType": "RANGE"})
            defs.append({"AttributeName": "sk", "AttributeType": range_type})
        extra.setdefault("BillingMode", "PAY_PER_REQUEST")
        ddb.create_table(TableName=name, KeySchema=schema, AttributeDefinitions=defs, **extra)
        created.append(name)
        return name

    yield make
    for name in created:
        try:
            ddb.delete_table(TableName=name)
        except ClientError:
            pass


def error_of(excinfo: Any) -> tuple[str, str]:
    err = excinfo.value.response["Error"]
    return err["Code"], err.get("Message", "")
