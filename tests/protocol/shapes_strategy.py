"""Hypothesis strategies for values of any botocore shape, valid for the model and the wire.

`input_for` and `output_for` give an operation's input or output dict. Values honour the
model's constraints (required members, enums, min/max lengths and ranges, unions with
exactly one member) and avoid what a given wire position cannot carry losslessly:

- header-bound strings are printable ASCII without edge whitespace (lists also without
  commas or quotes); header-map keys are lower-case tokens;
- URI labels are non-empty and have no "." or ".." path segments;
- strings contain no control characters but tab, newline and carriage return, and no
  unassigned code points (XML 1.0 cannot carry them); request strings for rest-xml
  bodies leave out "\\r", which botocore's XML writer does not escape;
- floats are integers or halves, so every protocol writes them exactly;
- timestamps are UTC with millisecond precision where the wire keeps it, whole seconds
  where it does not (headers, RFC 822 dates);
- blob and string payloads are never empty (an empty body cannot tell "absent" from "").

`pattern` constraints are ignored: the server's parse side is what is under test.
Recursion is capped: past `MAX_DEPTH` only required members are generated.
"""

from __future__ import annotations

import datetime as dt
import string
from typing import Any

from botocore.model import ListShape, MapShape, OperationModel, Shape, StructureShape
from hypothesis import strategies as st

MAX_DEPTH = 3
MAX_ITEMS = 3
MAX_TEXT = 12

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_HEADER_CHARS = "".join(chr(c) for c in range(0x21, 0x7F)) + " "
_HEADER_LIST_CHARS = _HEADER_CHARS.replace(",", "").replace('"', "")
_HEADER_KEY_CHARS = string.ascii_lowercase + string.digits + "-"
_TEXT_CHARS = st.characters(
    codec="utf-8", exclude_categories=("Cc", "Cs", "Cn"), include_characters="\t\n\r"
)
# botocore's XML request writer does not escape "\r", so XML parsers read it back as "\n".
_TEXT_CHARS_NO_CR = st.characters(
    codec="utf-8", exclude_categories=("Cc", "Cs", "Cn"), include_characters="\t\n"
)
_INT32 = (-(2**31), 2**31 - 1)
_INT64 = (-(2**63), 2**63 - 1)


class Position:
    """Where on the wire a value travels; decides which values it can carry."""

    BODY = "body"
    HEADER = "header"  # a single header value
    HEADER_LIST = "header-list"  # an item of a comma-separated header list
    URI = "uri"  # a path label
    QUERY = "query"
    PAYLOAD = "payload"  # the whole body (blob or string payload)


def input_for(operation: OperationModel, protocol: str) -> st.SearchStrategy[dict[str, Any]]:
    shape = operation.input_shape
    if shape is None:
        return st.just({})
    return _Builder(protocol, request=True).top_level(shape, transport_headers=False)


def output_for(operation: OperationModel, protocol: str) -> st.SearchStrategy[dict[str, Any]]:
    shape = operation.output_shape
    if shape is None:
        return st.just({})
    return _Builder(protocol, request=False).top_level(shape)


