"""Time to Live: expired items vanish from every read at once, the background sweeper
deletes them (indexes and streams included) within seconds, and `sweep_expired` expires
on demand (engine test)."""

from __future__ import annotations

import time
from types import SimpleNamespace
from typing import Any

import pytest
from botocore.exceptions import ClientError

from lenticular.context import RequestContext
from lenticular.services.dynamodb.provider import DynamoDBProvider
from lenticular.state.datadir import DataDir
from tests.services.dynamodb.conftest import error_of

GSI = {
    "AttributeDefinitions": [{"AttributeName": "g", "AttributeType": "S"}],
    "GlobalSecondaryIndexUpdates": [
        {"Create": {"IndexName": "by_g", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "KEYS_ONLY"}}},
    ],
}  # fmt: skip


def ttl_table(ddb: Any, make_table: Any, **extra: Any) -> str:
    name = make_table(**extra)
    ddb.update_time_to_live(
        TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"}
    )
    return name


def test_expired_items_vanish_from_reads_at_once(ddb, make_table):
    name = make_table()
    now = int(time.time())
    items = {
        "past": {"N": str(now - 60)},
        "fraction": {"N": f"{now - 60}.25"},
        "exponent": {"N": f"{(now - 60) // 10}e1"},
        "future": {"N": str(now + 3600)},
        "string": {"S": str(now - 60)},
        "ancient": {"N": "162777600"},  # more than five years ago: ignored, as in AWS
    }
    for key, value in items.items():
        ddb.put_item(TableName=name, Item={"pk": {"S": key}, "exp": value})
    ddb.put_item(TableName=name, Item={"pk": {"S": "none"}})
    ddb.update_time_to_live(
        TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"}
    )
    alive = {"future", "string", "ancient", "none"}
    for key in [*items, "none"]:
        found = "Item" in ddb.get_item(TableName=name, Key={"pk": {"S": key}})
        assert found == (key in alive), key
    scanned = ddb.scan(TableName=name)
    assert {i["pk"]["S"] for i in scanned["Items"]} == alive
    assert scanned["ScannedCount"] == len(alive)
    assert ddb.scan(TableName=name, Select="COUNT")["Count"] == len(alive)
    assert ddb.query(
        TableName=name, KeyConditionExpression="pk = :k",
        ExpressionAttributeValues={":k": {"S": "past"}},
    )["Items"] == []  # fmt: skip
    got = ddb.batch_get_item(
        RequestItems={name: {"Keys": [{"pk": {"S": "past"}}, {"pk": {"S": "future"}}]}}
    )
    assert [i["pk"]["S"] for i in got["Responses"][name]] == ["future"]
    got = ddb.transact_get_items(
        TransactItems=[
            {"Get": {"TableName": name, "Key": {"pk": {"S": "past"}}}},
            {"Get": {"TableName": name, "Key": {"pk": {"S": "future"}}}},
        ]
    )
    assert ["Item" in r for r in got["Responses"]] == [False, True]


def test_sweeper_deletes_expired_items_with_indexes_and_stream_records(ddb, aws_client, make_table):
    name = ttl_table(
        ddb, make_table,
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )  # fmt: skip
    ddb.update_table(TableName=name, **GSI)
    expired = {"pk": {"S": "old"}, "g": {"S": "x"}, "exp": {"N": str(int(time.time()) - 60)}}
    ddb.put_item(TableName=name, Item=expired)
    ddb.put_item(TableName=name, Item={"pk": {"S": "new"}, "g": {"S": "x"}})
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        table = ddb.describe_table(TableName=name)["Table"]
        if table["ItemCount"] == 1:
            break
        time.sleep(0.1)
    assert table["ItemCount"] == 1  # really deleted, not only hidden
    assert table["GlobalSecondaryIndexes"][0]["ItemCount"] == 1
    found = ddb.query(
        TableName=name, IndexName="by_g", KeyConditionExpression="g = :g",
        ExpressionAttributeValues={":g": {"S": "x"}},
    )["Items"]  # fmt: skip
    assert [i["pk"]["S"] for i in found] == ["new"]
    streams = aws_client("dynamodbstreams")
    arn = table["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(
        StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    records = streams.get_records(ShardIterator=iterator)["Records"]
    # Streams order records per key only: the sweeper may remove "old" before "new" is put.
    by_key = {}
    for record in records:
        by_key.setdefault(record["dynamodb"]["Keys"]["pk"]["S"], []).append(record)
    assert [r["eventName"] for r in by_key["old"]] == ["INSERT", "REMOVE"]
    assert [r["eventName"] for r in by_key["new"]] == ["INSERT"]
    removal = by_key["old"][1]
    assert removal["userIdentity"] == {"Type": "Service", "PrincipalId": "dynamodb.amazonaws.com"}
    assert removal["dynamodb"]["OldImage"] == expired
    assert "userIdentity" not in by_key["old"][0] and "userIdentity" not in by_key["new"][0]


def test_items_written_before_ttl_is_enabled_expire_too(ddb, make_table):
    name = make_table(range_type="N")
    past = str(int(time.time()) - 10)
    ddb.put_item(TableName=name, Item={"pk": {"S": "a"}, "sk": {"N": "1"}, "exp": {"N": past}})
    ddb.update_time_to_live(
        TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"}
    )
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if ddb.describe_table(TableName=name)["Table"]["ItemCount"] == 0:
            break
        time.sleep(0.1)
    assert ddb.describe_table(TableName=name)["Table"]["ItemCount"] == 0


def test_an_item_whose_ttl_moves_forward_stays(ddb, make_table):
    name = ttl_table(ddb, make_table)
    key = {"pk": {"S": "a"}}
    ddb.put_item(TableName=name, Item={**key, "exp": {"N": str(int(time.time()) + 1)}})
    ddb.update_item(
        TableName=name, Key=key, UpdateExpression="SET exp = :e",
        ExpressionAttributeValues={":e": {"N": str(int(time.time()) + 3600)}},
    )  # fmt: skip
    time.sleep(2.2)
    assert "Item" in ddb.get_item(TableName=name, Key=key)


def test_ttl_errors(ddb, make_table):
    name = ttl_table(ddb, make_table)
    with pytest.raises(ClientError) as info:
        ddb.update_time_to_live(
            TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"}
        )
    assert error_of(info) == ("ValidationException", "TimeToLive is already enabled")
    with pytest.raises(ClientError) as info:
        ddb.update_time_to_live(
            TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "other"}
        )
    assert error_of(info) == (
        "ValidationException",
        "TimeToLive is active on a different AttributeName: current AttributeName is exp",
    )
    with pytest.raises(ClientError) as info:
        ddb.update_time_to_live(
            TableName=name, TimeToLiveSpecification={"Enabled": False, "AttributeName": "other"}
        )
    assert error_of(info) == (
        "ValidationException",
        "TimeToLive is active on a different AttributeName: current AttributeName is exp",
    )
    ddb.update_time_to_live(
        TableName=name, TimeToLiveSpecification={"Enabled": False, "AttributeName": "exp"}
    )
    with pytest.raises(ClientError) as info:
        ddb.update_time_to_live(
            TableName=name, TimeToLiveSpecification={"Enabled": False, "AttributeName": "exp"}
        )
    assert error_of(info) == ("ValidationException", "TimeToLive is already disabled")


