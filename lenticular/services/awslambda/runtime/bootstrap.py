"""The built-in Python runtime: runs inside an execution environment's process.

Imports the handler once (the init phase), then serves invocations over the private
channel: event in, handler(event, context), response or AWS's error payload out. Events,
context objects, error payloads and the `[ERROR]` log record match AWS's Python runtime
(https://docs.aws.amazon.com/lambda/latest/dg/python-handler.html,
https://docs.aws.amazon.com/lambda/latest/dg/python-context.html,
https://docs.aws.amazon.com/lambda/latest/dg/python-exceptions.html).
"""

from __future__ import annotations

import decimal
import importlib
import json
import logging
import os
import resource
import signal
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any

from lenticular.services.awslambda.runtime.channel import BlockingChannel

_current_request_id = ""  # read by the log record factory (the `aws_request_id` field)


class CognitoIdentity:
    __slots__ = ("cognito_identity_id", "cognito_identity_pool_id")

    def __init__(self, data: dict[str, Any] | None) -> None:
        data = data or {}
        self.cognito_identity_id = data.get("cognitoIdentityId")
        self.cognito_identity_pool_id = data.get("cognitoIdentityPoolId")


class Client:
    __slots__ = (
        "installation_id",
        "app_title",
        "app_version_name",
        "app_version_code",
        "app_package_name",
    )

    def __init__(self, data: dict[str, Any]) -> None:
        for slot in self.__slots__:
            setattr(self, slot, data.get(slot))


class ClientContext:
    __slots__ = ("custom", "env", "client")

    def __init__(self, data: dict[str, Any]) -> None:
        self.custom = data.get("custom")
        self.env = data.get("env")
        client = data.get("client")
        self.client = Client(client) if isinstance(client, dict) else None


class LambdaContext:
    """The `context` argument, with the attributes and method AWS's runtime provides."""

    def __init__(self, meta: dict[str, Any]) -> None:
        env = os.environ
        self.aws_request_id: str = meta["id"]
        self.log_group_name = env.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = env.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.function_name = env.get("AWS_LAMBDA_FUNCTION_NAME")
        self.memory_limit_in_mb = env.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")  # a str on AWS too
        self.function_version = env.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.invoked_function_arn: str = meta["arn"]
        self.tenant_id = None
        self._deadline_ms: int = meta["deadline"]
        self.identity = CognitoIdentity(_parse_optional_json(meta.get("ci")))
        client_context = _parse_optional_json(meta.get("cc"))
        self.client_context = ClientContext(client_context) if client_context else None

    def get_remaining_time_in_millis(self) -> int:
        return max(self._deadline_ms - int(time.time() * 1000), 0)

    def __repr__(self) -> str:
        return (
            f"LambdaContext([aws_request_id={self.aws_request_id},"
            f"log_group_name={self.log_group_name},log_stream_name={self.log_stream_name},"
            f"function_name={self.function_name},memory_limit_in_mb={self.memory_limit_in_mb},"
            f"function_version={self.function_version},"
            f"invoked_function_arn={self.invoked_function_arn}])"
        )


class RuntimeError_(Exception):
    """An error the runtime itself reports (`Runtime.*` error types)."""

    def __init__(self, error_type: str, message: str, stack: list[str] | None = None) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.stack = stack or []


def _parse_optional_json(raw: str | None) -> dict[str, Any] | None:
    if not raw:
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


class _ResponseEncoder(json.JSONEncoder):
    """AWS's marshaller: Decimals as JSON numbers, non-ASCII kept as is."""

    def default(self, o: Any) -> Any:
        if isinstance(o, decimal.Decimal):
            if o.is_finite() and o == o.to_integral_value():
                return int(o)
            return float(o)
        return super().default(o)


def to_json(value: Any) -> bytes:
    return json.dumps(value, cls=_ResponseEncoder, ensure_ascii=False).encode()


def error_payload(error_type: str, message: str, request_id: str, stack: list[str]) -> bytes:
    return to_json(
        {
            "errorMessage": message,
            "errorType": error_type,
            "requestId": request_id,
            "stackTrace": stack,
        }
    )


def _user_frames(tb: Any) -> list[str]:
    """The traceback without this module's own frames (AWS hides its bootstrap too)."""
    frames = traceback.extract_tb(tb)
    here = __file__
    while frames and frames[0].filename == here:
        frames.pop(0)
    return traceback.format_list(frames)


