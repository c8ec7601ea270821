"""DynamoDB Streams: StreamSpecification on tables, the records every write produces
(per StreamViewType), and the dynamodbstreams API (boto3 against the real server), plus
engine tests for what cannot be waited for over HTTP (expired iterators, trimming)."""

from __future__ import annotations

import re
import time
from types import SimpleNamespace
from typing import Any

import pytest
from botocore.exceptions import ClientError

from lenticular.context import RequestContext
from lenticular.services.dynamodb.provider import DynamoDBProvider
from lenticular.services.dynamodbstreams import iterators
from lenticular.services.dynamodbstreams.provider import DynamoDBStreamsProvider
from lenticular.state.datadir import DataDir
from tests.services.dynamodb.conftest import error_of, unique

VIEWS = ["KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES"]


@pytest.fixture
def streams(aws_client: Any) -> Any:
    return aws_client("dynamodbstreams")


def stream_table(make_table: Any, view: str = "NEW_AND_OLD_IMAGES", **extra: Any) -> str:
    return make_table(StreamSpecification={"StreamEnabled": True, "StreamViewType": view}, **extra)


def stream_of(ddb: Any, name: str) -> str:
    return ddb.describe_table(TableName=name)["Table"]["LatestStreamArn"]


def shard_of(streams: Any, arn: str) -> str:
    return streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]


def read_all(streams: Any, arn: str, kind: str = "TRIM_HORIZON", **extra: Any) -> list[Any]:
    iterator = streams.get_shard_iterator(
        StreamArn=arn, ShardId=shard_of(streams, arn), ShardIteratorType=kind, **extra
    )["ShardIterator"]
    records: list[Any] = []
    while iterator:
        page = streams.get_records(ShardIterator=iterator)
        records += page["Records"]
        if not page["Records"]:
            break
        iterator = page.get("NextShardIterator")
    return records


# -- the table side --------------------------------------------------------------------------


