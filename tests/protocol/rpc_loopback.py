"""A real botocore client wired straight into a codec, for protocol tests.

The client signs and serializes as it would for AWS; its `before-send` event hands the
prepared request to the codec for the protocol it chose, a stand-in provider answers,
and the codec's response goes back through the client's own parsing, checksum check
(DynamoDB's `x-amz-crc32`) and error factory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import botocore.model
import botocore.session
from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from botocore.config import Config

from lenticular.errors import ServiceError
from lenticular.protocol.codec import codec_for
from lenticular.protocol.http import HttpRequest, HttpResponse
from lenticular.protocol.model import service_model
from tests.protocol.wire import ENDPOINT, to_http_request

Provider = Callable[[str, dict[str, Any]], dict[str, Any]]


class _RawBody:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


@dataclass
class Exchange:
    """What crossed the wire in the last call."""

    request: HttpRequest | None = None
    operation: str | None = None
    params: dict[str, Any] | None = None
    response: HttpResponse | None = None
    codec: str | None = None
    calls: list[str] = field(default_factory=list)


def loopback_client(
    service: str, provider: Provider, protocol: str | None = None
) -> tuple[Any, Exchange]:
    """A botocore client for `service` whose requests the codec answers via `provider`.

    `protocol` makes the client prefer that protocol among those the service speaks
    (botocore itself prefers `json` over `smithy-rpc-v2-cbor` for CloudWatch).
    """
    model = service_model(service)
    exchange = Exchange()

    def before_send(request: AWSPreparedRequest, **_: Any) -> AWSResponse:
        http_request = to_http_request(request)
        codec = codec_for(model, http_request)
        exchange.request, exchange.codec = http_request, codec.name
        operation = None
        try:
            operation, uri_params = codec.find_operation(model, http_request)
            params = codec.parse(operation, http_request, uri_params)
            exchange.operation, exchange.params = operation.name, params
            exchange.calls.append(operation.name)
            response = codec.serialize(operation, provider(operation.name, params), "req-1")
        except ServiceError as error:
            response = codec.serialize_error(model, operation, error, "req-1")
        exchange.response = response
        return AWSResponse(request.url, response.status, response.headers, _RawBody(response.body))

    preferred = botocore.model.PRIORITY_ORDERED_SUPPORTED_PROTOCOLS
    if protocol is not None:
        botocore.model.PRIORITY_ORDERED_SUPPORTED_PROTOCOLS = (protocol, *preferred)
    try:
        client = botocore.session.get_session().create_client(
            service,
            region_name="us-east-1",
            endpoint_url=ENDPOINT,
            aws_access_key_id="AKIDEXAMPLE",
            aws_secret_access_key="secret",
            config=Config(retries={"max_attempts": 1, "mode": "legacy"}),
        )
    finally:
        botocore.model.PRIORITY_ORDERED_SUPPORTED_PROTOCOLS = preferred
    client.meta.events.register("before-send", before_send)
    return client, exchange
