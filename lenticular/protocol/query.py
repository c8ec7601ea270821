"""The `query` protocol: form-encoded `Action=...` requests, XML responses.

Spoken by STS, IAM, CloudFormation, SNS, CloudWatch (when no `X-Amz-Target` is sent)
and the other older AWS APIs. Requests arrive as `application/x-www-form-urlencoded`
POST bodies (or a GET query string) whose keys flatten the input shape:
`Tags.member.1.Key`, flattened lists `Name.1`, maps `Attributes.entry.1.key`.
Responses are `<OpResponse xmlns=...><OpResult>...</OpResult><ResponseMetadata>`.

Per operation, the codec compiles the input shape into a decoder over a key tree and
the output shape into an XML encoder (closures built once and cached), so the hot path
walks only what the request or result actually holds.
See https://smithy.io/2.0/aws/protocols/aws-query-protocol.html for the wire rules.
"""

from __future__ import annotations

import base64
import binascii
import calendar
import re
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import formatdate
from typing import Any
from urllib.parse import unquote_plus

from botocore.model import OperationModel, ServiceModel, Shape

from lenticular.errors import ServiceError, UnknownOperation
from lenticular.protocol.codec import Codec, error_status
from lenticular.protocol.http import HttpRequest, HttpResponse

Decoder = Callable[[Any], Any]  # a key-tree node (str leaf or dict) -> a value, or _SKIP
Encoder = Callable[[list[str], str, Any], None]  # appends `<tag>value</tag>` to out

_SKIP = object()  # a decoder's answer for a node that does not fit its shape


class QueryCodec(Codec):
    name = "query"

    def __init__(self) -> None:
        self._operations: dict[ServiceModel, frozenset[str]] = {}
        self._decoders: dict[OperationModel, Decoder | None] = {}
        self._responses: dict[OperationModel, _ResponsePlan] = {}
        self._errors: dict[ServiceModel, _ErrorPlan] = {}
        # The form parsed by the last find_operation, reused by parse for the same request.
        self._last: tuple[HttpRequest | None, dict[str, str]] = (None, {})

    # -- requests -------------------------------------------------------------------------

    def find_operation(
        self, service: ServiceModel, request: HttpRequest
    ) -> tuple[OperationModel, dict[str, str]]:
        params = _form(request)
        self._last = (request, params)
        action = params.get("Action")
        if not action:
            raise UnknownOperation("Missing Action", code="MissingAction")
        names = self._operations.get(service)
        if names is None:
            names = self._operations[service] = frozenset(service.operation_names)
        if action not in names:
            version = params.get("Version") or service.api_version
            raise UnknownOperation(
                f"Could not find operation {action} for version {version}", code="InvalidAction"
            )
        return service.operation_model(action), {}

    def parse(
        self, operation: OperationModel, request: HttpRequest, uri_params: dict[str, str]
    ) -> dict[str, Any]:
        try:
            decode = self._decoders[operation]
        except KeyError:
            shape = operation.input_shape
            decode = self._decoders[operation] = (
                _decoder(shape, {}) if shape is not None and shape.members else None
            )
        if decode is None:
            return {}
        last = self._last
        params = last[1] if last[0] is request else _form(request)
        params.pop("Action", None)
        params.pop("Version", None)
        value = decode(_key_tree(params))
        return value if isinstance(value, dict) else {}

    # -- responses ------------------------------------------------------------------------

    def serialize(
        self, operation: OperationModel, result: dict[str, Any], request_id: str
    ) -> HttpResponse:
        plan = self._responses.get(operation)
        if plan is None:
            plan = self._responses[operation] = _ResponsePlan(operation)
        out = [plan.head]
        if plan.encode is not None and result:
            plan.encode(out, "", result)
        out.append(plan.middle)
        out.append(_escape(request_id))
        out.append(plan.tail)
        return HttpResponse(
            200,
            [("Content-Type", "text/xml"), ("x-amzn-RequestId", request_id)],
            "".join(out).encode(),
        )

    def serialize_error(
        self,
        service: ServiceModel,
        operation: OperationModel | None,
        error: ServiceError,
        request_id: str,
    ) -> HttpResponse:
        plan = self._errors.get(service)
        if plan is None:
            plan = self._errors[service] = _ErrorPlan(service)
        status = error_status(service, error)
        side = "Sender" if error.sender_fault and status < 500 else "Receiver"
        code, encode = plan.lookup(error.code)
        out = [plan.head, "<Error><Type>", side, "</Type><Code>", _escape(code), "</Code>"]
        if error.message:
            out += ["<Message>", _escape(error.message), "</Message>"]
        fields = {k: v for k, v in error.fields.items() if k not in _ERROR_KEYS and v is not None}
        if fields:
            if encode is not None:
                encode(out, "", fields)
            else:
                for key, value in fields.items():
                    _encode_text(out, key, value)
        out += ["</Error><RequestId>", _escape(request_id), "</RequestId></ErrorResponse>"]
        headers = [("Content-Type", "text/xml"), ("x-amzn-RequestId", request_id)]
        headers.extend(error.headers.items())
        return HttpResponse(status, headers, "".join(out).encode())