def test_stream_on_create_describe_and_list(ddb, streams, make_table):
    name = stream_table(make_table, "KEYS_ONLY")
    table = ddb.describe_table(TableName=name)["Table"]
    assert table["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"}
    arn = table["LatestStreamArn"]
    label = table["LatestStreamLabel"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}", label)
    assert arn == f"{table['TableArn']}/stream/{label}"
    listed = streams.list_streams(TableName=name)["Streams"]
    assert listed == [{"StreamArn": arn, "TableName": name, "StreamLabel": label}]
    description = streams.describe_stream(StreamArn=arn)["StreamDescription"]
    assert description["StreamStatus"] == "ENABLED"
    assert description["StreamViewType"] == "KEYS_ONLY"
    assert description["TableName"] == name
    assert description["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}]
    assert "CreationRequestDateTime" in description
    (shard,) = description["Shards"]
    assert re.fullmatch(r"shardId-\d{20}-[0-9a-f]{8}", shard["ShardId"])
    start = shard["SequenceNumberRange"]["StartingSequenceNumber"]
    assert start.isdecimal() and len(start) >= 21
    assert "EndingSequenceNumber" not in shard["SequenceNumberRange"]
    assert streams.list_streams(TableName=make_table())["Streams"] == []


def test_stream_specification_errors(ddb, make_table):
    name = stream_table(make_table, "KEYS_ONLY")
    with pytest.raises(ClientError) as info:
        ddb.update_table(
            TableName=name,
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
        )
    assert error_of(info) == (
        "ValidationException",
        f"Table already has an enabled stream: TableName: {name}",
    )
    plain = make_table()
    with pytest.raises(ClientError) as info:
        ddb.update_table(TableName=plain, StreamSpecification={"StreamEnabled": False})
    assert error_of(info) == (
        "ValidationException",
        f"Table has no stream to disable: TableName: {plain}",
    )
    with pytest.raises(ClientError) as info:
        ddb.update_table(TableName=plain, StreamSpecification={"StreamEnabled": True})
    assert error_of(info) == (
        "ValidationException",
        "One or more parameter values were invalid: StreamViewType must be specified when"
        " StreamEnabled is true",
    )
    with pytest.raises(ClientError) as info:
        ddb.update_table(
            TableName=name,
            StreamSpecification={"StreamEnabled": False, "StreamViewType": "KEYS_ONLY"},
        )
    assert error_of(info)[1] == (
        "One or more parameter values were invalid: If stream is being disabled, then"
        " UpdateViewType must not be specified"
    )
    # creating a table with the stream explicitly off is fine
    off = make_table(StreamSpecification={"StreamEnabled": False})
    assert "LatestStreamArn" not in ddb.describe_table(TableName=off)["Table"]


def test_disable_keeps_old_stream_and_enable_makes_a_new_one(ddb, streams, make_table):
    name = stream_table(make_table, "KEYS_ONLY")
    first = stream_of(ddb, name)
    ddb.put_item(TableName=name, Item={"pk": {"S": "a"}})
    ddb.update_table(TableName=name, StreamSpecification={"StreamEnabled": False})
    ddb.put_item(TableName=name, Item={"pk": {"S": "b"}})  # no stream: no record
    description = streams.describe_stream(StreamArn=first)["StreamDescription"]
    assert description["StreamStatus"] == "DISABLED"
    numbers = description["Shards"][0]["SequenceNumberRange"]
    assert numbers["EndingSequenceNumber"].isdecimal()
    assert [r["dynamodb"]["Keys"] for r in read_all(streams, first)] == [{"pk": {"S": "a"}}]
    # a closed shard ends: no NextShardIterator after its last record
    iterator = streams.get_shard_iterator(
        StreamArn=first, ShardId=shard_of(streams, first), ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    page = streams.get_records(ShardIterator=iterator)
    assert len(page["Records"]) == 1 and "NextShardIterator" not in page
    out = ddb.update_table(
        TableName=name, StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}
    )["TableDescription"]
    second = out["LatestStreamArn"]
    assert second != first
    ddb.put_item(TableName=name, Item={"pk": {"S": "c"}})
    assert [r["dynamodb"]["Keys"] for r in read_all(streams, second)] == [{"pk": {"S": "c"}}]
    listed = {s["StreamArn"] for s in streams.list_streams(TableName=name)["Streams"]}
    assert listed == {first, second}


def test_deleted_table_leaves_a_disabled_stream(ddb, streams, make_table):
    name = stream_table(make_table, "NEW_IMAGE")
    arn = stream_of(ddb, name)
    ddb.put_item(TableName=name, Item={"pk": {"S": "a"}})
    ddb.delete_table(TableName=name)
    assert streams.describe_stream(StreamArn=arn)["StreamDescription"]["StreamStatus"] == "DISABLED"
    assert len(read_all(streams, arn)) == 1


# -- records ---------------------------------------------------------------------------------


@pytest.mark.parametrize("view", VIEWS)
def test_records_per_view_type(ddb, streams, make_table, view):
    name = stream_table(make_table, view, range_type="S")
    arn = stream_of(ddb, name)
    key = {"pk": {"S": "p"}, "sk": {"S": "s"}}
    first = {**key, "x": {"N": "2"}}
    second = {**key, "y": {"N": "3"}}
    ddb.put_item(TableName=name, Item=first)
    ddb.put_item(TableName=name, Item=first)  # identical: no record
    ddb.put_item(TableName=name, Item=second)
    ddb.update_item(
        TableName=name, Key=key, UpdateExpression="SET y = :v",
        ExpressionAttributeValues={":v": {"N": "3"}},
    )  # fmt: skip  # sets what is there: no record
    ddb.update_item(TableName=name, Key=key, UpdateExpression="REMOVE nothing")  # no record
    ddb.delete_item(TableName=name, Key=key)
    ddb.delete_item(TableName=name, Key=key)  # missing: no record
    records = read_all(streams, arn)
    assert [r["eventName"] for r in records] == ["INSERT", "MODIFY", "REMOVE"]
    expected = [(None, first), (first, second), (second, None)]
    numbers = []
    for record, (old, new) in zip(records, expected, strict=True):
        assert re.fullmatch(r"[0-9a-f]{32}", record["eventID"])
        assert record["eventVersion"] == "1.1"
        assert record["eventSource"] == "aws:dynamodb"
        assert record["awsRegion"] == "us-east-1"
        assert "userIdentity" not in record
        body = record["dynamodb"]
        assert body["Keys"] == key
        assert body["StreamViewType"] == view
        assert body["SizeBytes"] > 0
        assert "ApproximateCreationDateTime" in body
        numbers.append(int(body["SequenceNumber"]))
        wants_new = view in ("NEW_IMAGE", "NEW_AND_OLD_IMAGES") and new is not None
        wants_old = view in ("OLD_IMAGE", "NEW_AND_OLD_IMAGES") and old is not None
        assert body.get("NewImage") == (new if wants_new else None)
        assert body.get("OldImage") == (old if wants_old else None)
    assert numbers == sorted(numbers) and len(set(numbers)) == 3


def test_equal_sets_and_maps_make_no_record(ddb, streams, make_table):
    name = stream_table(make_table, "KEYS_ONLY")
    arn = stream_of(ddb, name)
    item = {
        "pk": {"S": "a"},
        "s": {"SS": ["x", "y"]},
        "m": {"M": {"a": {"N": "1"}, "b": {"B": b"1"}}},
    }
    ddb.put_item(TableName=name, Item=item)
    ddb.put_item(
        TableName=name,
        Item={
            "pk": {"S": "a"},
            "s": {"SS": ["y", "x"]},
            "m": {"M": {"b": {"B": b"1"}, "a": {"N": "1.0"}}},
        },
    )
    assert [r["eventName"] for r in read_all(streams, arn)] == ["INSERT"]


def test_batch_transaction_and_binary_records(ddb, streams, make_table):
    name = stream_table(make_table, "NEW_AND_OLD_IMAGES")
    arn = stream_of(ddb, name)
    ddb.batch_write_item(
        RequestItems={
            name: [
                {"PutRequest": {"Item": {"pk": {"S": "a"}, "b": {"B": b"\x00\xff"}}}},
                {"PutRequest": {"Item": {"pk": {"S": "b"}}}},
                {"DeleteRequest": {"Key": {"pk": {"S": "missing"}}}},
            ]
        }
    )
    ddb.transact_write_items(
        TransactItems=[
            {"Delete": {"TableName": name, "Key": {"pk": {"S": "a"}}}},
            {"Update": {"TableName": name, "Key": {"pk": {"S": "b"}}, "UpdateExpression": "SET n = :n",
                        "ExpressionAttributeValues": {":n": {"N": "1"}}}},
        ]
    )  # fmt: skip
    records = read_all(streams, arn)
    assert [(r["eventName"], r["dynamodb"]["Keys"]["pk"]["S"]) for r in records] == [
        ("INSERT", "a"), ("INSERT", "b"), ("REMOVE", "a"), ("MODIFY", "b"),
    ]  # fmt: skip
    assert records[0]["dynamodb"]["NewImage"]["b"] == {"B": b"\x00\xff"}
    assert records[2]["dynamodb"]["OldImage"]["b"] == {"B": b"\x00\xff"}


def test_failed_writes_make_no_record(ddb, streams, make_table):
    name = stream_table(make_table, "KEYS_ONLY")
    arn = stream_of(ddb, name)
    with pytest.raises(ClientError):
        ddb.put_item(
            TableName=name, Item={"pk": {"S": "a"}}, ConditionExpression="attribute_exists(pk)"
        )
    with pytest.raises(ClientError):
        ddb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": name, "Item": {"pk": {"S": "b"}}}},
                {"ConditionCheck": {"TableName": name, "Key": {"pk": {"S": "c"}},
                                    "ConditionExpression": "attribute_exists(pk)"}},
            ]
        )  # fmt: skip
    assert read_all(streams, arn) == []


