"""The contract every wire protocol implements, and how a request picks its protocol.

A codec knows one of AWS's protocols (`json`, `rest-json`, `rest-xml`, `query`,
`smithy-rpc-v2-cbor`). It finds the operation a request names, turns the request into
the operation's input dict, and turns an output dict or a `ServiceError` into an
`HttpResponse`. Codecs compile what they need from the model on first use of an
operation and cache it; the hot path does no model walking.

Value conventions shared by all codecs (and so by every provider):
- timestamps parse to timezone-aware `datetime` (UTC); outputs may be `datetime`,
  epoch seconds (int/float) or an ISO-8601 string.
- blobs parse to `bytes`; outputs may be `bytes` or `str` (encoded as UTF-8).
- streaming payloads parse to `bytes`; outputs may be `bytes` or an iterator of bytes.
- members absent from the request are absent from the dict (never None).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from botocore.model import OperationModel, ServiceModel

from lenticular.errors import ServiceError
from lenticular.protocol.http import HttpRequest, HttpResponse


class Codec(ABC):
    name: str  # the botocore protocol name
    # The input `parse` last returned, if it already found it valid (`validate` would
    # pass it): the caller may skip validating that very object.
    validated: dict[str, Any] | None = None

    @abstractmethod
    def find_operation(
        self, service: ServiceModel, request: HttpRequest
    ) -> tuple[OperationModel, dict[str, str]]:
        """The operation the request names and the URI labels it matched ({} if none).

        Raises `UnknownOperation` (in the protocol's own error shape when serialized)
        when the request names no operation of the service.
        """

    @abstractmethod
    def parse(
        self, operation: OperationModel, request: HttpRequest, uri_params: dict[str, str]
    ) -> dict[str, Any]:
        """The operation's input as a dict. Lenient on types: `validate` checks them."""

    @abstractmethod
    def serialize(
        self, operation: OperationModel, result: dict[str, Any], request_id: str
    ) -> HttpResponse:
        """A successful response for `result`, the operation's output dict."""

    @abstractmethod
    def serialize_error(
        self,
        service: ServiceModel,
        operation: OperationModel | None,
        error: ServiceError,
        request_id: str,
    ) -> HttpResponse:
        """`error` in the protocol's error shape, with the status the model gives its code."""


T = TypeVar("T")


class PerServiceModel(Generic[T]):
    """What a codec compiles for each service model, built on first use. Keyed by the
    model object's id, holding the model so that the id stays its own."""

    def __init__(self, build: Callable[[ServiceModel], T]) -> None:
        self._build = build
        self._entries: dict[int, tuple[ServiceModel, T]] = {}

    def get(self, service: ServiceModel) -> T:
        entry = self._entries.get(id(service))
        if entry is None or entry[0] is not service:
            entry = self._entries[id(service)] = (service, self._build(service))
        return entry[1]


def error_status(service: ServiceModel, error: ServiceError) -> int:
    """The HTTP status for `error`: explicit, else from the model's error shape, else 400/500."""
    if error.status is not None:
        return error.status
    status = _modelled_status(service, error.code)
    if status is not None:
        return status
    return 400 if error.sender_fault else 500


def _modelled_status(service: ServiceModel, code: str) -> int | None:
    cache = _STATUS_CACHE.get(service.service_name)
    if cache is None:
        cache = {}
        for shape in service.error_shapes:
            err = shape.metadata.get("error", {})
            cache[shape.name] = err.get("httpStatusCode")
            if err.get("code"):
                cache[err["code"]] = err.get("httpStatusCode")
        _STATUS_CACHE[service.service_name] = cache
    return cache.get(code)


_STATUS_CACHE: dict[str, dict[str, int | None]] = {}


def codec_for(service: ServiceModel, request: HttpRequest) -> Codec:
    """The codec for this request: the protocol it was sent in, among those the service speaks.

    CloudWatch speaks cbor, json and query at once; the request itself tells which
    (`smithy-protocol` header, `X-Amz-Target` header, or neither).
    """
    from lenticular.protocol import codecs  # registry of codec singletons

    names = service.metadata.get("protocols") or [service.metadata["protocol"]]
    if len(names) > 1:
        headers = request.headers
        if "smithy-protocol" in headers and "smithy-rpc-v2-cbor" in names:
            return codecs.get("smithy-rpc-v2-cbor")
        if "x-amz-target" in headers and "json" in names:
            return codecs.get("json")
        if "query" in names and "x-amz-target" not in headers:
            return codecs.get("query")
    return codecs.get(names[0])
