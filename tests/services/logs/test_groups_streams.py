"""Log groups, log streams, retention and tags through boto3 against a real server."""

from __future__ import annotations

import uuid

import pytest
from botocore.exceptions import ClientError

from tests.services.logs.conftest import now_ms


def error_of(excinfo) -> tuple[str, str]:
    err = excinfo.value.response["Error"]
    return err["Code"], err["Message"]


# -- groups --------------------------------------------------------------------------------


def test_create_and_describe_group(logs, group_name):
    logs.create_log_group(
        logGroupName=group_name, kmsKeyId="arn:aws:kms:us-east-1:000000000000:key/k1",
        tags={"team": "core"},
    )  # fmt: skip
    [found] = logs.describe_log_groups(logGroupNamePrefix=group_name)["logGroups"]
    assert found["logGroupName"] == group_name
    assert found["arn"] == f"arn:aws:logs:us-east-1:000000000000:log-group:{group_name}:*"
    assert found["logGroupArn"] == f"arn:aws:logs:us-east-1:000000000000:log-group:{group_name}"
    assert found["kmsKeyId"] == "arn:aws:kms:us-east-1:000000000000:key/k1"
    assert found["logGroupClass"] == "STANDARD"
    assert found["storedBytes"] == 0
    assert "retentionInDays" not in found
    assert abs(found["creationTime"] - now_ms()) < 60_000
    assert logs.list_tags_log_group(logGroupName=group_name)["tags"] == {"team": "core"}


def test_create_existing_group(logs, group):
    with pytest.raises(ClientError) as excinfo:
        logs.create_log_group(logGroupName=group)
    assert error_of(excinfo) == (
        "ResourceAlreadyExistsException",
        "The specified log group already exists",
    )
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_delete_group(logs, group):
    logs.delete_log_group(logGroupName=group)
    assert logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"] == []
    with pytest.raises(ClientError) as excinfo:
        logs.delete_log_group(logGroupName=group)
    assert error_of(excinfo) == (
        "ResourceNotFoundException",
        "The specified log group does not exist.",
    )


def test_groups_are_per_region(lenticular_server, logs, group):
    other = lenticular_server.client("logs", region="eu-west-1")
    assert other.describe_log_groups(logGroupNamePrefix=group)["logGroups"] == []


def test_describe_groups_prefix_pattern_and_paging(logs):
    base = f"/page/{uuid.uuid4().hex[:8]}"
    names = [f"{base}/g{i:02d}" for i in range(7)] + [f"{base}/other"]
    for name in names:
        logs.create_log_group(logGroupName=name)
    page = logs.describe_log_groups(logGroupNamePrefix=base, limit=3)
    assert [g["logGroupName"] for g in page["logGroups"]] == names[:3]
    assert page["nextToken"]
    pages = logs.get_paginator("describe_log_groups").paginate(
        logGroupNamePrefix=f"{base}/g", PaginationConfig={"PageSize": 2}
    )
    seen = [g["logGroupName"] for p in pages for g in p["logGroups"]]
    assert seen == names[:7]
    by_pattern = logs.describe_log_groups(logGroupNamePattern=base.split("/")[-1] + "/oth")
    assert [g["logGroupName"] for g in by_pattern["logGroups"]] == [f"{base}/other"]
    # The pattern is a case-sensitive substring.
    assert logs.describe_log_groups(logGroupNamePattern=base.upper() + "/OTH")["logGroups"] == []


def test_describe_groups_prefix_and_pattern_exclusive(logs):
    with pytest.raises(ClientError) as excinfo:
        logs.describe_log_groups(logGroupNamePrefix="/a", logGroupNamePattern="b")
    assert error_of(excinfo) == (
        "InvalidParameterException",
        "LogGroupNamePrefix and LogGroupNamePattern are mutually exclusive parameters.",
    )


def test_describe_groups_bad_token(logs):
    with pytest.raises(ClientError) as excinfo:
        logs.describe_log_groups(nextToken="garbage!")
    assert error_of(excinfo) == ("InvalidParameterException", "The specified nextToken is invalid.")


# -- retention -----------------------------------------------------------------------------


