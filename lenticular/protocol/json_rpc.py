"""AWS's `json` RPC protocol (awsJson1_0 / awsJson1_1), server side.

DynamoDB, Cognito IdP, CloudWatch Logs, DynamoDB Streams, SQS and CloudWatch's json
mode speak it: every request is `POST /` naming its operation in
`X-Amz-Target: <targetPrefix>.<Operation>`, with a JSON body; responses are JSON and
errors are `{"__type": ..., "message": ...}` with a 4xx/5xx status.
https://smithy.io/2.0/aws/protocols/aws-json-1_0-protocol.html

Per operation a plan is compiled once: closures that convert only the members that need
it (timestamps, blobs), so an operation whose shapes hold neither parses with plain
`orjson.loads` and serializes with plain `orjson.dumps`. The shape-walking compiler
(`json_values`) and the error-naming rules here are shared with the CBOR codec (`cbor_rpc`).
"""

from __future__ import annotations

import base64
import os
import zlib
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import orjson
from botocore.model import OperationModel, ServiceModel, Shape

from lenticular.errors import ServiceError, UnknownOperation
from lenticular.protocol.codec import Codec, PerServiceModel, error_status
from lenticular.protocol.http import HttpRequest, HttpResponse
from lenticular.protocol.json_types import Check, TypeCheckCompiler, validation_implies_kinds
from lenticular.protocol.json_values import (
    Convert,
    ConverterCompiler,
    drop_nulls,
    json_read_leaf,
    json_read_leaf_with_floats,
    json_write_leaf,
    serialization_error,
)
from lenticular.protocol.validate import Quick, quick_test

# --- errors -------------------------------------------------------------------------------


NESTING_TOO_DEEP = "Nesting levels have exceeded supported limits"


# Errors raised by AWS's request framework rather than by a service; their `__type`
# carries the framework's namespace in every service.
_FRAMEWORK_NAMESPACES = {
    "UnknownOperationException": "com.amazon.coral.service#",
    "SerializationException": "com.amazon.coral.service#",
}
# More framework errors, namespaced only by services that namespace their own errors.
_CORAL_NAMESPACES = {
    "ValidationException": "com.amazon.coral.validate#",
    "ThrottlingException": "com.amazon.coral.availability#",
    "AccessDeniedException": "com.amazon.coral.service#",
    "UnrecognizedClientException": "com.amazon.coral.service#",
    "InvalidSignatureException": "com.amazon.coral.service#",
    "IncompleteSignatureException": "com.amazon.coral.service#",
    "MissingAuthenticationTokenException": "com.amazon.coral.service#",
    "InternalFailure": "com.amazon.coral.service#",
    "RequestExpired": "com.amazon.coral.service#",
}
# Services whose json errors carry a namespace in `__type`; the rest send the bare name.
JSON_NAMESPACES = {
    "dynamodb": "com.amazonaws.dynamodb.v20120810#",
    "dynamodbstreams": "com.amazonaws.dynamodb.v20120810#",
    "sqs": "com.amazonaws.sqs#",
}
# DynamoDB sends the framework's SerializationException message as "Message".
_MESSAGE_KEYS = {"SerializationException": "Message"}


@dataclass(frozen=True, slots=True)
class ErrorSpec:
    shape: Shape | None  # the modelled error shape, if the code names one
    type_name: str  # `__type` as sent, namespace included
    query_code: str  # the code of the service's old query protocol (x-amzn-query-error)
    message_key: str  # "message" or "Message", as the service spells it


