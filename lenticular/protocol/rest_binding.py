"""The HTTP binding rest-json and rest-xml share: where each member travels besides the body.

A member's `location` says it rides in the URI (`uri`), the query string
(`querystring`), one header (`header`), a family of prefixed headers (`headers`, e.g.
S3's `x-amz-meta-*`) or the status line (`statusCode`); the operation's `payload`
names the one member that *is* the body. Everything else goes into the body, encoded by
the protocol's `BodyFormat` (JSON or XML).

`InputBinding` and `OutputBinding` are compiled once per operation from the model and
cached, so parsing a request is a walk over small tables, not over shapes.

Encodings follow botocore's serializer: header timestamps are RFC 822 and querystring
timestamps ISO 8601 unless the member says `timestampFormat`; `jsonvalue` headers are
base64-encoded JSON; header lists are comma-separated with double-quoted items that
contain commas or quotes.
"""

from __future__ import annotations

import base64
import binascii
import calendar
import re
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any, Protocol

import orjson
from botocore.model import OperationModel, Shape

from lenticular.errors import ServiceError
from lenticular.protocol.http import HttpRequest

Convert = Callable[[str], Any]


class BodyFormat(Protocol):
    """How a protocol encodes bodies (JSON for rest-json, XML for rest-xml)."""

    content_type: str

    def reader(self, shape: Shape) -> Callable[[bytes], Any]:
        """bytes -> value of `shape`; members with a `location` are ignored."""
        ...

    def writer(self, shape: Shape, root_name: str) -> Callable[[Any], bytes]:
        """value of `shape` -> bytes; members with a `location` are skipped."""
        ...

    def output_root(self, operation: OperationModel) -> str:
        """The root element name of a non-payload output body (XML only)."""
        ...


# -- scalar values ----------------------------------------------------------------------

_ISO = re.compile(
    r"(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:?\d\d)?$",
    re.IGNORECASE,
)


