"""The built-in Python runtime's private channel: length-prefixed frames on a socketpair.

A frame is `!II` (meta length, body length), a small JSON object (`meta`) and raw bytes
(`body`: the event going in, the response coming out). The function's stdout/stderr never
touch this socket; they go to the environment's log pipe.
"""

from __future__ import annotations

import asyncio
import json
import socket
import struct
from collections.abc import Callable
from typing import Any

HEADER = struct.Struct("!II")


def encode_frame(meta: dict[str, Any], body: bytes = b"") -> bytes:
    raw = json.dumps(meta, separators=(",", ":")).encode()
    return HEADER.pack(len(raw), len(body)) + raw + body


class BlockingChannel:
    """The environment's end (inside the function's process): blocking reads and writes."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._reader = sock.makefile("rb", buffering=65536)

    def receive(self) -> tuple[dict[str, Any], bytes] | None:
        """The next frame, or None when lenticular closed the channel."""
        head = self._reader.read(HEADER.size)
        if len(head) < HEADER.size:
            return None
        meta_len, body_len = HEADER.unpack(head)
        raw = self._reader.read(meta_len)
        body = self._reader.read(body_len) if body_len else b""
        if len(raw) < meta_len or len(body) < body_len:
            return None
        return json.loads(raw), body

    def send(self, meta: dict[str, Any], body: bytes = b"") -> None:
        self._sock.sendall(encode_frame(meta, body))


class FrameProtocol(asyncio.Protocol):
    """lenticular's end: parses frames as they arrive and hands each to `on_frame`."""

    def __init__(
        self,
        on_frame: Callable[[dict[str, Any], bytes], None],
        on_close: Callable[[], None],
    ) -> None:
        self._on_frame = on_frame
        self._on_close = on_close
        self._buffer = bytearray()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        buf = self._buffer
        buf += data
        while len(buf) >= HEADER.size:
            meta_len, body_len = HEADER.unpack_from(buf)
            end = HEADER.size + meta_len + body_len
            if len(buf) < end:
                return
            meta = json.loads(bytes(buf[HEADER.size : HEADER.size + meta_len]))
            body = bytes(buf[HEADER.size + meta_len : end])
            del buf[:end]
            self._on_frame(meta, body)

    def connection_lost(self, exc: Exception | None) -> None:
        self._on_close()

    def send(self, meta: dict[str, Any], body: bytes = b"") -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(encode_frame(meta, body))
