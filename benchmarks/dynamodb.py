"""DynamoDB workloads' data: the table, the request bodies, the set-up and the checks.

Every DynamoDB workload uses one table, `bench`, keyed by `pk` (string, hash) and `sk`
(string, range), holding items of 1 KB as DynamoDB counts item size (attribute names
plus values). `prepare(endpoint)` creates it with boto3 and seeds (BatchWriteItem, or PutItem per item where that is not implemented):

- `pk = "get", sk = "0"`: the item GetItem reads;
- `pk = "query", sk = "000" .. "099"`: 100 items, of which Query reads the first page
  of 10 (`Limit: 10`, so the answer also carries a LastEvaluatedKey).

PutItem writes `pk = "put-<12 digits>"`: wrk fills the digits per request (see
`wrk.py`), so every request writes a new item.

`prepare` is idempotent and bounded (boto3 timeouts, few retries, an overall deadline),
and raises `PrepareError` saying what went wrong, so the harness can skip the target.
"""

from __future__ import annotations

import json
import time
from typing import Any

TABLE = "bench"
ITEM_BYTES = 1024  # DynamoDB item size: UTF-8 lengths of attribute names and values
QUERY_ITEMS = 100  # seeded in the "query" partition
QUERY_PAGE = 10  # Limit of the Query workload
KEY_SLOT = b"@KEYSLOT@@@@"  # replaced per request by 12 digits (same length) in PutItem
PREPARE_DEADLINE_S = 60.0

ACCESS_KEY = "test"
SECRET_KEY = "test"
REGION = "us-east-1"


UNSUPPORTED = {"NotImplemented", "UnknownOperationException", "InvalidAction"}


class PrepareError(RuntimeError):
    """The target could not be set up for a workload."""


def _item(pk: str, sk: str) -> dict[str, dict[str, str]]:
    """An item of exactly ITEM_BYTES as DynamoDB sizes it (ASCII, so bytes == chars)."""
    used = len("pk") + len(pk) + len("sk") + len(sk) + len("data")
    return {"pk": {"S": pk}, "sk": {"S": sk}, "data": {"S": "x" * (ITEM_BYTES - used)}}


def _body(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, separators=(",", ":")).encode()


TABLE_SCHEMA: dict[str, Any] = {
    "TableName": TABLE,
    "KeySchema": [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "sk", "KeyType": "RANGE"},
    ],
    "AttributeDefinitions": [
        {"AttributeName": "pk", "AttributeType": "S"},
        {"AttributeName": "sk", "AttributeType": "S"},
    ],
    "BillingMode": "PAY_PER_REQUEST",
}


def seed_items() -> list[dict[str, Any]]:
    """The item GetItem reads and the partition Query pages through."""
    return [_item("get", "0")] + [_item("query", f"{i:03d}") for i in range(QUERY_ITEMS)]


def setup_calls() -> list[tuple[str, bytes]]:
    """The set-up as raw JSON-RPC calls (operation, body), for in-process measurements."""
    puts = [("PutItem", _body({"TableName": TABLE, "Item": item})) for item in seed_items()]
    return [("CreateTable", _body(TABLE_SCHEMA)), *puts]


PUT_ITEM_BODY = _body({"TableName": TABLE, "Item": _item("put-" + KEY_SLOT.decode(), "0")})
GET_ITEM_BODY = _body({"TableName": TABLE, "Key": {"pk": {"S": "get"}, "sk": {"S": "0"}}})
QUERY_BODY = _body(
    {
        "TableName": TABLE,
        "KeyConditionExpression": "pk = :p",
        "ExpressionAttributeValues": {":p": {"S": "query"}},
        "Limit": QUERY_PAGE,
    }
)


def _json(body: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(body)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def check_put_item(body: bytes) -> str | None:
    """PutItem answers `{}` (no ReturnValues, no consumed capacity asked for)."""
    return None if _json(body) is not None else f"not a JSON object: {body[:200]!r}"


def check_get_item(body: bytes) -> str | None:
    data = _json(body)
    item = (data or {}).get("Item") or {}
    if item.get("pk") != {"S": "get"} or len(item.get("data", {}).get("S", "")) < 900:
        return f"no seeded item in the answer: {body[:200]!r}"
    return None


def check_query(body: bytes) -> str | None:
    data = _json(body) or {}
    items = data.get("Items")
    if not isinstance(items, list) or len(items) != QUERY_PAGE:
        return f"expected {QUERY_PAGE} items: {body[:200]!r}"
    if "LastEvaluatedKey" not in data:
        return "no LastEvaluatedKey on a page of a longer partition"
    return None


def _client(endpoint: str) -> Any:
    import boto3  # the harness runs in the project venv, which has boto3
    from botocore.config import Config

    return boto3.session.Session().client(
        "dynamodb",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        config=Config(
            connect_timeout=5,
            read_timeout=20,
            retries={"max_attempts": 2, "mode": "standard"},
        ),
    )


def prepare(endpoint: str) -> None:
    """Create the `bench` table on `endpoint` if needed and seed the items the reads use."""
    from botocore.exceptions import BotoCoreError, ClientError

    give_up = time.monotonic() + PREPARE_DEADLINE_S
    client = _client(endpoint)
    try:
        _create_table(client, give_up)
        seed = seed_items()
        try:
            for start in range(0, len(seed), 25):
                _batch_put(client, seed[start : start + 25], give_up)
        except ClientError as exc:
            # A target without BatchWriteItem (yet) can still be measured: one PutItem each.
            if exc.response.get("Error", {}).get("Code") not in UNSUPPORTED:
                raise
            for item in seed:
                client.put_item(TableName=TABLE, Item=item)
    except (ClientError, BotoCoreError) as exc:
        raise PrepareError(f"DynamoDB set-up failed: {exc}") from exc


def _create_table(client: Any, give_up: float) -> None:
    from botocore.exceptions import ClientError

    try:
        client.create_table(**TABLE_SCHEMA)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "ResourceInUseException":
            raise
    while True:  # bounded by the deadline
        status = client.describe_table(TableName=TABLE)["Table"].get("TableStatus")
        if status == "ACTIVE":
            return
        if time.monotonic() > give_up:
            raise PrepareError(f"table {TABLE} still {status} after {PREPARE_DEADLINE_S:.0f}s")
        time.sleep(0.1)


def _batch_put(client: Any, items: list[dict[str, Any]], give_up: float) -> None:
    pending: dict[str, Any] = {TABLE: [{"PutRequest": {"Item": item}} for item in items]}
    while pending:  # bounded by the deadline
        if time.monotonic() > give_up:
            raise PrepareError(f"seeding did not finish within {PREPARE_DEADLINE_S:.0f}s")
        pending = client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
        if pending:
            time.sleep(0.1)
