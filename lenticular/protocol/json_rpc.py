"""AWS's `json` RPC protocol (awsJson1_0 / awsJson1_1), server side.

DynamoDB, Cognito IdP, CloudWatch Logs, DynamoDB Streams, SQS and CloudWatch's json
mode speak it: every request is `POST /` naming its operation in
`X-Amz-Target: <targetPrefix>.<Operation>`, with a JSON body; responses are JSON and
errors are `{"__type": ..., "message": ...}` with a 4xx/5xx status.
https://smithy.io/2.0/aws/protocols/aws-json-1_0-protocol.html

Per operation a plan is compiled once: closures that convert only the members that need
it (timestamps, blobs), so an operation whose shapes hold neither parses with plain
`orjson.loads` and serializes with plain `orjson.dumps`. The shape-walking compiler and
the error-naming rules here are shared with the CBOR codec (`cbor_rpc`).
"""

from __future__ import annotations

import base64
import binascii
import math
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

import orjson
from botocore.model import OperationModel, ServiceModel, Shape

from lenticular.errors import ServiceError, UnknownOperation
from lenticular.protocol.codec import Codec, error_status
from lenticular.protocol.http import HttpRequest, HttpResponse
from lenticular.protocol.json_types import Check, TypeCheckCompiler

Convert = Callable[[Any], Any]
Leaf = Callable[[Shape], Convert | None]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


# --- scalar conversions -------------------------------------------------------------------


def to_datetime(value: Any) -> Any:
    """A wire timestamp (epoch seconds, numeric string, ISO-8601, RFC-822) as an aware
    UTC `datetime`; anything unreadable is returned unchanged for the validator."""
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        try:
            return datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):
            return value
    if isinstance(value, str):
        text = value.strip()
        try:
            number = float(text)
        except ValueError:
            pass
        else:
            parsed_number = to_datetime(number)
            return parsed_number if isinstance(parsed_number, datetime) else value
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            try:
                parsed = parsedate_to_datetime(text)
            except (TypeError, ValueError, IndexError):
                return value
        return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)
    return value


