"""Fixtures for DynamoDB tests against the session's real server: clients and throwaway
tables with unique names (the server is shared by every test)."""

from __future__ import annotations

import http.client
import uuid
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

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


def post_raw(
    server: Any, target: str, body: bytes, headers: dict[str, str] | None = None,
    path: str = "/",
) -> tuple[int, dict[str, str], bytes]:  # fmt: skip
    """POST one DynamoDB request body exactly as given, past any SDK; (status, lower-cased
    headers, raw body bytes). Signed with a fixed stale signature the server (run without
    --verify-signatures) does not check."""
    url = urlsplit(server.endpoint)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    all_headers = {
        "Content-Type": "application/x-amz-json-1.0",
        "X-Amz-Target": f"DynamoDB_20120810.{target}",
        "Authorization": "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/dynamodb/"
        "aws4_request, SignedHeaders=host;x-amz-date, Signature=0",
        "X-Amz-Date": "20260101T000000Z",
        "Accept-Encoding": "identity",
        **(headers or {}),
    }
    try:
        conn.request("POST", path, body=body, headers=all_headers)
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()