def test_put_and_delete_retention(logs, group):
    logs.put_retention_policy(logGroupName=group, retentionInDays=30)
    [found] = logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"]
    assert found["retentionInDays"] == 30
    logs.delete_retention_policy(logGroupName=group)
    [found] = logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"]
    assert "retentionInDays" not in found


def test_invalid_retention(logs, group):
    with pytest.raises(ClientError) as excinfo:
        logs.put_retention_policy(logGroupName=group, retentionInDays=2)
    code, message = error_of(excinfo)
    assert code == "InvalidParameterException"
    assert message == (
        "1 validation error detected: Value '2' at 'retentionInDays' failed to satisfy"
        " constraint: Member must satisfy enum value set: [1, 3, 5, 7, 14, 30, 60, 90, 120,"
        " 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]"
    )


def test_retention_on_missing_group(logs):
    with pytest.raises(ClientError) as excinfo:
        logs.put_retention_policy(logGroupName="/no/such/group", retentionInDays=1)
    assert error_of(excinfo) == (
        "ResourceNotFoundException",
        "The specified log group does not exist.",
    )


def test_retention_is_enforced_on_reads(logs, group):
    logs.create_log_stream(logGroupName=group, logStreamName="s")
    now = now_ms()
    day = 86_400_000
    old = [{"timestamp": now - 3 * day + i, "message": f"old {i}"} for i in range(3)]
    logs.put_log_events(logGroupName=group, logStreamName="s", logEvents=old)
    fresh = [{"timestamp": now, "message": "fresh"}]
    logs.put_log_events(logGroupName=group, logStreamName="s", logEvents=fresh)
    assert len(logs.filter_log_events(logGroupName=group)["events"]) == 4

    logs.put_retention_policy(logGroupName=group, retentionInDays=1)
    assert [e["message"] for e in logs.filter_log_events(logGroupName=group)["events"]] == ["fresh"]
    got = logs.get_log_events(logGroupName=group, logStreamName="s", startFromHead=True)
    assert [e["message"] for e in got["events"]] == ["fresh"]
    # New events older than the retention are refused as expired.
    out = logs.put_log_events(
        logGroupName=group, logStreamName="s",
        logEvents=[{"timestamp": now - 2 * day, "message": "late"}, {"timestamp": now - 2 * day + 1, "message": "late"}],
    )  # fmt: skip
    assert out["rejectedLogEventsInfo"] == {"expiredLogEventEndIndex": 2}

    logs.delete_retention_policy(logGroupName=group)
    # Not yet swept: the old events come back once retention is lifted.
    assert len(logs.filter_log_events(logGroupName=group)["events"]) >= 2


# -- tags ----------------------------------------------------------------------------------


def test_tag_log_group_apis(logs, group):
    logs.tag_log_group(logGroupName=group, tags={"a": "1", "b": "2"})
    logs.tag_log_group(logGroupName=group, tags={"b": "3"})
    assert logs.list_tags_log_group(logGroupName=group)["tags"] == {"a": "1", "b": "3"}
    logs.untag_log_group(logGroupName=group, tags=["a"])
    assert logs.list_tags_log_group(logGroupName=group)["tags"] == {"b": "3"}


def test_tag_resource_apis(logs, group):
    arn = f"arn:aws:logs:us-east-1:000000000000:log-group:{group}"
    logs.tag_resource(resourceArn=arn, tags={"env": "dev", "x": "y"})
    assert logs.list_tags_for_resource(resourceArn=arn)["tags"] == {"env": "dev", "x": "y"}
    logs.untag_resource(resourceArn=arn, tagKeys=["x"])
    assert logs.list_tags_for_resource(resourceArn=arn)["tags"] == {"env": "dev"}
    assert logs.list_tags_log_group(logGroupName=group)["tags"] == {"env": "dev"}


def test_tags_on_missing_group(logs):
    with pytest.raises(ClientError) as excinfo:
        logs.list_tags_for_resource(
            resourceArn="arn:aws:logs:us-east-1:000000000000:log-group:/missing"
        )
    assert error_of(excinfo) == (
        "ResourceNotFoundException",
        "The specified log group does not exist.",
    )
    with pytest.raises(ClientError) as excinfo:
        logs.tag_log_group(logGroupName="/missing", tags={"a": "b"})
    assert error_of(excinfo)[0] == "ResourceNotFoundException"


