"""GetItem serves hot items from memory (item_cache): every kind of write must show in
the next read, a failed write must not, and a table deleted and made again is empty.
Each test reads first (so the item is cached), writes, then reads again over the wire."""

from __future__ import annotations

import time
from typing import Any

import pytest
from botocore.exceptions import ClientError

KEY = {"pk": {"S": "k"}}


def read(ddb: Any, table: str, consistent: bool = False) -> dict[str, Any] | None:
    return ddb.get_item(TableName=table, Key=KEY, ConsistentRead=consistent).get("Item")


@pytest.fixture
def cached(ddb: Any, make_table: Any) -> str:
    table = make_table()
    ddb.put_item(TableName=table, Item={**KEY, "v": {"N": "1"}})
    assert read(ddb, table) == {**KEY, "v": {"N": "1"}}
    assert read(ddb, table, consistent=True) == {**KEY, "v": {"N": "1"}}
    return table


def test_put_update_delete_show_at_once(ddb: Any, cached: str) -> None:
    ddb.put_item(TableName=cached, Item={**KEY, "v": {"N": "2"}})
    assert read(ddb, cached)["v"] == {"N": "2"}
    ddb.update_item(
        TableName=cached, Key=KEY, UpdateExpression="SET v = v + :one",
        ExpressionAttributeValues={":one": {"N": "1"}},
    )  # fmt: skip
    assert read(ddb, cached)["v"] == {"N": "3"}
    ddb.delete_item(TableName=cached, Key=KEY)
    assert read(ddb, cached) is None
    ddb.put_item(TableName=cached, Item={**KEY, "v": {"N": "4"}})
    assert read(ddb, cached)["v"] == {"N": "4"}


def test_batch_transaction_and_partiql_writes_show(ddb: Any, cached: str) -> None:
    ddb.batch_write_item(
        RequestItems={cached: [{"PutRequest": {"Item": {**KEY, "v": {"N": "5"}}}}]}
    )
    assert read(ddb, cached)["v"] == {"N": "5"}
    ddb.transact_write_items(
        TransactItems=[{"Update": {
            "TableName": cached, "Key": KEY, "UpdateExpression": "SET v = :v",
            "ExpressionAttributeValues": {":v": {"N": "6"}},
        }}]
    )  # fmt: skip
    assert read(ddb, cached)["v"] == {"N": "6"}
    ddb.execute_statement(Statement=f"UPDATE \"{cached}\" SET v = 7 WHERE pk = 'k'")
    assert read(ddb, cached)["v"] == {"N": "7"}
    ddb.batch_write_item(RequestItems={cached: [{"DeleteRequest": {"Key": KEY}}]})
    assert read(ddb, cached) is None


def test_failed_writes_leave_the_item(ddb: Any, cached: str) -> None:
    with pytest.raises(ClientError):
        ddb.put_item(
            TableName=cached, Item={**KEY, "v": {"N": "9"}},
            ConditionExpression="attribute_not_exists(pk)",
        )  # fmt: skip
    with pytest.raises(ClientError):  # the second action fails: the first is undone
        ddb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": cached, "Item": {**KEY, "v": {"N": "9"}}}},
                {"ConditionCheck": {
                    "TableName": cached, "Key": {"pk": {"S": "absent"}},
                    "ConditionExpression": "attribute_exists(pk)",
                }},
            ]
        )  # fmt: skip
    assert read(ddb, cached) == {**KEY, "v": {"N": "1"}}


def test_table_deleted_and_created_again_is_empty(ddb: Any, cached: str) -> None:
    ddb.delete_table(TableName=cached)
    ddb.get_waiter("table_not_exists").wait(TableName=cached, WaiterConfig={"Delay": 0.1})
    ddb.create_table(
        TableName=cached,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    assert read(ddb, cached) is None


def test_expired_item_is_hidden_though_read_before(ddb: Any, make_table: Any) -> None:
    table = make_table()
    ddb.update_time_to_live(
        TableName=table, TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"}
    )
    ddb.put_item(TableName=table, Item={**KEY, "exp": {"N": str(int(time.time()) + 2)}})
    assert read(ddb, table) is not None  # cached now
    deadline = time.monotonic() + 10
    while read(ddb, table) is not None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert read(ddb, table) is None