_ERROR_KEYS = frozenset(("Type", "Code", "Message"))


class _ResponsePlan:
    """The fixed text around an operation's result and the encoder for its members."""

    __slots__ = ("head", "middle", "tail", "encode")

    def __init__(self, operation: OperationModel) -> None:
        name = operation.name
        namespace = operation.metadata.get("xmlNamespace")
        xmlns = f' xmlns="{_escape(namespace)}"' if namespace else ""
        shape = operation.output_shape
        wrapper = shape.serialization.get("resultWrapper") if shape is not None else None
        self.encode = _struct_body(shape, {}) if shape is not None and shape.members else None
        self.head = f"<{name}Response{xmlns}>" + (f"<{wrapper}>" if wrapper else "")
        self.middle = (f"</{wrapper}>" if wrapper else "") + "<ResponseMetadata><RequestId>"
        self.tail = f"</RequestId></ResponseMetadata></{name}Response>"


class _ErrorPlan:
    """A service's error codes: shape name -> wire code (awsQueryError alias) and members."""

    def __init__(self, service: ServiceModel) -> None:
        namespace = service.metadata.get("xmlNamespace")
        xmlns = f' xmlns="{_escape(namespace)}"' if namespace else ""
        self.head = f"<ErrorResponse{xmlns}>"
        self._shapes: dict[str, Shape] = {}
        self._codes: dict[str, str] = {}
        for shape in service.error_shapes:
            code = shape.metadata.get("error", {}).get("code") or shape.name
            self._codes[shape.name] = code
            self._shapes[shape.name] = shape
            self._shapes.setdefault(code, shape)
        self._encoders: dict[str, Encoder | None] = {}

    def lookup(self, code: str) -> tuple[str, Encoder | None]:
        """The code to send for `code` and the encoder for its modelled extra members."""
        if code not in self._encoders:
            shape = self._shapes.get(code)
            self._encoders[code] = (
                _struct_body(shape, {}) if shape is not None and shape.members else None
            )
        return self._codes.get(code, code), self._encoders[code]


# -- form and key tree ------------------------------------------------------------------


def _form(request: HttpRequest) -> dict[str, str]:
    """The request's parameters: query string, then a form body (whose values win)."""
    params = dict(request.query) if request.query_string else {}
    body = request.body
    if body:
        ctype = request.headers.get("content-type", "")
        if not ctype or ctype.startswith("application/x-www-form-urlencoded"):
            params.update(_parse_form(body.decode("utf-8", "replace")))
    return params