def test_update_that_only_removes_creates_no_item_and_no_record(ddb, streams, make_table):
    # DynamoDB creates no item (not even the key) for an UpdateItem whose actions only
    # remove (REMOVE, DELETE, AttributeUpdates DELETE) when the item is missing, so the
    # stream has no INSERT; the same update on an existing item is a MODIFY or nothing.
    name = stream_table(make_table, "NEW_AND_OLD_IMAGES", range_type="S")
    arn = stream_of(ddb, name)
    key = {"pk": {"S": "a"}, "sk": {"S": "b"}}
    answer = ddb.update_item(
        TableName=name, Key=key, UpdateExpression="REMOVE g", ReturnValues="ALL_NEW",
        ReturnConsumedCapacity="TOTAL",
    )  # fmt: skip
    assert "Attributes" not in answer
    assert answer["ConsumedCapacity"] == {"TableName": name, "CapacityUnits": 1.0}
    ddb.update_item(TableName=name, Key=key, UpdateExpression="DELETE s :s",
                    ExpressionAttributeValues={":s": {"SS": ["x"]}})  # fmt: skip
    ddb.update_item(TableName=name, Key=key, AttributeUpdates={"g": {"Action": "DELETE"}})
    ddb.update_item(TableName=name, Key=key, UpdateExpression="REMOVE x.y")
    ddb.transact_write_items(
        TransactItems=[{"Update": {"TableName": name, "Key": key, "UpdateExpression": "REMOVE g"}}]
    )
    assert "Item" not in ddb.get_item(TableName=name, Key=key, ConsistentRead=True)
    ddb.update_item(TableName=name, Key=key, UpdateExpression="SET e = :v, g = :v",
                    ExpressionAttributeValues={":v": {"N": "1"}})  # fmt: skip
    ddb.update_item(TableName=name, Key=key, UpdateExpression="REMOVE g")
    ddb.update_item(TableName=name, Key=key, UpdateExpression="REMOVE g")  # a no-op now
    records = read_all(streams, arn)
    assert [r["eventName"] for r in records] == ["INSERT", "MODIFY"]
    assert records[1]["dynamodb"]["OldImage"] == {**key, "e": {"N": "1"}, "g": {"N": "1"}}
    assert records[1]["dynamodb"]["NewImage"] == {**key, "e": {"N": "1"}}
    # an update with no actions at all still creates the item with just its key
    other = {"pk": {"S": "c"}, "sk": {"S": "d"}}
    ddb.update_item(TableName=name, Key=other)
    assert ddb.get_item(TableName=name, Key=other, ConsistentRead=True)["Item"] == other


