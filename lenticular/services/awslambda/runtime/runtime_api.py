"""The Lambda Runtime API, served to one execution environment on a loopback port.

https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html: a custom runtime (or
AWS's runtime interface clients) long-polls `GET /2018-06-01/runtime/invocation/next`,
then posts `.../invocation/{id}/response` or `.../invocation/{id}/error`; a failed init
posts `/2018-06-01/runtime/init/error`. One small HTTP/1.1 server per environment means
the environment is known from the port alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import dataclass

PREFIX = "/2018-06-01/runtime/"
MAX_HEAD = 64 * 1024
MAX_RESPONSE = 6291556  # the synchronous response limit
MAX_BODY = 16 * 1024 * 1024  # read larger responses too, so they fail with AWS's error


@dataclass
class Invocation:
    request_id: str
    deadline_ms: int
    function_arn: str
    payload: bytes
    client_context: str | None
    cognito_identity: str | None
    trace_id: str


class RuntimeApi:
    """State shared by the server and the environment: one invocation at a time."""

    def __init__(self) -> None:
        loop = asyncio.get_running_loop()
        self.ready: asyncio.Future[bytes | None] = (
            loop.create_future()
        )  # None: ok; bytes: init error
        self._waiting_next: asyncio.Future[Invocation] | None = None
        self._queued: Invocation | None = None
        self._current: Invocation | None = None
        self._result: asyncio.Future[tuple[bool, bytes]] | None = None
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self.port = 0

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._connection, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    def submit(self, invocation: Invocation) -> asyncio.Future[tuple[bool, bytes]]:
        """Hand an invocation to the runtime's next `/next`; resolves with (ok, body)."""
        self._result = asyncio.get_running_loop().create_future()
        if self._waiting_next is not None and not self._waiting_next.done():
            self._current = invocation
            self._waiting_next.set_result(invocation)
        else:
            self._queued = invocation
        return self._result

    def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for writer in list(self._writers):
            writer.close()
        if self._waiting_next is not None and not self._waiting_next.done():
            self._waiting_next.cancel()
        self._server = None

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            for _ in iter(int, 1):  # keep-alive: until the runtime closes the connection
                request = await _read_request(reader)
                if request is None:
                    return
                method, path, headers, body = request
                status, extra, payload = await self._dispatch(method, path, headers, body)
                _write_response(writer, status, extra, payload)
                await writer.drain()
        except (
            ConnectionError,
            asyncio.IncompleteReadError,
            asyncio.LimitOverrunError,
            ValueError,
        ):
            return
        except asyncio.CancelledError:
            return
        finally:
            self._writers.discard(writer)
            writer.close()

    async def _dispatch(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        if not path.startswith(PREFIX):
            return _error(404, "UnknownResource", "Unknown resource")
        route = path[len(PREFIX) :].split("?", 1)[0].split("/")
        if method == "GET" and route == ["invocation", "next"]:
            return await self._next()
        if method == "POST" and len(route) == 3 and route[0] == "invocation":
            return self._post_result(route[1], route[2], headers, body)
        if method == "POST" and route == ["init", "error"]:
            if not self.ready.done():
                self.ready.set_result(_error_body(headers, body))
            return 202, {}, b'{"status":"OK"}'
        return _error(404, "UnknownResource", "Unknown resource")

    async def _next(self) -> tuple[int, dict[str, str], bytes]:
        if not self.ready.done():
            self.ready.set_result(None)  # the first /next ends the init phase
        if self._queued is not None:
            invocation, self._queued = self._queued, None
        else:
            self._waiting_next = asyncio.get_running_loop().create_future()
            invocation = await self._waiting_next
            self._waiting_next = None
        self._current = invocation
        headers = {
            "Lambda-Runtime-Aws-Request-Id": invocation.request_id,
            "Lambda-Runtime-Deadline-Ms": str(invocation.deadline_ms),
            "Lambda-Runtime-Invoked-Function-Arn": invocation.function_arn,
            "Lambda-Runtime-Trace-Id": invocation.trace_id,
            "Content-Type": "application/json",
        }
        if invocation.client_context:
            headers["Lambda-Runtime-Client-Context"] = invocation.client_context
        if invocation.cognito_identity:
            headers["Lambda-Runtime-Cognito-Identity"] = invocation.cognito_identity
        return 200, headers, invocation.payload

    def _post_result(
        self, request_id: str, kind: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        current = self._current
        if kind not in ("response", "error"):
            return _error(404, "UnknownResource", "Unknown resource")
        if current is None or current.request_id != request_id or self._result is None:
            return _error(400, "InvalidRequestID", "Invalid request ID")
        if kind == "response" and len(body) > MAX_RESPONSE:
            # The invocation fails (the pool reports Function.ResponseSizeTooLarge).
            self._current = None
            if not self._result.done():
                self._result.set_result((True, body))
            return _error(
                413,
                "RequestEntityTooLarge",
                "Response payload size exceeded maximum allowed payload size (6291556 bytes).",
            )
        self._current = None
        if not self._result.done():
            ok = kind == "response"
            self._result.set_result((ok, body if ok else _error_body(headers, body)))
        return 202, {}, b'{"status":"OK"}'


def _error_body(headers: dict[str, str], body: bytes) -> bytes:
    """An error document as posted; filled in from the error-type header when not JSON."""
    try:
        document = json.loads(body)
        if isinstance(document, dict):
            return body
    except ValueError:
        pass
    error_type = headers.get("lambda-runtime-function-error-type", "Runtime.Unknown")
    message = body.decode("utf-8", "replace")
    return json.dumps({"errorMessage": message, "errorType": error_type}).encode()


def _error(status: int, error_type: str, message: str) -> tuple[int, dict[str, str], bytes]:
    return status, {}, json.dumps({"errorMessage": message, "errorType": error_type}).encode()


async def _read_request(
    reader: asyncio.StreamReader,
) -> tuple[str, str, dict[str, str], bytes] | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None
    if len(head) > MAX_HEAD:
        raise ValueError("request head too large")
    lines = head.decode("latin-1").split("\r\n")
    method, path, _version = lines[0].split(" ", 2)
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = await _read_chunked(reader)
    else:
        length = int(headers.get("content-length", "0") or 0)
        if length > MAX_BODY:
            raise ValueError("body too large")
        body = await reader.readexactly(length) if length else b""
    return method, path, headers, body


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    parts: list[bytes] = []
    total = 0
    for _ in range(1_000_000):
        size_line = await reader.readuntil(b"\r\n")
        size = int(size_line.split(b";", 1)[0].strip() or b"0", 16)
        if size == 0:
            # trailers end with an empty line
            for _ in range(100):
                if await reader.readuntil(b"\r\n") == b"\r\n":
                    break
            break
        total += size
        if total > MAX_BODY:
            raise ValueError("body too large")
        parts.append(await reader.readexactly(size))
        await reader.readexactly(2)
    return b"".join(parts)


_REASONS = {
    200: "OK",
    202: "Accepted",
    400: "Bad Request",
    404: "Not Found",
    413: "Request Entity Too Large",
}


def _write_response(
    writer: asyncio.StreamWriter, status: int, headers: dict[str, str], body: bytes
) -> None:
    head = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}"]
    headers.setdefault("Content-Type", "application/json")
    head.extend(f"{name}: {value}" for name, value in headers.items())
    head.append(f"Content-Length: {len(body)}")
    with contextlib.suppress(Exception):
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)
