"""Event source mappings for DynamoDB streams: the API, and records reaching a function
in order (batches, windows, filters, retries with bisect, partial batch responses,
on-failure destinations, disable/enable/delete, and a restart resuming from the
checkpoint). The functions write what they receive to another DynamoDB table."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from lenticular.services.awslambda.event_filters import compile_criteria, matches_any
from lenticular.services.awslambda.stream_poller import first_failure
from tests.services.awslambda.conftest import ROLE, make_zip, unique
from tests.services.awslambda.test_functions import error

# Writes every event it gets to the SINK table (one item per invocation); then fails
# (MODE=fail) or reports the failed records (MODE=report) when a record's new image
# has a `fail` attribute.
RECORDER = """
import json, os, time
import boto3

ddb = boto3.client("dynamodb")

def handler(event, context):
    ddb.put_item(TableName=os.environ["SINK"], Item={
        "id": {"S": context.aws_request_id},
        "at": {"N": repr(time.time())},
        "event": {"S": json.dumps(event)},
    })
    mode = os.environ.get("MODE", "record")
    bad = [r for r in event.get("Records") or []
           if "fail" in (r.get("dynamodb", {}).get("NewImage") or {})]
    if mode == "fail" and bad:
        raise RuntimeError("bad record")
    if mode == "report" and bad:
        return {"batchItemFailures": [
            {"itemIdentifier": r["dynamodb"]["SequenceNumber"]} for r in bad]}
    return None
"""
TIMEOUT = 15.0


def wait_until(check: Callable[[], Any], timeout: float = TIMEOUT, every: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting ({timeout}s); last value {value!r}")
        time.sleep(every)


@pytest.fixture
def ddb(aws_client: Callable[..., Any]) -> Any:
    return aws_client("dynamodb")


def make_table(ddb: Any, *, stream: bool = True) -> tuple[str, str | None]:
    """A table keyed by `pk` (with a NEW_AND_OLD_IMAGES stream): (name, stream ARN)."""
    name = unique("tbl")
    params: dict[str, Any] = {
        "TableName": name,
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "BillingMode": "PAY_PER_REQUEST",
    }
    if stream:
        params["StreamSpecification"] = {
            "StreamEnabled": True,
            "StreamViewType": "NEW_AND_OLD_IMAGES",
        }
    table = ddb.create_table(**params)["TableDescription"]
    return name, table.get("LatestStreamArn")


def make_sink(ddb: Any) -> str:
    name = unique("sink")
    ddb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return name


def make_recorder(lam: Any, sink: str, mode: str = "record") -> dict[str, Any]:
    return lam.create_function(
        FunctionName=unique("esm"),
        Runtime="python3.12",
        Role=ROLE,
        Handler="app.handler",
        Code={"ZipFile": make_zip({"app.py": RECORDER})},
        Environment={"Variables": {"SINK": sink, "MODE": mode}},
        Timeout=30,
    )


def invocations(ddb: Any, sink: str) -> list[dict[str, Any]]:
    """The events the recorder got, in the order it got them."""
    items = ddb.scan(TableName=sink, ConsistentRead=True)["Items"]
    items.sort(key=lambda item: float(item["at"]["N"]))
    return [json.loads(item["event"]["S"]) for item in items]


def batches(ddb: Any, sink: str) -> list[list[str]]:
    """Each invocation's records as their `pk`s."""
    return [
        [r["dynamodb"]["Keys"]["pk"]["S"] for r in e["Records"]] for e in invocations(ddb, sink)
    ]


def wait_for_state(lam: Any, uuid: str, state: str) -> dict[str, Any]:
    return wait_until(
        lambda: (m := lam.get_event_source_mapping(UUID=uuid))["State"] == state and m,
        timeout=5,
        every=0.02,
    )


def put(ddb: Any, table: str, pk: str, **attrs: Any) -> None:
    item = {"pk": {"S": pk}}
    item.update({k: v if isinstance(v, dict) else {"S": str(v)} for k, v in attrs.items()})
    ddb.put_item(TableName=table, Item=item)


# -- the API ---------------------------------------------------------------------------------


