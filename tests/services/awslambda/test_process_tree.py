"""Limits that cover the environment's whole process tree, through the Invoke API: a child
process (subprocess or multiprocessing) that allocates past MemorySize gets the
environment killed with AWS's out-of-memory error, REPORT's Max Memory Used counts
children, forked children that share their parent's memory are not over-counted, and
EphemeralStorage bounds a file in /tmp."""

from __future__ import annotations

import base64
import re
import sys
import time
from pathlib import Path

import pytest

from tests.services.awslambda.conftest import make_zip
from tests.services.awslambda.test_faults_api import _serves_on, _warm_pid
from tests.services.awslambda.test_invoke import invoke_json, wait_for_log

TREE = """
import multiprocessing
import os
import subprocess
import sys
import time

HOLD = "import sys, time; b = bytearray(int(sys.argv[1]) << 20); b[::4096] = b'x' * len(b[::4096]); time.sleep(float(sys.argv[2]))"


def _hold(mb, seconds):
    b = bytearray(mb << 20)
    b[::4096] = b"x" * len(b[::4096])
    time.sleep(seconds)


def handler(event, context):
    kind = event["kind"]
    if kind == "ok":
        return {"pid": os.getpid()}
    if kind == "subprocess":  # a child in its own process group, as `sh -c` jobs are
        child = subprocess.Popen(
            [sys.executable, "-c", HOLD, str(event["mb"]), str(event["hold"])],
            process_group=0,
        )
        with open(event["pidfile"], "w") as f:
            f.write(str(child.pid))
        return child.wait()
    if kind == "orphan":  # a daemon the shell leaves behind, re-parented when sh exits
        subprocess.run(
            ["sh", "-c", f'"$0" -c "$1" {event["mb"]} {event["hold"]} >/dev/null & echo $! > {event["pidfile"]}',
             sys.executable, HOLD],
            check=True,
        )
        time.sleep(event["hold"])
        return "slept"
    if kind == "multiprocessing":
        ctx = multiprocessing.get_context("fork")
        children = [ctx.Process(target=_hold, args=(event["mb"], event["hold"]))
                    for _ in range(event["n"])]
        for child in children:
            child.start()
        with open(event["pidfile"], "w") as f:
            f.write(" ".join(str(c.pid) for c in children))
        for child in children:
            child.join()
        return [c.exitcode for c in children]
    if kind == "bigfile":
        path = os.path.join(os.environ["TMPDIR"], "big")
        with open(path, "wb", buffering=0) as f:
            f.seek(event["mb"] << 20)
            try:
                f.write(b"x")
            except OSError as e:
                return {"errno": e.errno, "strerror": e.strerror}
        return {"size": os.path.getsize(path)}
    raise AssertionError(kind)
"""


