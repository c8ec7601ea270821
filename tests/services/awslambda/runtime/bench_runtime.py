"""Engine benchmarks (run by hand: `python -m tests.services.awslambda.runtime.bench_runtime`).

Cold start of a hello handler that imports boto3 (first invoke of a new function, with
the fork server up, and the very first invoke that also starts it), the warm invoke()
round trip (p50/p99), and sustained invokes/s with 8 concurrent callers.
"""

from __future__ import annotations

import asyncio
import shutil
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from lenticular.services.awslambda.runtime import RuntimeManager
from tests.services.awslambda.runtime.conftest import MemorySink, make_spec, write_handler

HELLO = """
import boto3

def handler(event, context):
    return {"statusCode": 200, "body": "hello"}
"""


async def main() -> None:
    root = Path(tempfile.mkdtemp(prefix="bench-lambda-"))
    code = write_handler(root / "code", HELLO)
    manager = RuntimeManager("http://localhost:4566", MemorySink())
    try:
        started = time.perf_counter()
        await manager.invoke(make_spec(code, name="first"), b"{}", request_id=str(uuid.uuid4()))
        print(
            f"very first invoke (starts the fork server): {(time.perf_counter() - started) * 1000:.1f} ms"
        )
        colds = []
        for i in range(20):
            spec = make_spec(code, name=f"cold{i}")
            started = time.perf_counter()
            await manager.invoke(spec, b"{}", request_id=str(uuid.uuid4()))
            colds.append((time.perf_counter() - started) * 1000)
        print(
            f"cold start, new function, boto3 handler: p50 {statistics.median(colds):.1f} ms "
            f"(min {min(colds):.1f}, max {max(colds):.1f})"
        )
        spec = make_spec(code, name="warm")
        await manager.invoke(spec, b"{}", request_id=str(uuid.uuid4()))
        warm = []
        for _ in range(3000):
            started = time.perf_counter()
            await manager.invoke(spec, b'{"k": "v"}', request_id=str(uuid.uuid4()))
            warm.append((time.perf_counter() - started) * 1e6)
        warm.sort()
        print(
            f"warm invoke() round trip: p50 {warm[len(warm) // 2]:.0f} us, "
            f"p99 {warm[int(len(warm) * 0.99)]:.0f} us"
        )

        async def caller(n: int) -> None:
            for _ in range(n):
                await manager.invoke(spec, b"{}", request_id=str(uuid.uuid4()))

        await asyncio.gather(*(caller(20) for _ in range(8)))  # warm 8 environments
        started = time.perf_counter()
        await asyncio.gather(*(caller(1000) for _ in range(8)))
        elapsed = time.perf_counter() - started
        print(f"sustained: {8000 / elapsed:.0f} invokes/s with 8 concurrent callers")
    finally:
        await manager.close()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main())
