"""Log capture for execution environments, off the invoke path.

Each environment's stdout/stderr is one pipe; a reader callback on the event loop turns
it into log events (one per line, as CloudWatch Logs shows a Lambda function's output).
Events are handed to the LogSink in batches shortly after, never while a caller waits
(PITFALLS 33). The platform's own lines (START, END, REPORT) are formatted here, as in
https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections import deque

from lenticular.services.awslambda.runtime.models import LogSink

logger = logging.getLogger(__name__)

MAX_EVENT_BYTES = 256 * 1024  # CloudWatch Logs' largest event; longer lines are split
TAIL_BYTES = 4096  # LogType=Tail returns the last 4 KB
FLUSH_DELAY_S = 0.02
MAX_READS_PER_CALLBACK = 16


class LogShipper:
    """Batches events per (account, region, group, stream) and writes them to the sink soon."""

    def __init__(self, sink: LogSink) -> None:
        self._sink = sink
        self._pending: dict[tuple[str, str, str, str], list[tuple[int, str]]] = {}
        self._scheduled: asyncio.TimerHandle | None = None

    def add(self, where: tuple[str, str, str, str], events: list[tuple[int, str]]) -> None:
        self._pending.setdefault(where, []).extend(events)
        if self._scheduled is None:
            self._scheduled = asyncio.get_running_loop().call_later(FLUSH_DELAY_S, self.flush)

    def flush(self) -> None:
        if self._scheduled is not None:
            self._scheduled.cancel()
        self._scheduled = None
        pending, self._pending = self._pending, {}
        for (account, region, group, stream), events in pending.items():
            try:
                self._sink.write(account, region, group, stream, events)
            except Exception:  # a broken sink must not break invocations
                logger.exception("Lambda log sink failed for %s %s", group, stream)


class LogCollector:
    """Reads one environment's output pipe; tracks the current invocation's lines for the
    tail."""

    def __init__(self, fd: int, shipper: LogShipper, where: tuple[str, str, str, str]) -> None:
        self._fd = fd
        self._shipper = shipper
        self._where = where
        self._partial = b""
        self._tail: deque[str] | None = None
        self._tail_bytes = 0
        self._closed = False
        self._init_lines: deque[str] | None = deque(maxlen=64)  # until the first START
        os.set_blocking(fd, False)
        asyncio.get_running_loop().add_reader(fd, self.drain)

    def begin_invocation(self, first_line: str, *, tail: bool, with_init: bool = False) -> None:
        """START an invocation. `with_init`: the tail also shows the init phase's output
        (a failed init is retried within the invocation on AWS, so its errors show there)."""
        init_lines, self._init_lines = self._init_lines, None
        self._tail = deque() if tail else None
        self._tail_bytes = 0
        self.platform(first_line)
        if self._tail is not None and with_init and init_lines:
            for line in init_lines:
                self._tail.append(line)
                self._tail_bytes += len(line) + 1

    def end_invocation(self) -> str | None:
        """The invocation's log (START..REPORT), last 4 KB, or None when not tailing."""
        if self._tail is None:
            return None
        text = "".join(line + "\n" for line in self._tail).encode()
        self._tail = None
        return text[-TAIL_BYTES:].decode("utf-8", "ignore")

    def platform(self, *lines: str) -> None:
        """Lines Lambda itself writes (START/END/REPORT, fault notices)."""
        now = int(time.time() * 1000)
        self._emit([(now, line) for line in lines])

    def _emit(self, events: list[tuple[int, str]]) -> None:
        if not events:
            return
        self._shipper.add(self._where, events)
        if self._init_lines is not None:
            self._init_lines.extend(message for _, message in events)
        if self._tail is not None:
            for _, message in events:
                self._tail.append(message)
                self._tail_bytes += len(message) + 1
            while self._tail_bytes > 2 * TAIL_BYTES and len(self._tail) > 1:
                self._tail_bytes -= len(self._tail.popleft()) + 1

    def drain(self) -> None:
        """Read what the pipe holds now (the reader callback, and called before END so an
        invocation's own lines precede it). Never waits."""
        if self._closed:
            return
        events: list[tuple[int, str]] = []
        for _ in range(MAX_READS_PER_CALLBACK):
            try:
                data = os.read(self._fd, 65536)
            except BlockingIOError:
                break
            except OSError:
                data = b""
            if not data:
                self._finish_partial(events)
                self.close()
                break
            self._split(data, events)
        self._emit(events)

    def _split(self, data: bytes, events: list[tuple[int, str]]) -> None:
        now = int(time.time() * 1000)
        chunk = self._partial + data
        lines = chunk.split(b"\n")
        self._partial = lines.pop()
        if len(self._partial) > MAX_EVENT_BYTES:
            lines.append(self._partial)
            self._partial = b""
        for line in lines:
            for start in range(0, max(len(line), 1), MAX_EVENT_BYTES):
                events.append(
                    (now, line[start : start + MAX_EVENT_BYTES].decode("utf-8", "replace"))
                )

    def _finish_partial(self, events: list[tuple[int, str]]) -> None:
        if self._partial:
            events.append((int(time.time() * 1000), self._partial.decode("utf-8", "replace")))
            self._partial = b""

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        with contextlib.suppress(Exception):
            asyncio.get_running_loop().remove_reader(self._fd)
        with contextlib.suppress(OSError):
            os.close(self._fd)


def report_line(
    request_id: str,
    duration_ms: float,
    billed_ms: int,
    memory_mb: int,
    max_used_mb: int,
    init_ms: float | None,
) -> str:
    line = (
        f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms\t"
        f"Billed Duration: {billed_ms} ms\tMemory Size: {memory_mb} MB\t"
        f"Max Memory Used: {max_used_mb} MB\t"
    )
    if init_ms is not None:
        line += f"Init Duration: {init_ms:.2f} ms\t"
    return line
