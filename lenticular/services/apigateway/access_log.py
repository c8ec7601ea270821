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

import hashlib
import json
import re
from typing import Any

from lenticular.services.apigateway.log_writer import BufferedLogWriter, Where

Doc = dict[str, Any]

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


class AccessLogWriter(BufferedLogWriter):
    """Buffers lines and writes them to CloudWatch Logs from the event loop."""

    what = "access log"

    def add(self, stage: Doc, api_id: str, context: Doc, timestamp_ms: int) -> None:
        settings = stage.get("accessLogSettings") or {}
        template = settings.get("format")
        target = log_group(settings.get("destinationArn") or "")
        if not template or target is None:
            return
        region, account, group = target
        stream = stream_name(api_id, stage["stageName"])
        self._enqueue((account, region, group, stream), [(timestamp_ms, render(template, context))])

    def _write(self, engine: Any, where: Where, events: list[tuple[int, str]]) -> None:
        account, region, group, stream = where
        engine.group(account, region, group)  # must exist, as on AWS
        engine.put_events(account, region, group, stream, events, create=True)
