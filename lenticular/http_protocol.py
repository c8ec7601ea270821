"""uvicorn's HTTP/1.1 protocol (httptools) with a direct path for AWS JSON-RPC calls.

A JSON-RPC call (a POST naming its operation in `X-Amz-Target`: DynamoDB, SQS, Kinesis,
CloudWatch Logs, ...) is small and answered in one piece, yet on the ASGI path the server
spends about as long on it as DynamoDB's GetItem itself: an ASGI scope and messages, an
event, a header check per header and two socket writes. Such a request goes straight to
`Lenticular.handle` here, and its answer leaves in one write holding the bytes uvicorn
would send: its status line, its default headers (Date), the response headers with
lower-cased names in order, a Content-Length, `connection: close` when the connection
ends after it. uvicorn still owns the connection: parsing, keep-alive and its timeout,
flow control, graceful shutdown (the request runs as a task uvicorn tracks) and every
other request -- other methods, Expect: 100-continue, upgrades, HTTP/1.0, pipelined
requests, or an access log -- which takes uvicorn's ASGI path unchanged.

Limitation: an answer on this path that is a stream (no JSON-RPC operation answers with
one) is sent whole with a Content-Length rather than chunked.
"""

from __future__ import annotations

import logging
import urllib.parse
from typing import Any

import httptools
from uvicorn.protocols.http.httptools_impl import (
    HEADER_RE,
    HEADER_VALUE_RE,
    STATUS_LINE,
    HttpToolsProtocol,
)

from lenticular.app import Lenticular, http_request
from lenticular.protocol.http import HttpResponse

log = logging.getLogger("uvicorn.error")  # where uvicorn reports an application's failure

_TARGET = b"x-amz-target"
_DEFAULTS: list[Any] = [None, b""]  # (uvicorn's default-header list, its encoding)
_SERVER_ERROR = (
    b"content-type: text/plain; charset=utf-8\r\ncontent-length: 21\r\n"
    b"connection: close\r\n\r\nInternal Server Error"
)


def protocol_for(app: Lenticular) -> type[HttpToolsProtocol]:
    """The uvicorn `http` protocol class serving `app`'s JSON-RPC calls directly."""
    return type("LenticularHttpProtocol", (DirectHttpProtocol,), {"lenticular": app})


class DirectHttpProtocol(HttpToolsProtocol):
    lenticular: Lenticular | None = None  # set by `protocol_for`

    def on_headers_complete(self) -> None:
        cycle = self._direct_cycle()
        if cycle is None:
            super().on_headers_complete()
            return
        self.cycle = cycle  # type: ignore[assignment]
        self._start_asgi_task(cycle, self.lenticular)  # type: ignore[arg-type]

    def _direct_cycle(self) -> DirectCycle | None:
        """A cycle for a JSON-RPC call this path can answer, else None (uvicorn's path)."""
        parser = self.parser
        if (
            self.expect_100_continue
            or parser.get_method() != b"POST"
            or parser.get_http_version() != "1.1"
            or parser.should_upgrade()
            or (self.cycle is not None and not self.cycle.response_complete)
            or self.pipeline
            or self.limit_concurrency is not None
            or self.access_log
            or self.root_path
            or self.app is not self.lenticular
        ):
            return None
        for name, _ in self.headers:
            if name == _TARGET:
                break
        else:
            return None
        try:
            parsed = httptools.parse_url(self.url)
            raw_path = parsed.path
            path = raw_path.decode("ascii")
        except (httptools.HttpParserInvalidURLError, UnicodeDecodeError):
            return None  # uvicorn's path reports it as it does
        if "%" in path:
            path = urllib.parse.unquote(path)
        return DirectCycle(
            self, self.headers, path, raw_path, parsed.query or b"", parser.should_keep_alive()
        )


