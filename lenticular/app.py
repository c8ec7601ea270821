"""The ASGI application: one port, every AWS API and data-plane endpoint.

`Lenticular.respond_aws` is the one place that shows the ordered steps an AWS API call
takes: signature scope -> service -> protocol -> operation -> account/region/signature
-> (RPC protocols) body decoding and size limit -> parse -> validate -> dispatch -> serialize
-> (DynamoDB) response compression -> log. Writes are committed before the answer (a
handler's writes may join a group commit; the answer is then an `AfterCommit`).

`respond` gives the answer itself when no step has to wait, which is most calls: the
direct HTTP path (`http_protocol`) then writes it from the parser's callback, with no
task. `handle` is the same for the ASGI path (it awaits what `respond` could not finish).
"""

from __future__ import annotations

import dataclasses
import inspect
import itertools
import logging
import time
import uuid
import zlib
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from botocore.model import ServiceModel

from lenticular import __version__, compiled
from lenticular.aws import errors as auth_errors
from lenticular.aws import sigv4
from lenticular.aws.accounts import AccountDirectory
from lenticular.config import Config
from lenticular.context import RequestContext
from lenticular.edge.dataplane import default_router
from lenticular.edge.services import service_for
from lenticular.errors import InternalFailure, NotImplementedOperation, ServiceError
from lenticular.protocol.codec import Codec, codec_for
from lenticular.protocol.http import HttpRequest, HttpResponse, http_request
from lenticular.protocol.model import protocols, service_model
from lenticular.protocol.validate import validate, validation_error_code
from lenticular.services.dynamodb.wire import check_request_size, compress_response
from lenticular.services.registry import ServiceRegistry, method_name
from lenticular.state.datadir import DataDir
from lenticular.state.sqlite import CommitWait, collect_commit_waits, stop_collecting

log = logging.getLogger("lenticular")

INTERNAL_PREFIX = "/_lenticular/"


@dataclass(slots=True, frozen=True)
class ServiceWire:
    """What the edge needs of one service, computed on its first request."""

    model: ServiceModel  # botocore's model, patched
    codec: Codec | None  # its protocol; None when the request picks one of several
    validation_code: str  # the error code it uses for invalid input


class RequestIds:
    """AWS-style request ids (uuid-shaped) without the cost of uuid4 on every request:
    a random per-process prefix and a counter."""

    def __init__(self) -> None:
        raw = uuid.uuid4().hex
        self._prefix = f"{raw[:8]}-{raw[8:12]}-{raw[12:16]}-{raw[16:20]}-"
        self._counter = itertools.count(int(raw[20:], 16) & 0xFFFFFFFFFFF)

    def next(self) -> str:
        return f"{self._prefix}{next(self._counter) & 0xFFFFFFFFFFFF:012x}"


_EPOCH = datetime.fromtimestamp(0, UTC)  # "now" where no clock is read (lenient mode)
_NO_REQUEST = HttpRequest("GET", "/", "/", "", {}, b"", "")


class MissingAuthenticationToken(ServiceError):
    """What AWS answers a request that names no service and carries no signature."""

    code = "MissingAuthenticationTokenException"
    status = 403