def _parse_form(text: str) -> dict[str, str]:
    """`a=1&b=x%20y` -> `{"a": "1", "b": "x y"}`; like `parse_qsl`, but only unquotes when needed."""
    out: dict[str, str] = {}
    for pair in text.split("&"):
        if not pair:
            continue
        key, _, value = pair.partition("=")
        if "%" in key or "+" in key:
            key = unquote_plus(key)
        if "%" in value or "+" in value:
            value = unquote_plus(value)
        out[key] = value
    return out


def _key_tree(params: dict[str, str]) -> dict[str, Any]:
    """`{"A.member.1.B": "x"}` -> `{"A": {"member": {"1": {"B": "x"}}}}` (leaves are str)."""
    root: dict[str, Any] = {}
    for key, value in params.items():
        if "." not in key:
            if not isinstance(root.get(key), dict):
                root[key] = value
            continue
        parts = key.split(".")
        node = root
        for part in parts[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        if not isinstance(node.get(parts[-1]), dict):
            node[parts[-1]] = value
    return root


def _indexed(node: Any) -> list[Any]:
    """The children of an `{"1": ..., "2": ...}` node in index order (non-indices dropped)."""
    if not isinstance(node, dict):
        return []
    keys = [k for k in node if k.isdigit()]
    keys.sort(key=int)
    return [node[k] for k in keys]


# -- decoders (request side) ------------------------------------------------------------


def _decoder(shape: Shape, memo: dict[str, Decoder]) -> Decoder:
    kind = shape.type_name
    if kind == "structure":
        return _struct_decoder(shape, memo)
    if kind == "list":
        return _list_decoder(shape, memo)
    if kind == "map":
        return _map_decoder(shape, memo)
    return _SCALAR_DECODERS.get(kind, _decode_string)


def _struct_decoder(shape: Shape, memo: dict[str, Decoder]) -> Decoder:
    if shape.name in memo:  # recursive shapes: the decoder under construction
        return memo[shape.name]
    by_wire: dict[str, tuple[str, Decoder]] = {}

    def decode(node: Any) -> Any:
        if not isinstance(node, dict):
            return _SKIP
        out = {}
        for key, child in node.items():
            entry = by_wire.get(key)
            if entry is not None:
                value = entry[1](child)
                if value is not _SKIP:
                    out[entry[0]] = value
        return out

    memo[shape.name] = decode
    for name, member in shape.members.items():
        by_wire[_wire_name(name, member)] = (name, _decoder(member, memo))
    return decode


def _wire_name(name: str, member: Shape) -> str:
    """The key a structure member goes by on the wire (query and XML agree on this)."""
    if member.type_name == "list" and member.serialization.get("flattened"):
        item_name = member.member.serialization.get("name")
        if item_name:
            return item_name
    return member.serialization.get("name", name)


def _list_decoder(shape: Shape, memo: dict[str, Decoder]) -> Decoder:
    item = _decoder(shape.member, memo)
    flattened = bool(shape.serialization.get("flattened"))
    item_name = shape.member.serialization.get("name", "member")

    def decode(node: Any) -> Any:
        if not isinstance(node, dict):
            return [] if node == "" else _SKIP  # `Name=` is how clients send an empty list
        items = _indexed(node if flattened else node.get(item_name))
        values = [item(child) for child in items]
        return [v for v in values if v is not _SKIP]

    return decode


def _map_decoder(shape: Shape, memo: dict[str, Decoder]) -> Decoder:
    key_dec = _decoder(shape.key, memo)
    value_dec = _decoder(shape.value, memo)
    flattened = bool(shape.serialization.get("flattened"))
    key_name = shape.key.serialization.get("name", "key")
    value_name = shape.value.serialization.get("name", "value")

    def decode(node: Any) -> Any:
        if not isinstance(node, dict):
            return {} if node == "" else _SKIP
        out = {}
        for entry in _indexed(node if flattened else node.get("entry")):
            if not isinstance(entry, dict) or key_name not in entry:
                continue
            key = key_dec(entry[key_name])
            value = value_dec(entry[value_name]) if value_name in entry else _SKIP
            if key is not _SKIP and value is not _SKIP:
                out[key] = value
        return out

    return decode


def _decode_string(node: Any) -> Any:
    return node if isinstance(node, str) else _SKIP


def _decode_int(node: Any) -> Any:
    if not isinstance(node, str):
        return _SKIP
    try:
        return int(node)
    except ValueError:
        return node  # left for `validate` to report


def _decode_float(node: Any) -> Any:
    if not isinstance(node, str):
        return _SKIP
    try:
        return float(node)
    except ValueError:
        return node


def _decode_bool(node: Any) -> Any:
    if not isinstance(node, str):
        return _SKIP
    return _BOOLEANS.get(node.lower(), node)


_BOOLEANS = {"true": True, "false": False}


def _decode_timestamp(node: Any) -> Any:
    if not isinstance(node, str):
        return _SKIP
    return parse_timestamp(node) or node


def _decode_blob(node: Any) -> Any:
    if not isinstance(node, str):
        return _SKIP
    try:
        return base64.b64decode(node, validate=True)
    except (binascii.Error, ValueError):
        return node


_SCALAR_DECODERS: dict[str, Decoder] = {
    "string": _decode_string,
    "character": _decode_string,
    "integer": _decode_int,
    "long": _decode_int,
    "short": _decode_int,
    "byte": _decode_int,
    "float": _decode_float,
    "double": _decode_float,
    "boolean": _decode_bool,
    "timestamp": _decode_timestamp,
    "blob": _decode_blob,
}


def parse_timestamp(text: str) -> datetime | None:
    """An ISO-8601 or epoch-seconds timestamp as an aware UTC datetime; None if neither."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        try:
            return datetime.fromtimestamp(float(text), UTC)
        except (ValueError, OverflowError, OSError):
            return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


# -- encoders (response side) -----------------------------------------------------------


def _encoder(shape: Shape, memo: dict[str, Encoder]) -> Encoder:
    kind = shape.type_name
    if kind == "structure":
        body = _struct_body(shape, memo)

        def encode_struct(out: list[str], tag: str, value: Any) -> None:
            out.append(f"<{tag}>")
            body(out, tag, value)
            out.append(f"</{tag}>")

        return encode_struct
    if kind == "list":
        return _list_encoder(shape, memo)
    if kind == "map":
        return _map_encoder(shape, memo)
    if kind == "timestamp":
        fmt = shape.serialization.get("timestampFormat", "iso8601")
        return lambda out, tag, value: out.append(f"<{tag}>{format_timestamp(value, fmt)}</{tag}>")
    return _SCALAR_ENCODERS.get(kind, _encode_text)


def _struct_body(shape: Shape, memo: dict[str, Encoder]) -> Encoder:
    """Appends a structure's members (not its own element), in model order."""
    if shape.name in memo:
        return memo[shape.name]
    # (name, wire tag, encoder, "<Tag>", "</Tag>"); strings are written inline (hot path).
    members: list[tuple[str, str, Encoder | None, str, str]] = []

    def body(out: list[str], tag: str, value: Any) -> None:
        if not isinstance(value, dict):
            return
        for name, wire, encode, open_tag, close_tag in members:
            item = value.get(name)
            if item is None:
                continue
            if encode is None and item.__class__ is str:
                out.append(
                    open_tag
                    + (item.translate(_ESCAPES) if _NEEDS_ESCAPE(item) else item)
                    + close_tag
                )
            else:
                (encode or _encode_text)(out, wire, item)

    memo[shape.name] = body
    for name, member in shape.members.items():
        wire = _wire_name(name, member)
        encode = _encoder(member, memo)
        members.append(
            (name, wire, None if encode is _encode_text else encode, f"<{wire}>", f"</{wire}>")
        )
    return body


def _list_encoder(shape: Shape, memo: dict[str, Encoder]) -> Encoder:
    item = _encoder(shape.member, memo)
    if shape.serialization.get("flattened"):

        def encode_flat(out: list[str], tag: str, value: Any) -> None:
            for element in value:
                if element is not None:
                    item(out, tag, element)

        return encode_flat
    item_tag = shape.member.serialization.get("name", "member")

    def encode_list(out: list[str], tag: str, value: Any) -> None:
        out.append(f"<{tag}>")
        for element in value:
            if element is not None:
                item(out, item_tag, element)
        out.append(f"</{tag}>")

    return encode_list


def _map_encoder(shape: Shape, memo: dict[str, Encoder]) -> Encoder:
    key_enc = _encoder(shape.key, memo)
    value_enc = _encoder(shape.value, memo)
    key_tag = shape.key.serialization.get("name", "key")
    value_tag = shape.value.serialization.get("name", "value")
    flattened = bool(shape.serialization.get("flattened"))

    def encode_map(out: list[str], tag: str, value: Any) -> None:
        if not flattened:
            out.append(f"<{tag}>")
        entry = tag if flattened else "entry"
        for key, item in value.items():
            if item is None:
                continue
            out.append(f"<{entry}>")
            key_enc(out, key_tag, key)
            value_enc(out, value_tag, item)
            out.append(f"</{entry}>")
        if not flattened:
            out.append(f"</{tag}>")

    return encode_map


def _encode_text(out: list[str], tag: str, value: Any) -> None:
    text = value if isinstance(value, str) else str(value)
    out.append(f"<{tag}>{_escape(text)}</{tag}>")


def _encode_int(out: list[str], tag: str, value: Any) -> None:
    out.append(f"<{tag}>{int(value)}</{tag}>")


def _encode_bool(out: list[str], tag: str, value: Any) -> None:
    out.append(f"<{tag}>true</{tag}>" if value else f"<{tag}>false</{tag}>")


def _encode_float(out: list[str], tag: str, value: Any) -> None:
    number = float(value)
    if number != number:
        text = "NaN"
    elif number in (float("inf"), float("-inf")):
        text = "Infinity" if number > 0 else "-Infinity"
    else:
        text = repr(number)
    out.append(f"<{tag}>{text}</{tag}>")


def _encode_blob(out: list[str], tag: str, value: Any) -> None:
    data = value.encode() if isinstance(value, str) else bytes(value)
    out.append(f"<{tag}>{base64.b64encode(data).decode()}</{tag}>")


_SCALAR_ENCODERS: dict[str, Encoder] = {
    "string": _encode_text,
    "character": _encode_text,
    "integer": _encode_int,
    "long": _encode_int,
    "short": _encode_int,
    "byte": _encode_int,
    "float": _encode_float,
    "double": _encode_float,
    "boolean": _encode_bool,
    "blob": _encode_blob,
}


def format_timestamp(value: Any, fmt: str = "iso8601") -> str:
    """`value` (datetime, epoch seconds or text) as the XML protocols write it.

    ISO-8601 carries milliseconds, as AWS writes them (`2011-07-15T23:28:33.359Z`).
    """
    if isinstance(value, str):
        parsed = parse_timestamp(value)
        if parsed is None:
            return _escape(value)
        value = parsed
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC)
        epoch = calendar.timegm(value.timetuple()) + value.microsecond / 1e6
    else:
        epoch = float(value)
        value = datetime.fromtimestamp(epoch, UTC)
    if fmt == "unixTimestamp":
        return str(int(epoch)) if epoch == int(epoch) else repr(round(epoch, 3))
    if fmt == "rfc822":
        return formatdate(epoch, usegmt=True)
    return f"{value:%Y-%m-%dT%H:%M:%S}.{value.microsecond // 1000:03d}Z"


# Text content escaping. `\r` is written as a reference, or XML parsers turn it into `\n`.
_NEEDS_ESCAPE = re.compile(r'[&<>"\r]').search
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\r": "&#xD;"})


def _escape(text: str) -> str:
    return text.translate(_ESCAPES) if _NEEDS_ESCAPE(text) else text
