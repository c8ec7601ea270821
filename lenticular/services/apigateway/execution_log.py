"""Stage execution logs: what API Gateway did with each request, written to the CloudWatch
Logs group `API-Gateway-Execution-Logs_{apiId}/{stageName}` when the method's setting
`loggingLevel` (`*/*/logging/loglevel` or the method's own) is INFO or ERROR.

Lines carry AWS's wording, each prefixed with `(requestId)`: at INFO, "Extended Request
Id", "Starting execution for request", "HTTP Method: GET, Resource Path: /items/7",
"Method request path/query string", "Endpoint request URI", "Sending request to",
"Received response. Status: 200, Integration latency: 3 ms", failures as "Execution
failed due to ...", "Successfully completed execution" and "Method completed with status:
200"; at ERROR only the failure and completion lines of a request that failed with a 5XX
API Gateway made itself (not a 5XX the backend chose). `dataTraceEnabled`
adds the method request's headers (Authorization and X-API-Key values masked) and body,
and the method response's body and headers. Each line is cut at 1 KB with "[TRUNCATED]",
as AWS's standard execution logging does. The group is created on first write, as AWS
does; all lines of a stage go to one stream (32 hex digits).

Limitations versus AWS: the endpoint request and response headers and bodies (after and
before the mapping templates), usage plan, API key and authorizer steps are not logged; a
request that matched no route writes no lines; a request the gates stopped or the cache
answered gets only its first and last lines. Lines are buffered and written from the
event loop about every 100 ms, so a response never waits for them.
https://docs.aws.amazon.com/apigateway/latest/developerguide/rest-api-execution-logging.html
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from lenticular.protocol.http import HttpRequest, HttpResponse
from lenticular.services.apigateway.integrations import with_stage_variables
from lenticular.services.apigateway.log_writer import BufferedLogWriter

Doc = dict[str, Any]

MAX_EVENT_BYTES = 1024  # standard execution logging cuts each event at 1 KB
TRUNCATED = " [TRUNCATED]"
LEVELS = ("INFO", "ERROR")
_MASKED_HEADERS = ("authorization", "x-api-key")


def group_name(api_id: str, stage_name: str) -> str:
    return f"API-Gateway-Execution-Logs_{api_id}/{stage_name}"


def stream_name(api_id: str, stage_name: str) -> str:
    key = f"execution/{api_id}/{stage_name}".encode()
    return hashlib.md5(key, usedforsecurity=False).hexdigest()


def truncate(line: str) -> str:
    raw = line.encode()
    if len(raw) <= MAX_EVENT_BYTES:
        return line
    return raw[:MAX_EVENT_BYTES].decode(errors="ignore") + TRUNCATED


def _java_map(items: Any) -> str:
    """A map printed as Java does, `{a=1, b=2}`, as AWS's log lines show it."""
    return "{" + ", ".join(f"{k}={v}" for k, v in items) + "}"


def _mask(value: str) -> str:
    return "*" * max(len(value) - 4, 0) + value[-4:]


def _headers(headers: Any) -> str:
    return _java_map((k, _mask(v) if k.lower() in _MASKED_HEADERS else v) for k, v in headers)


def _body(body: bytes) -> str:
    return body.decode("utf-8", errors="replace")


def _path(call: Any, context: Doc) -> str:
    """The request's path after the stage ("/items/7")."""
    if call is not None:
        return call.path
    parts = (context.get("path") or "/").split("/", 2)  # "/{stage}/{rest}"
    return "/" + parts[2] if len(parts) > 2 else "/"


def endpoint_uri(integration: Doc, stage_variables: dict[str, str]) -> str | None:
    """The URI API Gateway calls: `https://{service}.{region}.amazonaws.com/...` for an AWS
    service ARN, the URI itself for HTTP; None for MOCK."""
    kind = integration.get("type")
    uri = with_stage_variables(integration.get("uri") or "", stage_variables)
    if kind in ("HTTP", "HTTP_PROXY"):
        return uri
    if kind not in ("AWS", "AWS_PROXY"):
        return None
    parts = uri.split(":", 5)
    if len(parts) < 6:
        return uri
    region, service, rest = parts[3], parts[4], parts[5]
    host = f"https://{service}.{region}.amazonaws.com"
    kind_, _, target = rest.partition("/")
    if kind_ == "action":
        return f"{host}/?Action={target}"
    return f"{host}/{target}"


def _failure(response: HttpResponse) -> str | None:
    """The "Execution failed due to ..." line of an error API Gateway made itself."""
    if response.header("x-amzn-ErrorType") is None or response.status < 500:
        return None
    try:
        message = json.loads(response.body).get("message")
    except (ValueError, AttributeError):
        message = None
    if response.status == 504:
        return "Execution failed due to a timeout error"
    return f"Execution failed due to configuration error: {message or 'Internal server error'}"


def execution_lines(
    level: str,
    data_trace: bool,
    context: Doc,
    request: HttpRequest,
    call: Any,
    integration: Doc,
    response: HttpResponse,
) -> list[str]:
    """The execution log lines of one request (without their `(requestId) ` prefix)."""
    failure = _failure(response)
    if level != "INFO":
        if failure is None:
            return []
        return [failure, f"Method completed with status: {response.status}"]
    lines = [
        f"Extended Request Id: {context.get('extendedRequestId')}",
        f"Starting execution for request: {context.get('requestId')}",
        f"HTTP Method: {request.method}, Resource Path: {_path(call, context)}",
    ]
    if call is not None:
        lines.append(f"Method request path: {_java_map(call.path_parameters.items())}")
        lines.append(f"Method request query string: {_java_map(request.query_dict().items())}")
        if data_trace:
            lines.append(f"Method request headers: {_headers(request.headers.items())}")
            lines.append(f"Method request body before transformations: {_body(request.body)}")
        uri = endpoint_uri(call.integration, call.stage_variables)
        if uri is not None:
            lines.append(f"Endpoint request URI: {uri}")
            lines.append(f"Sending request to {uri}")
            if "latency" in integration:
                status = integration.get("status", response.status)
                lines.append(
                    f"Received response. Status: {status}, "
                    f"Integration latency: {integration['latency']} ms"
                )
    if failure is not None:
        lines.append(failure)
    elif call is not None:  # a request the gates stopped never reached its execution
        if data_trace:
            body = _body(response.body) if response.stream is None else "[streamed]"
            lines.append(f"Method response body after transformations: {body}")
            lines.append(f"Method response headers: {_headers(response.headers)}")
        lines.append("Successfully completed execution")
    lines.append(f"Method completed with status: {response.status}")
    return lines


class ExecutionLogWriter(BufferedLogWriter):
    """Buffers execution log lines and writes them to CloudWatch Logs from the event loop;
    the group is created on first write, as API Gateway does."""

    what = "execution log"

    def add(
        self,
        account_id: str,
        region: str,
        api_id: str,
        stage_name: str,
        request_id: str,
        lines: list[str],
        timestamp_ms: int,
    ) -> None:
        if not lines:
            return
        key = (account_id, region, group_name(api_id, stage_name), stream_name(api_id, stage_name))
        self._enqueue(key, [(timestamp_ms, truncate(f"({request_id}) {line}")) for line in lines])