# -- iterators -------------------------------------------------------------------------------


def test_iterator_types_and_paging(ddb, streams, make_table):
    name = stream_table(make_table, "KEYS_ONLY")
    arn = stream_of(ddb, name)
    shard = shard_of(streams, arn)
    latest = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="LATEST")
    for n in range(5):
        ddb.put_item(TableName=name, Item={"pk": {"S": f"k{n}"}})
    everything = read_all(streams, arn)
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in everything] == [f"k{n}" for n in range(5)]
    # LATEST taken before the writes sees them all; one taken now sees none
    page = streams.get_records(ShardIterator=latest["ShardIterator"], Limit=2)
    assert len(page["Records"]) == 2
    page = streams.get_records(ShardIterator=page["NextShardIterator"])
    assert len(page["Records"]) == 3
    page = streams.get_records(ShardIterator=page["NextShardIterator"])
    assert page["Records"] == [] and "NextShardIterator" in page
    assert read_all(streams, arn, "LATEST") == []
    third = everything[2]["dynamodb"]["SequenceNumber"]
    at = read_all(streams, arn, "AT_SEQUENCE_NUMBER", SequenceNumber=third)
    assert [r["dynamodb"]["SequenceNumber"] for r in at] == [
        r["dynamodb"]["SequenceNumber"] for r in everything[2:]
    ]
    after = read_all(streams, arn, "AFTER_SEQUENCE_NUMBER", SequenceNumber=third)
    assert len(after) == 2
    start = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0][
        "SequenceNumberRange"
    ]["StartingSequenceNumber"]
    assert len(read_all(streams, arn, "AT_SEQUENCE_NUMBER", SequenceNumber=start)) == 5
    stamp = everything[0]["dynamodb"]["ApproximateCreationDateTime"]
    assert len(read_all(streams, arn, "AT_TIMESTAMP", Timestamp=stamp)) == 5


