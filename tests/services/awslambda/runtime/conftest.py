"""Helpers for the runtime engine tests: real processes, handlers written to tmp dirs."""

from __future__ import annotations

import asyncio
import json
import textwrap
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from lenticular.services.awslambda.runtime import FunctionSpec, RuntimeManager


class MemorySink:
    """A LogSink that keeps events in memory, per (group, stream)."""

    def __init__(self) -> None:
        self.streams: dict[tuple[str, str], list[tuple[int, str]]] = {}
        self.calls = 0

    def write(
        self, account_id: str, region: str, group: str, stream: str, events: list[tuple[int, str]]
    ) -> None:
        self.calls += 1
        self.streams.setdefault((group, stream), []).extend(events)

    def messages(self) -> list[str]:
        return [m for events in self.streams.values() for _, m in events]


def make_spec(code_dir: Path, name: str = "fn", **overrides: Any) -> FunctionSpec:
    spec = FunctionSpec(
        function_name=name,
        function_arn=f"arn:aws:lambda:us-east-1:123456789012:function:{name}",
        version="$LATEST",
        runtime="python3.11",
        handler="app.handler",
        code_dir=code_dir,
        layer_dirs=(),
        environment={"STAGE": "test"},
        memory_mb=128,
        timeout_s=3.0,
        ephemeral_storage_mb=512,
        account_id="123456789012",
        region="us-east-1",
        code_sha256="sha-1",
    )
    return replace(spec, **overrides)


def write_handler(folder: Path, source: str, filename: str = "app.py") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / filename).write_text(textwrap.dedent(source))
    return folder


def request_id() -> str:
    return str(uuid.uuid4())


def payload_of(result: Any) -> Any:
    return json.loads(result.payload)


Scenario = Callable[[RuntimeManager, MemorySink], Awaitable[None]]


@pytest.fixture
def run_engine() -> Callable[..., None]:
    """Run a scenario against a fresh RuntimeManager on a fresh loop; always closes it."""

    def run(scenario: Scenario, **options: Any) -> None:
        async def main() -> None:
            sink = MemorySink()
            manager = RuntimeManager("http://localhost:4566", sink, **options)
            try:
                await asyncio.wait_for(scenario(manager, sink), 60)
            finally:
                await manager.close()

        asyncio.run(main())

    return run
