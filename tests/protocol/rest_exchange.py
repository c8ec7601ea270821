"""A botocore client wired to a rest codec in-process: the client's own serializer builds the
request, the codec parses it and serializes the answer, the client's own parser reads it.

`Exchange.call(...)` returns what the codec saw and what the client got back, so a test
checks both directions of the wire against botocore.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

import botocore.session
from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from botocore.config import Config

from lenticular.errors import ServiceError
from lenticular.protocol import codecs
from lenticular.protocol.codec import Codec
from lenticular.protocol.http import HttpRequest, HttpResponse
from lenticular.protocol.model import service_model

REQUEST_ID = "4442587FB7D0A2F9"


class _Raw(io.BytesIO):
    def stream(self, amt: int | None = None, decode_content: bool = True) -> Any:
        while chunk := self.read(amt or 65536):
            yield chunk


def to_http_request(prepared: AWSPreparedRequest) -> HttpRequest:
    """The lenticular view of a request botocore is about to send."""
    url = urlsplit(prepared.url)
    body = prepared.body
    if body is None:
        data = b""
    elif isinstance(body, bytes | bytearray):
        data = bytes(body)
    elif isinstance(body, str):
        data = body.encode()
    else:
        data = body.read()
        if isinstance(data, str):
            data = data.encode()
    headers: dict[str, str] = {}
    for k, v in prepared.headers.items():
        headers[k.lower()] = v.decode() if isinstance(v, bytes) else v
    return HttpRequest(
        method=prepared.method.upper(),
        path=unquote(url.path) or "/",
        raw_path=url.path or "/",
        query_string=url.query,
        headers=headers,
        body=data,
        host=(url.hostname or "").lower(),
    )


@dataclass
class Exchange:
    """One botocore client whose requests are answered by a lenticular codec."""

    service: str
    path_style: bool = True
    # (operation name, parsed input) -> output dict; raise ServiceError for an error.
    answer: Callable[[str, dict[str, Any]], dict[str, Any]] = lambda op, params: {}
    seen: list[tuple[str, dict[str, Any], HttpRequest]] = field(default_factory=list)
    responses: list[HttpResponse] = field(default_factory=list)
    rewrite: Callable[[HttpRequest], HttpRequest] | None = None

    def __post_init__(self) -> None:
        session = botocore.session.get_session()
        config = Config(
            s3={"addressing_style": "path" if self.path_style else "virtual"},
            retries={"max_attempts": 1},
        )
        self.client = session.create_client(
            self.service,
            region_name="us-east-1",
            aws_access_key_id="AKIDEXAMPLE",
            aws_secret_access_key="secret",
            config=config,
        )
        self.client.meta.events.register("before-send", self._send)
        self.model = service_model(self.service)
        self.codec: Codec = codecs.get(self.model.metadata["protocol"])

    def _send(self, request: AWSPreparedRequest, **kwargs: Any) -> AWSResponse:
        http = to_http_request(request)
        if self.rewrite is not None:
            http = self.rewrite(http)
        operation = None
        try:
            operation, labels = self.codec.find_operation(self.model, http)
            params = self.codec.parse(operation, http, labels)
            self.seen.append((operation.name, params, http))
            result = self.answer(operation.name, params)
            response = self.codec.serialize(operation, result, REQUEST_ID)
        except ServiceError as error:
            response = self.codec.serialize_error(self.model, operation, error, REQUEST_ID)
        self.responses.append(response)
        body = response.body
        if response.stream is not None:
            body = b"".join(response.stream)  # type: ignore[arg-type]
        headers = {}
        for k, v in response.headers:
            headers[k] = v
        return AWSResponse(request.url, response.status, headers, _Raw(body))

    def call(self, operation: str, **params: Any) -> tuple[str, dict[str, Any], dict[str, Any]]:
        """(operation the codec found, input it parsed, output the client parsed)."""
        method = getattr(self.client, _snake(self.client, operation))
        out = method(**params)
        name, parsed, _ = self.seen[-1]
        return name, parsed, out


def _snake(client: Any, operation: str) -> str:
    for py_name, op_name in client.meta.method_to_api_mapping.items():
        if op_name == operation:
            return py_name
    raise KeyError(operation)
