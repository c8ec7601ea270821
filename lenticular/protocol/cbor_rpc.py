"""Smithy RPC v2 CBOR (`smithy-rpc-v2-cbor`), server side: CloudWatch in current SDKs.

Requests are `POST {prefix}/service/{ServiceName}/operation/{Operation}` with the header
`smithy-protocol: rpc-v2-cbor` and a CBOR map body; timestamps travel as CBOR tag 1
(epoch seconds), blobs as byte strings. Responses echo `smithy-protocol`, and errors are
a CBOR map with `__type` and `message`.
https://smithy.io/2.0/additional-specs/protocols/smithy-rpc-v2.html

The shape-walking compiler and the error naming rules are shared with `json_rpc`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import cbor2
from botocore.model import OperationModel, ServiceModel, Shape

from lenticular.errors import ServiceError, UnknownOperation
from lenticular.protocol.codec import Codec, PerServiceModel, error_status
from lenticular.protocol.http import HttpRequest, HttpResponse
from lenticular.protocol.json_rpc import (
    NESTING_TOO_DEEP,
    ErrorSpec,
    compiled_error,
    error_document,
    query_error_header,
)
from lenticular.protocol.json_values import (
    Convert,
    ConverterCompiler,
    drop_nulls,
    serialization_error,
    to_datetime,
    to_epoch,
)

# Any prefix before the last `/service/` segment is ignored, as the spec allows.
_PATH = re.compile(r"/service/(?P<service>\w+)/operation/(?P<operation>\w+)$")

# Error `__type`s are shape ids; botocore keeps only the part after `#`.
CBOR_NAMESPACES = {"cloudwatch": "com.amazonaws.cloudwatch#"}

_NULLS = (None, cbor2.undefined)
_NULL_BYTES = (b"\xf6", b"\xf7")  # CBOR null and undefined


def _read_timestamp(value: Any) -> Any:
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return to_datetime(value)


def _read_blob(value: Any) -> Any:
    if isinstance(value, str):
        return value.encode()
    if isinstance(value, bytearray | memoryview):
        return bytes(value)
    return value


def _write_timestamp(value: Any) -> Any:
    epoch = to_epoch(value)
    if isinstance(epoch, int | float) and not isinstance(epoch, bool):
        return cbor2.CBORTag(1, epoch)
    return value


def _write_blob(value: Any) -> Any:
    if isinstance(value, str):
        return value.encode()
    if isinstance(value, bytearray | memoryview):
        return bytes(value)
    return value


def cbor_read_leaf(shape: Shape) -> Convert | None:
    kind = shape.type_name
    if kind == "timestamp":
        return _read_timestamp
    if kind == "blob":
        return _read_blob
    return None


def cbor_write_leaf(shape: Shape) -> Convert | None:
    kind = shape.type_name
    if kind == "timestamp":
        return _write_timestamp
    if kind == "blob":
        return _write_blob
    return None


@dataclass(slots=True)
class _CborOperationPlan:
    read: Convert | None  # converts the decoded body, None if cbor2's values are right
    triggers: tuple[bytes, ...] | None  # body substrings that make `read` necessary
    write: Convert | None  # converts the result before encoding, None if not needed
    has_output: bool  # the operation models an output (else the body stays empty)


class _CborService:
    def __init__(self, service: ServiceModel) -> None:
        self.service = service
        self.service_name = service.metadata.get("targetPrefix", "")
        self.operations = set(service.operation_names)
        self.query_compatible = "awsQueryCompatible" in service.metadata
        self.reader = ConverterCompiler(cbor_read_leaf, inbound=True)
        self.writer = ConverterCompiler(cbor_write_leaf, inbound=False)
        self.plans: dict[str, _CborOperationPlan] = {}
        self.errors: dict[str, tuple[ErrorSpec, Convert | None]] = {}

    def plan(self, operation: OperationModel) -> _CborOperationPlan:
        plan = self.plans.get(operation.name)
        if plan is None:
            shape = operation.input_shape
            read = self.reader.compile(shape)
            triggers = None
            if read is not None:
                keys = self.reader.trigger_keys(shape)
                if keys is not None:
                    # Member names are CBOR text strings: their UTF-8 bytes appear verbatim.
                    triggers = tuple(key.encode() for key in keys)
            output = operation.output_shape
            plan = self.plans[operation.name] = _CborOperationPlan(
                read, triggers, self.writer.compile(output), output is not None
            )
        return plan

    def error(self, code: str) -> tuple[ErrorSpec, Convert | None]:
        return compiled_error(self.errors, self.service, code, CBOR_NAMESPACES, self.writer)


class CborCodec(Codec):
    """The `smithy-rpc-v2-cbor` protocol: path routing, CBOR bodies, `__type` errors."""

    name = "smithy-rpc-v2-cbor"

    def __init__(self) -> None:
        self._services = PerServiceModel(_CborService)

    def _compiled(self, service: ServiceModel) -> _CborService:
        return self._services.get(service)

    def find_operation(
        self, service: ServiceModel, request: HttpRequest
    ) -> tuple[OperationModel, dict[str, str]]:
        compiled = self._compiled(service)
        match = _PATH.search(request.path)
        if (
            match is None
            or match["service"] != compiled.service_name
            or match["operation"] not in compiled.operations
        ):
            # The spec's routing failure is a 404 naming UnknownOperationException.
            raise UnknownOperation(status=404)
        return service.operation_model(match["operation"]), {}

    def parse(
        self, operation: OperationModel, request: HttpRequest, uri_params: dict[str, str]
    ) -> dict[str, Any]:
        body = request.body
        if not body:
            return {}
        try:
            data = cbor2.loads(body)
        except Exception:  # cbor2 raises many types on malformed input; all mean the same
            raise serialization_error("Unable to decode the CBOR request body") from None
        if not isinstance(data, dict):
            raise serialization_error("Expected a CBOR map as the request body")
        plan = self._compiled(operation.service_model).plan(operation)
        read = plan.read
        if read is not None and plan.triggers is not None:
            if not any(token in body for token in plan.triggers):
                read = None
        try:
            if any(token in body for token in _NULL_BYTES):
                data = drop_nulls(data, _NULLS)
            return read(data) if read is not None else data
        except RecursionError:
            raise serialization_error(NESTING_TOO_DEEP) from None

    def serialize(
        self, operation: OperationModel, result: dict[str, Any], request_id: str
    ) -> HttpResponse:
        plan = self._compiled(operation.service_model).plan(operation)
        headers = [("smithy-protocol", "rpc-v2-cbor"), ("x-amzn-RequestId", request_id)]
        if not plan.has_output:
            # No modelled output: the spec leaves the body empty (and untyped).
            return HttpResponse(200, headers, b"")
        data = plan.write(result) if plan.write is not None else result
        body = cbor2.dumps(data if data is not None else {})
        headers.append(("Content-Type", "application/cbor"))
        return HttpResponse(200, headers, body)

    def serialize_error(
        self,
        service: ServiceModel,
        operation: OperationModel | None,
        error: ServiceError,
        request_id: str,
    ) -> HttpResponse:
        compiled = self._compiled(service)
        spec, write = compiled.error(error.code)
        body = cbor2.dumps(error_document(spec, error, write))
        headers = [
            ("smithy-protocol", "rpc-v2-cbor"),
            ("Content-Type", "application/cbor"),
            ("x-amzn-RequestId", request_id),
        ]
        if compiled.query_compatible:
            headers.append(query_error_header(spec, error))
        headers.extend(error.headers.items())
        return HttpResponse(error_status(service, error), headers, body)
