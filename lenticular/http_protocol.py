"""uvicorn's HTTP/1.1 protocol (httptools) with a direct path for AWS JSON-RPC calls.

A JSON-RPC call (a POST naming its operation in `X-Amz-Target`: DynamoDB, SQS, Kinesis,
CloudWatch Logs, ...) is small and answered in one piece, yet on the ASGI path the server
spends about as long on it as DynamoDB's GetItem itself: an ASGI scope and messages, a
task, an event, a keep-alive timer, a header check per header and two socket writes.
Such a request goes to `Lenticular.respond` as soon as its body is complete, from the
parser's callback: when the answer needs no waiting (a read, a validation error) it is
written right there; a write's answer leaves from its group commit's callback (the
commit ends the same loop step); anything else is awaited in a task uvicorn tracks. The
answer leaves in one write holding the bytes uvicorn would send: its status line, its
default headers (Date), the response headers with lower-cased names in order, a
Content-Length, `connection: close` when the connection ends after it.

uvicorn still owns the connection: parsing, keep-alive, flow control, graceful shutdown
and every other request -- other methods, Expect: 100-continue, upgrades, HTTP/1.0,
pipelined requests behind one still running, or an access log -- which takes uvicorn's
ASGI path unchanged. Two things differ from uvicorn's own protocol, for every request:
- the ASGI scope is built only for a request that takes the ASGI path;
- the keep-alive timer is armed once and re-armed only when it fires (it closes the
  connection when idle for `timeout_keep_alive` since the last answer, and never while
  a request is being received or answered), rather than cancelled on every read and
  armed anew after every answer.

Limitation: an answer on this path that is a stream (no JSON-RPC operation answers with
one) is sent whole with a Content-Length rather than chunked.
"""

from __future__ import annotations

import logging
import urllib.parse
from collections.abc import Awaitable
from typing import Any

import httptools
from uvicorn.protocols.http.httptools_impl import (
    HEADER_RE,
    HEADER_VALUE_RE,
    STATUS_LINE,
    HttpToolsProtocol,
)

from lenticular.app import AfterCommit, Lenticular
from lenticular.protocol.http import HttpResponse, http_request

log = logging.getLogger("uvicorn.error")  # where uvicorn reports an application's failure

