"""Faults: every failure gets AWS's error shape, a fresh environment, and the engine serves on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.services.awslambda.runtime.conftest import (
    make_spec,
    payload_of,
    request_id,
    write_handler,
)

FAULTY = """
    import ctypes
    import os
    import sys
    import time

    STARTED = time.time()

    def handler(event, context):
        kind = event["kind"]
        if kind == "ok":
            return {"pid": os.getpid(), "started": STARTED}
        if kind == "raise":
            raise ValueError("boom")
        if kind == "exit":
            sys.exit(3)
        if kind == "exit0":
            sys.exit()
        if kind == "_exit":
            os._exit(7)
        if kind == "segfault":
            ctypes.string_at(0)
        if kind == "hang":
            while True:
                time.sleep(0.01)
        if kind == "spin":
            while True:
                pass
        if kind == "hog":
            blocks = []
            for _ in range(400):
                blocks.append(b"x" * (10 * 1024 * 1024))
            return len(blocks)
        if kind == "flood":
            line = "y" * 99
            for _ in range(100_000):  # 10 MB
                print(line)
            return "flooded"
        if kind == "big":
            return "x" * (7 * 1024 * 1024)
        if kind == "unserializable":
            return {"x": object()}
"""


def _invoke(manager, spec, kind: str, **kw):
    return manager.invoke(spec, json.dumps({"kind": kind}).encode(), request_id=request_id(), **kw)


def _assert_fresh_environment_serves(result_before, ok) -> None:
    assert ok.function_error is None
    assert ok.init_duration_ms is not None  # a cold start: the failed environment is gone


async def _then_ok(manager, spec):
    ok = await _invoke(manager, spec, "ok")
    assert ok.function_error is None, ok.payload
    return ok


def test_handler_exception_shape(tmp_path: Path, run_engine) -> None:
    spec = make_spec(write_handler(tmp_path / "code", FAULTY))

    async def scenario(manager, sink):
        first = await _then_ok(manager, spec)
        rid = request_id()
        result = await manager.invoke(spec, b'{"kind": "raise"}', request_id=rid, tail_logs=True)
        assert result.function_error == "Unhandled"
        body = payload_of(result)
        assert list(body) == ["errorMessage", "errorType", "requestId", "stackTrace"]
        assert body["errorMessage"] == "boom"
        assert body["errorType"] == "ValueError"
        assert body["requestId"] == rid
        assert len(body["stackTrace"]) == 1
        assert body["stackTrace"][0].startswith(f'  File "{spec.code_dir}/app.py", line ')
        assert 'raise ValueError("boom")' in body["stackTrace"][0]
        error_line = result.log_tail.split("\n")[1]
        assert error_line.startswith(
            "[ERROR] ValueError: boom\rTraceback (most recent call last):\r"
        )
        # a handled error keeps the environment warm
        again = await _then_ok(manager, spec)
        assert payload_of(again)["pid"] == payload_of(first)["pid"]
        assert again.init_duration_ms is None

    run_engine(scenario)


@pytest.mark.parametrize(
    ("kind", "reason"),
    [
        ("exit", "exit status 3"),
        ("exit0", None),
        ("_exit", "exit status 7"),
        ("segfault", "signal: segmentation fault"),
    ],
)
def test_process_exit_is_runtime_exit_error(
    tmp_path: Path, run_engine, kind: str, reason: str | None
) -> None:
    spec = make_spec(write_handler(tmp_path / "code", FAULTY))

    async def scenario(manager, sink):
        await _then_ok(manager, spec)
        rid = request_id()
        result = await manager.invoke(
            spec, json.dumps({"kind": kind}).encode(), request_id=rid, tail_logs=True
        )
        assert result.function_error == "Unhandled"
        message = (
            f"Runtime exited with error: {reason}"
            if reason
            else "Runtime exited without providing a reason"
        )
        assert json.loads(result.payload) == {
            "errorType": "Runtime.ExitError",
            "errorMessage": f"RequestId: {rid} Error: {message}",
        }
        assert f"RequestId: {rid} Error: {message}" in result.log_tail
        assert "Status: error\tError Type: Runtime.ExitError" in result.log_tail
        _assert_fresh_environment_serves(result, await _then_ok(manager, spec))

    run_engine(scenario)


@pytest.mark.parametrize("kind", ["hang", "spin"])
def test_timeout(tmp_path: Path, run_engine, kind: str) -> None:
    spec = make_spec(write_handler(tmp_path / "code", FAULTY), timeout_s=0.5)

    async def scenario(manager, sink):
        await _then_ok(manager, spec)
        rid = request_id()
        result = await manager.invoke(
            spec, json.dumps({"kind": kind}).encode(), request_id=rid, tail_logs=True
        )
        assert result.function_error == "Unhandled"
        assert json.loads(result.payload) == {
            "errorType": "Sandbox.Timedout",
            "errorMessage": f"RequestId: {rid} Error: Task timed out after 0.50 seconds",
        }
        assert 500 <= result.duration_ms < 1500
        assert f"{rid} Task timed out after 0.50 seconds" in result.log_tail
        assert "Status: timeout" in result.log_tail
        _assert_fresh_environment_serves(result, await _then_ok(manager, spec))

    run_engine(scenario)


def test_memory_limit(tmp_path: Path, run_engine) -> None:
    spec = make_spec(write_handler(tmp_path / "code", FAULTY), memory_mb=128, timeout_s=20)

    async def scenario(manager, sink):
        await _then_ok(manager, spec)
        rid = request_id()
        result = await _invoke_with_id(manager, spec, "hog", rid)
        assert result.function_error == "Unhandled"
        assert json.loads(result.payload) == {
            "errorType": "Runtime.ExitError",
            "errorMessage": f"RequestId: {rid} Error: Runtime exited with error: signal: killed",
        }
        assert "Error Type: Runtime.OutOfMemory" in result.log_tail
        assert result.max_memory_used_mb == 128
        _assert_fresh_environment_serves(result, await _then_ok(manager, spec))

    run_engine(scenario)


def _invoke_with_id(manager, spec, kind, rid):
    return manager.invoke(spec, json.dumps({"kind": kind}).encode(), request_id=rid, tail_logs=True)


def test_flooding_stdout(tmp_path: Path, run_engine) -> None:
    spec = make_spec(write_handler(tmp_path / "code", FAULTY), timeout_s=30)

    async def scenario(manager, sink):
        result = await _invoke(manager, spec, "flood", tail_logs=True)
        assert result.payload == b'"flooded"'
        assert result.log_tail.rstrip("\n").split("\n")[-1].startswith("REPORT")
        again = await _then_ok(manager, spec)
        assert again.init_duration_ms is None  # flooding is not a fault: still warm
        manager._shipper.flush()
        assert sum(1 for m in sink.messages() if m == "y" * 99) == 100_000

    run_engine(scenario)


def test_unserializable_response(tmp_path: Path, run_engine) -> None:
    spec = make_spec(write_handler(tmp_path / "code", FAULTY))

    async def scenario(manager, sink):
        rid = request_id()
        result = await _invoke_with_id(manager, spec, "unserializable", rid)
        body = payload_of(result)
        assert body["errorType"] == "Runtime.MarshalError"
        assert body["errorMessage"] == (
            "Unable to marshal response: Object of type object is not JSON serializable"
        )
        assert body["requestId"] == rid and body["stackTrace"] == []

    run_engine(scenario)


@pytest.mark.parametrize(
    ("source", "handler", "error_type", "message"),
    [
        (
            "import not_a_module\n",
            "app.handler",
            "Runtime.ImportModuleError",
            "Unable to import module 'app': No module named 'not_a_module'",
        ),
        (
            "x = 1\n",
            "app.handler",
            "Runtime.HandlerNotFound",
            "Handler 'handler' missing on module 'app'",
        ),
        (
            "x = 1\n",
            "nodot",
            "Runtime.MalformedHandlerName",
            "Bad handler 'nodot': not enough values to unpack (expected 2, got 1)",
        ),
        ("def handler(:\n", "app.handler", "Runtime.UserCodeSyntaxError", None),
        ("raise RuntimeError('init failed')\n", "app.handler", "RuntimeError", "init failed"),
    ],
)
def test_init_errors(tmp_path: Path, run_engine, source, handler, error_type, message) -> None:
    spec = make_spec(write_handler(tmp_path / "code", source), handler=handler)

    async def scenario(manager, sink):
        for _ in range(2):  # init is retried with a fresh environment each time
            result = await manager.invoke(spec, b"{}", request_id=request_id(), tail_logs=True)
            assert result.function_error == "Unhandled"
            body = payload_of(result)
            assert body["errorType"] == error_type
            if message:
                assert body["errorMessage"] == message
            assert body["requestId"] == ""
            assert f"[ERROR] {error_type}: " in result.log_tail
        assert not any(pool.environments for pool in manager._pools.values())

    run_engine(scenario)


def test_exit_during_init(tmp_path: Path, run_engine) -> None:
    spec = make_spec(write_handler(tmp_path / "code", "import sys\nsys.exit(2)\n"))

    async def scenario(manager, sink):
        rid = request_id()
        result = await manager.invoke(spec, b"{}", request_id=rid)
        assert json.loads(result.payload) == {
            "errorType": "Runtime.ExitError",
            "errorMessage": f"RequestId: {rid} Error: Runtime exited with error: exit status 2",
        }

    run_engine(scenario)


def test_response_too_large(tmp_path: Path, run_engine) -> None:
    spec = make_spec(write_handler(tmp_path / "code", FAULTY))

    async def scenario(manager, sink):
        result = await _invoke(manager, spec, "big")
        assert result.function_error == "Unhandled"
        assert payload_of(result) == {
            "errorMessage": "Response payload size exceeded maximum allowed payload size "
            "(6291556 bytes).",
            "errorType": "Function.ResponseSizeTooLarge",
        }
        await _then_ok(manager, spec)

    run_engine(scenario)