class DirectCycle:
    """What uvicorn's protocol expects of a request cycle: it appends to `body`, clears
    `more_body`, sets `disconnected` or `keep_alive` and calls `message_event.set()`;
    it runs `run_asgi(app)` as the request's task, which here calls `app.handle`."""

    __slots__ = ("protocol", "headers", "path", "raw_path", "query", "keep_alive", "body",
                 "more_body", "disconnected", "response_complete", "_waiter")  # fmt: skip

    def __init__(
        self,
        protocol: DirectHttpProtocol,
        headers: list[tuple[bytes, bytes]],
        path: str,
        raw_path: bytes,
        query: bytes,
        keep_alive: bool,
    ) -> None:
        self.protocol = protocol
        self.headers = headers  # this request's (the protocol moves on to the next one's)
        self.path = path
        self.raw_path = raw_path
        self.query = query
        self.keep_alive = keep_alive
        self.body = bytearray()
        self.more_body = True
        self.disconnected = False
        self.response_complete = False
        self._waiter: Any = None

    @property
    def message_event(self) -> DirectCycle:
        return self

    def set(self) -> None:
        """More of the body arrived, all of it, or the client left."""
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def run_asgi(self, app: Lenticular) -> None:
        protocol = self.protocol
        while self.more_body and not self.disconnected:
            protocol.flow.resume_reading()  # uvicorn pauses reading past 64 KB of body
            self._waiter = protocol.loop.create_future()
            await self._waiter
            self._waiter = None
        if self.disconnected:
            return  # the client left before its request was complete
        try:
            request = http_request(
                "POST", self.path, self.raw_path, self.query, self.headers, bytes(self.body)
            )
            response = await app.handle(request)
            if response.stream is not None:
                response = await _whole(response)
            head, body, declared = self._head(response)
        except BaseException as exc:  # as uvicorn answers an application's failure
            log.error("Exception in ASGI application\n", exc_info=exc)
            if not self.disconnected:
                if not isinstance(exc, _InvalidHeader):  # (uvicorn had started its answer)
                    protocol.transport.write(
                        STATUS_LINE[500] + self._default_headers() + _SERVER_ERROR
                    )
                protocol.transport.close()
            return
        if protocol.flow.write_paused and not self.disconnected:
            await protocol.flow.drain()
        if self.disconnected:
            return
        transport = protocol.transport
        if declared != len(body):  # uvicorn refuses a body that does not match its length
            log.error("Response content length does not match Content-Length")
            transport.write(head + body if declared > len(body) else head)
            transport.close()
            return
        transport.write(head + body)
        self.response_complete = True
        if not self.keep_alive:
            transport.close()
        protocol.on_response_complete()

    def _default_headers(self) -> bytes:
        """uvicorn's default headers (Date), encoded once per list (it makes a new one
        when the second changes)."""
        headers = self.protocol.server_state.default_headers
        if _DEFAULTS[0] is not headers:
            _DEFAULTS[:] = [headers, b"".join(b"%s: %s\r\n" % pair for pair in headers)]
        return _DEFAULTS[1]

    def _head(self, response: HttpResponse) -> tuple[bytes, bytes, int]:
        """(status line and headers, body, the length the headers declare)."""
        body = response.body
        names = []
        values = []
        lines = [STATUS_LINE[response.status], self._default_headers()]
        declared = -1
        close = False
        for name, value in response.headers:
            raw_name = name.encode("latin-1").lower()
            raw_value = value.encode("latin-1")
            names.append(raw_name)
            values.append(raw_value)
            if raw_name == b"content-length" and declared < 0:
                if not raw_value.isdigit():
                    raise _InvalidHeader(f"Invalid Content-Length: {value}")
                declared = int(raw_value)
            elif raw_name == b"connection":
                close = close or b"close" in (t.strip() for t in raw_value.lower().split(b","))
            lines.append(b"%s: %s\r\n" % (raw_name, raw_value))
        if HEADER_RE.search(b"".join(names)) or HEADER_VALUE_RE.search(b"".join(values)):
            raise _InvalidHeader("Invalid HTTP header name or value.")
        if declared < 0:
            declared = len(body)
            lines.append(b"content-length: %d\r\n" % declared)
        if close:
            self.keep_alive = False
        elif not self.keep_alive:
            lines.append(b"connection: close\r\n")
        lines.append(b"\r\n")
        return b"".join(lines), body, declared


class _InvalidHeader(RuntimeError):
    """A response header uvicorn would refuse to send (it then closes the connection)."""


async def _whole(response: HttpResponse) -> HttpResponse:
    """A streamed response with its body read into memory."""
    stream = response.stream
    chunks: list[bytes] = []
    if hasattr(stream, "__aiter__"):
        async for chunk in stream:  # type: ignore[union-attr]
            chunks.append(chunk)
    else:
        chunks.extend(stream)  # type: ignore[arg-type]
    return HttpResponse(response.status, response.headers, b"".join(chunks))