_TARGET = b"x-amz-target"
_POST_ROOT = b"POST / HTTP/1.1\r\n"
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
    _can_direct = False  # this connection's settings allow the direct path
    _rpc = False  # the request being parsed names an X-Amz-Target
    _direct: DirectRequest | None = None  # the request being received, on the direct path
    _receiving = False  # between a request's first byte and its last
    _plain_post = False  # the request being parsed began with `POST / HTTP/1.1` (see below)
    _idle_since = 0.0  # loop time of the last answer

    def connection_made(self, transport: Any) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._can_direct = (
            self.limit_concurrency is None
            and not self.access_log
            and not self.root_path
            and self.app is self.lenticular
        )

    def data_received(self, data: bytes) -> None:
        # uvicorn's, without its per-read keep-alive bookkeeping (see below). A read that
        # starts a request with the request line of every JSON-RPC call spares the
        # parser's method, version and URL queries (the version is a new string each time).
        if not self._receiving and data.startswith(_POST_ROOT):
            self._plain_post = True
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            message = "Invalid HTTP request received."
            self.logger.warning(message)
            self.send_400_response(message)
        except httptools.HttpParserUpgrade:
            if self._should_upgrade():
                self._cancel_keepalive()  # the connection is the websocket's from now on
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()

    # -- parser callbacks ------------------------------------------------------------

    def on_message_begin(self) -> None:
        self.url = b""
        self.expect_100_continue = False
        self.headers = []
        self._rpc = False
        self._receiving = True

    def on_url(self, url: bytes) -> None:
        self.url += url  # uvicorn's, compiled here (the parser calls it for every request)

    def on_header(self, name: bytes, value: bytes) -> None:
        # Names are kept as sent: `http_request` lower-cases each distinct one once, and
        # the ASGI path's list is lower-cased in `on_headers_complete`.
        size = len(name)
        if size == 12:  # (as long as "x-amz-target")
            if name.lower() == _TARGET:
                self._rpc = True
        elif size == 6 and name.lower() == b"expect" and value.lower() == b"100-continue":
            self.expect_100_continue = True
        self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        plain = self._plain_post
        if plain:
            self._plain_post = False
        self._direct = self._direct_request(plain) if self._rpc and self._can_direct else None
        if self._direct is None:
            # What uvicorn's on_message_begin sets up, for its ASGI path.
            url, expect = self.url, self.expect_100_continue
            headers = [(name.lower(), value) for name, value in self.headers]
            super().on_message_begin()
            self.url, self.headers, self.expect_100_continue = url, headers, expect
            self.scope["headers"] = headers
            super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        if self._direct is None:
            super().on_body(body)
        else:
            self._direct.body.append(body)

    def on_message_complete(self) -> None:
        self._receiving = False
        direct = self._direct
        if direct is None:
            super().on_message_complete()
            return
        self._direct = None
        try:
            answer = self.lenticular.respond(direct.request())  # type: ignore[union-attr]
        except BaseException as exc:
            answer = _failed(exc)
        if (
            isinstance(answer, HttpResponse)
            and answer.stream is None
            and not self.flow.write_paused
        ):
            if write_answer(self, answer, direct.keep_alive):
                self._answered()
            return
        cycle = DirectCycle(self, answer, direct.keep_alive)
        self.cycle = cycle  # type: ignore[assignment]
        if isinstance(answer, AfterCommit) and not self.flow.write_paused:
            answer.add_done_callback(cycle.deliver)
        else:
            self._start_asgi_task(cycle, self.lenticular)  # type: ignore[arg-type]

    def _direct_request(self, plain: bool) -> DirectRequest | None:
        """The JSON-RPC call whose headers were just parsed, if this path can answer it
        (`plain`: its request line was `POST / HTTP/1.1`)."""
        parser = self.parser
        if (
            self.expect_100_continue
            or (
                not plain and (parser.get_method() != b"POST" or parser.get_http_version() != "1.1")
            )
            or parser.should_upgrade()
            or (self.cycle is not None and not self.cycle.response_complete)
            or self.pipeline
        ):
            return None
        url = self.url
        if plain or url == b"/":
            return DirectRequest(self.headers, "/", b"/", b"", parser.should_keep_alive())
        try:
            parsed = httptools.parse_url(url)
            raw_path = parsed.path
            path = raw_path.decode("ascii")
        except (httptools.HttpParserInvalidURLError, UnicodeDecodeError):
            return None  # uvicorn's path reports it as it does
        if "%" in path:
            path = urllib.parse.unquote(path)
        return DirectRequest(
            self.headers, path, raw_path, parsed.query or b"", parser.should_keep_alive()
        )

    # -- keep-alive --------------------------------------------------------------------

    def _unset_keepalive_if_required(self) -> None:
        """uvicorn cancels the timer on every read and re-arms it after every answer;
        here it stays armed and `timeout_keep_alive_handler` decides when it fires."""

    def _answered(self) -> None:
        """A direct answer is out: count it and arm the keep-alive timer if it is not."""
        self.server_state.total_requests += 1
        self._idle_since = self.loop.time()
        if self.timeout_keep_alive_task is None:
            self.timeout_keep_alive_task = self.loop.call_later(
                self.timeout_keep_alive, self.timeout_keep_alive_handler
            )

    def on_response_complete(self) -> None:
        # uvicorn's, with the keep-alive timer armed as in `_answered`.
        if self.transport.is_closing():
            self.server_state.total_requests += 1
            return
        flow = self.flow
        if flow.read_paused:  # (resume_reading's own test, without calling it)
            flow.resume_reading()
        if self.pipeline:
            self.server_state.total_requests += 1
            cycle, app = self.pipeline.pop()
            self._start_asgi_task(cycle, app)
        else:
            self._answered()

    def timeout_keep_alive_handler(self) -> None:
        self.timeout_keep_alive_task = None
        if self.transport.is_closing():
            return
        if (
            self._receiving
            or self.pipeline
            or (self.cycle is not None and not self.cycle.response_complete)
        ):
            return  # busy: armed again once the answer is out
        idle = self.loop.time() - self._idle_since
        if idle >= self.timeout_keep_alive:
            self.transport.close()
        else:
            self.timeout_keep_alive_task = self.loop.call_later(
                self.timeout_keep_alive - idle, self.timeout_keep_alive_handler
            )

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_keepalive()
        super().connection_lost(exc)

    def _cancel_keepalive(self) -> None:
        task = self.timeout_keep_alive_task
        if task is not None:
            task.cancel()
            self.timeout_keep_alive_task = None