def test_a_polling_loop_sees_every_change_in_order(ddb, streams, make_table):
    """What a consumer without the KCL writes: describe, iterate from TRIM_HORIZON, poll."""
    name = stream_table(make_table, "NEW_IMAGE")
    arn = stream_of(ddb, name)
    shards = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
    positions = {
        s["ShardId"]: streams.get_shard_iterator(
            StreamArn=arn, ShardId=s["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        for s in shards
    }
    seen: list[str] = []
    for n in range(30):
        ddb.update_item(
            TableName=name, Key={"pk": {"S": "counter"}}, UpdateExpression="ADD n :one",
            ExpressionAttributeValues={":one": {"N": "1"}},
        )  # fmt: skip
        if n % 7 == 0:  # poll now and then, as a consumer would
            for shard_id, iterator in list(positions.items()):
                page = streams.get_records(ShardIterator=iterator, Limit=4)
                seen += [r["dynamodb"]["NewImage"]["n"]["N"] for r in page["Records"]]
                positions[shard_id] = page["NextShardIterator"]
    for _ in range(20):
        for shard_id, iterator in list(positions.items()):
            page = streams.get_records(ShardIterator=iterator)
            seen += [r["dynamodb"]["NewImage"]["n"]["N"] for r in page["Records"]]
            positions[shard_id] = page["NextShardIterator"]
        if len(seen) == 30:
            break
    assert seen == [str(n) for n in range(1, 31)]


# -- the API's errors and paging -------------------------------------------------------------


def test_list_streams_paging(ddb, streams, make_table):
    names = [stream_table(make_table, "KEYS_ONLY") for _ in range(3)]
    arns = sorted(stream_of(ddb, n) for n in names)
    seen: list[str] = []
    page = streams.list_streams(Limit=1)
    while True:
        assert len(page["Streams"]) <= 1
        seen += [s["StreamArn"] for s in page["Streams"]]
        if "LastEvaluatedStreamArn" not in page:
            break
        assert page["LastEvaluatedStreamArn"] == page["Streams"][-1]["StreamArn"]
        page = streams.list_streams(Limit=1, ExclusiveStartStreamArn=page["LastEvaluatedStreamArn"])
    assert len(seen) == len(set(seen)) and set(arns) <= set(seen)
    assert "LastEvaluatedStreamArn" not in streams.list_streams(Limit=100)
    with pytest.raises(ClientError) as info:
        streams.list_streams(Limit=101)
    assert error_of(info) == (
        "ValidationException",
        "1 validation error detected: Value '101' at 'limit' failed to satisfy constraint:"
        " Member must have value less than or equal to 100",
    )
    with pytest.raises(ClientError) as info:
        streams.list_streams(ExclusiveStartStreamArn="x" * 40)
    assert error_of(info) == ("ValidationException", f"Invalid ExclusiveStartStreamArn: {'x' * 40}")
    missing = unique()
    with pytest.raises(ClientError) as info:
        streams.list_streams(TableName=missing)
    assert error_of(info) == (
        "ResourceNotFoundException",
        f"Requested resource not found: Table: {missing} not found",
    )


def test_stream_errors(ddb, streams, make_table):
    name = stream_table(make_table, "KEYS_ONLY")
    arn = stream_of(ddb, name)
    shard = shard_of(streams, arn)
    bogus = "sdfadfsdfnlfkajakfgjalksfgklasjklasdjfklasdfasdfgasf"
    with pytest.raises(ClientError) as info:
        streams.describe_stream(StreamArn=bogus)
    assert error_of(info) == ("ValidationException", f"Invalid StreamArn: {bogus}")
    other = arn.replace(name, name + "-gone")
    with pytest.raises(ClientError) as info:
        streams.describe_stream(StreamArn=other)
    assert error_of(info) == (
        "ResourceNotFoundException",
        f"Requested resource not found: Stream: {other} not found",
    )
    assert (
        streams.describe_stream(StreamArn=arn, ExclusiveStartShardId="z" * 40)["StreamDescription"][
            "Shards"
        ]
        == []
    )
    children = streams.describe_stream(
        StreamArn=arn, ShardFilter={"Type": "CHILD_SHARDS", "ShardId": shard}
    )
    assert children["StreamDescription"]["Shards"] == []
    with pytest.raises(ClientError) as info:
        streams.get_shard_iterator(
            StreamArn=arn, ShardId="shardId-" + "9" * 30, ShardIteratorType="LATEST"
        )
    assert error_of(info) == (
        "ResourceNotFoundException",
        "Requested resource not found: Shard does not exist",
    )
    with pytest.raises(ClientError) as info:
        streams.get_shard_iterator(
            StreamArn=arn, ShardId=shard, ShardIteratorType="AT_SEQUENCE_NUMBER"
        )
    assert error_of(info) == (
        "ValidationException",
        "SequenceNumber is required for ShardIteratorType AT_SEQUENCE_NUMBER",
    )
    start = "1" + "0" * 20
    with pytest.raises(ClientError) as info:
        streams.get_shard_iterator(
            StreamArn=arn, ShardId=shard, ShardIteratorType="LATEST", SequenceNumber=start
        )
    assert error_of(info) == (
        "ValidationException",
        "SequenceNumber must not be specified for ShardIteratorType LATEST",
    )
    junk = "sdfsafglldfngjdafnasdflgnal"
    with pytest.raises(ClientError) as info:
        streams.get_shard_iterator(
            StreamArn=arn, ShardId=shard, ShardIteratorType="AFTER_SEQUENCE_NUMBER",
            SequenceNumber=junk,
        )  # fmt: skip
    assert error_of(info) == (
        "ValidationException",
        f"Invalid SequenceNumber {junk} for shard {shard}: it is not in the shard's sequence"
        " number range",
    )
    with pytest.raises(ClientError) as info:
        streams.get_records(ShardIterator="sdfsdfsgagaddafgagasgasgasdfasdfasdf")
    assert error_of(info) == ("ValidationException", "Invalid ShardIterator")
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="LATEST")[
        "ShardIterator"
    ]
    assert iterator.startswith(arn + "|1|")
    streams.get_records(ShardIterator=iterator, Limit=1000)
    with pytest.raises(ClientError) as info:
        streams.get_records(ShardIterator=iterator, Limit=1001)
    assert error_of(info) == (
        "ValidationException",
        "1 validation error detected: Value '1001' at 'limit' failed to satisfy constraint:"
        " Member must have value less than or equal to 1000",
    )
    mine = iterators.decode(iterator)
    stale = iterators.encode(
        iterators.Position(mine.arn, mine.stream_id, mine.shard_id, mine.seq, time.time() - 960)
    )
    with pytest.raises(ClientError) as info:
        streams.get_records(ShardIterator=stale)
    code, message = error_of(info)
    assert code == "ExpiredIteratorException"
    assert message.startswith("Iterator expired. The iterator was created at time ")


# -- engine: retention -----------------------------------------------------------------------


def test_records_older_than_a_day_are_trimmed(tmp_path):
    registry = SimpleNamespace(data_dir=DataDir(tmp_path))
    dynamodb = DynamoDBProvider(registry)  # type: ignore[arg-type]
    registry.get = lambda name: dynamodb  # type: ignore[attr-defined]
    api = DynamoDBStreamsProvider(registry)  # type: ignore[arg-type]
    ctx = RequestContext(request=None, request_id="r")  # type: ignore[arg-type]
    out = dynamodb.create_table(ctx, {
        "TableName": "trim", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "BillingMode": "PAY_PER_REQUEST",
        "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"},
    })  # fmt: skip
    arn = out["TableDescription"]["LatestStreamArn"]
    dynamodb.put_item(ctx, {"TableName": "trim", "Item": {"pk": {"S": "a"}}})
    shard = api.describe_stream(ctx, {"StreamArn": arn})["StreamDescription"]["Shards"][0]
    horizon = api.get_shard_iterator(
        ctx, {"StreamArn": arn, "ShardId": shard["ShardId"], "ShardIteratorType": "TRIM_HORIZON"}
    )["ShardIterator"]
    assert dynamodb.streams.trim(now=time.time() + 25 * 3600) == 1
    with pytest.raises(Exception) as info:
        api.get_records(ctx, {"ShardIterator": horizon})
    assert info.value.code == "TrimmedDataAccessException"  # type: ignore[attr-defined]
    fresh = api.get_shard_iterator(
        ctx, {"StreamArn": arn, "ShardId": shard["ShardId"], "ShardIteratorType": "TRIM_HORIZON"}
    )["ShardIterator"]
    assert api.get_records(ctx, {"ShardIterator": fresh})["Records"] == []
    dynamodb.put_item(ctx, {"TableName": "trim", "Item": {"pk": {"S": "b"}}})
    assert len(api.get_records(ctx, {"ShardIterator": fresh})["Records"]) == 1
    # a stream disabled more than a day ago is gone
    dynamodb.update_table(
        ctx, {"TableName": "trim", "StreamSpecification": {"StreamEnabled": False}}
    )
    dynamodb.streams.trim(now=time.time() + 25 * 3600)
    with pytest.raises(Exception) as info:
        api.describe_stream(ctx, {"StreamArn": arn})
    assert info.value.code == "ResourceNotFoundException"  # type: ignore[attr-defined]
    dynamodb.close()