def log_error(error_type: str, message: str, stack: list[str]) -> None:
    """The `[ERROR] Type: message` record AWS writes for a failure, as one log event."""
    lines = [f"[ERROR] {error_type}: {message}"]
    if stack:
        lines.append("Traceback (most recent call last):")
        lines.extend(part for frame in stack for part in frame.rstrip("\n").split("\n"))
    sys.stdout.flush()
    sys.stderr.write("\r".join(lines) + "\n")
    sys.stderr.flush()


def load_handler(handler: str) -> Callable[[Any, Any], Any]:
    try:
        modname, fname = handler.rsplit(".", 1)
    except ValueError as e:
        raise RuntimeError_(
            "Runtime.MalformedHandlerName", f"Bad handler '{handler}': {e}"
        ) from None
    if modname.split(".")[0] in sys.builtin_module_names:
        raise RuntimeError_(
            "Runtime.BuiltInModuleConflict",
            f"Cannot use built-in module {modname} as a handler module",
        )
    try:
        module = importlib.import_module(modname.replace("/", "."))
    except ImportError as e:
        raise RuntimeError_(
            "Runtime.ImportModuleError", f"Unable to import module '{modname}': {e}"
        ) from None
    except SyntaxError as e:
        raise RuntimeError_(
            "Runtime.UserCodeSyntaxError",
            f"Syntax error in module '{modname}': {e}",
            _user_frames(e.__traceback__),
        ) from None
    func = getattr(module, fname, None)
    if func is None:
        raise RuntimeError_(
            "Runtime.HandlerNotFound", f"Handler '{fname}' missing on module '{modname}'"
        )
    return func


def _install_logging() -> None:
    """A root handler in AWS's text format, as the Python runtime installs one."""

    class _LambdaFormatter(logging.Formatter):
        converter = time.gmtime

        def format(self, record: logging.LogRecord) -> str:
            record.aws_request_id = _current_request_id
            return super().format(record).replace("\n", "\r")

    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(
        _LambdaFormatter(
            "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s",
            "%Y-%m-%dT%H:%M:%S",
        )
    )
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)


def _max_rss_kb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _invoke(
    func: Callable[[Any, Any], Any], meta: dict[str, Any], body: bytes
) -> tuple[bool, bytes]:
    global _current_request_id
    request_id = meta["id"]
    _current_request_id = request_id
    if meta.get("trace"):
        os.environ["_X_AMZN_TRACE_ID"] = meta["trace"]
    else:
        os.environ.pop("_X_AMZN_TRACE_ID", None)
    try:
        try:
            event = json.loads(body) if body else None
        except ValueError as e:
            raise RuntimeError_(
                "Runtime.UnmarshalError", f"Unable to unmarshal input: {e}"
            ) from None
        result = func(event, LambdaContext(meta))
        try:
            return True, to_json(result)
        except (TypeError, ValueError) as e:
            raise RuntimeError_(
                "Runtime.MarshalError", f"Unable to marshal response: {e}"
            ) from None
    except RuntimeError_ as e:
        log_error(e.error_type, e.message, e.stack)
        return False, error_payload(e.error_type, e.message, request_id, e.stack)
    except MemoryError:
        # Past the address-space backstop: end as AWS does when a function runs out of
        # memory (the sandbox is killed).
        os.kill(os.getpid(), signal.SIGKILL)
        raise
    except Exception as e:
        stack = _user_frames(e.__traceback__)
        error_type = type(e).__name__
        log_error(error_type, str(e), stack)
        return False, error_payload(error_type, str(e), request_id, stack)


def serve(channel: BlockingChannel, handler: str) -> None:
    """Init, then invocations until lenticular closes the channel. SystemExit propagates
    (as on AWS, sys.exit in a handler ends the environment)."""
    _install_logging()
    started = time.perf_counter()
    try:
        func = load_handler(handler)
    except RuntimeError_ as e:
        log_error(e.error_type, e.message, e.stack)
        channel.send(
            {"t": "init", "ok": False}, error_payload(e.error_type, e.message, "", e.stack)
        )
        return
    except Exception as e:
        stack = _user_frames(e.__traceback__)
        log_error(type(e).__name__, str(e), stack)
        channel.send({"t": "init", "ok": False}, error_payload(type(e).__name__, str(e), "", stack))
        return
    sys.stdout.flush()
    sys.stderr.flush()
    channel.send({"t": "init", "ok": True, "ms": (time.perf_counter() - started) * 1000})
    for _ in iter(int, 1):  # until the channel closes
        frame = channel.receive()
        if frame is None:
            return
        ok, payload = _invoke(func, *frame)
        sys.stdout.flush()
        sys.stderr.flush()
        channel.send({"t": "result", "ok": ok, "rss": _max_rss_kb()}, payload)