class DirectRequest:
    """A JSON-RPC call being received: its head, then its body in pieces."""

    __slots__ = ("headers", "path", "raw_path", "query", "keep_alive", "body")

    def __init__(
        self,
        headers: list[tuple[bytes, bytes]],
        path: str,
        raw_path: bytes,
        query: bytes,
        keep_alive: bool,
    ) -> None:
        self.headers = headers  # this request's (the protocol starts a new list per request)
        self.path = path
        self.raw_path = raw_path
        self.query = query
        self.keep_alive = keep_alive
        self.body: list[bytes] = []

    def request(self) -> Any:
        body = self.body
        return http_request(
            "POST", self.path, self.raw_path, self.query, self.headers,
            body[0] if len(body) == 1 else b"".join(body),
        )  # fmt: skip


def write_answer(protocol: DirectHttpProtocol, response: HttpResponse, keep_alive: bool) -> bool:
    """Write `response` whole; False when the connection ends with it (closed here)."""
    transport = protocol.transport
    try:
        head, declared, close = _head(protocol, response, keep_alive)
    except _InvalidHeader as exc:  # uvicorn had started its answer: it closes
        log.error("Exception in ASGI application\n", exc_info=exc)
        transport.close()
        return False
    body = response.body
    if declared != len(body):  # uvicorn refuses a body that does not match its length
        log.error("Response content length does not match Content-Length")
        transport.write(head + body if declared > len(body) else head)
        transport.close()
        return False
    transport.write(head + body)
    if close:
        transport.close()
        return False
    return True


class DirectCycle:
    """What uvicorn's protocol expects of a request cycle, for an answer that has to be
    awaited: it sets `disconnected` or `keep_alive` and calls `message_event.set()`; it
    runs `run_asgi(app)` as the request's task, which awaits the answer and writes it."""

    __slots__ = ("protocol", "answer", "keep_alive", "disconnected", "response_complete")

    def __init__(
        self,
        protocol: DirectHttpProtocol,
        answer: HttpResponse | Awaitable[HttpResponse],
        keep_alive: bool,
    ) -> None:
        self.protocol = protocol
        self.answer = answer
        self.keep_alive = keep_alive
        self.disconnected = False
        self.response_complete = False

    @property
    def message_event(self) -> DirectCycle:
        return self

    def set(self) -> None:
        """The client left (the body is already complete)."""

    def deliver(self, answer: AfterCommit) -> None:
        """Write an answer that waited for group commits, once they are done."""
        protocol = self.protocol
        if self.disconnected:
            return
        try:
            response = answer.result()
        except BaseException as exc:
            response = _failed(exc)
        if response.stream is not None or protocol.flow.write_paused:
            self.answer = response
            protocol._start_asgi_task(self, protocol.lenticular)  # type: ignore[arg-type]
            return
        self.response_complete = True
        if write_answer(protocol, response, self.keep_alive):
            protocol.on_response_complete()

    async def run_asgi(self, app: Lenticular) -> None:
        protocol = self.protocol
        try:
            response = self.answer
            if not isinstance(response, HttpResponse):
                response = await response
            if response.stream is not None:
                response = await _whole(response)
        except BaseException as exc:
            response = _failed(exc)
        if protocol.flow.write_paused and not self.disconnected:
            await protocol.flow.drain()
        if self.disconnected:
            return
        self.response_complete = True
        if write_answer(protocol, response, self.keep_alive):
            protocol.on_response_complete()


