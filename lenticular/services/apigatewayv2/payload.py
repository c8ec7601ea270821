"""The Lambda proxy contract of HTTP APIs: the event of payload format 2.0 (and 1.0, REST's
event with `version` and HTTP API's request context), and how a 2.0 reply becomes the
client's response (1.0 replies are parsed by REST's `proxy_event.parse_reply`).
https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
"""

from __future__ import annotations

import base64
from typing import Any

import orjson

from lenticular.services.apigateway.proxy_event import (
    HOP_BY_HOP,
    MalformedReply,
    ProxyReply,
    header_text,
    proxy_reply,
    reply_body,
    reply_status,
)

Doc = dict[str, Any]
_TEXT_MARKERS = ("json", "xml", "javascript", "yaml", "graphql")


def is_text(content_type: str | None) -> bool:
    media = (content_type or "").split(";", 1)[0].strip().lower()
    return media.startswith("text/") or any(marker in media for marker in _TEXT_MARKERS)


def event_body(body: bytes, content_type: str | None) -> tuple[str | None, bool]:
    """(body, isBase64Encoded): text media types stay text, anything else is base64 (a
    body without a Content-Type stays text when it is UTF-8)."""
    if not body:
        return None, False
    if is_text(content_type) or not content_type:
        try:
            return body.decode("utf-8"), False
        except UnicodeDecodeError:
            pass
    return base64.b64encode(body).decode("ascii"), True


def cookies_of(headers: dict[str, str]) -> list[str]:
    raw = headers.get("cookie", "")
    return [c.strip() for part in raw.split(",") for c in part.split(";") if c.strip()]


def joined_query(query: list[tuple[str, str]]) -> dict[str, str]:
    """Query parameters with repeated names joined by commas, as format 2.0 passes them."""
    out: dict[str, str] = {}
    for name, value in query:
        out[name] = f"{out[name]},{value}" if name in out else value
    return out


def event_v2(*, route_key: str, raw_path: str, raw_query: str, headers: dict[str, str],
             query: list[tuple[str, str]], path_parameters: dict[str, str],
             stage_variables: dict[str, str], request_context: Doc, body: bytes,
             content_type: str | None) -> Doc:  # fmt: skip
    event: Doc = {"version": "2.0", "routeKey": route_key, "rawPath": raw_path,
                  "rawQueryString": raw_query}  # fmt: skip
    cookies = cookies_of(headers)
    if cookies:
        event["cookies"] = cookies
    event["headers"] = {k: v for k, v in headers.items() if k != "cookie"}
    if query:
        event["queryStringParameters"] = joined_query(query)
    event["requestContext"] = request_context
    if path_parameters:
        event["pathParameters"] = path_parameters
    if stage_variables:
        event["stageVariables"] = stage_variables
    text, is_base64 = event_body(body, content_type)
    if text is not None:
        event["body"] = text
    event["isBase64Encoded"] = is_base64
    return event


def parse_reply_v2(payload: bytes) -> ProxyReply:
    """A 2.0 reply: `{statusCode, headers, cookies, body, isBase64Encoded}`; any other
    valid JSON (an object without statusCode, a string, a number...) is a 200
    application/json response whose body is the function's result."""
    try:
        reply = orjson.loads(payload)
    except orjson.JSONDecodeError:
        raise MalformedReply("not JSON") from None
    if not isinstance(reply, dict) or "statusCode" not in reply:
        return ProxyReply(200, [("Content-Type", "application/json")], payload)
    status = reply_status(reply["statusCode"], "statusCode invalid")
    headers_in = reply.get("headers") or {}
    if not isinstance(headers_in, dict):
        raise MalformedReply("headers must be an object")
    headers = [(k, header_text(v)) for k, v in headers_in.items()
               if v is not None and k.lower() not in HOP_BY_HOP]  # fmt: skip
    cookies = reply.get("cookies") or []
    if not isinstance(cookies, list):
        raise MalformedReply("cookies must be a list")
    headers.extend(("Set-Cookie", header_text(c)) for c in cookies)
    body = reply.get("body")
    if body is None or isinstance(body, str):
        data = reply_body(body, bool(reply.get("isBase64Encoded")))
    else:
        data = orjson.dumps(body)  # a JSON body that is not a string is sent as JSON
    return proxy_reply(status, headers, data)