class _Builder:
    def __init__(self, protocol: str, *, request: bool) -> None:
        self.protocol = protocol
        self.rest = protocol in ("rest-json", "rest-xml")
        self.chars = _TEXT_CHARS_NO_CR if request and protocol == "rest-xml" else _TEXT_CHARS

    def top_level(
        self, shape: StructureShape, *, transport_headers: bool = True
    ) -> st.SearchStrategy[dict[str, Any]]:
        """The members of an input or output; `transport_headers=False` leaves out members
        bound to headers the HTTP layer computes (Content-Length), as a client does."""
        payload = shape.serialization.get("payload")
        required: dict[str, st.SearchStrategy[Any]] = {}
        optional: dict[str, st.SearchStrategy[Any]] = {}
        for name, member in shape.members.items():
            position = Position.BODY
            if self.rest:
                location = member.serialization.get("location")
                header = member.serialization.get("name", "").lower()
                if location == "header" and header == "content-length" and not transport_headers:
                    continue
                if location == "statusCode":
                    required[name] = st.sampled_from([200, 201, 202])
                    continue
                if location == "headers":
                    optional[name] = self.header_map(member)
                    continue
                position = {
                    "header": Position.HEADER,
                    "uri": Position.URI,
                    "querystring": Position.QUERY,
                }.get(location, Position.BODY)
                if name == payload and member.type_name in ("blob", "string"):
                    required[name] = self.value(member, Position.PAYLOAD, ())
                    continue
            strategy = self.value(member, position, ())
            if name in shape.required_members or position == Position.URI:
                required[name] = strategy
            else:
                optional[name] = strategy
        return st.fixed_dictionaries(required, optional=optional)

    def value(self, shape: Shape, position: str, stack: tuple[str, ...]) -> st.SearchStrategy[Any]:
        kind = shape.type_name
        if kind == "structure":
            return self.structure(shape, stack)  # type: ignore[arg-type]
        if kind == "list":
            return self.list(shape, position, stack)  # type: ignore[arg-type]
        if kind == "map":
            return self.map(shape, stack)  # type: ignore[arg-type]
        if kind == "string":
            return self.string(shape, position)
        if kind in ("integer", "long", "short", "byte"):
            lo, hi = _INT64 if kind == "long" else _INT32
            lo = max(lo, int(shape.metadata.get("min", lo)))
            hi = min(hi, int(shape.metadata.get("max", hi)))
            return st.integers(lo, hi)
        if kind in ("float", "double"):
            return self.number(shape)
        if kind == "boolean":
            return st.booleans()
        if kind == "timestamp":
            return self.timestamp(shape, position)
        if kind == "blob":
            return self.blob(shape, position)
        raise NotImplementedError(f"no strategy for shape type {kind!r}")

    # containers -----------------------------------------------------------------

    def structure(self, shape: StructureShape, stack: tuple[str, ...]) -> st.SearchStrategy[Any]:
        if shape.is_document_type:
            return _documents()
        deep = len(stack) >= MAX_DEPTH or shape.name in stack
        inner = (*stack, shape.name)
        if shape.is_tagged_union:
            choices = [
                st.builds(lambda v, n=name: {n: v}, self.value(m, Position.BODY, inner))
                for name, m in shape.members.items()
                if not deep or m.type_name not in ("structure", "list", "map")
            ] or [
                st.builds(lambda v, n=name: {n: v}, self.value(m, Position.BODY, inner))
                for name, m in shape.members.items()
            ]
            return st.one_of(choices)
        required = {
            name: self.value(m, Position.BODY, inner)
            for name, m in shape.members.items()
            if name in shape.required_members
        }
        optional = {
            name: self.value(m, Position.BODY, inner)
            for name, m in shape.members.items()
            if name not in shape.required_members
            and (not deep or m.type_name not in ("structure", "list", "map"))
        }
        if required or not optional or self.protocol != "query":
            return st.fixed_dictionaries(required, optional={} if deep else optional)
        # The query protocol writes nothing for an empty structure, so a list of them
        # would lose its items: always fill at least one member.
        return st.fixed_dictionaries({}, optional=optional).filter(bool)

    def list(
        self, shape: ListShape, position: str, stack: tuple[str, ...]
    ) -> st.SearchStrategy[Any]:
        lo = int(shape.metadata.get("min", 0))
        hi = min(int(shape.metadata.get("max", lo + MAX_ITEMS)), lo + MAX_ITEMS)
        if len(stack) >= MAX_DEPTH:
            hi = lo
        item_position = Position.HEADER_LIST if position == Position.HEADER else position
        items = self.value(shape.member, item_position, stack)
        return st.lists(items, min_size=lo, max_size=hi)

    def map(self, shape: MapShape, stack: tuple[str, ...]) -> st.SearchStrategy[Any]:
        lo = int(shape.metadata.get("min", 0))
        hi = min(int(shape.metadata.get("max", lo + MAX_ITEMS)), lo + MAX_ITEMS)
        if len(stack) >= MAX_DEPTH:
            hi = lo
        keys = self.string(shape.key, Position.BODY)
        values = self.value(shape.value, Position.BODY, (*stack, shape.name))
        return st.dictionaries(keys, values, min_size=lo, max_size=hi)

    def header_map(self, shape: MapShape) -> st.SearchStrategy[Any]:
        keys = st.text(_HEADER_KEY_CHARS, min_size=1, max_size=8).filter(
            lambda k: not k.startswith("-")
        )
        values = self.string(shape.value, Position.HEADER)
        return st.dictionaries(keys, values, max_size=2)

    # scalars --------------------------------------------------------------------

    def string(self, shape: Shape, position: str) -> st.SearchStrategy[str]:
        enum = shape.enum
        if enum:
            choices = [e for e in enum if _fits(e, position)] or list(enum)
            return st.sampled_from(choices)
        if shape.serialization.get("jsonvalue"):
            return _documents()  # type: ignore[return-value]
        lo = int(shape.metadata.get("min", 0))
        hi = min(int(shape.metadata.get("max", lo + MAX_TEXT)), lo + MAX_TEXT)
        if position in (Position.HEADER, Position.HEADER_LIST):
            alphabet = _HEADER_LIST_CHARS if position == Position.HEADER_LIST else _HEADER_CHARS
            return st.text(alphabet, min_size=max(lo, 1), max_size=max(hi, 1)).map(
                lambda s: s.strip() or "x"
            )
        if position in (Position.URI, Position.PAYLOAD):
            lo = max(lo, 1)
            hi = max(hi, 1)
        text = st.text(self.chars, min_size=lo, max_size=hi)
        if position == Position.URI:
            text = text.filter(lambda s: not {".", ".."} & set(s.split("/")))
        return text

    def number(self, shape: Shape) -> st.SearchStrategy[float]:
        lo = float(shape.metadata.get("min", -1e6))
        hi = float(shape.metadata.get("max", 1e6))
        halves = st.integers(int(max(lo, -1e6) * 2), int(min(hi, 1e6) * 2))
        return halves.map(lambda h: h / 2).filter(lambda f: lo <= f <= hi)

    def timestamp(self, shape: Shape, position: str) -> st.SearchStrategy[dt.datetime]:
        fmt = shape.serialization.get("timestampFormat")
        whole_seconds = position != Position.BODY or fmt == "rfc822"
        unit = 1000 if whole_seconds else 1
        millis = st.integers(0, 4_102_444_800_000 // unit)  # up to 2100-01-01
        return millis.map(lambda m: _EPOCH + dt.timedelta(milliseconds=m * unit))

    def blob(self, shape: Shape, position: str) -> st.SearchStrategy[bytes]:
        lo = int(shape.metadata.get("min", 0))
        if position == Position.PAYLOAD:
            lo = max(lo, 1)
        return st.binary(min_size=lo, max_size=lo + 16)


def _fits(value: str, position: str) -> bool:
    if position in (Position.HEADER, Position.HEADER_LIST):
        return value.isascii() and value == value.strip() and "," not in value
    return True


def _documents() -> st.SearchStrategy[Any]:
    scalars = (
        st.none() | st.booleans() | st.integers(-1000, 1000) | st.text(_TEXT_CHARS, max_size=6)
    )
    return st.recursive(
        scalars,
        lambda inner: (
            st.lists(inner, max_size=3)
            | st.dictionaries(st.text(_TEXT_CHARS, max_size=6), inner, max_size=3)
        ),
        max_leaves=6,
    ).filter(lambda v: v is not None)
