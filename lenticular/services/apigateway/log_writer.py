"""The buffer behind access and execution logs: lines are collected per CloudWatch Logs
(account, region, group, stream) and written from the event loop about every 100 ms, so
a response never waits for a log write. A subclass says how one batch is written (whether
the group must already exist) and what its lines are called in warnings.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

FLUSH_DELAY_S = 0.1
Where = tuple[str, str, str, str]  # account, region, group, stream


class BufferedLogWriter:
    """Buffers log events and writes them to CloudWatch Logs from the event loop."""

    what = "log"  # how warnings name the lines: "{what}s dropped", "{what} lines for"

    def __init__(self, logs_engine: Callable[[], Any]) -> None:
        self._logs_engine = logs_engine
        self._pending: list[tuple[Where, list[tuple[int, str]]]] = []
        self._scheduled = False

    def _enqueue(self, where: Where, events: list[tuple[int, str]]) -> None:
        self._pending.append((where, events))
        if not self._scheduled:
            self._scheduled = True
            try:
                asyncio.get_running_loop().call_later(FLUSH_DELAY_S, self.flush)
            except RuntimeError:  # no loop (a direct call): write now
                self.flush()

    def _write(self, engine: Any, where: Where, events: list[tuple[int, str]]) -> None:
        """Write one batch; raising drops it (logged at INFO)."""
        account, region, group, stream = where
        engine.put_events(account, region, group, stream, events, create=True)

    def flush(self) -> None:
        self._scheduled = False
        pending, self._pending = self._pending, []
        batches: dict[Where, list[tuple[int, str]]] = {}
        for where, events in pending:
            batches.setdefault(where, []).extend(events)
        if not batches:
            return
        try:
            engine = self._logs_engine()
        except Exception:  # noqa: BLE001 - CloudWatch Logs is not served
            log.warning("%ss dropped: CloudWatch Logs is unavailable", self.what)
            return
        for where, events in batches.items():
            try:
                self._write(engine, where, events)
            except Exception as error:  # noqa: BLE001 - never fail the event loop
                log.info("%s lines for %s dropped: %s", self.what, where[2], error)
