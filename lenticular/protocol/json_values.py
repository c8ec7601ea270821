"""JSON values <-> the codec conventions (datetime, bytes), compiled per shape.

The json and CBOR codecs share these: scalar conversions for timestamps in each wire
format and for blobs, and `ConverterCompiler`, which turns a shape into a closure that
converts only the members that need it (or None when nothing does).
"""

from __future__ import annotations

import base64
import binascii
import math
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

from botocore.model import Shape

from lenticular.errors import ServiceError

Convert = Callable[[Any], Any]
Leaf = Callable[[Shape], Convert | None]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def serialization_error(message: str = "") -> ServiceError:
    """AWS's SerializationException: a body that does not decode in the protocol's format."""
    return ServiceError(message, code="SerializationException", status=400)


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
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        if len(value) % 4:
            raise serialization_error("Base64 encoded length is expected a multiple of 4") from None
        raise serialization_error("Invalid Base64 character in a blob value") from None


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


def json_read_leaf_with_floats(shape: Shape) -> Convert | None:
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
