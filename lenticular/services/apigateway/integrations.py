"""The proxy integrations a REST API method can call: AWS_PROXY to Lambda (in-process,
through Lambda's engine) and HTTP_PROXY, plus what every integration shares (the matched
request, API Gateway's error answers, the integration timeout, one HTTP exchange). Each
takes the matched request and answers an `HttpResponse` (API Gateway's own headers are
added by the caller). The non-proxy ones (MOCK, AWS, HTTP) are in `custom_integrations`.
"""

from __future__ import annotations

import asyncio
import http.client
import logging
import re
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

import orjson

from lenticular.errors import ServiceError
from lenticular.protocol.http import HttpRequest, HttpResponse
from lenticular.services.apigateway import response_types
from lenticular.services.apigateway.apis import lambda_function_arn
from lenticular.services.apigateway.proxy_event import (
    HOP_BY_HOP,
    MalformedReply,
    build_event,
    event_body,
    parse_reply,
)
from lenticular.services.apigateway.response_types import GatewayError
from lenticular.services.awslambda.configuration import parse_function

log = logging.getLogger(__name__)
Doc = dict[str, Any]

_STAGE_VARIABLE = re.compile(r"\$\{stageVariables\.([A-Za-z0-9_]+)\}")


@dataclass(slots=True)
class Invocation:
    """A request matched to a deployed method: what every integration needs."""

    request: HttpRequest
    api_id: str
    account_id: str
    region: str
    stage: str
    path: str  # the path after the stage, e.g. "/items/1"
    resource: Doc  # the matched Resource
    method: Doc  # the matched Method
    integration: Doc  # its Integration
    path_parameters: dict[str, str]
    stage_variables: dict[str, str]
    binary_media_types: list[str]
    request_context: Doc  # the proxy event's requestContext
    event_headers: dict[str, str]  # the request's headers plus API Gateway's own


def error_response(
    status: int, message: str, error_type: str, response_type: str | None = None
) -> HttpResponse:
    """An error API Gateway makes itself, tagged with its gateway response type."""
    return GatewayError(
        status=status,
        headers=[("Content-Type", "application/json"), ("x-amzn-ErrorType", error_type)],
        body=orjson.dumps({"message": message}),
        response_type=response_type or response_types.infer(status, error_type),
    )


def internal_error(response_type: str | None = None) -> HttpResponse:
    return error_response(
        500, "Internal server error", "InternalServerErrorException", response_type
    )


def bad_gateway() -> HttpResponse:
    return error_response(502, "Internal server error", "InternalServerErrorException")


def timed_out() -> HttpResponse:
    return error_response(504, "Endpoint request timed out", "InternalServerErrorException")


def with_stage_variables(text: str, variables: dict[str, str]) -> str:
    return _STAGE_VARIABLE.sub(lambda m: variables.get(m.group(1), ""), text)


def context_value(context: Doc, path: str) -> Any:
    """The request context's value at a dotted `path` (`identity.sourceIp`, the name after
    `$context.`); None when it is missing or not a single value (an object)."""
    value: Any = context
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return None if isinstance(value, dict) else value


# -- AWS_PROXY (Lambda) -------------------------------------------------------------------


async def bounded(coro: Any, timeout_ms: int) -> tuple[bool, Any]:
    """(finished, result) of `coro` within the integration timeout. The work is not
    cancelled when it runs over: like a Lambda function behind API Gateway, it finishes
    on its own while the client gets its 504."""
    task = asyncio.ensure_future(coro)
    done, _ = await asyncio.wait({task}, timeout=timeout_ms / 1000)
    if not done:
        task.add_done_callback(lambda t: t.cancelled() or t.exception())
        return False, None
    return True, task.result()