def _gone(pid: int, timeout: float = 5.0) -> bool:
    """The process ended (it may linger as a zombie of whoever inherited it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            return True
        if state in ("Z", "X"):
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize("kind", ["subprocess", "orphan", "multiprocessing"])
def test_child_allocating_past_memory_size_kills_the_environment(
    lam, aws_client, create_function, tmp_path, kind
):
    name = create_function(TREE, Timeout=30, MemorySize=128)["FunctionName"]
    pid = _warm_pid(lam, name)
    pidfile = tmp_path / "pids"
    event = {"kind": kind, "mb": 300, "hold": 20, "n": 1, "pidfile": str(pidfile)}
    started = time.monotonic()
    response, body = invoke_json(lam, name, event)
    rid = response["ResponseMetadata"]["RequestId"]
    assert response["FunctionError"] == "Unhandled"
    assert time.monotonic() - started < 10  # killed by the watchdog, not the timeout
    assert body == {
        "errorType": "Runtime.ExitError",
        "errorMessage": f"RequestId: {rid} Error: Runtime exited with error: signal: killed",
    }
    for child in pidfile.read_text().split():
        assert _gone(int(child)), f"child {child} outlived its environment"
    _serves_on(lam, aws_client, name, pid_before=pid)
    messages = wait_for_log(aws_client("logs"), f"/aws/lambda/{name}", "Runtime.OutOfMemory")
    report = next(m for m in messages if m.startswith(f"REPORT RequestId: {rid}"))
    assert "Max Memory Used: 128 MB" in report
    assert "Status: error\tError Type: Runtime.OutOfMemory" in report


def _max_memory_used(response: dict) -> int:
    tail = base64.b64decode(response["LogResult"]).decode()
    match = re.search(r"Max Memory Used: (\d+) MB", tail)
    assert match, tail
    return int(match.group(1))


def test_forked_children_sharing_memory_count_once(lam, create_function, tmp_path):
    """Four forked children of a 128 MB function that allocate little are not killed:
    what they share with their parent is not counted four more times."""
    name = create_function(TREE, Timeout=30, MemorySize=128)["FunctionName"]
    _warm_pid(lam, name)
    event = {
        "kind": "multiprocessing",
        "mb": 4,
        "hold": 0.6,
        "n": 4,
        "pidfile": str(tmp_path / "p"),
    }
    response, body = invoke_json(lam, name, event, LogType="Tail")
    assert "FunctionError" not in response, body
    assert body == [0, 0, 0, 0]
    assert _max_memory_used(response) < 128


def test_max_memory_used_counts_children(lam, create_function, tmp_path):
    name = create_function(TREE, Timeout=30, MemorySize=512)["FunctionName"]
    response, _ = invoke_json(lam, name, {"kind": "ok"}, LogType="Tail")
    alone = _max_memory_used(response)
    event = {"kind": "subprocess", "mb": 150, "hold": 0.8, "pidfile": str(tmp_path / "p")}
    response, body = invoke_json(lam, name, event, LogType="Tail")
    assert "FunctionError" not in response, body
    assert body == 0
    assert _max_memory_used(response) >= alone + 150


def test_ephemeral_storage_bounds_a_file(lam, create_function):
    name = create_function(TREE, Timeout=10, EphemeralStorage={"Size": 512})["FunctionName"]
    _, body = invoke_json(lam, name, {"kind": "bigfile", "mb": 100})
    assert body == {"size": (100 << 20) + 1}
    _, body = invoke_json(lam, name, {"kind": "bigfile", "mb": 600})
    assert body == {"errno": 27, "strerror": "File too large"}  # EFBIG
    config = lam.update_function_configuration(FunctionName=name, EphemeralStorage={"Size": 1024})
    assert config["EphemeralStorage"] == {"Size": 1024}
    lam.get_waiter("function_updated_v2").wait(FunctionName=name)
    _, body = invoke_json(lam, name, {"kind": "bigfile", "mb": 600})
    assert body == {"size": (600 << 20) + 1}


def test_provided_runtime_tree_is_limited_too(lam, aws_client, create_function):
    """A shell bootstrap whose handler runs a program that allocates past MemorySize."""
    bootstrap = f"""\
        #!/bin/sh
        api="http://${{AWS_LAMBDA_RUNTIME_API}}/2018-06-01/runtime/invocation"
        while true; do
          headers=$(mktemp)
          event=$(curl -sS -D "$headers" "$api/next")
          id=$(grep -i Lambda-Runtime-Aws-Request-Id "$headers" | tr -d '[:space:]' | cut -d: -f2)
          if [ "$event" = '"hog"' ]; then
            {sys.executable} -c "import time; b = bytearray(300 << 20); b[::4096] = b'x' * len(b[::4096]); time.sleep(20)"
          fi
          curl -sS -X POST "$api/$id/response" -d '"fine"' > /dev/null
        done
        """
    package = make_zip({"bootstrap": bootstrap}, mode=0o755)
    name = create_function(
        Runtime="provided.al2023", Handler="x", Timeout=30, MemorySize=128,
        Code={"ZipFile": package},
    )["FunctionName"]  # fmt: skip
    assert invoke_json(lam, name, "ok")[1] == "fine"
    started = time.monotonic()
    response, body = invoke_json(lam, name, "hog")
    assert time.monotonic() - started < 10
    rid = response["ResponseMetadata"]["RequestId"]
    assert body == {
        "errorType": "Runtime.ExitError",
        "errorMessage": f"RequestId: {rid} Error: Runtime exited with error: signal: killed",
    }
    assert invoke_json(lam, name, "ok")[1] == "fine"
    messages = wait_for_log(aws_client("logs"), f"/aws/lambda/{name}", "Runtime.OutOfMemory")
    assert any(m.startswith(f"REPORT RequestId: {rid}") for m in messages)
