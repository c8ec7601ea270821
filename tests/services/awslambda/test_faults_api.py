"""Faults through the Invoke API: a handler that raises, exits, segfaults, hangs, hogs
memory or floods its output gets AWS's error shape (FunctionError=Unhandled), the next
invoke is served by a fresh environment, and the server keeps serving other services."""

from __future__ import annotations

import base64
import json

import pytest

from tests.services.awslambda.test_invoke import invoke_json, wait_for_log

FAULTY = """
import ctypes
import os
import sys
import time

def handler(event, context):
    kind = event["kind"]
    if kind == "ok":
        return {"pid": os.getpid()}
    if kind == "raise":
        raise ValueError("boom")
    if kind == "exit":
        sys.exit(3)
    if kind == "segfault":
        ctypes.string_at(0)
    if kind == "loop":
        while True:
            pass
    if kind == "hog":
        blocks = []
        for _ in range(400):  # 4 GB, far past the 128 MB limit
            blocks.append(b"x" * (10 * 1024 * 1024))
        return len(blocks)
    if kind == "flood":
        line = "y" * 99
        for _ in range(100_000):  # 10 MB on stdout
            print(line)
        return "flooded"
    if kind == "big":
        return "x" * (10 * 1024 * 1024)  # a 10 MB response, past the 6 MB limit
    raise AssertionError(kind)
"""


@pytest.fixture
def faulty(create_function):
    """A function running FAULTY with a 1 s timeout and 128 MB of memory."""
    return create_function(FAULTY, Timeout=1, MemorySize=128)["FunctionName"]


def _fault(lam, name: str, kind: str) -> tuple[dict, dict, str]:
    response, body = invoke_json(lam, name, {"kind": kind})
    assert response["StatusCode"] == 200
    assert response["FunctionError"] == "Unhandled"
    return response, body, response["ResponseMetadata"]["RequestId"]


def _serves_on(lam, aws_client, name: str, pid_before: int | None = None) -> int:
    """The next invoke works (in a fresh environment when `pid_before` is given), and the
    server still answers another service."""
    response, body = invoke_json(lam, name, {"kind": "ok"})
    assert "FunctionError" not in response, body
    if pid_before is not None:
        assert body["pid"] != pid_before
    assert "TableNames" in aws_client("dynamodb").list_tables()
    return body["pid"]


def _warm_pid(lam, name: str) -> int:
    response, body = invoke_json(lam, name, {"kind": "ok"})
    assert "FunctionError" not in response, body
    return body["pid"]


def test_raise(lam, aws_client, faulty):
    pid = _warm_pid(lam, faulty)
    _, body, rid = _fault(lam, faulty, "raise")
    assert list(body) == ["errorMessage", "errorType", "requestId", "stackTrace"]
    assert (body["errorType"], body["errorMessage"], body["requestId"]) == (
        "ValueError",
        "boom",
        rid,
    )
    assert any('raise ValueError("boom")' in frame for frame in body["stackTrace"])
    # a handled error keeps the environment warm, as on AWS
    assert _serves_on(lam, aws_client, faulty) == pid


@pytest.mark.parametrize(
    ("kind", "reason"),
    [("exit", "exit status 3"), ("segfault", "signal: segmentation fault")],
)
def test_process_exit(lam, aws_client, faulty, kind, reason):
    pid = _warm_pid(lam, faulty)
    _, body, rid = _fault(lam, faulty, kind)
    assert body == {
        "errorType": "Runtime.ExitError",
        "errorMessage": f"RequestId: {rid} Error: Runtime exited with error: {reason}",
    }
    _serves_on(lam, aws_client, faulty, pid_before=pid)


def test_infinite_loop_times_out(lam, aws_client, faulty):
    pid = _warm_pid(lam, faulty)
    _, body, rid = _fault(lam, faulty, "loop")
    assert body == {
        "errorType": "Sandbox.Timedout",
        "errorMessage": f"RequestId: {rid} Error: Task timed out after 1.00 seconds",
    }
    _serves_on(lam, aws_client, faulty, pid_before=pid)


def test_memory_hog_is_killed(lam, aws_client, create_function):
    name = create_function(FAULTY, Timeout=30, MemorySize=128)["FunctionName"]
    pid = _warm_pid(lam, name)
    _, body, rid = _fault(lam, name, "hog")
    assert body == {
        "errorType": "Runtime.ExitError",
        "errorMessage": f"RequestId: {rid} Error: Runtime exited with error: signal: killed",
    }
    _serves_on(lam, aws_client, name, pid_before=pid)
    messages = wait_for_log(aws_client("logs"), f"/aws/lambda/{name}", "Runtime.OutOfMemory")
    assert any("Max Memory Used: 128 MB" in m for m in messages)


def test_ten_megabyte_response(lam, aws_client, faulty):
    _, body, _ = _fault(lam, faulty, "big")
    assert body == {
        "errorMessage": "Response payload size exceeded maximum allowed payload size "
        "(6291556 bytes).",
        "errorType": "Function.ResponseSizeTooLarge",
    }
    _serves_on(lam, aws_client, faulty)


def test_ten_megabytes_on_stdout(lam, aws_client, create_function):
    """Not a fault on AWS: the invoke succeeds and the output goes to the logs."""
    name = create_function(FAULTY, Timeout=30)["FunctionName"]
    response, body = invoke_json(lam, name, {"kind": "flood"}, LogType="Tail")
    assert "FunctionError" not in response
    assert body == "flooded"
    assert response["StatusCode"] == 200
    raw_tail = base64.b64decode(response["LogResult"])
    assert 4000 < len(raw_tail) <= 4096  # LogType=Tail: the last 4 KB of the log
    tail = raw_tail.decode()
    assert tail.rstrip("\n").split("\n")[-1].startswith("REPORT RequestId: ")
    _serves_on(lam, aws_client, name)
    wait_for_log(aws_client("logs"), f"/aws/lambda/{name}", "y" * 99)


def test_every_fault_in_a_row_then_serves(lam, aws_client, faulty):
    """One function through every fault in turn; each answer is Unhandled and JSON."""
    for kind in ("raise", "exit", "segfault", "loop", "big", "raise"):
        _, body, _ = _fault(lam, faulty, kind)
        assert json.dumps(body) and "errorType" in body
    _serves_on(lam, aws_client, faulty)
