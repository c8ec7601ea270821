"""PutLogEvents, GetLogEvents and FilterLogEvents through boto3 against a real server."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.services.logs.conftest import now_ms
from tests.services.logs.test_groups_streams import error_of


def put(logs, group, stream, messages, start):
    events = [{"timestamp": start + i, "message": m} for i, m in enumerate(messages)]
    return logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=events)


@pytest.fixture
def stream(logs, group) -> str:
    logs.create_log_stream(logGroupName=group, logStreamName="main")
    return "main"


# -- PutLogEvents --------------------------------------------------------------------------


def test_put_returns_sequence_token_and_ignores_given_ones(logs, group, stream):
    first = put(logs, group, stream, ["a"], now_ms())
    assert first["nextSequenceToken"]
    second = logs.put_log_events(
        logGroupName=group, logStreamName=stream, sequenceToken="bogus",
        logEvents=[{"timestamp": now_ms(), "message": "b"}],
    )  # fmt: skip
    assert second["nextSequenceToken"] != first["nextSequenceToken"]
    assert "rejectedLogEventsInfo" not in second


def test_put_out_of_order(logs, group, stream):
    now = now_ms()
    with pytest.raises(ClientError) as excinfo:
        logs.put_log_events(
            logGroupName=group, logStreamName=stream,
            logEvents=[{"timestamp": now, "message": "b"}, {"timestamp": now - 1, "message": "a"}],
        )  # fmt: skip
    assert error_of(excinfo) == (
        "InvalidParameterException",
        "Log events in a single PutLogEvents request must be in chronological order.",
    )


def test_put_spanning_more_than_a_day(logs, group, stream):
    now = now_ms()
    with pytest.raises(ClientError) as excinfo:
        logs.put_log_events(
            logGroupName=group, logStreamName=stream,
            logEvents=[{"timestamp": now - 25 * 3_600_000, "message": "a"},
                       {"timestamp": now, "message": "b"}],
        )  # fmt: skip
    assert error_of(excinfo) == (
        "InvalidParameterException",
        "The batch of log events in a single PutLogEvents request cannot span more than 24 hours.",
    )


def test_put_too_large(logs, group, stream):
    now = now_ms()
    message = "x" * 200_000
    events = [{"timestamp": now, "message": message} for _ in range(6)]
    with pytest.raises(ClientError) as excinfo:
        logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=events)
    size = 6 * (200_000 + 26)
    assert error_of(excinfo) == (
        "InvalidParameterException",
        f"Upload too large: {size} bytes exceeds limit of 1048576",
    )
    # Exactly at the limit is fine: 1,048,576 bytes counting 26 per event.
    exact = [{"timestamp": now, "message": "y" * (262_144 - 26)} for _ in range(4)]
    logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=exact)


def test_put_too_old_and_too_new_are_rejected_not_stored(logs, group, stream):
    now = now_ms()
    day = 86_400_000
    old = logs.put_log_events(
        logGroupName=group, logStreamName=stream,
        logEvents=[{"timestamp": now - 15 * day, "message": "old"},
                   {"timestamp": now - 15 * day + 5, "message": "old"}],
    )  # fmt: skip
    assert old["rejectedLogEventsInfo"] == {"tooOldLogEventEndIndex": 2}
    new = logs.put_log_events(
        logGroupName=group, logStreamName=stream,
        logEvents=[{"timestamp": now, "message": "now"},
                   {"timestamp": now + 3 * 3_600_000, "message": "future"}],
    )  # fmt: skip
    assert new["rejectedLogEventsInfo"] == {"tooNewLogEventStartIndex": 1}
    events = logs.filter_log_events(logGroupName=group, startTime=0)["events"]
    assert [e["message"] for e in events] == ["now"]


def test_put_to_missing_group_or_stream(logs, group):
    event = [{"timestamp": now_ms(), "message": "x"}]
    with pytest.raises(ClientError) as excinfo:
        logs.put_log_events(logGroupName="/no/group", logStreamName="s", logEvents=event)
    assert error_of(excinfo) == (
        "ResourceNotFoundException",
        "The specified log group does not exist.",
    )
    with pytest.raises(ClientError) as excinfo:
        logs.put_log_events(logGroupName=group, logStreamName="nope", logEvents=event)
    assert error_of(excinfo) == (
        "ResourceNotFoundException",
        "The specified log stream does not exist.",
    )


# -- GetLogEvents ----------------------------------------------------------------------------


def test_get_log_events_tokens_walk_forward_and_stop(logs, group, stream):
    start = now_ms() - 60_000
    put(logs, group, stream, [f"m{i}" for i in range(7)], start)
    page = logs.get_log_events(
        logGroupName=group, logStreamName=stream, startFromHead=True, limit=3
    )
    seen = [e["message"] for e in page["events"]]
    token = page["nextForwardToken"]
    assert token.startswith("f/") and page["nextBackwardToken"].startswith("b/")
    while True:
        page = logs.get_log_events(
            logGroupName=group, logStreamName=stream, startFromHead=True, limit=3, nextToken=token
        )
        seen += [e["message"] for e in page["events"]]
        if page["nextForwardToken"] == token:  # the same token back: the end of the stream
            assert page["events"] == []
            break
        token = page["nextForwardToken"]
    assert seen == [f"m{i}" for i in range(7)]
    # Events written later are picked up with the last token (how tailing loops work).
    put(logs, group, stream, ["late"], start + 100)
    page = logs.get_log_events(logGroupName=group, logStreamName=stream, nextToken=token)
    assert [e["message"] for e in page["events"]] == ["late"]


def test_get_log_events_default_is_the_tail_and_backward_tokens(logs, group, stream):
    start = now_ms() - 60_000
    put(logs, group, stream, [f"m{i}" for i in range(7)], start)
    page = logs.get_log_events(logGroupName=group, logStreamName=stream, limit=3)
    assert [e["message"] for e in page["events"]] == ["m4", "m5", "m6"]  # oldest first
    back = page["nextBackwardToken"]
    page = logs.get_log_events(logGroupName=group, logStreamName=stream, nextToken=back, limit=3)
    assert [e["message"] for e in page["events"]] == ["m1", "m2", "m3"]
    back = page["nextBackwardToken"]
    page = logs.get_log_events(logGroupName=group, logStreamName=stream, nextToken=back, limit=3)
    assert [e["message"] for e in page["events"]] == ["m0"]
    back = page["nextBackwardToken"]
    page = logs.get_log_events(logGroupName=group, logStreamName=stream, nextToken=back, limit=3)
    assert page["events"] == [] and page["nextBackwardToken"] == back
    # At the head, the forward token continues after the oldest event already seen.
    page = logs.get_log_events(
        logGroupName=group, logStreamName=stream, nextToken=page["nextForwardToken"], limit=2
    )
    assert [e["message"] for e in page["events"]] == ["m1", "m2"]


def test_get_log_events_time_window_and_ingestion_time(logs, group, stream):
    start = now_ms() - 60_000
    put(logs, group, stream, ["a", "b", "c", "d"], start)
    page = logs.get_log_events(
        logGroupName=group, logStreamName=stream, startTime=start + 1, endTime=start + 3,
        startFromHead=True,
    )  # fmt: skip
    assert [e["message"] for e in page["events"]] == ["b", "c"]  # endTime is exclusive
    assert all(e["ingestionTime"] >= e["timestamp"] for e in page["events"])


def test_get_log_events_empty_stream_and_errors(logs, group, stream):
    page = logs.get_log_events(logGroupName=group, logStreamName=stream)
    assert page["events"] == []
    assert page["nextForwardToken"].startswith("f/")
    again = logs.get_log_events(
        logGroupName=group, logStreamName=stream, nextToken=page["nextForwardToken"]
    )
    assert again["nextForwardToken"] == page["nextForwardToken"]
    with pytest.raises(ClientError) as excinfo:
        logs.get_log_events(logGroupName=group, logStreamName="missing")
    assert error_of(excinfo) == (
        "ResourceNotFoundException",
        "The specified log stream does not exist.",
    )
    with pytest.raises(ClientError) as excinfo:
        logs.get_log_events(logGroupName=group, logStreamName=stream, nextToken="f/nope/s")
    assert error_of(excinfo) == ("InvalidParameterException", "The specified nextToken is invalid.")


# -- FilterLogEvents -------------------------------------------------------------------------


def test_filter_interleaves_streams_in_time_order(logs, group):
    start = now_ms() - 60_000
    for name in ("a", "b"):
        logs.create_log_stream(logGroupName=group, logStreamName=name)
    logs.put_log_events(
        logGroupName=group, logStreamName="a",
        logEvents=[{"timestamp": start, "message": "a0"}, {"timestamp": start + 2, "message": "a2"}],
    )  # fmt: skip
    logs.put_log_events(
        logGroupName=group, logStreamName="b",
        logEvents=[{"timestamp": start + 1, "message": "b1"}, {"timestamp": start + 3, "message": "b3"}],
    )  # fmt: skip
    out = logs.filter_log_events(logGroupName=group, interleaved=True)
    assert [(e["logStreamName"], e["message"]) for e in out["events"]] == [
        ("a", "a0"), ("b", "b1"), ("a", "a2"), ("b", "b3"),
    ]  # fmt: skip
    assert "nextToken" not in out
    assert len({e["eventId"] for e in out["events"]}) == 4
    only_b = logs.filter_log_events(logGroupName=group, logStreamNames=["b"])
    assert [e["message"] for e in only_b["events"]] == ["b1", "b3"]
    prefix = logs.filter_log_events(logGroupName=group, logStreamNamePrefix="a")
    assert [e["message"] for e in prefix["events"]] == ["a0", "a2"]
    window = logs.filter_log_events(logGroupName=group, startTime=start + 1, endTime=start + 2)
    assert [e["message"] for e in window["events"]] == ["b1", "a2"]  # both ends inclusive
    none = logs.filter_log_events(logGroupName=group, logStreamNames=["missing"])
    assert none["events"] == []


def test_filter_patterns_over_the_wire(logs, group, stream):
    start = now_ms() - 60_000
    messages = [
        "INFO started",
        "ERROR failed to connect",
        '{"level": "ERROR", "latency": 900}',
        '{"level": "INFO", "latency": 20}',
        "WARN slow",
    ]
    put(logs, group, stream, messages, start)

    def grep(pattern):
        events = logs.filter_log_events(logGroupName=group, filterPattern=pattern)["events"]
        return [e["message"] for e in events]

    assert grep("ERROR") == [messages[1], messages[2]]
    assert grep("?WARN ?started") == [messages[0], messages[4]]
    assert grep("{ $.latency > 100 }") == [messages[2]]
    assert grep('{ $.level = "INFO" }') == [messages[3]]
    assert grep("ERROR -connect") == [messages[2]]
    assert grep("[level, word]") == [messages[0], messages[4]]
    assert grep("") == messages


@pytest.mark.parametrize("pattern", ["{ $.a = ", '"open', "[a,, b]", "{ $.x > abc }"])
def test_filter_invalid_pattern(logs, group, pattern):
    with pytest.raises(ClientError) as excinfo:
        logs.filter_log_events(logGroupName=group, filterPattern=pattern)
    assert error_of(excinfo) == ("InvalidParameterException", "Invalid filter pattern")


def test_filter_paging_with_paginator(logs, group, stream):
    start = now_ms() - 60_000
    put(logs, group, stream, [f"event {i}" for i in range(25)], start)
    first = logs.filter_log_events(logGroupName=group, limit=10)
    assert len(first["events"]) == 10 and first["nextToken"]
    pages = list(
        logs.get_paginator("filter_log_events").paginate(
            logGroupName=group, PaginationConfig={"PageSize": 10}
        )
    )
    assert [len(p["events"]) for p in pages] == [10, 10, 5]
    got = [e["message"] for p in pages for e in p["events"]]
    assert got == [f"event {i}" for i in range(25)]
    with pytest.raises(ClientError) as excinfo:
        logs.filter_log_events(logGroupName=group, nextToken="nope")
    assert error_of(excinfo) == ("InvalidParameterException", "The specified nextToken is invalid.")


def test_filter_on_missing_group(logs):
    with pytest.raises(ClientError) as excinfo:
        logs.filter_log_events(logGroupName="/no/such")
    assert error_of(excinfo) == (
        "ResourceNotFoundException",
        "The specified log group does not exist.",
    )


def test_stored_bytes_and_stream_stats(logs, group, stream):
    start = now_ms() - 1000
    put(logs, group, stream, ["abc", "de"], start)
    [found] = logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"]
    assert found["storedBytes"] == 5
    [info] = logs.describe_log_streams(logGroupName=group)["logStreams"]
    assert info["firstEventTimestamp"] == start
    assert info["lastEventTimestamp"] == start + 1
    assert info["lastIngestionTime"] >= start
    logs.delete_log_stream(logGroupName=group, logStreamName=stream)
    [found] = logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"]
    assert found["storedBytes"] == 0
