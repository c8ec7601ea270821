"""The AWS CLI against lenticular's Logs, and `tail` (what `lenticular logs -f` runs).

awscli v1 (the one installed) has no `aws logs tail`; its `filter-log-events` with
automatic paging is the same FilterLogEvents loop v2's `logs tail` runs, so that is what
the CLI tests drive. v2's `logs tail --follow` polls FilterLogEvents (interleaved, from the
newest timestamp seen, skipping event ids already printed) exactly as `lenticular logs -f`
does, which the last test runs as a command against a Lambda function's group.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from lenticular.services.logs.tail import format_event, lambda_group_name, tail
from tests.services.logs.conftest import now_ms

AWS = str(Path(sys.executable).parent / "aws")


def aws(server, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "AWS_ENDPOINT_URL": server.endpoint,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
    }
    return subprocess.run(
        [AWS, "logs", *args, "--output", "json"], env=env, capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip


def test_cli_create_put_and_filter(lenticular_server, group_name):
    assert (
        aws(lenticular_server, "create-log-group", "--log-group-name", group_name).returncode == 0
    )
    done = aws(lenticular_server, "create-log-stream", "--log-group-name", group_name,
               "--log-stream-name", "s")  # fmt: skip
    assert done.returncode == 0, done.stderr
    start = now_ms() - 10_000
    events = json.dumps([{"timestamp": start + i, "message": f"line {i}"} for i in range(30)])
    done = aws(lenticular_server, "put-log-events", "--log-group-name", group_name,
               "--log-stream-name", "s", "--log-events", events)  # fmt: skip
    assert done.returncode == 0, done.stderr
    # --page-size makes the CLI follow nextToken across three requests.
    done = aws(lenticular_server, "filter-log-events", "--log-group-name", group_name,
               "--page-size", "12", "--filter-pattern", "line")  # fmt: skip
    assert done.returncode == 0, done.stderr
    messages = [e["message"] for e in json.loads(done.stdout)["events"]]
    assert messages == [f"line {i}" for i in range(30)]
    done = aws(lenticular_server, "get-log-events", "--log-group-name", group_name,
               "--log-stream-name", "s", "--limit", "5")  # fmt: skip
    out = json.loads(done.stdout)
    assert [e["message"] for e in out["events"]] == [f"line {i}" for i in range(25, 30)]
    done = aws(lenticular_server, "describe-log-groups", "--log-group-name-prefix", group_name)
    assert [g["logGroupName"] for g in json.loads(done.stdout)["logGroups"]] == [group_name]


def test_cli_reports_aws_errors(lenticular_server):
    done = aws(lenticular_server, "delete-log-group", "--log-group-name", "/no/such/group")
    assert done.returncode != 0
    assert "ResourceNotFoundException" in done.stderr
    assert "The specified log group does not exist." in done.stderr


def test_format_event_matches_aws_logs_tail():
    event = {"timestamp": 1_700_000_000_123, "logStreamName": "s/1", "message": "hello"}
    assert format_event(event) == "2023-11-14T22:13:20.123000+00:00 s/1 hello\n"
    assert format_event({**event, "message": "with newline\n"}).endswith("with newline\n")


def test_lambda_group_name():
    assert lambda_group_name("fn") == "/aws/lambda/fn"
    assert lambda_group_name("/custom/group") == "/custom/group"


def test_tail_prints_existing_events(lenticular_server, logs, group):
    start = now_ms() - 5_000
    logs.create_log_stream(logGroupName=group, logStreamName="s")
    logs.put_log_events(
        logGroupName=group, logStreamName="s",
        logEvents=[{"timestamp": start, "message": "ERROR one"},
                   {"timestamp": start + 1, "message": "INFO two"}],
    )  # fmt: skip
    out = io.StringIO()
    tail(
        lenticular_server.endpoint, group, follow=False, since_ms=None, filter_pattern=None, out=out
    )
    stamp = datetime.fromtimestamp(start / 1000, UTC).isoformat()
    assert out.getvalue().splitlines() == [f"{stamp} s ERROR one", out.getvalue().splitlines()[1]]
    assert out.getvalue().splitlines()[1].endswith(" s INFO two")
    filtered = io.StringIO()
    tail(lenticular_server.endpoint, group, follow=False, since_ms=start, filter_pattern="ERROR",
         out=filtered)  # fmt: skip
    assert filtered.getvalue() == f"{stamp} s ERROR one\n"


def test_tail_follow_prints_new_events_once(lenticular_server, logs, group):
    logs.create_log_stream(logGroupName=group, logStreamName="live")
    out = io.StringIO()
    stop = threading.Event()
    follower = threading.Thread(
        target=tail,
        args=(lenticular_server.endpoint, group),
        kwargs={"follow": True, "since_ms": None, "filter_pattern": None, "out": out,
                "poll_seconds": 0.2, "stop": stop},
    )  # fmt: skip
    follower.start()
    try:
        for i in range(3):
            # Events sharing a timestamp with already printed ones must not repeat.
            ts = now_ms()
            logs.put_log_events(
                logGroupName=group, logStreamName="live",
                logEvents=[{"timestamp": ts, "message": f"tick {i}a"},
                           {"timestamp": ts, "message": f"tick {i}b"}],
            )  # fmt: skip
            time.sleep(0.5)
        deadline = time.monotonic() + 10
        while out.getvalue().count("\n") < 6 and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        stop.set()
        follower.join(timeout=10)
    assert not follower.is_alive()
    messages = [line.split(" ", 2)[2] for line in out.getvalue().splitlines()]
    assert messages == [f"tick {i}{x}" for i in range(3) for x in "ab"]


def test_lenticular_logs_follow_tails_a_lambda_function(lenticular_server):
    """`lenticular logs -f NAME` (what `aws logs tail /aws/lambda/NAME --follow` does in
    CLI v2) prints a function's START/output/END/REPORT lines as invokes happen."""
    from tests.services.awslambda.conftest import ROLE, make_zip, unique

    lam = lenticular_server.client("lambda")
    name = unique("tailed")
    source = "def handler(event, context):\n    print('tick', event['n'])\n"
    lam.create_function(
        FunctionName=name, Runtime="python3.12", Role=ROLE, Handler="app.handler",
        Code={"ZipFile": make_zip({"app.py": source})},
    )  # fmt: skip
    lam.invoke(FunctionName=name, Payload=b'{"n": 1}')
    follower = subprocess.Popen(
        [sys.executable, "-m", "lenticular", "logs", "-f", name,
         "--endpoint-url", lenticular_server.endpoint],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(follower.stdout.readline, "")))
    reader.start()
    try:
        deadline = time.monotonic() + 20
        while not any("tick 1" in line for line in lines) and time.monotonic() < deadline:
            time.sleep(0.1)
        lam.invoke(FunctionName=name, Payload=b'{"n": 2}')
        while (
            sum(line.split(" ", 2)[2].startswith("REPORT ") for line in lines) < 2
            and time.monotonic() < deadline
        ):
            time.sleep(0.1)
    finally:
        follower.terminate()
        follower.wait(timeout=10)
        reader.join(timeout=10)
    messages = [line.split(" ", 2)[2].rstrip("\n") for line in lines]
    assert [m.split(" ")[0] for m in messages] == ["START", "tick", "END", "REPORT"] * 2
    assert messages[1] == "tick 1" and messages[5] == "tick 2"
    assert all("[$LATEST]" in line.split(" ", 2)[1] for line in lines)