class Lenticular:
    def __init__(self, config: Config) -> None:
        self.config = config
        self.data_dir = DataDir(config.data_dir)
        self.accounts = AccountDirectory.from_environment()
        self.services = ServiceRegistry(self.data_dir, self.accounts, config)
        self.accounts.add_resolver(self.services.resolve_temporary_credentials)
        self.dataplane = default_router()
        self._wires: dict[str, ServiceWire] = {}  # service -> its model, codec, error code
        self._handlers: dict[Any, tuple[Any, bool, bool]] = {}  # see `handler_for`
        self._request_ids = RequestIds()
        self.started_at = time.monotonic()

    # -- ASGI ------------------------------------------------------------------------

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        kind = scope["type"]
        if kind == "http":
            request = await read_request(scope, receive)
            response = await self.handle(request)
            await write_response(send, response)
        elif kind == "lifespan":
            await self._lifespan(receive, send)
        elif kind == "websocket":
            # No websocket endpoints yet (AppSync realtime, API Gateway WebSocket APIs later).
            await send({"type": "websocket.close", "code": 1008})

    async def _lifespan(self, receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    def close(self) -> None:
        self.services.close()

    # -- routing -----------------------------------------------------------------------

    async def handle(self, request: HttpRequest) -> HttpResponse:
        answer = self.respond(request)
        return answer if isinstance(answer, HttpResponse) else await answer

    def respond(self, request: HttpRequest) -> HttpResponse | Awaitable[HttpResponse]:
        """`handle`'s answer: the response itself when no step has to wait (most AWS API
        calls; the direct HTTP path then answers without a task), else an awaitable."""
        if request.path.startswith(INTERNAL_PREFIX):
            return self.handle_internal(request)
        endpoint = self.dataplane.match(request)
        if endpoint is not None:
            handler, match = endpoint
            return handler(self, request, match)  # type: ignore[no-any-return]
        return self.respond_aws(request)

    def handle_internal(self, request: HttpRequest) -> HttpResponse:
        if request.path == "/_lenticular/health":
            return json_response(200, self.health())
        if request.path == "/_lenticular/dynamodb/ttl/sweep" and request.method == "POST":
            return self.sweep_ttl(request)
        return json_response(404, {"message": f"No lenticular endpoint at {request.path}"})

    def sweep_ttl(self, request: HttpRequest) -> HttpResponse:
        """Expire DynamoDB items now (PITFALLS 14: tests need a deterministic hook).
        Body (optional): {"now": epoch seconds} to expire as of another time."""
        try:
            body = orjson.loads(request.body) if request.body else {}
            now = body.get("now") if isinstance(body, dict) else None
            if now is not None and not isinstance(now, int | float):
                raise ValueError("now must be a number")
        except (orjson.JSONDecodeError, ValueError) as exc:
            return json_response(400, {"message": f"Invalid sweep request: {exc}"})
        deleted = self.services.get("dynamodb").sweep_expired(now)
        return json_response(200, {"deleted": deleted})

    def health(self) -> dict[str, Any]:
        return {
            "status": "running",
            "version": __version__,
            "services": {name: "available" for name in self.services.names()},
            "uptime": round(time.monotonic() - self.started_at, 3),
            "endpoint": self.config.endpoint,
            "data_dir": str(self.config.data_dir.resolve()),
            "compiled": compiled.in_use(),  # modules running from compiled copies
        }

    # -- the AWS API request path ------------------------------------------------------

    def respond_aws(self, request: HttpRequest) -> HttpResponse | Awaitable[HttpResponse]:
        """An AWS API call's answer, as `respond` gives it."""
        ctx = RequestContext(request, self._request_ids.next())
        started = time.perf_counter() if log.isEnabledFor(logging.DEBUG) else 0.0
        try:
            credential = sigv4.parse_credential(request)  # 1. signature scope
            signing_name = credential.service if credential is not None else None
            service = service_for(request, signing_name)  # 2. service
            if service is None:
                raise MissingAuthenticationToken("Missing Authentication Token")
            ctx.service = service
            if service == "dynamodb":  # DynamoDB's 16 KB request-line and header limits
                check_request_size(request)
            wire = self.wire_for(service)
            ctx.service_model = wire.model
            ctx.codec = wire.codec or codec_for(wire.model, request)  # 3. protocol
            ctx.operation, uri_params = ctx.codec.find_operation(
                wire.model, request
            )  # 4. operation
            self.authenticate(ctx, credential)  # 5. account, region, signature
            if ctx.codec.name in _RPC_CODECS:  # 6. request compression, size limit
                request = decoded_rpc_request(request)
            params = ctx.codec.parse(ctx.operation, request, uri_params)  # 6. parse
            if params is not ctx.codec.validated:  # (unless parsing found it valid)
                validate(ctx.operation, params, code=wire.validation_code)  # 7. validate
            ctx.params = params
            handler, is_async, reads_only = self.handler_for(ctx)  # 8. dispatch
            if is_async:
                return self._finish_async(ctx, handler, started)
            if reads_only:  # (a write would still commit, on its own)
                result = handler(ctx, params)
            else:
                waits, token = collect_commit_waits()
                try:
                    result = handler(ctx, params)
                finally:
                    stop_collecting(token)
                if waits:  # answer once the writes are committed (group commit)
                    return self._finish_after(ctx, result, waits, started)
            response = ctx.codec.serialize(ctx.operation, result or {}, ctx.request_id)  # 9.
        except Exception as exc:
            response = self.failure_response(ctx, exc)
        return self._finished(ctx, response, started)

    async def _finish_async(
        self, ctx: RequestContext, handler: Any, started: float
    ) -> HttpResponse:
        """Steps 8 and 9 of a call whose handler is a coroutine function."""
        try:
            waits, token = collect_commit_waits()
            try:
                result = await handler(ctx, ctx.params)
            finally:
                stop_collecting(token)
            for commit in waits:
                await commit
            response = ctx.codec.serialize(ctx.operation, result or {}, ctx.request_id)  # type: ignore[union-attr]
        except Exception as exc:
            response = self.failure_response(ctx, exc)
        return self._finished(ctx, response, started)

    def _finish_after(
        self, ctx: RequestContext, result: Any, waits: list[CommitWait], started: float
    ) -> AfterCommit:
        """Step 9 of a call whose writes joined a group commit, once it is committed."""

        def finish() -> HttpResponse:
            try:
                for commit in waits:
                    if commit.error is not None:  # a failed commit fails the call
                        raise commit.error
                response = ctx.codec.serialize(ctx.operation, result or {}, ctx.request_id)  # type: ignore[union-attr]
            except Exception as exc:
                response = self.failure_response(ctx, exc)
            return self._finished(ctx, response, started)

        return AfterCommit(waits, finish)

    def failure_response(self, ctx: RequestContext, exc: Exception) -> HttpResponse:
        """AWS's answer to an error: a `ServiceError` as the service words it; anything
        else is a bug in lenticular, answered as InternalFailure and logged."""
        if isinstance(exc, ServiceError):
            return self.error_response(ctx, exc)
        log.exception("internal error in %s.%s", ctx.service, ctx.operation_name, exc_info=exc)
        return self.error_response(ctx, InternalFailure(f"Internal error: {type(exc).__name__}"))

    def _finished(
        self, ctx: RequestContext, response: HttpResponse, started: float
    ) -> HttpResponse:
        """10. (DynamoDB) response compression, and the debug log line."""
        if ctx.service == "dynamodb":  # DynamoDB compresses large responses on request
            response = compress_response(response, ctx.request.headers.get("accept-encoding"))
        if started:
            log.debug(
                "%s %s.%s -> %d (%.2f ms)",
                ctx.request_id,
                ctx.service or "?",
                ctx.operation_name or "?",
                response.status,
                (time.perf_counter() - started) * 1000,
            )
        return response

    def authenticate(self, ctx: RequestContext, credential: sigv4.Credential | None) -> None:
        """Resolve the caller's account and region; verify the signature in strict mode."""
        if credential is None:
            ctx.region = self.config.default_region
            operation = ctx.operation
            if (
                self.config.verify_signatures
                and operation is not None
                and operation.auth_type != "none"
            ):
                protocol = ctx.codec.name if ctx.codec is not None else None
                raise auth_errors.missing_authentication(
                    auth_errors.dialect_for(ctx.service, protocol)
                )
            return
        ctx.region = credential.region or self.config.default_region
        ctx.access_key = credential.access_key
        strict = self.config.verify_signatures
        identity = self.accounts.authenticate(
            ctx.request,
            credential,
            strict=strict,
            now=datetime.now(UTC) if strict else _EPOCH,
            protocol=ctx.codec.name if ctx.codec is not None else None,
        )
        ctx.identity = identity
        ctx.account_id = identity.account_id

    def wire_for(self, service: str) -> ServiceWire:
        wire = self._wires.get(service)
        if wire is None:
            model = service_model(service)
            single = len(protocols(model)) == 1
            wire = ServiceWire(
                model=model,
                codec=codec_for(model, _NO_REQUEST) if single else None,
                validation_code=validation_error_code(model),
            )
            self._wires[service] = wire
        return wire

    def handler_for(self, ctx: RequestContext) -> tuple[Any, bool, bool]:
        """The provider method serving `ctx.operation`, whether it is a coroutine function
        and whether the operation only reads (its handler need not join group commits);
        NotImplementedOperation when the service has none."""
        operation = ctx.operation
        assert operation is not None
        entry = self._handlers.get(operation)
        if entry is None:
            provider = self.services.get(ctx.service)
            handler = getattr(provider, method_name(operation.name), None) if provider else None
            reads_only = operation.name.startswith(_READ_PREFIXES)
            entry = (handler, inspect.iscoroutinefunction(handler), reads_only)
            self._handlers[operation] = entry
        if entry[0] is None:
            raise NotImplementedOperation(ctx.service, operation.name)
        return entry

    def error_response(self, ctx: RequestContext, error: ServiceError) -> HttpResponse:
        if ctx.codec is None or ctx.service_model is None:
            body = {"__type": error.code, "message": error.message}
            status = error.status or (400 if error.sender_fault else 500)
            response = json_response(status, body)
            response.headers.append(("x-amzn-RequestId", ctx.request_id))
            response.headers.append(("x-amzn-ErrorType", error.code))
        else:
            response = ctx.codec.serialize_error(
                ctx.service_model, ctx.operation, error, ctx.request_id
            )
        for name, value in error.headers.items():
            response.headers.append((name, value))
        return response


class AfterCommit:
    """The answer to a call whose writes joined group commits: awaitable, or (the direct
    HTTP path) `add_done_callback(fn)` calls `fn(self)` as soon as every commit is done,
    without a task or another future in between; `result()` is then the answer."""

    __slots__ = ("waits", "_finish", "_done")

    def __init__(self, waits: list[CommitWait], finish: Any) -> None:
        self.waits = waits
        self._finish = finish
        self._done: Any = None

    def result(self) -> HttpResponse:
        return self._finish()  # type: ignore[no-any-return]

    def add_done_callback(self, fn: Any) -> None:
        self._done = fn
        self._step(None)

    def _step(self, _: Any) -> None:
        # A bound method, not a closure that names itself: that would be a reference
        # cycle per call, garbage only the cyclic GC frees (a write's whole request with
        # it, and the GC's full passes then stall the loop for milliseconds).
        for commit in self.waits:
            if not commit.settled:
                commit.add_done_callback(self._step)
                return
        fn, self._done = self._done, None
        fn(self)

    def __await__(self) -> Any:
        for commit in self.waits:
            if not commit.settled:
                try:
                    yield from commit.__await__()
                except Exception:  # noqa: S110 - `result()` answers it
                    pass
        return self.result()


# -- ASGI <-> HttpRequest/HttpResponse -----------------------------------------------


async def read_request(scope: dict[str, Any], receive: Any) -> HttpRequest:
    message = await receive()
    body = message.get("body", b"")
    if message.get("more_body", False):
        chunks = [body]
        while message.get("more_body", False):
            message = await receive()
            chunks.append(message.get("body", b""))
        body = b"".join(chunks)
    return http_request(
        scope["method"], scope["path"], scope.get("raw_path"), scope["query_string"],
        scope["headers"], body,
    )  # fmt: skip


_RAW_HEADER_NAMES: dict[str, bytes] = {}  # header name -> its bytes, for the names seen so far


async def write_response(send: Any, response: HttpResponse) -> None:
    headers = []
    has_length = False
    for name, value in response.headers:
        raw_name = _RAW_HEADER_NAMES.get(name)
        if raw_name is None:
            raw_name = name.encode("latin-1")
            if len(_RAW_HEADER_NAMES) < 4096:
                _RAW_HEADER_NAMES[name] = raw_name
        has_length = has_length or (len(raw_name) == 14 and raw_name.lower() == b"content-length")
        headers.append((raw_name, value.encode("latin-1")))
    stream = response.stream
    if stream is None:
        # A HEAD answer (S3 HeadObject) states the length of the body it does not send.
        if not has_length:
            headers.append((b"content-length", b"%d" % len(response.body)))
        await send({"type": "http.response.start", "status": response.status, "headers": headers})
        await send({"type": "http.response.body", "body": response.body})
        return
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    if hasattr(stream, "__aiter__"):
        async for chunk in stream:  # type: ignore[union-attr]
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
    else:
        for chunk in stream:  # type: ignore[union-attr]
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
    await send({"type": "http.response.body", "body": b""})


# Operations named so only read (DynamoDB GetItem, Query, Scan, BatchGetItem, ...).
_READ_PREFIXES = ("Get", "BatchGet", "TransactGet", "Query", "Scan", "Describe", "List")
_RPC_CODECS = frozenset({"json", "query", "smithy-rpc-v2-cbor"})
MAX_RPC_BODY = 16 * 1024 * 1024  # DynamoDB's request limit, above every RPC service's


def decoded_rpc_request(request: HttpRequest) -> HttpRequest:
    """An RPC request's body after its Content-Encoding (SDK request compression: gzip,
    possibly several members, or deflate), at most 16 MB once decoded. A body that does
    not decode is a 500, as DynamoDB answers it; an oversized one a 413."""
    body = request.body
    if "content-encoding" not in request.headers and len(body) <= MAX_RPC_BODY:
        return request
    encoding = request.headers.get("content-encoding", "").strip().lower()
    if encoding not in ("", "identity"):
        body = _decompress(body, encoding)
    if len(body) > MAX_RPC_BODY:
        raise ServiceError(
            f"Request size exceeds the limit of {MAX_RPC_BODY} bytes",
            code="RequestEntityTooLarge",
            status=413,
        )
    return request if body is request.body else dataclasses.replace(request, body=body)


def _decompress(body: bytes, encoding: str) -> bytes:
    if encoding not in ("gzip", "deflate"):
        raise InternalFailure(f"Unsupported Content-Encoding: {encoding}")
    out: list[bytes] = []
    size = 0
    rest = body
    while True:  # gzip allows several members one after the other
        decoder = zlib.decompressobj(31 if encoding == "gzip" else 15)
        try:
            chunk = decoder.decompress(rest, MAX_RPC_BODY + 1 - size)
        except zlib.error:
            raise InternalFailure(f"Request body is not valid {encoding} data") from None
        size += len(chunk)
        out.append(chunk)
        if size > MAX_RPC_BODY:
            break
        if not decoder.eof:
            raise InternalFailure(f"Request body is not valid {encoding} data")
        rest = decoder.unused_data
        if not rest:
            break
        if encoding != "gzip":
            raise InternalFailure(f"Request body is not valid {encoding} data")
    return b"".join(out)


def json_response(status: int, body: Any) -> HttpResponse:
    return HttpResponse(
        status=status,
        headers=[("content-type", "application/json")],
        body=orjson.dumps(body),
    )