def resolve_error(service: ServiceModel, code: str, namespaces: dict[str, str]) -> ErrorSpec:
    """How `code` is named on the wire of `service` (a shape name or a modelled code)."""
    by_name = {s.name: s for s in service.error_shapes}
    shape = by_name.get(code)
    if shape is None:
        shape = next(
            (s for s in service.error_shapes if s.metadata.get("error", {}).get("code") == code),
            None,
        )
    name = shape.name if shape is not None else code
    query_code = code
    if shape is not None:
        query_code = shape.metadata.get("error", {}).get("code") or name
    namespace = namespaces.get(service.service_name, "")
    if shape is None:
        if code in _FRAMEWORK_NAMESPACES:
            namespace = _FRAMEWORK_NAMESPACES[code]
        elif namespace and code in _CORAL_NAMESPACES:
            namespace = _CORAL_NAMESPACES[code]
    message_key = _MESSAGE_KEYS.get(code, "message")
    if shape is not None and "message" not in shape.members and "Message" in shape.members:
        message_key = "Message"
    return ErrorSpec(shape, namespace + name, query_code, message_key)


def compiled_error(
    cache: dict[str, tuple[ErrorSpec, Convert | None]],
    service: ServiceModel,
    code: str,
    namespaces: dict[str, str],
    writer: ConverterCompiler,
) -> tuple[ErrorSpec, Convert | None]:
    """An error code's spec and its fields' writer, resolved once per service and code."""
    found = cache.get(code)
    if found is None:
        spec = resolve_error(service, code, namespaces)
        found = cache[code] = (spec, writer.compile(spec.shape))
    return found


def error_document(spec: ErrorSpec, error: ServiceError, write: Convert | None) -> dict[str, Any]:
    """The error body as a dict: `__type`, the message, and the shape's extra members."""
    fields = error.fields
    if fields and write is not None:
        fields = write(fields)
    doc: dict[str, Any] = {"__type": spec.type_name}
    if error.message:
        doc[spec.message_key] = error.message
    for key, value in fields.items():
        if value is not None and key not in doc:
            doc[key] = value
    return doc


def query_error_header(spec: ErrorSpec, error: ServiceError) -> tuple[str, str]:
    side = "Sender" if error.sender_fault else "Receiver"
    return ("x-amzn-query-error", f"{spec.query_code};{side}")


# --- the codec ----------------------------------------------------------------------------


