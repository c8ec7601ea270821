"""The warm pool: concurrency, throttling, invalidation and idle reaping."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from lenticular.services.awslambda import errors
from tests.services.awslambda.runtime.conftest import (
    make_spec,
    payload_of,
    request_id,
    write_handler,
)

SLOW = """
    import os
    import time

    def handler(event, context):
        time.sleep(event.get("sleep", 0))
        return os.getpid()
"""


async def _gone(pid: int) -> bool:
    """True once the process no longer exists (killed and reaped), polling up to 2 s."""
    for _ in range(200):
        if not _alive(pid):
            return True
        await asyncio.sleep(0.01)
    return False


def _alive(pid: int) -> bool:
    """Exists and is not a zombie (inside a container, orphans may never be reaped)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def _sleep(seconds: float) -> bytes:
    return json.dumps({"sleep": seconds}).encode()


def test_parallel_invokes_use_several_environments(tmp_path: Path, run_engine) -> None:
    spec = make_spec(write_handler(tmp_path / "code", SLOW))

    async def scenario(manager, sink):
        results = await asyncio.gather(
            *(manager.invoke(spec, _sleep(0.3), request_id=request_id()) for _ in range(8))
        )
        pids = {payload_of(r) for r in results}
        assert len(pids) == 8  # one invocation at a time per environment
        assert all(r.init_duration_ms is not None for r in results)
        # afterwards all 8 are warm and reused
        again = await asyncio.gather(
            *(manager.invoke(spec, _sleep(0.1), request_id=request_id()) for _ in range(8))
        )
        assert {payload_of(r) for r in again} == pids
        assert all(r.init_duration_ms is None for r in again)

    run_engine(scenario)


def test_reserved_concurrency_throttles(tmp_path: Path, run_engine) -> None:
    spec = make_spec(write_handler(tmp_path / "code", SLOW))

    async def scenario(manager, sink):
        slow = [
            asyncio.ensure_future(
                manager.invoke(spec, _sleep(0.5), request_id=request_id(), reserved_concurrency=2)
            )
            for _ in range(2)
        ]
        await asyncio.sleep(0.1)
        with pytest.raises(errors.TooManyRequestsException) as caught:
            await manager.invoke(spec, b"{}", request_id=request_id(), reserved_concurrency=2)
        assert caught.value.message == "Rate Exceeded."
        assert caught.value.fields == {
            "Type": "User",
            "Reason": "ReservedFunctionConcurrentInvocationLimitExceeded",
        }
        await asyncio.gather(*slow)
        ok = await manager.invoke(spec, b"{}", request_id=request_id(), reserved_concurrency=2)
        assert ok.function_error is None
        with pytest.raises(errors.TooManyRequestsException):
            await manager.invoke(spec, b"{}", request_id=request_id(), reserved_concurrency=0)

    run_engine(scenario)


def test_account_concurrency_throttles(tmp_path: Path, run_engine) -> None:
    one = make_spec(write_handler(tmp_path / "one", SLOW), name="one")
    two = make_spec(write_handler(tmp_path / "two", SLOW), name="two")

    async def scenario(manager, sink):
        busy = asyncio.ensure_future(manager.invoke(one, _sleep(0.5), request_id=request_id()))
        await asyncio.sleep(0.1)
        with pytest.raises(errors.TooManyRequestsException) as caught:
            await manager.invoke(two, b"{}", request_id=request_id())
        assert caught.value.fields["Reason"] == "ConcurrentInvocationLimitExceeded"
        await busy
        assert (await manager.invoke(two, b"{}", request_id=request_id())).function_error is None

    run_engine(scenario, account_concurrency=1)


def test_invalidate_retires_environments(tmp_path: Path, run_engine) -> None:
    spec = make_spec(write_handler(tmp_path / "code", SLOW))

    async def scenario(manager, sink):
        warm = await asyncio.gather(
            *(manager.invoke(spec, _sleep(0.2), request_id=request_id()) for _ in range(2))
        )
        busy = asyncio.ensure_future(manager.invoke(spec, _sleep(0.3), request_id=request_id()))
        await asyncio.sleep(0.1)
        manager.invalidate(spec.function_arn)
        busy_pid = payload_of(await busy)  # the busy one finishes its invocation...
        (first,) = {payload_of(r) for r in warm} - {busy_pid}
        assert await _gone(first)  # the idle one was stopped at once
        assert await _gone(busy_pid)  # ...and is then retired
        fresh = await manager.invoke(spec, b"{}", request_id=request_id())
        assert fresh.init_duration_ms is not None
        assert payload_of(fresh) not in (first, busy_pid)

    run_engine(scenario)


def test_idle_environments_are_reaped(tmp_path: Path, run_engine) -> None:
    spec = make_spec(write_handler(tmp_path / "code", SLOW))

    async def scenario(manager, sink):
        pid = payload_of(await manager.invoke(spec, b"{}", request_id=request_id()))
        warm = await manager.invoke(spec, b"{}", request_id=request_id())
        assert warm.init_duration_ms is None
        await asyncio.sleep(0.8)
        assert await _gone(pid)
        cold = await manager.invoke(spec, b"{}", request_id=request_id())
        assert cold.init_duration_ms is not None

    run_engine(scenario, idle_timeout_s=0.3)


def test_close_stops_every_process(tmp_path: Path) -> None:
    from lenticular.services.awslambda.runtime import RuntimeManager
    from tests.services.awslambda.runtime.conftest import MemorySink

    spec = make_spec(write_handler(tmp_path / "code", SLOW))

    async def main() -> list[int]:
        manager = RuntimeManager("http://localhost:4566", MemorySink())
        results = await asyncio.gather(
            *(manager.invoke(spec, _sleep(0.1), request_id=request_id()) for _ in range(3))
        )
        zygote = manager._forks._process.pid
        await manager.close()
        return [payload_of(r) for r in results] + [zygote]

    for pid in asyncio.run(main()):
        assert not _alive(pid)
