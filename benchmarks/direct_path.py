"""CPU per request of the direct HTTP path, in one process, without the kernel.

Over the network a 2-core VM whose speed drifts makes small changes invisible. This feeds
the exact bytes wrk sends to lenticular's HTTP protocol object (the one the server uses,
on a uvloop loop, 16 connections that each carry one request at a time; answers go to a
transport that keeps them) and reports microseconds of CPU per answered request, best of
five passes. The baseline beside it is the same protocol with an app that answers every
call with a constant: what the HTTP layer itself costs. Beside the figure: the cyclic
garbage collector's passes per 1,000 requests (a request that leaves reference cycles
behind shows up here as many young passes, and as long full ones under load).

    .venv/bin/python -m benchmarks.direct_path                  # GetItem, PutItem, baseline
    .venv/bin/python -m benchmarks.direct_path --requests 50000 --workloads dynamodb-get-item

Pin it to a core (`taskset -c 1`) and compare runs of two checkouts back to back.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import uvicorn
import uvloop
from uvicorn.server import ServerState

from benchmarks import dynamodb
from benchmarks.workloads import WORKLOADS, sign
from lenticular.app import Lenticular
from lenticular.config import Config
from lenticular.http_protocol import protocol_for
from lenticular.protocol.http import HttpResponse

CONNECTIONS = 16
DATE = [(b"date", b"Thu, 26 Nov 2026 20:00:00 GMT")]
CONSTANT = "constant-answer"  # the baseline: the protocol with a do-nothing app


class Transport:
    """Just enough of an asyncio transport for the protocol: writes are counted."""

    def __init__(self) -> None:
        self.answers = 0
        self.closing = False

    def write(self, data: bytes) -> None:
        self.answers += data.count(b"HTTP/1.1 200 ")

    def is_closing(self) -> bool:
        return self.closing

    def close(self) -> None:
        self.closing = True

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"sockname": ("127.0.0.1", 4566), "peername": ("127.0.0.1", 50000)}.get(
            name, default
        )

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


def raw_request(workload: str) -> bytes:
    signed = sign(WORKLOADS[workload], "127.0.0.1", 4566)
    lines = [f"{signed.method} {signed.path} HTTP/1.1"]
    lines += [f"{name}: {value}" for name, value in signed.headers.items()]
    lines.append(f"Content-Length: {len(signed.body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + signed.body


class GcPasses:
    """Counts the cyclic garbage collector's passes while installed."""

    def __init__(self) -> None:
        self.passes = 0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "stop":
            self.passes += 1

    def __enter__(self) -> GcPasses:
        gc.callbacks.append(self)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self)


async def measure(workload: str, requests: int) -> tuple[float, float]:
    """(best µs of CPU per request, GC passes per 1,000 requests over all passes)."""
    app = Lenticular(Config(data_dir=Path(tempfile.mkdtemp(prefix="direct-path-"))))
    try:
        if workload == CONSTANT:
            answer = HttpResponse(200, [("Content-Type", "application/x-amz-json-1.0")], b"{}")
            app.respond = lambda request: answer  # type: ignore[method-assign]
            raw = raw_request("dynamodb-get-item")
        else:
            raw = raw_request(workload)
        config = uvicorn.Config(
            app, http=protocol_for(app), lifespan="off", access_log=False,
            log_level="warning", proxy_headers=False, server_header=False,
        )  # fmt: skip
        config.load()
        state = ServerState()
        state.default_headers = DATE
        transport = Transport()
        connections = []
        for _ in range(CONNECTIONS):
            protocol = protocol_for(app)(config=config, server_state=state, app_state={})
            protocol.connection_made(transport)
            connections.append(protocol)
        if workload != CONSTANT:
            await _prepare(connections[0], transport)
        head, slot, tail = raw.partition(dynamodb.KEY_SLOT)
        counter = 0

        async def run(total: int) -> None:
            nonlocal counter
            for _ in range(total // CONNECTIONS):
                for protocol in connections:
                    if slot:
                        counter += 1
                        protocol.data_received(b"%s%012d%s" % (head, counter, tail))
                    else:
                        protocol.data_received(raw)
                for _ in range(4):  # commits, then their answers
                    await asyncio.sleep(0)

        await run(2000)
        best = float("inf")
        answered = 0
        with GcPasses() as collections:
            for _ in range(5):
                transport.answers = 0
                started = time.process_time()
                await run(requests)
                spent = time.process_time() - started
                await asyncio.sleep(0.01)
                if transport.answers < requests - CONNECTIONS:
                    raise RuntimeError(
                        f"{workload}: {transport.answers} of {requests} answered 200"
                    )
                answered += transport.answers
                best = min(best, spent / transport.answers)
        return best * 1e6, 1000 * collections.passes / answered
    finally:
        app.close()


async def _prepare(protocol: Any, transport: Transport) -> None:
    """Create table `bench` and its seeded items through the same protocol object."""
    for operation, payload in dynamodb.setup_calls():
        protocol.data_received(_call(operation, payload))
        for _ in range(4):
            await asyncio.sleep(0)


def _call(operation: str, payload: bytes) -> bytes:
    head = (
        f"POST / HTTP/1.1\r\nHost: 127.0.0.1:4566\r\n"
        f"Content-Type: application/x-amz-json-1.0\r\n"
        f"X-Amz-Target: DynamoDB_20120810.{operation}\r\n"
        f"Content-Length: {len(payload)}\r\n\r\n"
    )
    return head.encode() + payload


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--workloads", default=f"dynamodb-get-item,dynamodb-put-item,{CONSTANT}",
        help="comma-separated DynamoDB workloads, and/or " + CONSTANT,
    )  # fmt: skip
    parser.add_argument("--requests", type=int, default=20000, help="per pass (5 passes)")
    args = parser.parse_args(argv)
    for workload in args.workloads.split(","):
        micros, passes = uvloop.run(measure(workload, args.requests))
        print(f"{workload:24s} {micros:7.2f} us CPU per request  {passes:6.2f} GC passes per 1k")
    return 0


if __name__ == "__main__":
    sys.exit(main())