async def lambda_proxy(call: Invocation, lambda_engine: Any) -> HttpResponse:
    uri = with_stage_variables(call.integration.get("uri", ""), call.stage_variables)
    function_arn = lambda_function_arn(uri)
    if function_arn is None:
        return error_response(
            500, "AWS_PROXY integrations other than Lambda are not implemented by lenticular yet",
            "InternalServerErrorException",
        )  # fmt: skip
    request = call.request
    body, is_base64 = event_body(
        request.body, request.headers.get("content-type"), call.binary_media_types
    )
    event = build_event(
        resource=call.resource["path"],
        path=call.path,
        http_method=request.method,
        headers=call.event_headers,
        query=request.query,
        path_parameters=call.path_parameters,
        stage_variables=call.stage_variables,
        request_context=call.request_context,
        body=body,
        is_base64=is_base64,
    )
    try:
        ref = parse_function(function_arn, call.account_id, call.region)
        finished, outcome = await bounded(
            lambda_engine.invoke(ref, orjson.dumps(event), request_id=str(uuid.uuid4())),
            call.integration.get("timeoutInMillis", 29000),
        )
    except ServiceError as error:  # no such function, throttled, ...
        log.info("Lambda integration %s failed: %s", function_arn, error)
        return internal_error()
    if not finished:
        return timed_out()
    result, _ = outcome
    if result.function_error:
        return bad_gateway()
    try:
        reply = parse_reply(result.payload, call.binary_media_types, request.headers.get("accept"))
    except MalformedReply as problem:
        log.info("Malformed Lambda proxy response from %s: %s", function_arn, problem)
        return bad_gateway()
    return HttpResponse(status=reply.status, headers=reply.headers, body=reply.body)


# -- HTTP_PROXY ---------------------------------------------------------------------------


def _target_url(call: Invocation) -> str:
    mapping = call.integration.get("requestParameters") or {}
    values = dict(call.path_parameters)
    for target, source in mapping.items():
        if target.startswith("integration.request.path.") and source.startswith(
            "method.request.path."
        ):
            name = target[len("integration.request.path.") :]
            values[name] = call.path_parameters.get(source[len("method.request.path.") :], "")

    uri = fill_uri(call, values)
    if call.request.query_string:
        uri += ("&" if "?" in uri else "?") + call.request.query_string
    return uri


def fill_uri(call: Invocation, values: dict[str, str]) -> str:
    """The integration URI with stage variables and `{name}` placeholders filled in."""

    def fill(match: re.Match[str]) -> str:
        return quote(values.get(match.group(1).rstrip("+"), ""), safe="/")

    uri = with_stage_variables(call.integration["uri"], call.stage_variables)
    return re.sub(r"\{([A-Za-z0-9._+-]+)\}", fill, uri)


def forward(method: str, url: str, headers: dict[str, str], body: bytes, timeout: float) -> Any:
    parts = urlsplit(url)
    connection_class = (
        http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    )
    connection = connection_class(parts.netloc, timeout=timeout)
    try:
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        connection.request(method, target, body=body or None, headers=headers)
        response = connection.getresponse()
        return response.status, response.getheaders(), response.read()
    finally:
        connection.close()


def integration_method(call: Invocation) -> str:
    """The backend's HTTP method: the integration's, or the request's for ANY/unset."""
    method = call.integration.get("httpMethod") or call.request.method
    return call.request.method if method == "ANY" else method


async def call_backend(
    call: Invocation, method: str, url: str, headers: dict[str, str], body: bytes, label: str
) -> tuple[int, list[tuple[str, str]], bytes] | HttpResponse:
    """Send the integration request within its timeout: the backend's (status, headers
    less hop-by-hop ones, body), or API Gateway's own 504/500 response when it times out
    or fails."""
    timeout_ms = call.integration.get("timeoutInMillis", 29000)
    try:
        finished, outcome = await bounded(
            asyncio.to_thread(forward, method, url, headers, body, timeout_ms / 1000), timeout_ms
        )
    except TimeoutError:
        return timed_out()
    except (OSError, http.client.HTTPException) as problem:
        log.info("%s integration %s failed: %s", label, url, problem)
        return internal_error("INTEGRATION_FAILURE")
    if not finished:
        return timed_out()
    status, response_headers, response_body = outcome
    kept = [(k, v) for k, v in response_headers if k.lower() not in HOP_BY_HOP]
    return status, kept, response_body


async def http_proxy(call: Invocation) -> HttpResponse:
    request = call.request
    headers = {k: v for k, v in request.headers.items() if k not in HOP_BY_HOP and k != "host"}
    answer = await call_backend(
        call, integration_method(call), _target_url(call), headers, request.body, "HTTP_PROXY"
    )
    if isinstance(answer, HttpResponse):
        return answer
    status, kept, body = answer
    return HttpResponse(status=status, headers=kept, body=body)
