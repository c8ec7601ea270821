"""Stage access logs: one line per request, the stage's `accessLogSettings.format` with its
`$context.*` variables substituted, written to the CloudWatch Logs group named by
`accessLogSettings.destinationArn`.

Lines are buffered and written from the event loop about every 100 ms, so a response is
never held up by a log write. The group must exist (as on AWS, lines for a missing group
are dropped); the stream is created on first use. Its name is fixed per API and stage (32
hex digits, shaped like the hashed stream names AWS uses). Kinesis Data Firehose
destinations are recorded, not written to.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
from collections.abc import Callable
from typing import Any

Doc = dict[str, Any]
log = logging.getLogger(__name__)

FLUSH_DELAY_S = 0.1
_VARIABLE = re.compile(r"\$context\.([A-Za-z0-9_]+(?:\.[A-Za-z0-9_-]+)*)")
_LOG_GROUP_ARN = re.compile(r"^arn:[^:]+:logs:([^:]+):([^:]+):log-group:([^:]+)(?::\*)?$")


def log_group(arn: str) -> tuple[str, str, str] | None:
    """(region, account, group name) of a CloudWatch Logs group ARN, else None."""
    found = _LOG_GROUP_ARN.match(arn or "")
    return (found.group(1), found.group(2), found.group(3)) if found else None


def stream_name(api_id: str, stage: str) -> str:
    return hashlib.md5(f"{api_id}/{stage}".encode(), usedforsecurity=False).hexdigest()


def _lookup(context: Doc, name: str) -> Any:
    value: Any = context
    for part in name.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def render(template: str, context: Doc) -> str:
    """The format with each `$context.x.y` replaced; absent or empty values render "-"."""

    def substitute(found: re.Match[str]) -> str:
        value = _lookup(context, found.group(1))
        if value is None or value == "" or isinstance(value, dict):
            return "-"
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    return _VARIABLE.sub(substitute, template)


def error_fields(status: int, headers: list[tuple[str, str]], body: bytes) -> Doc:
    """`$context.error` for a response API Gateway made itself (it names its error type)."""
    error_type = next((v for k, v in headers if k.lower() == "x-amzn-errortype"), None)
    if error_type is None:
        return {}
    message = None
    try:
        doc = json.loads(body)
        if isinstance(doc, dict) and isinstance(doc.get("message"), str):
            message = doc["message"]
    except ValueError:
        pass
    fields: Doc = {"responseType": _response_type(status, message)}
    if message is not None:
        fields["message"] = message
        fields["messageString"] = json.dumps(message)
    return fields


def _response_type(status: int, message: str | None) -> str:
    if message == "Missing Authentication Token":
        return "MISSING_AUTHENTICATION_TOKEN"
    if message == "Unauthorized":
        return "UNAUTHORIZED"
    if message == "Limit Exceeded":
        return "QUOTA_EXCEEDED"
    if status == 429:
        return "THROTTLED"
    if status == 403:
        return "ACCESS_DENIED"
    if status == 504:
        return "INTEGRATION_TIMEOUT"
    if status == 502:
        return "BAD_GATEWAY"
    return "DEFAULT_5XX" if status >= 500 else "DEFAULT_4XX"


class AccessLogWriter:
    """Buffers lines and writes them to CloudWatch Logs from the event loop."""

    def __init__(self, logs_engine: Callable[[], Any]) -> None:
        self._logs_engine = logs_engine
        self._pending: list[tuple[tuple[str, str, str, str], int, str]] = []
        self._scheduled = False

    def add(self, stage: Doc, api_id: str, context: Doc, timestamp_ms: int) -> None:
        settings = stage.get("accessLogSettings") or {}
        template = settings.get("format")
        target = log_group(settings.get("destinationArn") or "")
        if not template or target is None:
            return
        region, account, group = target
        stream = stream_name(api_id, stage["stageName"])
        self._pending.append(
            ((account, region, group, stream), timestamp_ms, render(template, context))
        )
        if not self._scheduled:
            self._scheduled = True
            try:
                asyncio.get_running_loop().call_later(FLUSH_DELAY_S, self.flush)
            except RuntimeError:  # no loop (a direct call): write now
                self.flush()

    def flush(self) -> None:
        self._scheduled = False
        pending, self._pending = self._pending, []
        batches: dict[tuple[str, str, str, str], list[tuple[int, str]]] = {}
        for key, timestamp, line in pending:
            batches.setdefault(key, []).append((timestamp, line))
        if not batches:
            return
        try:
            engine = self._logs_engine()
        except Exception:  # noqa: BLE001 - CloudWatch Logs is not served
            log.warning("access logs dropped: CloudWatch Logs is unavailable")
            return
        for (account, region, group, stream), events in batches.items():
            try:
                engine.group(account, region, group)  # must exist, as on AWS
                engine.put_events(account, region, group, stream, events, create=True)
            except Exception as error:  # noqa: BLE001 - a missing group drops its lines
                log.info("access log lines for %s dropped: %s", group, error)