# -- streams -------------------------------------------------------------------------------


def test_create_describe_delete_stream(logs, group):
    logs.create_log_stream(logGroupName=group, logStreamName="2024/01/01/[$LATEST]abc")
    [stream] = logs.describe_log_streams(logGroupName=group)["logStreams"]
    assert stream["logStreamName"] == "2024/01/01/[$LATEST]abc"
    assert stream["arn"] == (
        f"arn:aws:logs:us-east-1:000000000000:log-group:{group}:log-stream:2024/01/01/[$LATEST]abc"
    )
    assert "firstEventTimestamp" not in stream
    logs.delete_log_stream(logGroupName=group, logStreamName="2024/01/01/[$LATEST]abc")
    assert logs.describe_log_streams(logGroupName=group)["logStreams"] == []


def test_stream_errors(logs, group):
    logs.create_log_stream(logGroupName=group, logStreamName="s")
    with pytest.raises(ClientError) as excinfo:
        logs.create_log_stream(logGroupName=group, logStreamName="s")
    assert error_of(excinfo) == (
        "ResourceAlreadyExistsException",
        "The specified log stream already exists",
    )
    with pytest.raises(ClientError) as excinfo:
        logs.delete_log_stream(logGroupName=group, logStreamName="nope")
    assert error_of(excinfo) == (
        "ResourceNotFoundException",
        "The specified log stream does not exist.",
    )
    with pytest.raises(ClientError) as excinfo:
        logs.create_log_stream(logGroupName="/no/group", logStreamName="s")
    assert error_of(excinfo) == (
        "ResourceNotFoundException",
        "The specified log group does not exist.",
    )
    with pytest.raises(ClientError) as excinfo:
        logs.describe_log_streams(logGroupName="/no/group")
    assert error_of(excinfo)[0] == "ResourceNotFoundException"


def test_describe_streams_order_and_paging(logs, group):
    now = now_ms()
    names = ["alpha", "bravo", "charlie", "delta", "echo"]
    for name in names:
        logs.create_log_stream(logGroupName=group, logStreamName=name)
    # Last event times run opposite to name order.
    for offset, name in enumerate(reversed(names)):
        logs.put_log_events(
            logGroupName=group, logStreamName=name,
            logEvents=[{"timestamp": now - 10_000 + offset * 1000, "message": name}],
        )  # fmt: skip
    by_name = logs.describe_log_streams(logGroupName=group)["logStreams"]
    assert [s["logStreamName"] for s in by_name] == names
    desc = logs.describe_log_streams(logGroupName=group, descending=True)["logStreams"]
    assert [s["logStreamName"] for s in desc] == names[::-1]
    pages = logs.get_paginator("describe_log_streams").paginate(
        logGroupName=group, orderBy="LastEventTime", descending=True,
        PaginationConfig={"PageSize": 2},
    )  # fmt: skip
    assert [s["logStreamName"] for p in pages for s in p["logStreams"]] == names
    pages = logs.get_paginator("describe_log_streams").paginate(
        logGroupName=group, orderBy="LastEventTime", PaginationConfig={"PageSize": 2}
    )
    assert [s["logStreamName"] for p in pages for s in p["logStreams"]] == names[::-1]
    prefixed = logs.describe_log_streams(logGroupName=group, logStreamNamePrefix="d")
    assert [s["logStreamName"] for s in prefixed["logStreams"]] == ["delta"]
    by_arn = logs.describe_log_streams(
        logGroupIdentifier=f"arn:aws:logs:us-east-1:000000000000:log-group:{group}", limit=1
    )
    assert [s["logStreamName"] for s in by_arn["logStreams"]] == ["alpha"]
    first = by_name[0]
    assert first["firstEventTimestamp"] == first["lastEventTimestamp"]
    assert first["storedBytes"] == len("alpha")


def test_order_by_last_event_time_with_prefix(logs, group):
    with pytest.raises(ClientError) as excinfo:
        logs.describe_log_streams(
            logGroupName=group, orderBy="LastEventTime", logStreamNamePrefix="a"
        )
    assert error_of(excinfo) == (
        "InvalidParameterException",
        "Cannot order by LastEventTime with a logStreamNamePrefix.",
    )
