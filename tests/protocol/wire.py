"""Bridges between botocore's client side and lenticular's `HttpRequest`/`HttpResponse`.

`client_request` runs botocore's own request serializer (the one a boto3 client uses,
without parameter validation or the service-specific event handlers) and hands the
prepared request over as lenticular would receive it from the ASGI layer.
`client_parse` feeds an `HttpResponse` to botocore's own response parser, as a client
would receive it off the socket.
"""

from __future__ import annotations

import asyncio
import copy
import io
from collections.abc import AsyncIterator, Iterable
from typing import Any
from urllib.parse import unquote, urlsplit

from botocore.awsrequest import AWSPreparedRequest, create_request_object, prepare_request_dict
from botocore.compat import HTTPHeaders
from botocore.model import OperationModel, Shape
from botocore.parsers import create_parser
from botocore.response import StreamingBody
from botocore.serialize import create_serializer

from lenticular.protocol.http import HttpRequest, HttpResponse

ENDPOINT = "http://localhost:4566"


def client_request(operation: OperationModel, params: dict[str, Any], protocol: str) -> HttpRequest:
    """The request a botocore client sends for `params`, as lenticular's ASGI layer sees it."""
    serializer = create_serializer(protocol, include_validation=False)
    request_dict = serializer.serialize_to_request(copy.deepcopy(params), operation)
    request_dict.pop("host_prefix", None)
    prepare_request_dict(request_dict, endpoint_url=ENDPOINT, user_agent="lenticular-tests")
    prepared = create_request_object(request_dict).prepare()
    return to_http_request(prepared)


def to_http_request(prepared: AWSPreparedRequest) -> HttpRequest:
    url = urlsplit(prepared.url)
    headers: dict[str, str] = {"host": url.netloc}
    for name in set(prepared.headers.keys()):
        values = prepared.headers.get_all(name) if hasattr(prepared.headers, "get_all") else None
        values = values or [prepared.headers[name]]
        headers[name.lower()] = ",".join(_text(v) for v in values)
    return HttpRequest(
        method=prepared.method.upper(),
        path=unquote(url.path),
        raw_path=url.path,
        query_string=url.query,
        headers=headers,
        body=_body_bytes(prepared.body),
        host=(url.hostname or "").lower(),
    )


def client_parse(
    protocol: str,
    shape: Shape | None,
    response: HttpResponse,
    *,
    head: bool = False,
    streaming: bool = False,
) -> dict[str, Any]:
    """What botocore's parser makes of `response` (the body dropped for HEAD, as HTTP does).

    `streaming`: the operation has a blob payload, which botocore hands over as a
    `StreamingBody`; it is read back to bytes here.
    """
    headers = HTTPHeaders()
    for name, value in response.headers:
        headers[name] = value
    body = response.body
    if response.stream is not None:
        body = _drain(response.stream)
    if head:
        body = b""
    wire_body: Any = StreamingBody(io.BytesIO(body), len(body)) if streaming else body
    parsed = create_parser(protocol).parse(
        {
            "status_code": response.status,
            "headers": headers,
            "body": wire_body,
            "context": {"operation_name": ""},
        },
        shape,
    )
    parsed.pop("ResponseMetadata", None)
    for key, value in list(parsed.items()):
        if isinstance(value, StreamingBody):
            parsed[key] = value.read()
    return parsed


def _drain(stream: Iterable[bytes] | AsyncIterator[bytes]) -> bytes:
    if isinstance(stream, AsyncIterator):

        async def collect() -> bytes:
            return b"".join([chunk async for chunk in stream])

        return asyncio.run(collect())
    return b"".join(stream)


def _text(value: str | bytes) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else value


def _body_bytes(body: Any) -> bytes:
    if body is None:
        return b""
    if isinstance(body, bytes):
        return body
    if isinstance(body, bytearray):
        return bytes(body)
    if isinstance(body, str):
        return body.encode("utf-8")
    if hasattr(body, "read"):
        return body.read()
    raise TypeError(f"unexpected request body {type(body).__name__}")