def test_disabling_ttl_brings_unswept_items_back(tmp_path):
    provider, ctx = _engine(tmp_path)
    _create(provider, ctx, "ttl1")
    past = str(int(time.time()) - 10)
    provider.put_item(ctx, {"TableName": "ttl1", "Item": {"pk": {"S": "a"}, "exp": {"N": past}}})
    key = {"TableName": "ttl1", "Key": {"pk": {"S": "a"}}}
    assert "Item" not in provider.get_item(ctx, key)
    provider.update_time_to_live(
        ctx,
        {
            "TableName": "ttl1",
            "TimeToLiveSpecification": {"Enabled": False, "AttributeName": "exp"},
        },
    )
    assert "Item" in provider.get_item(ctx, key)
    provider.close()


# -- engine: the deterministic "expire now" hook --------------------------------------------------


def _engine(tmp_path: Any) -> tuple[DynamoDBProvider, RequestContext]:
    provider = DynamoDBProvider(SimpleNamespace(data_dir=DataDir(tmp_path)))  # type: ignore[arg-type]
    return provider, RequestContext(request=None, request_id="r")  # type: ignore[arg-type]


def _create(provider: DynamoDBProvider, ctx: RequestContext, name: str) -> None:
    provider.create_table(ctx, {
        "TableName": name, "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "BillingMode": "PAY_PER_REQUEST",
    })  # fmt: skip
    provider.update_time_to_live(
        ctx,
        {"TableName": name, "TimeToLiveSpecification": {"Enabled": True, "AttributeName": "exp"}},
    )


def test_sweep_expired_hook(tmp_path):
    provider, ctx = _engine(tmp_path)
    _create(provider, ctx, "ttl1")
    now = int(time.time())
    for n in range(1200):
        provider.put_item(
            ctx, {"TableName": "ttl1", "Item": {"pk": {"S": f"k{n}"}, "exp": {"N": str(now + n)}}}
        )
    provider.put_item(ctx, {"TableName": "ttl1", "Item": {"pk": {"S": "forever"}}})
    assert provider.sweep_expired(now=now + 100.5) == 101  # k0..k100
    assert provider.sweep_expired(now=now + 100.5) == 0
    assert provider.sweep_expired(now=now + 5000, limit=500) == 500  # one bounded batch
    assert provider.sweep_expired(now=now + 5000) == 599
    remaining = provider.scan(ctx, {"TableName": "ttl1"})["Items"]
    assert remaining == [{"pk": {"S": "forever"}}]
    provider.close()


def test_internal_sweep_endpoint_expires_items_now(aws_client, lenticular_server):
    import json as _json
    import time as _time
    import urllib.request
    import uuid as _uuid

    ddb = aws_client("dynamodb")
    name = f"sweep-{_uuid.uuid4().hex[:8]}"
    ddb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    ddb.update_time_to_live(
        TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires"}
    )
    soon = int(_time.time()) + 3600
    ddb.put_item(TableName=name, Item={"pk": {"S": "a"}, "expires": {"N": str(soon)}})
    request = urllib.request.Request(
        f"{lenticular_server.endpoint}/_lenticular/dynamodb/ttl/sweep",
        data=_json.dumps({"now": soon + 1}).encode(),
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as resp:
        assert _json.load(resp)["deleted"] >= 1
    assert "Item" not in ddb.get_item(TableName=name, Key={"pk": {"S": "a"}}, ConsistentRead=True)

    bad = urllib.request.Request(
        f"{lenticular_server.endpoint}/_lenticular/dynamodb/ttl/sweep", data=b"{oops", method="POST"
    )
    try:
        urllib.request.urlopen(bad, timeout=10)
        raise AssertionError("a malformed sweep request must be refused")
    except urllib.error.HTTPError as err:
        assert err.code == 400