def parse_timestamp(value: Any) -> Any:
    """ISO 8601, RFC 822 or epoch seconds -> aware UTC datetime; unparseable values unchanged."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        try:
            return datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):
            return value
    if not isinstance(value, str):
        return value
    text = value.strip()
    m = _ISO.match(text)
    if m:
        try:
            frac = (m.group(7) or "0")[:6].ljust(6, "0")
            dt = datetime(*(int(m.group(i)) for i in range(1, 7)), int(frac), tzinfo=UTC)
        except ValueError:
            return value
        tz = m.group(8)
        if tz and tz.upper() != "Z":
            sign = 1 if tz[0] == "+" else -1
            digits = tz[1:].replace(":", "")
            offset = sign * (int(digits[:2]) * 3600 + int(digits[2:]) * 60)
            dt = datetime.fromtimestamp(dt.timestamp() - offset, UTC)
        return dt
    try:
        return datetime.fromtimestamp(float(text), UTC)
    except (ValueError, OverflowError, OSError):
        pass
    try:
        dt = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return value
    return dt.astimezone(UTC) if dt.tzinfo else dt.replace(tzinfo=UTC)


def _as_datetime(value: Any) -> datetime:
    dt = parse_timestamp(value)
    if not isinstance(dt, datetime):
        raise ValueError(f"not a timestamp: {value!r}")
    return dt


def format_timestamp(value: Any, fmt: str) -> str | int | float:
    """A timestamp output value (datetime, epoch number or ISO string) in `fmt`."""
    dt = _as_datetime(value)
    if fmt == "unixTimestamp":
        seconds = calendar.timegm(dt.utctimetuple()) + dt.microsecond / 1e6
        return int(seconds) if dt.microsecond == 0 else round(seconds, 3)
    if fmt == "rfc822":
        return format_datetime(dt.astimezone(UTC).replace(tzinfo=UTC), usegmt=True)
    if dt.utcoffset():
        dt = dt.astimezone(UTC)
    return (
        f"{dt.year:04d}-{dt.month:02d}-{dt.day:02d}T{dt.hour:02d}:{dt.minute:02d}:"
        f"{dt.second:02d}.{dt.microsecond // 1000:03d}Z"
    )


def to_bytes(value: Any) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, bytearray | memoryview):
        return bytes(value)
    return str(value).encode()


def decode_base64(value: Any) -> Any:
    """base64 text -> bytes; text that is not base64 is returned unchanged for the validator."""
    if not isinstance(value, str | bytes):
        return value
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return value


def encode_base64(value: Any) -> str:
    return base64.b64encode(to_bytes(value)).decode()


def _to_int(text: str) -> Any:
    try:
        return int(text)
    except ValueError:
        return text


def _to_float(text: str) -> Any:
    try:
        return float(text)
    except ValueError:
        return text


def _to_bool(text: str) -> Any:
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    return text


def _from_json_header(text: str) -> Any:
    try:
        return orjson.loads(base64.b64decode(text))
    except (binascii.Error, ValueError):
        return text


def string_converter(shape: Shape, location: str) -> Convert:
    """How a URI label, query value or header of `shape` becomes a Python value."""
    kind = shape.type_name
    if kind in ("integer", "long"):
        return _to_int
    if kind in ("float", "double"):
        return _to_float
    if kind == "boolean":
        return _to_bool
    if kind == "timestamp":
        return parse_timestamp
    if kind == "string" and location == "header" and shape.serialization.get("jsonvalue"):
        return _from_json_header
    return str


def string_writer(shape: Shape, location: str) -> Callable[[Any], str]:
    """How an output value of `shape` is written into a header."""
    kind = shape.type_name
    if kind == "timestamp":
        fmt = shape.serialization.get("timestampFormat", "rfc822")
        return lambda v: str(format_timestamp(v, fmt))
    if kind == "boolean":
        return lambda v: ("true" if v else "false") if isinstance(v, bool) else str(v).lower()
    if kind == "string" and shape.serialization.get("jsonvalue"):
        return lambda v: base64.b64encode(orjson.dumps(v)).decode()
    if kind == "list":
        item = string_writer(shape.member, location)
        quote = shape.member.type_name == "string"
        return lambda v: ",".join(_quote_item(item(x)) if quote else item(x) for x in v)
    return str


def _quote_item(text: str) -> str:
    if '"' in text or "," in text:
        return '"' + text.replace('"', '\\"') + '"'
    return text


def split_header_list(text: str) -> list[str]:
    """`a, "b,c", d` -> ["a", "b,c", "d"] (RFC 7230 list syntax with quoted strings)."""
    if '"' not in text:
        return [part.strip() for part in text.split(",")]
    items: list[str] = []
    buf: list[str] = []
    quoted = False
    i = 0
    while i < len(text):
        ch = text[i]
        if quoted:
            if ch == "\\" and i + 1 < len(text):
                buf.append(text[i + 1])
                i += 1
            elif ch == '"':
                quoted = False
            else:
                buf.append(ch)
        elif ch == '"':
            quoted = True
        elif ch == ",":
            items.append("".join(buf).strip())
            buf = []
        else:
            buf.append(ch)
        i += 1
    items.append("".join(buf).strip())
    return items


# -- requests ---------------------------------------------------------------------------


def is_aws_chunked(headers: dict[str, str]) -> bool:
    """Whether the body is in SigV4 streaming (`aws-chunked`) framing."""
    return "aws-chunked" in headers.get("content-encoding", "") or headers.get(
        "x-amz-content-sha256", ""
    ).startswith("STREAMING-")


def decode_aws_chunked(body: bytes) -> tuple[bytes, dict[str, str]]:
    """The payload and trailing headers of an `aws-chunked` body.

    Each chunk is `hex-size[;chunk-signature=...]\r\n data \r\n`; a zero-size chunk ends
    the data and may be followed by trailers (`x-amz-checksum-crc32:...`). Chunk signatures
    are the signature layer's business and are not checked here.
    See https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html
    """
    out = bytearray()
    pos = 0
    while True:
        eol = body.find(b"\r\n", pos)
        if eol < 0:
            raise ServiceError("The request body terminated unexpectedly", code="IncompleteBody")
        size_text = body[pos:eol].split(b";", 1)[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError:
            raise ServiceError("Invalid aws-chunked body framing", code="IncompleteBody") from None
        pos = eol + 2
        if size == 0:
            break
        if pos + size > len(body):
            raise ServiceError("The request body terminated unexpectedly", code="IncompleteBody")
        out += body[pos : pos + size]
        pos += size
        if body[pos : pos + 2] == b"\r\n":
            pos += 2
    trailers: dict[str, str] = {}
    for line in body[pos:].split(b"\r\n"):
        name, sep, value = line.partition(b":")
        if sep and name.strip():
            trailers[name.strip().decode("latin-1").lower()] = value.strip().decode("latin-1")
    return bytes(out), trailers


def _unchunk(request: HttpRequest) -> tuple[bytes, dict[str, str]]:
    body, trailers = decode_aws_chunked(request.body)
    headers = dict(request.headers)
    headers.update(trailers)
    codings = [c.strip() for c in headers.get("content-encoding", "").split(",")]
    codings = [c for c in codings if c and c != "aws-chunked"]
    if codings:
        headers["content-encoding"] = ",".join(codings)
    else:
        headers.pop("content-encoding", None)
    return body, headers


class InputBinding:
    """Compiled reader of one operation's request into its input dict."""

    def __init__(self, operation: OperationModel, fmt: BodyFormat) -> None:
        self.uri: list[tuple[str, str, Convert]] = []
        self.query: list[tuple[str, str, Convert]] = []
        self.query_lists: list[tuple[str, str, Convert]] = []
        self.query_maps: list[tuple[str, bool]] = []  # (member, values are lists)
        self.headers: list[tuple[str, str, Convert]] = []
        self.header_lists: list[tuple[str, str, Convert]] = []
        self.header_maps: list[tuple[str, str]] = []
        self.host_labels: tuple[re.Pattern[str], list[str]] | None = None
        self.payload: str | None = None
        self.payload_kind = ""  # "bytes", "text" or "body"
        self.payload_always = False  # streaming payloads are present even when empty
        self.payload_required = False
        self.body: Callable[[bytes], Any] | None = None
        shape = operation.input_shape
        if shape is None:
            return
        claimed = set(_literal_query_keys(operation))
        host_members: dict[str, str] = {}
        for name, member in shape.members.items():
            ser = member.serialization
            location = ser.get("location")
            key = ser.get("name", name)
            if ser.get("hostLabel"):
                host_members[name] = name
            if location == "uri":
                self.uri.append((name, key, string_converter(member, "uri")))
            elif location == "querystring":
                if member.type_name == "map":
                    self.query_maps.append((name, member.value.type_name == "list"))
                elif member.type_name == "list":
                    claimed.add(key)
                    conv = string_converter(member.member, "querystring")
                    self.query_lists.append((name, key, conv))
                else:
                    claimed.add(key)
                    self.query.append((name, key, string_converter(member, "querystring")))
            elif location == "header":
                if member.type_name == "list":
                    conv = string_converter(member.member, "header")
                    self.header_lists.append((name, key.lower(), conv))
                else:
                    self.headers.append((name, key.lower(), string_converter(member, "header")))
            elif location == "headers":
                self.header_maps.append((name, key.lower()))
        self.claimed_query = frozenset(claimed)
        prefix = (operation.endpoint or {}).get("hostPrefix") if host_members else None
        if prefix:
            self.host_labels = _host_prefix_regex(prefix)
        payload = shape.serialization.get("payload")
        if payload is not None:
            self.payload = payload
            member = shape.members[payload]
            self.payload_always = bool(member.serialization.get("streaming"))
            self.payload_required = payload in shape.required_members
            if member.type_name == "blob":
                self.payload_kind = "bytes"
            elif member.type_name == "string":
                self.payload_kind = "text"
            else:
                self.payload_kind = "body"
                self.body = fmt.reader(member)
        elif any("location" not in m.serialization for m in shape.members.values()):
            self.body = fmt.reader(shape)

    def parse(self, request: HttpRequest, uri_params: dict[str, str]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        raw = request.body
        headers = request.headers
        if self.payload_kind in ("bytes", "text") and raw and is_aws_chunked(headers):
            raw, headers = _unchunk(request)
        if self.body is not None and raw:
            if self.payload is None:
                parsed = self.body(raw)
                if isinstance(parsed, dict):
                    out.update(parsed)
            else:
                value = self.body(raw)
                # Clients send `{}` for an absent structure payload; a required one is
                # present, only empty.
                if value != {} or self.payload_required:
                    out[self.payload] = value
        elif self.payload_kind == "bytes" and (raw or self.payload_always):
            out[self.payload] = raw  # type: ignore[index]
        elif self.payload_kind == "text" and raw:
            out[self.payload] = raw.decode("utf-8", "replace")  # type: ignore[index]
        for name, label, conv in self.uri:
            if label in uri_params:
                out[name] = conv(uri_params[label])
        if self.query or self.query_lists or self.query_maps:
            self._parse_query(request.query, out)
        for name, header, conv in self.headers:
            value = headers.get(header)
            if value is not None:
                out[name] = conv(value)
        for name, header, conv in self.header_lists:
            value = headers.get(header)
            if value is not None:
                out[name] = [conv(v) for v in split_header_list(value)]
        for name, prefix in self.header_maps:
            found = {k[len(prefix) :]: v for k, v in headers.items() if k.startswith(prefix)}
            if found:
                out[name] = found
        if self.host_labels is not None:
            pattern, names = self.host_labels
            m = pattern.match(request.host)
            if m:
                for i, label in enumerate(names):
                    out.setdefault(label, m.group(i + 1))
        return out

    def _parse_query(self, pairs: list[tuple[str, str]], out: dict[str, Any]) -> None:
        first: dict[str, str] = {}
        for k, v in pairs:
            first.setdefault(k, v)
        for name, key, conv in self.query:
            if key in first:
                out[name] = conv(first[key])
        for name, key, conv in self.query_lists:
            values = [conv(v) for k, v in pairs if k == key]
            if values:
                out[name] = values
        for name, list_values in self.query_maps:
            found: dict[str, Any] = {}
            for k, v in pairs:
                if k in self.claimed_query:
                    continue
                if list_values:
                    found.setdefault(k, []).append(v)
                else:
                    found.setdefault(k, v)
            if found:
                out[name] = found


def _literal_query_keys(operation: OperationModel) -> list[str]:
    query = operation.http.get("requestUri", "").partition("?")[2]
    return [item.partition("=")[0] for item in query.split("&") if item]


def _host_prefix_regex(prefix: str) -> tuple[re.Pattern[str], list[str]]:
    names: list[str] = []
    parts: list[str] = []
    pos = 0
    for m in re.finditer(r"\{([^}]+)\}", prefix):
        parts.append(re.escape(prefix[pos : m.start()]))
        parts.append("([^.]+)")
        names.append(m.group(1))
        pos = m.end()
    parts.append(re.escape(prefix[pos:]))
    return re.compile("".join(parts), re.IGNORECASE), names


# -- responses --------------------------------------------------------------------------


class OutputBinding:
    """Compiled writer of an output (or error) dict into status, headers and body."""

    def __init__(
        self, operation: OperationModel | None, shape: Shape | None, fmt: BodyFormat, root: str
    ) -> None:
        self.status = int(operation.http.get("responseCode", 200)) if operation else 200
        self.status_member: str | None = None
        self.headers: list[tuple[str, str, Callable[[Any], str]]] = []
        self.header_maps: list[tuple[str, str]] = []
        self.payload: str | None = None
        self.payload_kind = ""  # "raw" or "body"
        self.body: Callable[[Any], bytes] | None = None
        self.has_body_members = False
        self.content_type = fmt.content_type
        if shape is None:
            return
        for name, member in shape.members.items():
            ser = member.serialization
            location = ser.get("location")
            key = ser.get("name", name)
            if location == "statusCode":
                self.status_member = name
            elif location == "header":
                self.headers.append((name, key, string_writer(member, "header")))
            elif location == "headers":
                self.header_maps.append((name, key))
            elif location is None:
                self.has_body_members = True
        payload = shape.serialization.get("payload")
        if payload is not None:
            self.payload = payload
            member = shape.members[payload]
            if member.type_name in ("blob", "string") or member.serialization.get("eventstream"):
                self.payload_kind = "raw"
            else:
                self.payload_kind = "body"
                self.body = fmt.writer(member, member.serialization.get("name", member.name))
        elif self.has_body_members:
            self.body = fmt.writer(shape, root)

    def write(
        self, result: dict[str, Any]
    ) -> tuple[int, list[tuple[str, str]], bytes, Iterable[bytes] | None]:
        """(status, headers, body, stream) for `result`."""
        status = self.status
        if self.status_member is not None and result.get(self.status_member) is not None:
            status = int(result[self.status_member])
        headers: list[tuple[str, str]] = []
        for name, header, write in self.headers:
            value = result.get(name)
            if value is not None:
                headers.append((header, write(value)))
        for name, prefix in self.header_maps:
            for key, value in (result.get(name) or {}).items():
                headers.append((prefix + key, str(value)))
        body = b""
        stream: Iterable[bytes] | None = None
        if self.payload is not None:
            value = result.get(self.payload)
            if value is None:
                pass
            elif self.payload_kind == "raw":
                if isinstance(value, str | bytes | bytearray | memoryview):
                    body = to_bytes(value)
                else:
                    stream = value
            elif self.body is not None:
                body = self.body(value)
                headers.append(("Content-Type", self.content_type))
        elif self.body is not None:
            body = self.body(result)
            headers.append(("Content-Type", self.content_type))
        return status, headers, body, stream


_INPUTS: dict[tuple[int, str], tuple[OperationModel, InputBinding]] = {}
_OUTPUTS: dict[tuple[int, str], tuple[OperationModel, OutputBinding]] = {}


def input_binding(operation: OperationModel, fmt: BodyFormat) -> InputBinding:
    """The compiled `InputBinding` of `operation` for `fmt`, built on first use."""
    key = (id(fmt), f"{operation.service_model.service_name}.{operation.name}")
    hit = _INPUTS.get(key)
    if hit is None or hit[0] is not operation:
        hit = (operation, InputBinding(operation, fmt))
        _INPUTS[key] = hit
    return hit[1]


def output_binding(operation: OperationModel, fmt: BodyFormat) -> OutputBinding:
    """The compiled `OutputBinding` of `operation`'s output shape for `fmt`."""
    key = (id(fmt), f"{operation.service_model.service_name}.{operation.name}")
    hit = _OUTPUTS.get(key)
    if hit is None or hit[0] is not operation:
        binding = OutputBinding(operation, operation.output_shape, fmt, fmt.output_root(operation))
        hit = (operation, binding)
        _OUTPUTS[key] = hit
    return hit[1]