def test_create_get_list_update_delete(lam, ddb):
    sink = make_sink(ddb)
    fn = make_recorder(lam, sink)
    table, stream_arn = make_table(ddb)
    created = lam.create_event_source_mapping(
        EventSourceArn=stream_arn,
        FunctionName=fn["FunctionName"],
        StartingPosition="LATEST",
        BatchSize=10,
        MaximumRetryAttempts=3,
        FunctionResponseTypes=["ReportBatchItemFailures"],
    )
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 202
    uuid = created["UUID"]
    assert created["State"] == "Creating"
    assert created["StateTransitionReason"] == "User action"
    assert created["LastProcessingResult"] == "No records processed"
    assert created["FunctionArn"] == fn["FunctionArn"]
    assert created["EventSourceArn"] == stream_arn
    assert created["StartingPosition"] == "LATEST"
    assert created["BatchSize"] == 10
    assert created["MaximumBatchingWindowInSeconds"] == 0
    assert created["ParallelizationFactor"] == 1
    assert created["MaximumRetryAttempts"] == 3
    assert created["MaximumRecordAgeInSeconds"] == -1
    assert created["BisectBatchOnFunctionError"] is False
    assert created["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert created["DestinationConfig"] == {"OnFailure": {}}
    assert created["EventSourceMappingArn"] == (
        f"arn:aws:lambda:us-east-1:000000000000:event-source-mapping:{uuid}"
    )
    got = wait_for_state(lam, uuid, "Enabled")
    assert got["UUID"] == uuid and got["BatchSize"] == 10

    listed = lam.list_event_source_mappings(FunctionName=fn["FunctionName"])
    assert [m["UUID"] for m in listed["EventSourceMappings"]] == [uuid]
    listed = lam.list_event_source_mappings(EventSourceArn=stream_arn)
    assert [m["UUID"] for m in listed["EventSourceMappings"]] == [uuid]

    updated = lam.update_event_source_mapping(
        UUID=uuid, BatchSize=50, MaximumBatchingWindowInSeconds=2, BisectBatchOnFunctionError=True
    )
    assert updated["State"] == "Updating"
    assert (updated["BatchSize"], updated["MaximumBatchingWindowInSeconds"]) == (50, 2)
    assert updated["BisectBatchOnFunctionError"] is True
    assert wait_for_state(lam, uuid, "Enabled")["BatchSize"] == 50

    deleted = lam.delete_event_source_mapping(UUID=uuid)
    assert deleted["State"] == "Deleting" and deleted["UUID"] == uuid
    for call in (lam.get_event_source_mapping, lam.delete_event_source_mapping):
        with pytest.raises(ClientError) as excinfo:
            call(UUID=uuid)
        assert error(excinfo) == (
            "ResourceNotFoundException",
            "The resource you requested does not exist.",
            404,
        )
    assert lam.list_event_source_mappings(EventSourceArn=stream_arn)["EventSourceMappings"] == []


def test_list_pages_with_marker(lam, ddb):
    sink = make_sink(ddb)
    fn = make_recorder(lam, sink)
    made = []
    for _ in range(3):
        _, stream_arn = make_table(ddb)
        made.append(
            lam.create_event_source_mapping(
                EventSourceArn=stream_arn, FunctionName=fn["FunctionArn"], StartingPosition="LATEST"
            )["UUID"]
        )
    first = lam.list_event_source_mappings(FunctionName=fn["FunctionName"], MaxItems=2)
    assert len(first["EventSourceMappings"]) == 2 and first["NextMarker"]
    rest = lam.list_event_source_mappings(
        FunctionName=fn["FunctionName"], MaxItems=2, Marker=first["NextMarker"]
    )
    assert "NextMarker" not in rest
    seen = [m["UUID"] for m in first["EventSourceMappings"] + rest["EventSourceMappings"]]
    assert seen == made


def test_create_rejects_what_aws_rejects(lam, ddb):
    sink = make_sink(ddb)
    fn = make_recorder(lam, sink)
    _, stream_arn = make_table(ddb)
    name = fn["FunctionName"]

    def rejected(**params: Any) -> tuple[str, str, int]:
        params.setdefault("FunctionName", name)
        params.setdefault("EventSourceArn", stream_arn)
        with pytest.raises(ClientError) as excinfo:
            lam.create_event_source_mapping(**params)
        return error(excinfo)

    assert rejected() == (
        "InvalidParameterValueException",
        "1 validation error detected: Value null at 'startingPosition' failed to satisfy"
        " constraint: Member must not be null.",
        400,
    )
    assert rejected(StartingPosition="AT_TIMESTAMP", StartingPositionTimestamp=1) == (
        "InvalidParameterValueException",
        f"Unsupported starting position for arn type: {stream_arn}",
        400,
    )
    assert rejected(EventSourceArn="arn:aws:s3:::bucket", StartingPosition="LATEST") == (
        "InvalidParameterValueException",
        "Unrecognized event source.",
        400,
    )
    missing = stream_arn.replace("/stream/", "-gone/stream/")
    assert rejected(EventSourceArn=missing, StartingPosition="LATEST") == (
        "InvalidParameterValueException",
        f"Stream not found: {missing}",
        400,
    )
    assert rejected(FunctionName="nope", StartingPosition="LATEST") == (
        "ResourceNotFoundException",
        "Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope",
        404,
    )
    assert rejected(
        StartingPosition="LATEST", FilterCriteria={"Filters": [{"Pattern": '{"a": "b"}'}]}
    ) == ("InvalidParameterValueException", "Invalid filter pattern definition.", 400)
    uuid = lam.create_event_source_mapping(
        EventSourceArn=stream_arn, FunctionName=name, StartingPosition="LATEST"
    )["UUID"]
    assert rejected(StartingPosition="TRIM_HORIZON") == (
        "ResourceConflictException",
        f'The event source arn (" {stream_arn} ") and function (" {name} ") provided mapping'
        f" already exists. Please update or delete the existing mapping with UUID {uuid}",
        409,
    )
    for call in (lam.get_event_source_mapping, lam.update_event_source_mapping):
        with pytest.raises(ClientError) as excinfo:
            call(UUID="6f1b5a6e-0000-4000-8000-000000000000")
        assert error(excinfo) == (
            "ResourceNotFoundException",
            "The resource you requested does not exist.",
            404,
        )


# -- delivery ------------------------------------------------------------------------------


def test_records_arrive_in_order_with_their_images(lam, ddb):
    sink = make_sink(ddb)
    fn = make_recorder(lam, sink)
    table, stream_arn = make_table(ddb)
    uuid = lam.create_event_source_mapping(
        EventSourceArn=stream_arn, FunctionName=fn["FunctionName"], StartingPosition="LATEST"
    )["UUID"]
    wait_for_state(lam, uuid, "Enabled")
    put(ddb, table, "a", colour="red")
    ddb.update_item(
        TableName=table,
        Key={"pk": {"S": "a"}},
        UpdateExpression="SET colour = :c",
        ExpressionAttributeValues={":c": {"S": "blue"}},
    )
    ddb.delete_item(TableName=table, Key={"pk": {"S": "a"}})
    put(ddb, table, "b", size={"N": "3"})
    records = wait_until(
        lambda: (
            (rs := [r for e in invocations(ddb, sink) for r in e["Records"]])
            and len(rs) >= 4
            and rs
        )
    )
    assert [(r["eventName"], r["dynamodb"]["Keys"]["pk"]["S"]) for r in records] == [
        ("INSERT", "a"),
        ("MODIFY", "a"),
        ("REMOVE", "a"),
        ("INSERT", "b"),
    ]
    insert, modify, remove, second = records
    assert list(insert) == [
        "eventID", "eventName", "eventVersion", "eventSource", "awsRegion", "dynamodb",
        "eventSourceARN",
    ]  # fmt: skip
    for record in records:
        assert record["eventSource"] == "aws:dynamodb"
        assert record["eventVersion"] == "1.1"
        assert record["awsRegion"] == "us-east-1"
        assert record["eventSourceARN"] == stream_arn
        assert record["dynamodb"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
        assert isinstance(record["dynamodb"]["ApproximateCreationDateTime"], int | float)
        assert record["dynamodb"]["SizeBytes"] > 0
    assert insert["dynamodb"]["NewImage"] == {"pk": {"S": "a"}, "colour": {"S": "red"}}
    assert "OldImage" not in insert["dynamodb"]
    assert modify["dynamodb"]["OldImage"]["colour"] == {"S": "red"}
    assert modify["dynamodb"]["NewImage"]["colour"] == {"S": "blue"}
    assert remove["dynamodb"]["OldImage"]["colour"] == {"S": "blue"}
    assert "NewImage" not in remove["dynamodb"]
    assert second["dynamodb"]["NewImage"]["size"] == {"N": "3"}
    numbers = [int(r["dynamodb"]["SequenceNumber"]) for r in records]
    assert numbers == sorted(numbers) and len(set(numbers)) == 4
    got = wait_until(
        lambda: (m := lam.get_event_source_mapping(UUID=uuid))["LastProcessingResult"] == "OK" and m
    )
    assert got["State"] == "Enabled"


def test_batch_size_from_trim_horizon(lam, ddb):
    sink = make_sink(ddb)
    fn = make_recorder(lam, sink)
    table, stream_arn = make_table(ddb)
    for pk in "abcde":
        put(ddb, table, pk)
    lam.create_event_source_mapping(
        EventSourceArn=stream_arn,
        FunctionName=fn["FunctionName"],
        StartingPosition="TRIM_HORIZON",
        BatchSize=2,
    )
    wait_until(lambda: sum(map(len, batches(ddb, sink))) >= 5)
    assert batches(ddb, sink) == [["a", "b"], ["c", "d"], ["e"]]


def test_batching_window_gathers_records(lam, ddb):
    sink = make_sink(ddb)
    fn = make_recorder(lam, sink)
    table, stream_arn = make_table(ddb)
    uuid = lam.create_event_source_mapping(
        EventSourceArn=stream_arn,
        FunctionName=fn["FunctionName"],
        StartingPosition="LATEST",
        MaximumBatchingWindowInSeconds=2,
    )["UUID"]
    wait_for_state(lam, uuid, "Enabled")
    for pk in "xyz":
        put(ddb, table, pk)
    wait_until(lambda: batches(ddb, sink))
    assert batches(ddb, sink) == [["x", "y", "z"]]


def test_filter_criteria_select_records(lam, ddb):
    sink = make_sink(ddb)
    fn = make_recorder(lam, sink)
    table, stream_arn = make_table(ddb)
    keep = {
        "eventName": ["INSERT"],
        "dynamodb": {"NewImage": {"kind": {"S": [{"prefix": "keep"}]}}},
    }
    big = {"dynamodb": {"NewImage": {"qty": {"N": [{"numeric": [">", 10]}]}}}}
    created = lam.create_event_source_mapping(
        EventSourceArn=stream_arn,
        FunctionName=fn["FunctionName"],
        StartingPosition="LATEST",
        FilterCriteria={"Filters": [{"Pattern": json.dumps(keep)}, {"Pattern": json.dumps(big)}]},
    )
    assert json.loads(created["FilterCriteria"]["Filters"][0]["Pattern"]) == keep
    wait_for_state(lam, created["UUID"], "Enabled")
    put(ddb, table, "k1", kind="keep-this")
    put(ddb, table, "d1", kind="other")
    put(ddb, table, "k1", kind="keep-still")  # a MODIFY: not an INSERT
    put(ddb, table, "n1", qty={"N": "20"})
    put(ddb, table, "n2", qty={"N": "5"})
    put(ddb, table, "last", kind="keep-last")
    wait_until(lambda: "last" in sum(batches(ddb, sink), []))
    assert sum(batches(ddb, sink), []) == ["k1", "n1", "last"]


def test_failing_batch_retries_then_goes_to_the_failure_destination(lam, ddb, aws_client):
    sink, dead = make_sink(ddb), make_sink(ddb)
    fn = make_recorder(lam, sink, mode="fail")
    catcher = make_recorder(lam, dead)
    table, stream_arn = make_table(ddb)
    put(ddb, table, "bad", fail="yes")
    uuid = lam.create_event_source_mapping(
        EventSourceArn=stream_arn,
        FunctionName=fn["FunctionName"],
        StartingPosition="TRIM_HORIZON",
        MaximumRetryAttempts=1,
        DestinationConfig={"OnFailure": {"Destination": catcher["FunctionArn"]}},
    )["UUID"]
    [failure] = wait_until(lambda: invocations(ddb, dead))
    assert batches(ddb, sink) == [["bad"], ["bad"]]
    stream_record = invocations(ddb, sink)[0]["Records"][0]
    assert failure["requestContext"]["functionArn"] == fn["FunctionArn"]
    assert failure["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert failure["requestContext"]["approximateInvokeCount"] == 2
    assert failure["responseContext"] == {
        "statusCode": 200,
        "executedVersion": "$LATEST",
        "functionError": "Unhandled",
    }
    assert failure["version"] == "1.0"
    assert failure["timestamp"].endswith("Z")
    info = failure["DDBStreamBatchInfo"]
    streams = aws_client("dynamodbstreams")
    [shard] = streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"]
    assert info == {
        "shardId": shard["ShardId"],
        "startSequenceNumber": stream_record["dynamodb"]["SequenceNumber"],
        "endSequenceNumber": stream_record["dynamodb"]["SequenceNumber"],
        "approximateArrivalOfFirstRecord": info["approximateArrivalOfFirstRecord"],
        "approximateArrivalOfLastRecord": info["approximateArrivalOfLastRecord"],
        "batchSize": 1,
        "streamArn": stream_arn,
    }
    assert info["approximateArrivalOfFirstRecord"].endswith("Z")
    mapping = lam.get_event_source_mapping(UUID=uuid)
    assert mapping["LastProcessingResult"] == "PROBLEM: Function call failed"
    put(ddb, table, "good")  # the shard moved on past the discarded batch
    wait_until(lambda: batches(ddb, sink)[-1] == ["good"])
    wait_until(lambda: lam.get_event_source_mapping(UUID=uuid)["LastProcessingResult"] == "OK")


def test_bisect_isolates_the_failing_record(lam, ddb):
    sink, dead = make_sink(ddb), make_sink(ddb)
    fn = make_recorder(lam, sink, mode="fail")
    catcher = make_recorder(lam, dead)
    table, stream_arn = make_table(ddb)
    for pk in "ab":
        put(ddb, table, pk)
    put(ddb, table, "c", fail="yes")
    put(ddb, table, "d")
    lam.create_event_source_mapping(
        EventSourceArn=stream_arn,
        FunctionName=fn["FunctionName"],
        StartingPosition="TRIM_HORIZON",
        BisectBatchOnFunctionError=True,
        MaximumRetryAttempts=0,
        DestinationConfig={"OnFailure": {"Destination": catcher["FunctionArn"]}},
    )
    [failure] = wait_until(lambda: invocations(ddb, dead))
    wait_until(lambda: batches(ddb, sink)[-1:] == [["d"]])
    assert batches(ddb, sink) == [["a", "b", "c", "d"], ["a", "b"], ["c", "d"], ["c"], ["d"]]
    assert failure["DDBStreamBatchInfo"]["batchSize"] == 1
    assert failure["requestContext"]["approximateInvokeCount"] == 1


def test_report_batch_item_failures_checkpoints_before_the_first_failure(lam, ddb):
    sink, dead = make_sink(ddb), make_sink(ddb)
    fn = make_recorder(lam, sink, mode="report")
    catcher = make_recorder(lam, dead)
    table, stream_arn = make_table(ddb)
    put(ddb, table, "a")
    put(ddb, table, "b", fail="yes")
    put(ddb, table, "c")
    uuid = lam.create_event_source_mapping(
        EventSourceArn=stream_arn,
        FunctionName=fn["FunctionName"],
        StartingPosition="TRIM_HORIZON",
        FunctionResponseTypes=["ReportBatchItemFailures"],
        MaximumRetryAttempts=1,
        DestinationConfig={"OnFailure": {"Destination": catcher["FunctionArn"]}},
    )["UUID"]
    [failure] = wait_until(lambda: invocations(ddb, dead))
    assert batches(ddb, sink) == [["a", "b", "c"], ["b", "c"]]
    first = invocations(ddb, sink)[0]["Records"]
    info = failure["DDBStreamBatchInfo"]
    assert info["startSequenceNumber"] == first[1]["dynamodb"]["SequenceNumber"]
    assert info["endSequenceNumber"] == first[2]["dynamodb"]["SequenceNumber"]
    assert info["batchSize"] == 2
    assert "functionError" not in failure["responseContext"]
    put(ddb, table, "d")
    wait_until(lambda: batches(ddb, sink)[-1:] == [["d"]])
    assert len(batches(ddb, sink)) == 3
    assert lam.get_event_source_mapping(UUID=uuid)["FunctionResponseTypes"] == [
        "ReportBatchItemFailures"
    ]


def test_disable_enable_and_delete(lam, ddb):
    sink = make_sink(ddb)
    fn = make_recorder(lam, sink)
    table, stream_arn = make_table(ddb)
    uuid = lam.create_event_source_mapping(
        EventSourceArn=stream_arn, FunctionName=fn["FunctionName"], StartingPosition="LATEST"
    )["UUID"]
    wait_for_state(lam, uuid, "Enabled")
    put(ddb, table, "one")
    wait_until(lambda: batches(ddb, sink) == [["one"]])

    assert lam.update_event_source_mapping(UUID=uuid, Enabled=False)["State"] == "Disabling"
    assert wait_for_state(lam, uuid, "Disabled")["StateTransitionReason"] == "User action"
    put(ddb, table, "two")
    time.sleep(1.0)
    assert batches(ddb, sink) == [["one"]]

    assert lam.update_event_source_mapping(UUID=uuid, Enabled=True)["State"] == "Enabling"
    wait_for_state(lam, uuid, "Enabled")
    wait_until(lambda: batches(ddb, sink) == [["one"], ["two"]])

    assert lam.delete_event_source_mapping(UUID=uuid)["State"] == "Deleting"
    put(ddb, table, "three")
    time.sleep(1.0)
    assert batches(ddb, sink) == [["one"], ["two"]]


def test_created_disabled_starts_nothing(lam, ddb):
    sink = make_sink(ddb)
    fn = make_recorder(lam, sink)
    table, stream_arn = make_table(ddb)
    uuid = lam.create_event_source_mapping(
        EventSourceArn=stream_arn,
        FunctionName=fn["FunctionName"],
        StartingPosition="TRIM_HORIZON",
        Enabled=False,
    )["UUID"]
    put(ddb, table, "held")
    wait_for_state(lam, uuid, "Disabled")
    time.sleep(0.6)
    assert batches(ddb, sink) == []
    lam.update_event_source_mapping(UUID=uuid, Enabled=True)
    wait_until(lambda: batches(ddb, sink) == [["held"]])


def test_restart_resumes_from_the_checkpoint(fresh_lenticular):
    lam, ddb = fresh_lenticular.client("lambda"), fresh_lenticular.client("dynamodb")
    sink = make_sink(ddb)
    fn = make_recorder(lam, sink)
    table, stream_arn = make_table(ddb)
    uuid = lam.create_event_source_mapping(
        EventSourceArn=stream_arn, FunctionName=fn["FunctionName"], StartingPosition="LATEST"
    )["UUID"]
    wait_for_state(lam, uuid, "Enabled")
    put(ddb, table, "before")
    wait_until(lambda: batches(ddb, sink) == [["before"]])
    wait_until(lambda: lam.get_event_source_mapping(UUID=uuid)["LastProcessingResult"] == "OK")
    fresh_lenticular.kill()
    fresh_lenticular.start()
    lam, ddb = fresh_lenticular.client("lambda"), fresh_lenticular.client("dynamodb")
    put(ddb, table, "while-loading")  # written before the Lambda provider is loaded
    assert lam.get_event_source_mapping(UUID=uuid)["State"] == "Enabled"  # loads it
    put(ddb, table, "after")
    wait_until(lambda: sum(batches(ddb, sink), [])[-1:] == ["after"])
    assert sum(batches(ddb, sink), []) == ["before", "while-loading", "after"]


# -- the dense logic, without HTTP -----------------------------------------------------------


def _patterns(*patterns: dict[str, Any]) -> list[dict[str, Any]]:
    return compile_criteria({"Filters": [{"Pattern": json.dumps(p)} for p in patterns]})


RECORD = {
    "eventName": "MODIFY",
    "dynamodb": {
        "Keys": {"pk": {"S": "user#1"}},
        "NewImage": {
            "pk": {"S": "user#1"},
            "age": {"N": "42"},
            "tags": {"SS": ["a", "b"]},
            "ok": {"BOOL": True},
            "none": {"NULL": True},
        },
    },
}


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ({"eventName": ["MODIFY", "INSERT"]}, True),
        ({"eventName": ["REMOVE"]}, False),
        ({"dynamodb": {"Keys": {"pk": {"S": [{"prefix": "user#"}]}}}}, True),
        ({"dynamodb": {"Keys": {"pk": {"S": [{"suffix": "#1"}]}}}}, True),
        ({"dynamodb": {"Keys": {"pk": {"S": [{"equals-ignore-case": "USER#1"}]}}}}, True),
        ({"dynamodb": {"NewImage": {"age": {"N": [{"numeric": [">=", 40, "<", 50]}]}}}}, True),
        ({"dynamodb": {"NewImage": {"age": {"N": [{"numeric": ["<", 40]}]}}}}, False),
        ({"dynamodb": {"NewImage": {"age": {"N": ["42"]}}}}, True),
        ({"dynamodb": {"NewImage": {"age": {"N": [42]}}}}, False),  # N values are strings
        ({"dynamodb": {"NewImage": {"tags": {"SS": ["b"]}}}}, True),
        ({"dynamodb": {"NewImage": {"ok": {"BOOL": [True]}}}}, True),
        ({"dynamodb": {"NewImage": {"none": {"NULL": [False]}}}}, False),
        ({"dynamodb": {"NewImage": {"age": [{"exists": True}]}}}, False),  # not a leaf
        ({"dynamodb": {"NewImage": {"gone": [{"exists": False}]}}}, True),
        ({"dynamodb": {"NewImage": {"pk": {"S": [{"exists": True}]}}}}, True),
        ({"dynamodb": {"OldImage": {"pk": {"S": [{"exists": True}]}}}}, False),
        ({"eventName": [{"anything-but": ["REMOVE", "INSERT"]}]}, True),
        ({"eventName": [{"anything-but": "MODIFY"}]}, False),
        ({"eventName": [{"anything-but": {"prefix": "MOD"}}]}, False),
        ({"eventName": ["MODIFY"], "dynamodb": {"Keys": {"pk": {"S": ["other"]}}}}, False),
    ],
)
def test_filter_patterns(pattern, expected):
    assert matches_any(_patterns(pattern), RECORD) is expected


@pytest.mark.parametrize(
    "pattern",
    ['{"a": "b"}', "[1]", "{}", "not json", '{"a": []}', '{"a": [{"numeric": [">"]}]}',
     '{"a": [{"bogus": 1}]}', '{"a": [{"exists": "yes"}]}'],
)  # fmt: skip
def test_invalid_filter_patterns(pattern):
    with pytest.raises(Exception, match="Invalid filter pattern definition."):
        compile_criteria({"Filters": [{"Pattern": pattern}]})


def test_first_failure_reads_a_partial_batch_response():
    batch = [{"dynamodb": {"SequenceNumber": n}} for n in ("101", "102", "103")]

    def response(value: Any) -> bytes:
        return json.dumps(value).encode()

    assert first_failure(b"", batch) is None
    assert first_failure(b"null", batch) is None
    assert first_failure(response({"batchItemFailures": []}), batch) is None
    failures = [{"itemIdentifier": "103"}, {"itemIdentifier": "102"}]
    assert first_failure(response({"batchItemFailures": failures}), batch) == 1
    assert first_failure(response({"batchItemFailures": [{"itemIdentifier": ""}]}), batch) == 0
    assert first_failure(response({"batchItemFailures": [{"itemIdentifier": None}]}), batch) == 0
    assert first_failure(response({"batchItemFailures": [{"id": "101"}]}), batch) == 0