def _json_default(value: Any) -> Any:
    """What orjson cannot encode itself: Decimals, bytes, sets."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, set | frozenset):
        return list(value)
    raise TypeError(f"cannot encode {type(value).__name__} as JSON")


_MAX_TRIGGERS = 12  # beyond this many substring checks, just walk the body
_SPECIAL_TOKENS = (b'"NaN"', b'Infinity"')


def _float_leaf(shape: Shape) -> Convert | None:
    return json_read_leaf_with_floats(shape) if shape.type_name in ("float", "double") else None


@dataclass(slots=True)
class _JsonOperationPlan:
    read: Convert | None  # converts the parsed body, None if plain JSON is already right
    triggers: tuple[bytes, ...] | None  # body substrings that make `read` necessary
    # What every trigger starts with, when that is more than a quote: one scan of a body
    # without it rules them all out (DynamoDB's '"B"' and '"BS"': '"B').
    trigger_prefix: bytes | None
    has_floats: bool  # the input has float members that may arrive as "NaN"/"Infinity"
    write: Convert | None  # converts the result before encoding, None if not needed
    read_special: Convert | None = None  # `read` that also decodes "NaN"/"Infinity"
    check: Check | None = None  # JSON kinds against the model; drops null members
    # Validation's quick test, when its pass proves that `check` would pass the body, drop
    # no null and `read` convert nothing (json_types.validation_implies_kinds): one walk.
    quick: Quick | None = None


def _common_prefix(triggers: tuple[bytes, ...] | None) -> bytes | None:
    if not triggers or len(triggers) < 2:
        return None
    prefix = os.path.commonprefix(list(triggers))
    return prefix if len(prefix) > 1 else None


class _JsonService:
    """Everything compiled for one service: targets, content type and operation plans."""

    def __init__(self, service: ServiceModel) -> None:
        self.service = service
        meta = service.metadata
        prefix = meta.get("targetPrefix", "")
        self.targets = {f"{prefix}.{name}": name for name in service.operation_names}
        self.operations: dict[str, OperationModel] = {}  # target -> its model, once used
        self.content_type = f"application/x-amz-json-{meta.get('jsonVersion', '1.0')}"
        self.crc32 = service.service_name in ("dynamodb", "dynamodbstreams")
        # DynamoDB answers an operation without output (TagResource) with an empty body.
        self.empty_without_output = service.service_name == "dynamodb"
        self.query_compatible = "awsQueryCompatible" in meta
        self.reader = ConverterCompiler(json_read_leaf, inbound=True)
        self.float_reader = ConverterCompiler(json_read_leaf_with_floats, inbound=True)
        # Finds float members only (blobs and timestamps need no NaN/Infinity scan).
        self.float_finder = ConverterCompiler(_float_leaf, inbound=True)
        self.writer = ConverterCompiler(json_write_leaf, inbound=False)
        namespace = JSON_NAMESPACES.get(service.service_name, "").replace("#", ".")
        self.checker = TypeCheckCompiler(namespace)
        self.plans: dict[str, _JsonOperationPlan] = {}
        self.errors: dict[str, tuple[ErrorSpec, Convert | None]] = {}

    def plan(self, operation: OperationModel) -> _JsonOperationPlan:
        plan = self.plans.get(operation.name)
        if plan is None:
            shape = operation.input_shape
            read = self.reader.compile(shape)
            triggers = None
            if read is not None:
                keys = self.reader.trigger_keys(shape)
                if keys is not None and len(keys) <= _MAX_TRIGGERS:
                    triggers = tuple(f'"{key}"'.encode() for key in keys)
            has_floats = shape is not None and self.float_finder.needs(shape)
            write = self.writer.compile(operation.output_shape)
            plan = self.plans[operation.name] = _JsonOperationPlan(
                read,
                triggers,
                _common_prefix(triggers),
                has_floats,
                write,
                check=self.checker.compile(shape),
                quick=quick_test(operation) if _quick_implies_check(shape) else None,
            )
        return plan

    def read_special(self, operation: OperationModel, plan: _JsonOperationPlan) -> Convert | None:
        if plan.read_special is None:
            plan.read_special = self.float_reader.compile(operation.input_shape)
        return plan.read_special

    def error(self, code: str) -> tuple[ErrorSpec, Convert | None]:
        return compiled_error(self.errors, self.service, code, JSON_NAMESPACES, self.writer)


def _quick_implies_check(shape: Shape | None) -> bool:
    """Whether a pass of validation's quick test shows that `check` would pass the body
    and drop nothing. An input without members has no quick test (it passes anything)."""
    return shape is not None and bool(shape.members) and validation_implies_kinds(shape)


def _passes(quick: Quick, data: dict[str, Any]) -> bool:
    """`quick(data)`, False where it recurses too deep (the usual checks then decide)."""
    try:
        return quick(data)
    except RecursionError:
        return False


class JsonCodec(Codec):
    """The `json` protocol: X-Amz-Target routing, JSON bodies, `__type` errors."""

    name = "json"

    def __init__(self) -> None:
        self._services = PerServiceModel(_JsonService)
        # operation -> (its service's compilation, its plan): one lookup per parse or
        # serialize. Keyed by the model object, which hashes by identity.
        self._operations: dict[OperationModel, tuple[_JsonService, _JsonOperationPlan]] = {}

    def _compiled(self, service: ServiceModel) -> _JsonService:
        return self._services.get(service)

    def _planned(self, operation: OperationModel) -> tuple[_JsonService, _JsonOperationPlan]:
        found = self._operations.get(operation)
        if found is None:
            compiled = self._compiled(operation.service_model)
            found = self._operations[operation] = (compiled, compiled.plan(operation))
        return found

    def find_operation(
        self, service: ServiceModel, request: HttpRequest
    ) -> tuple[OperationModel, dict[str, str]]:
        target = request.headers.get("x-amz-target", "").strip()
        compiled = self._compiled(service)
        operation = compiled.operations.get(target)
        if operation is None:
            name = compiled.targets.get(target)
            if name is None:
                raise UnknownOperation()
            operation = compiled.operations[target] = service.operation_model(name)
        return operation, {}

    def parse(
        self, operation: OperationModel, request: HttpRequest, uri_params: dict[str, str]
    ) -> dict[str, Any]:
        body = request.body
        if not body or not body.strip():
            return {}
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError:
            raise serialization_error() from None
        if not isinstance(data, dict):
            kind = "list" if isinstance(data, list) else "value"
            raise serialization_error(f"Start of {kind} found where not expected")
        self.validated = None
        compiled, plan = self._planned(operation)
        if plan.quick is not None and _passes(plan.quick, data):
            # Valid, hence of the right kinds; without the nulls `check` would drop and
            # without values to convert (the quick test fails on nulls, and on blobs,
            # timestamps and "NaN" as JSON has them): nothing left to do, no body scans.
            self.validated = data
            return data
        read = plan.read
        if plan.has_floats and any(map(body.__contains__, _SPECIAL_TOKENS)):
            read = compiled.read_special(operation, plan)
        elif read is not None and plan.triggers is not None:
            prefix = plan.trigger_prefix
            if (prefix is not None and prefix not in body) or not any(
                map(body.__contains__, plan.triggers)
            ):
                read = None
        try:
            if plan.check is not None:
                plan.check(data)  # wrong JSON kinds are refused; nulls dropped
            elif b"null" in body:
                data = drop_nulls(data)
            return read(data) if read is not None else data
        except RecursionError:
            raise serialization_error(NESTING_TOO_DEEP) from None

    def serialize(
        self, operation: OperationModel, result: dict[str, Any], request_id: str
    ) -> HttpResponse:
        compiled, plan = self._planned(operation)
        write = plan.write
        data = write(result) if write is not None else result
        if compiled.empty_without_output and operation.output_shape is None:
            body = b""
        else:
            body = orjson.dumps(data if data is not None else {}, default=_json_default)
        return HttpResponse(200, self._headers(compiled, body, request_id), body)

    def serialize_error(
        self,
        service: ServiceModel,
        operation: OperationModel | None,
        error: ServiceError,
        request_id: str,
    ) -> HttpResponse:
        compiled = self._compiled(service)
        spec, write = compiled.error(error.code)
        body = orjson.dumps(error_document(spec, error, write), default=_json_default)
        headers = self._headers(compiled, body, request_id)
        if compiled.query_compatible:
            headers.append(query_error_header(spec, error))
        headers.extend(error.headers.items())
        return HttpResponse(error_status(service, error), headers, body)

    @staticmethod
    def _headers(compiled: _JsonService, body: bytes, request_id: str) -> list[tuple[str, str]]:
        headers = [("Content-Type", compiled.content_type), ("x-amzn-RequestId", request_id)]
        if compiled.crc32:
            # botocore retries DynamoDB responses whose body does not match this checksum.
            crc = _SMALL_BODY_CRCS.get(body) if len(body) <= _SMALL_BODY else None
            headers.append(("x-amz-crc32", crc or _crc32_text(body)))
        return headers


# The x-amz-crc32 of small bodies (most writes answer "{}"), computed once each. Bounded:
# bodies are the caller's data.
_SMALL_BODY = 64
_SMALL_BODY_CRCS: dict[bytes, str] = {}


def _crc32_text(body: bytes) -> str:
    text = str(zlib.crc32(body))
    if len(body) <= _SMALL_BODY and len(_SMALL_BODY_CRCS) < 1024:
        _SMALL_BODY_CRCS[body] = text
    return text