def _failed(exc: BaseException) -> HttpResponse:
    """uvicorn's answer to an application's failure (a 500 that closes the connection)."""
    log.error("Exception in ASGI application\n", exc_info=exc)
    return _SERVER_FAILURE


_SERVER_FAILURE = HttpResponse(500)  # answered with uvicorn's own 500 (see `_head`)


def _default_headers(protocol: DirectHttpProtocol) -> bytes:
    """uvicorn's default headers (Date), encoded once per list (it makes a new one when
    the second changes)."""
    headers = protocol.server_state.default_headers
    if _DEFAULTS[0] is not headers:
        _DEFAULTS[:] = [headers, b"".join(b"%s: %s\r\n" % pair for pair in headers)]
    return _DEFAULTS[1]  # type: ignore[no-any-return]


def _head(
    protocol: DirectHttpProtocol, response: HttpResponse, keep_alive: bool
) -> tuple[bytes, int, bool]:
    """(status line and headers, the length they declare, whether the connection ends).

    The response's own header lines are joined as text and encoded once, and their values
    are checked for characters uvicorn refuses with one `isprintable` over all of them
    (each value is looked at only when that fails): per header, one encode and one check
    cost more than the rest of this function."""
    if response is _SERVER_FAILURE:
        return STATUS_LINE[500] + _default_headers(protocol) + _SERVER_ERROR, 21, True
    lines: list[str] = []
    values: list[str] = []
    declared = -1
    close = False
    for name, value in response.headers:
        prefix = _NAME_PREFIXES.get(name)
        if prefix is None:
            prefix = _name_prefix(name)
        if prefix == "content-length: " and declared < 0:
            if not (value.isascii() and value.isdigit()):
                raise _InvalidHeader(f"Invalid Content-Length: {value}")
            declared = int(value)
        elif prefix == "connection: ":
            tokens = value.encode("latin-1").lower().split(b",")
            close = close or b"close" in (t.strip() for t in tokens)
        lines.append(prefix)
        lines.append(value)
        lines.append("\r\n")
        values.append(value)
    if not "".join(values).isprintable():
        for value in values:
            if not value.isprintable() and HEADER_VALUE_RE.search(value.encode("latin-1")):
                raise _InvalidHeader("Invalid HTTP header name or value.")
    if declared < 0:
        declared = len(response.body)
        lines.append(f"content-length: {declared}\r\n")
    if not close and not keep_alive:
        close = True
        lines.append("connection: close\r\n")
    lines.append("\r\n")
    head = "".join(lines).encode("latin-1")
    return STATUS_LINE[response.status] + _default_headers(protocol) + head, declared, close


_NAME_PREFIXES: dict[str, str] = {}  # header name -> "lower-cased name: " (valid names)


def _name_prefix(name: str) -> str:
    """The start of a header line for `name`; _InvalidHeader for a name uvicorn refuses."""
    raw_name = name.encode("latin-1").lower()
    if HEADER_RE.search(raw_name):
        raise _InvalidHeader("Invalid HTTP header name or value.")
    prefix = raw_name.decode("latin-1") + ": "
    if len(_NAME_PREFIXES) < 4096:
        _NAME_PREFIXES[name] = prefix
    return prefix


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