def to_epoch(value: Any) -> Any:
    """An output timestamp (datetime, epoch number, ISO string) as epoch seconds."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value
    parsed = to_datetime(value)
    if not isinstance(parsed, datetime):
        return value
    delta = parsed - _EPOCH
    if delta.microseconds == 0:
        return delta.days * 86400 + delta.seconds
    return delta.total_seconds()


def to_iso8601(value: Any) -> Any:
    parsed = to_datetime(value)
    if not isinstance(parsed, datetime):
        return value
    text = parsed.astimezone(UTC).isoformat(timespec="microseconds")[:-6]
    return (text[:-3] if text.endswith("000") else text) + "Z"


def to_rfc822(value: Any) -> Any:
    parsed = to_datetime(value)
    if not isinstance(parsed, datetime):
        return value
    return format_datetime(parsed.astimezone(UTC), usegmt=True)


def _timestamp_writer(shape: Shape) -> Convert:
    fmt = (shape.serialization.get("timestampFormat") or "unixtimestamp").lower()
    return {"iso8601": to_iso8601, "rfc822": to_rfc822}.get(fmt, to_epoch)


def _read_blob(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return base64.b64decode(value)
    except (binascii.Error, ValueError):
        raise serialization_error("Base64 encoded length is expected a multiple of 4") from None


def _write_blob(value: Any) -> Any:
    if isinstance(value, str):
        value = value.encode()
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(value).decode("ascii")
    return value


_SPECIAL_FLOATS = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def _read_special_float(value: Any) -> Any:
    if isinstance(value, str):
        return _SPECIAL_FLOATS.get(value, value)
    return value


def json_read_leaf(shape: Shape) -> Convert | None:
    kind = shape.type_name
    if kind == "timestamp":
        return to_datetime
    if kind == "blob":
        return _read_blob
    return None


def _json_read_leaf_with_floats(shape: Shape) -> Convert | None:
    if shape.type_name in ("float", "double"):
        return _read_special_float
    return json_read_leaf(shape)


def json_write_leaf(shape: Shape) -> Convert | None:
    kind = shape.type_name
    if kind == "timestamp":
        return _timestamp_writer(shape)
    if kind == "blob":
        return _write_blob
    return None


def drop_nulls(value: Any, nulls: tuple[Any, ...] = (None,)) -> Any:
    """`value` without null members in any object: absent members stay absent."""
    if isinstance(value, dict):
        return {k: drop_nulls(v, nulls) for k, v in value.items() if v not in nulls}
    if isinstance(value, list):
        return [drop_nulls(v, nulls) for v in value]
    return value


# --- the plan compiler --------------------------------------------------------------------


class ConverterCompiler:
    """Compiles a shape into a closure converting values of that shape, or None when the
    shape (with everything reachable from it) needs no conversion.

    `leaf` names the scalar shapes that need converting; `inbound` says which way member
    names map (wire name -> member name when parsing, the reverse when serializing).
    Containers are memoised by shape name, so recursive shapes (DynamoDB's AttributeValue)
    compile to closures that call each other.
    """

    def __init__(self, leaf: Leaf, inbound: bool) -> None:
        self._leaf = leaf
        self._inbound = inbound
        self._built: dict[str, Convert | None] = {}
        self._needs: dict[str, bool] = {}

    def compile(self, shape: Shape | None) -> Convert | None:
        if shape is None or not self.needs(shape):
            return None
        return self._build(shape)

    def needs(self, root: Shape) -> bool:
        if root.type_name not in ("structure", "list", "map"):
            return self._leaf(root) is not None
        cached = self._needs.get(root.name)
        if cached is None:
            cached = self._needs[root.name] = self._search(root)
        return cached

    def _search(self, root: Shape) -> bool:
        seen: set[str] = set()
        stack = [root]
        while stack:
            shape = stack.pop()
            kind = shape.type_name
            if kind not in ("structure", "list", "map"):
                if self._leaf(shape) is not None:
                    return True
                continue
            if shape.name in seen or shape.metadata.get("document"):
                continue
            seen.add(shape.name)
            if kind == "list":
                stack.append(shape.member)
            elif kind == "map":
                stack.append(shape.value)
            else:
                for name, member in shape.members.items():
                    if member.serialization.get("name", name) != name:
                        return True
                    stack.append(member)
        return False

    def trigger_keys(self, root: Shape | None) -> tuple[str, ...] | None:
        """Member names whose presence in a body can make conversion necessary (the members
        holding, directly or through lists/maps, a converted scalar); None if unbounded."""
        if root is None:
            return ()
        keys: set[str] = set()
        seen: set[str] = set()
        stack = [root]
        while stack:
            shape = stack.pop()
            if shape.name in seen or shape.metadata.get("document"):
                continue
            seen.add(shape.name)
            if shape.type_name == "list":
                stack.append(shape.member)
            elif shape.type_name == "map":
                stack.append(shape.value)
            elif shape.type_name == "structure":
                for name, member in shape.members.items():
                    wire = member.serialization.get("name", name)
                    if wire != name or self._holds_leaf(member):
                        keys.add(wire)
                    stack.append(member)
        # Scalars popped above were reached through a member already recorded in `keys`,
        # unless the root itself is a scalar or a list/map of them: then no key bounds it.
        return None if self._holds_leaf(root) else tuple(sorted(keys))

    def _holds_leaf(self, shape: Shape) -> bool:
        while shape.type_name in ("list", "map"):
            shape = shape.member if shape.type_name == "list" else shape.value
        return shape.type_name != "structure" and self._leaf(shape) is not None

    def _build(self, shape: Shape) -> Convert | None:
        kind = shape.type_name
        if kind not in ("structure", "list", "map"):
            return self._leaf(shape)
        if shape.name in self._built:
            return self._built[shape.name]
        if kind == "structure":
            return self._build_structure(shape)
        return self._build_collection(shape)

    # Parsing owns the freshly decoded body, so inbound converters change it in place;
    # serializing must not touch the provider's result, so outbound ones copy a container
    # only when something in it changes (an item of strings and numbers is reused as is).

    def _build_collection(self, shape: Shape) -> Convert:
        is_list = shape.type_name == "list"
        kind: type = list if is_list else dict
        accepted = (list, tuple) if is_list else dict
        pairs: Callable[[Any], Any] = enumerate if is_list else dict.items
        cell: list[Convert | None] = [None]  # the item converter, set once compiled

        def convert_in(value: Any) -> Any:
            conv = cell[0]
            if isinstance(value, kind) and conv is not None:
                for key, item in pairs(value):
                    if item is not None:
                        value[key] = conv(item)
            return value

        def convert_out(value: Any) -> Any:
            conv = cell[0]
            if not isinstance(value, accepted) or conv is None:
                return value
            out = None
            for key, item in pairs(value):
                if item is not None:
                    new = conv(item)
                    if new is not item:
                        if out is None:
                            out = kind(value)
                        out[key] = new
            return value if out is None else out

        convert = convert_in if self._inbound else convert_out
        self._built[shape.name] = convert
        cell[0] = self.compile(shape.member if is_list else shape.value)
        return convert

    def _build_structure(self, shape: Shape) -> Convert:
        # (key as found in the value, key to write, converter or None): only the members
        # that are renamed or converted; the others pass through untouched.
        active: list[tuple[str, str, Convert | None]] = []

        def convert_in(value: Any) -> Any:
            if isinstance(value, dict):
                for key, name, conv in active:
                    item = value.get(key)
                    if item is not None:
                        if name != key:
                            del value[key]
                        value[name] = item if conv is None else conv(item)
            return value

        def convert_out(value: Any) -> Any:
            if not isinstance(value, dict):
                return value
            out = None
            for key, name, conv in active:
                item = value.get(key)
                if item is None:
                    continue
                new = item if conv is None else conv(item)
                if new is item and name == key:
                    continue
                if out is None:
                    out = dict(value)
                if name != key:
                    del out[key]
                out[name] = new
            return value if out is None else out

        convert = convert_in if self._inbound else convert_out
        self._built[shape.name] = convert
        for name, member in shape.members.items():
            wire = member.serialization.get("name", name)
            conv = self.compile(member)
            if conv is None and wire == name:
                continue
            active.append((wire, name, conv) if self._inbound else (name, wire, conv))
        return convert


# --- errors -------------------------------------------------------------------------------


NESTING_TOO_DEEP = "Nesting levels have exceeded supported limits"


def serialization_error(message: str = "") -> ServiceError:
    """AWS's SerializationException: a body that does not decode in the protocol's format."""
    return ServiceError(message, code="SerializationException", status=400)


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


@dataclass(slots=True)
class _JsonOperationPlan:
    read: Convert | None  # converts the parsed body, None if plain JSON is already right
    triggers: tuple[bytes, ...] | None  # body substrings that make `read` necessary
    has_floats: bool  # the input has float members that may arrive as "NaN"/"Infinity"
    write: Convert | None  # converts the result before encoding, None if not needed
    read_special: Convert | None = None  # `read` that also decodes "NaN"/"Infinity"
    check: Check | None = None  # JSON kinds against the model; drops null members


class _JsonService:
    """Everything compiled for one service: targets, content type and operation plans."""

    def __init__(self, service: ServiceModel) -> None:
        self.service = service
        meta = service.metadata
        prefix = meta.get("targetPrefix", "")
        self.targets = {f"{prefix}.{name}": name for name in service.operation_names}
        self.content_type = f"application/x-amz-json-{meta.get('jsonVersion', '1.0')}"
        self.crc32 = service.service_name in ("dynamodb", "dynamodbstreams")
        self.query_compatible = "awsQueryCompatible" in meta
        self.reader = ConverterCompiler(json_read_leaf, inbound=True)
        self.float_reader = ConverterCompiler(_json_read_leaf_with_floats, inbound=True)
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
            has_floats = shape is not None and self.float_reader.needs(shape)
            write = self.writer.compile(operation.output_shape)
            plan = self.plans[operation.name] = _JsonOperationPlan(
                read, triggers, has_floats, write, check=self.checker.compile(shape)
            )
        return plan

    def read_special(self, operation: OperationModel, plan: _JsonOperationPlan) -> Convert | None:
        if plan.read_special is None:
            plan.read_special = self.float_reader.compile(operation.input_shape)
        return plan.read_special

    def error(self, code: str) -> tuple[ErrorSpec, Convert | None]:
        found = self.errors.get(code)
        if found is None:
            spec = resolve_error(self.service, code, JSON_NAMESPACES)
            found = self.errors[code] = (spec, self.writer.compile(spec.shape))
        return found


class JsonCodec(Codec):
    """The `json` protocol: X-Amz-Target routing, JSON bodies, `__type` errors."""

    name = "json"

    def __init__(self) -> None:
        # id(service model) -> (the model, kept alive so the id stays its own; its plans)
        self._services: dict[int, tuple[ServiceModel, _JsonService]] = {}

    def _compiled(self, service: ServiceModel) -> _JsonService:
        entry = self._services.get(id(service))
        if entry is None or entry[0] is not service:
            entry = self._services[id(service)] = (service, _JsonService(service))
        return entry[1]

    def find_operation(
        self, service: ServiceModel, request: HttpRequest
    ) -> tuple[OperationModel, dict[str, str]]:
        target = request.headers.get("x-amz-target", "").strip()
        name = self._compiled(service).targets.get(target)
        if name is None:
            raise UnknownOperation()
        return service.operation_model(name), {}

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
        compiled = self._compiled(operation.service_model)
        plan = compiled.plan(operation)
        read = plan.read
        if plan.has_floats and any(token in body for token in _SPECIAL_TOKENS):
            read = compiled.read_special(operation, plan)
        elif read is not None and plan.triggers is not None:
            if not any(token in body for token in plan.triggers):
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
        compiled = self._compiled(operation.service_model)
        write = compiled.plan(operation).write
        data = write(result) if write is not None else result
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
            headers.append(("x-amz-crc32", str(zlib.crc32(body) & 0xFFFFFFFF)))
        return headers
