"""The rest-json protocol (Lambda, API Gateway, AppSync, OpenSearch, Pinpoint...).

HTTP binding as in `rest_binding`; bodies are JSON (orjson) whose keys are the members'
`locationName` or member name. In bodies, timestamps are epoch seconds and blobs base64
unless a member says otherwise. Errors carry the code in the `x-amzn-ErrorType` header
(what botocore's RestJSONParser reads first) and `{"message": ...}` plus the modelled
error members in the body.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
from botocore.model import OperationModel, ServiceModel, Shape

from lenticular.errors import ServiceError
from lenticular.protocol.codec import error_status
from lenticular.protocol.http import HttpResponse
from lenticular.protocol.rest_binding import (
    OutputBinding,
    decode_base64,
    encode_base64,
    format_timestamp,
    parse_timestamp,
)
from lenticular.protocol.rest_codec import RestCodec

Conv = Callable[[Any], Any]

# The code each service answers an unparseable JSON body with.
_MALFORMED_CODES = {
    "lambda": ("InvalidRequestContentException", "Could not parse request body into json"),
    "apigateway": ("BadRequestException", "Could not parse request body into json"),
    "apigatewayv2": ("BadRequestException", "Could not parse request body into json"),
}
_DEFAULT_MALFORMED = ("SerializationException", "Could not parse request body into json")


def _identity(value: Any) -> Any:
    return value


class JsonBodyFormat:
    """JSON bodies of one service: per-shape reader/writer closures, compiled once."""

    content_type = "application/json"

    def __init__(self, service: str) -> None:
        self.service = service
        self._readers: dict[str, Conv] = {}
        self._writers: dict[str, Conv] = {}

    # -- reading ------------------------------------------------------------------------

    def reader(self, shape: Shape) -> Callable[[bytes], Any]:
        convert = self._reader(shape)
        service = self.service

        def read(body: bytes) -> Any:
            try:
                data = orjson.loads(body)
            except orjson.JSONDecodeError as exc:
                code, message = _MALFORMED_CODES.get(service, _DEFAULT_MALFORMED)
                raise ServiceError(f"{message}: {exc}", code=code, status=400) from None
            return convert(data)

        return read

    def _reader(self, shape: Shape) -> Conv:
        key = _shape_key(shape)
        hit = self._readers.get(key)
        if hit is not None:
            return hit
        kind = shape.type_name
        if kind == "structure" and not shape.is_document_type:
            members: list[tuple[str, str, Conv]] = []

            def structure(value: Any) -> Any:
                if not isinstance(value, dict):
                    return value
                out = {}
                for json_key, name, conv in members:
                    v = value.get(json_key)
                    if v is not None:
                        out[name] = conv(v)
                return out

            self._readers[key] = structure  # before members: recursive shapes find it
            for name, member in shape.members.items():
                if "location" in member.serialization:
                    continue
                members.append((member.serialization.get("name", name), name, self._reader(member)))
            return structure
        if kind in ("list", "map"):
            # A trampoline while compiling, so recursive shapes reach the finished converter.
            self._readers[key] = lambda value: self._readers[key](value)
        if kind == "list":
            item = self._reader(shape.member)

            def read_list(value: Any) -> Any:
                if not isinstance(value, list):
                    return value
                return [None if v is None else item(v) for v in value]

            conv: Conv = read_list
        elif kind == "map":
            val = self._reader(shape.value)

            def read_map(value: Any) -> Any:
                if not isinstance(value, dict):
                    return value
                return {k: None if v is None else val(v) for k, v in value.items()}

            conv = read_map
        elif kind == "timestamp":
            conv = parse_timestamp
        elif kind == "blob":
            conv = decode_base64
        else:
            conv = _identity
        self._readers[key] = conv
        return conv

    # -- writing ------------------------------------------------------------------------

    def writer(self, shape: Shape, root_name: str) -> Callable[[Any], bytes]:
        convert = self._writer(shape)

        def write(value: Any) -> bytes:
            return orjson.dumps(convert(value), default=_json_default)

        return write

    def to_jsonable(self, shape: Shape, value: Any) -> Any:
        """`value` of `shape` as plain JSON types (used for error bodies)."""
        return self._writer(shape)(value)

    def _writer(self, shape: Shape) -> Conv:
        key = _shape_key(shape)
        hit = self._writers.get(key)
        if hit is not None:
            return hit
        kind = shape.type_name
        if kind == "structure" and not shape.is_document_type:
            members: dict[str, tuple[str, Conv]] = {}

            def structure(value: Any) -> Any:
                if not isinstance(value, dict):
                    return value
                out = {}
                for name, v in value.items():
                    spec = members.get(name)
                    if spec is not None and v is not None:
                        out[spec[0]] = spec[1](v)
                return out

            self._writers[key] = structure
            for name, member in shape.members.items():
                if "location" in member.serialization:
                    continue
                members[name] = (member.serialization.get("name", name), self._writer(member))
            return structure
        if kind in ("list", "map"):
            self._writers[key] = lambda value: self._writers[key](value)
        if kind == "list":
            item = self._writer(shape.member)
            conv: Conv = lambda value: [None if v is None else item(v) for v in value]  # noqa: E731
        elif kind == "map":
            val = self._writer(shape.value)
            conv = lambda value: {  # noqa: E731
                str(k): None if v is None else val(v) for k, v in value.items()
            }
        elif kind == "timestamp":
            fmt = shape.serialization.get("timestampFormat", "unixTimestamp")
            conv = lambda value: format_timestamp(value, fmt)  # noqa: E731
        elif kind == "blob":
            conv = encode_base64
        else:
            conv = _identity
        self._writers[key] = conv
        return conv

    def output_root(self, operation: OperationModel) -> str:
        return ""


def _shape_key(shape: Shape) -> str:
    # Members of the same shape may differ by member-level traits (timestampFormat,
    # locationName on nested members is handled by the parent); include them in the key.
    fmt = shape.serialization.get("timestampFormat", "")
    return f"{shape.name}|{fmt}"


def _json_default(value: Any) -> Any:
    if isinstance(value, bytes | bytearray):
        return encode_base64(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


class RestJsonCodec(RestCodec):
    name = "rest-json"

    def __init__(self) -> None:
        self._formats: dict[str, tuple[ServiceModel, JsonBodyFormat]] = {}
        self._errors: dict[tuple[str, str], OutputBinding | None] = {}

    def format_for(self, service: ServiceModel) -> JsonBodyFormat:
        """The body format of `service` (its compiled shapes)."""
        hit = self._formats.get(service.service_name)
        if hit is None or hit[0] is not service:
            hit = (service, JsonBodyFormat(service.service_name))
            self._formats[service.service_name] = hit
            self._errors = {k: v for k, v in self._errors.items() if k[0] != service.service_name}
        return hit[1]

    def serialize_error(
        self,
        service: ServiceModel,
        operation: OperationModel | None,
        error: ServiceError,
        request_id: str,
    ) -> HttpResponse:
        status = error_status(service, error)
        headers = [
            ("x-amzn-RequestId", request_id),
            ("x-amzn-ErrorType", error.code),
            ("Content-Type", "application/json"),
        ]
        binding = self._error_binding(service, error.code)
        payload: dict[str, Any] = {}
        message_key = "message"
        if binding is not None:
            fields = dict(error.fields)
            _, extra_headers, body, _ = binding.write(fields)
            headers.extend(extra_headers)
            if body:
                payload = orjson.loads(body)
            message_key = _message_key(service.shape_for(error.code))
        else:
            payload = {k: v for k, v in error.fields.items() if v is not None}
        payload.setdefault(message_key, error.message)
        headers.extend(error.headers.items())
        return HttpResponse(
            status=status, headers=headers, body=orjson.dumps(payload, default=_json_default)
        )

    def _error_binding(self, service: ServiceModel, code: str) -> OutputBinding | None:
        self.format_for(service)  # drops bindings of a replaced model
        key = (service.service_name, code)
        if key not in self._errors:
            binding = None
            if code in service.shape_names:
                shape = service.shape_for(code)
                if shape.type_name == "structure" and shape.metadata.get("exception"):
                    binding = OutputBinding(None, shape, self.format_for(service), code)
            self._errors[key] = binding
        return self._errors[key]


def _message_key(shape: Shape) -> str:
    for name, member in shape.members.items():
        if name.lower() == "message" and "location" not in member.serialization:
            return str(member.serialization.get("name", name))
    return "message"
