"""The Lambda proxy integration contract of REST APIs (payload format 1.0): the event
API Gateway sends and the reply it expects back.
https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

import orjson

Doc = dict[str, Any]

_REPLY_KEYS = {"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded"}
# Headers API Gateway does not take from an integration (the connection's own).
HOP_BY_HOP = {"content-length", "transfer-encoding", "connection", "keep-alive", "upgrade"}


def is_binary(content_type: str | None, binary_media_types: list[str]) -> bool:
    """Whether a payload of `content_type` is binary for an API (its binaryMediaTypes)."""
    if not binary_media_types:
        return False
    # An Accept header lists several types; API Gateway looks at the first.
    media = (content_type or "").split(",", 1)[0].split(";", 1)[0].strip().lower()
    for pattern in binary_media_types:
        pattern = pattern.lower()
        if pattern == "*/*" or pattern == media:
            return True
        if pattern.endswith("/*") and media.startswith(pattern[:-1]):
            return True
    return False


def event_body(
    body: bytes, content_type: str | None, binary_types: list[str]
) -> tuple[str | None, bool]:
    """(body, isBase64Encoded): text stays text, binary media types (and bytes that are
    not UTF-8) are base64-encoded; an empty body is null."""
    if not body:
        return None, False
    if not is_binary(content_type, binary_types):
        try:
            return body.decode("utf-8"), False
        except UnicodeDecodeError:
            pass
    return base64.b64encode(body).decode("ascii"), True


def build_event(
    *,
    resource: str,
    path: str,
    http_method: str,
    headers: dict[str, str],
    query: list[tuple[str, str]],
    path_parameters: dict[str, str],
    stage_variables: dict[str, str],
    request_context: Doc,
    body: str | None,
    is_base64: bool,
) -> Doc:
    single_query: dict[str, str] = {}
    multi_query: dict[str, list[str]] = {}
    for name, value in query:
        single_query[name] = value  # the last value wins, as on AWS
        multi_query.setdefault(name, []).append(value)
    return {
        "resource": resource,
        "path": path,
        "httpMethod": http_method,
        "headers": dict(headers) or None,
        "multiValueHeaders": {k: [v] for k, v in headers.items()} or None,
        "queryStringParameters": single_query or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": path_parameters or None,
        "stageVariables": stage_variables or None,
        "requestContext": request_context,
        "body": body,
        "isBase64Encoded": is_base64,
    }


class MalformedReply(ValueError):
    """The function's reply is not a valid proxy response (API Gateway answers 502)."""


@dataclass(slots=True)
class ProxyReply:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def header_text(value: Any) -> str:
    """A reply header's value as sent: numbers as text, booleans as true/false."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    raise MalformedReply(f"header value {value!r} is not a string")


def reply_status(status: Any, problem: str) -> int:
    """A reply's statusCode (a number, or digits in a string); MalformedReply(`problem`)
    otherwise."""
    if isinstance(status, str) and status.isdigit():
        status = int(status)
    if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
        raise MalformedReply(problem)
    return status


def reply_body(body: str | None, base64_encoded: bool) -> bytes:
    """A reply's string body as bytes: decoded when `base64_encoded`, else UTF-8."""
    if body is None:
        return b""
    if not base64_encoded:
        return body.encode("utf-8")
    try:
        return base64.b64decode(body, validate=True)
    except binascii.Error:
        raise MalformedReply("body is not valid base64") from None


def proxy_reply(status: int, headers: list[tuple[str, str]], data: bytes) -> ProxyReply:
    """The reply, Content-Type application/json when it names none."""
    if not any(k.lower() == "content-type" for k, _ in headers):
        headers.append(("Content-Type", "application/json"))
    return ProxyReply(status, headers, data)


def parse_reply(payload: bytes, binary_types: list[str], accept: str | None) -> ProxyReply:
    """The HTTP response a 1.0 proxy reply describes; MalformedReply if it is not one.

    A base64 body (`isBase64Encoded`) is decoded only when the API's binaryMediaTypes
    match the request's Accept or the reply's Content-Type; otherwise, as on AWS, the
    client receives the base64 text."""
    try:
        reply = orjson.loads(payload)
    except orjson.JSONDecodeError:
        raise MalformedReply("not JSON") from None
    if not isinstance(reply, dict):
        raise MalformedReply("not a JSON object")
    unknown = set(reply) - _REPLY_KEYS
    if unknown:
        raise MalformedReply(f"unexpected fields {sorted(unknown)}")
    status = reply_status(reply.get("statusCode"), "statusCode missing or invalid")
    headers: list[tuple[str, str]] = []
    multi = reply.get("multiValueHeaders") or {}
    single = reply.get("headers") or {}
    if not isinstance(multi, dict) or not isinstance(single, dict):
        raise MalformedReply("headers must be objects")
    seen = set()
    for name, values in multi.items():
        if not isinstance(values, list):
            raise MalformedReply("multiValueHeaders values must be lists")
        seen.add(name.lower())
        headers.extend((name, header_text(v)) for v in values)
    for name, value in single.items():
        if name.lower() not in seen and value is not None:
            headers.append((name, header_text(value)))
    headers = [(k, v) for k, v in headers if k.lower() not in HOP_BY_HOP]
    content_type = next((v for k, v in headers if k.lower() == "content-type"), None)
    decode_base64 = is_binary(accept, binary_types) or is_binary(content_type, binary_types)
    body = reply.get("body")
    if body is not None and not isinstance(body, str):
        raise MalformedReply("body must be a string")
    data = reply_body(body, bool(reply.get("isBase64Encoded")) and decode_base64)
    return proxy_reply(status, headers, data)
