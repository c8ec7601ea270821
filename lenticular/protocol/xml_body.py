"""XML bodies for the rest-xml protocol (S3, CloudFront, Route 53), read and written by shape.

Members are elements named by their `locationName` (else the member name); lists wrap
their items in `<member>` (or the item's `locationName`) unless `flattened`, in which
case the items repeat in the parent; maps are `<entry><key/><value/></entry>` (flattened:
the entries repeat in the parent); `xmlAttribute` members are attributes (S3's
`xsi:type` on a Grantee). Timestamps are ISO 8601 unless `timestampFormat` says otherwise.

Parsing is safe: a body with a DOCTYPE or ENTITY declaration is refused before the parser
sees it (no entity expansion, no external fetches), and any parse failure becomes
`MalformedXML` instead of an exception.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any
from xml.sax.saxutils import escape as _sax_escape
from xml.sax.saxutils import quoteattr

from botocore.model import OperationModel, ServiceModel, Shape

from lenticular.errors import ServiceError
from lenticular.protocol.rest_binding import (
    decode_base64,
    encode_base64,
    format_timestamp,
    parse_timestamp,
)

XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'
Read = Callable[[ET.Element], Any]
Write = Callable[[Any, str], str]  # (value, element name) -> XML text


class MalformedXML(ServiceError):
    code = "MalformedXML"
    status = 400

    def __init__(self, detail: str = "") -> None:
        super().__init__(
            "The XML you provided was not well-formed or did not validate against our "
            "published schema" + (f" ({detail})" if detail else "")
        )


def parse_xml(body: bytes) -> ET.Element:
    """The root element of `body`; `MalformedXML` for bad or unsafe XML."""
    if b"<!" in body:
        upper = body.upper()
        if b"<!DOCTYPE" in upper or b"<!ENTITY" in upper:
            raise MalformedXML("DOCTYPE and ENTITY declarations are not allowed")
    try:
        parser = ET.XMLParser()
        parser.feed(body)
        return parser.close()
    except ET.ParseError as exc:
        raise MalformedXML(str(exc)) from None


def escape(text: str) -> str:
    """XML text escaping, with a fast path for the common text that needs none."""
    if "&" in text or "<" in text or ">" in text or "\r" in text:
        return _sax_escape(text, {"\r": "&#13;"})
    return text


def local_name(tag: str) -> str:
    return tag.rpartition("}")[2] if tag.startswith("{") else tag


def service_namespace(service: ServiceModel) -> str | None:
    """The service's XML namespace: the first un-prefixed `xmlNamespace` in its model
    (S3 and CloudFront put it on input payload members, Route 53 on input shapes)."""
    name = service.service_name
    if name not in _NAMESPACES:
        found = None
        raw = service._service_description  # the raw model
        operation_refs = [op.get("input", {}) for op in raw.get("operations", {}).values()]
        for shape in [{"members": {"": ref}} for ref in operation_refs] + list(
            raw.get("shapes", {}).values()
        ):
            refs = [shape, *shape.get("members", {}).values()]
            for ref in refs:
                ns = ref.get("xmlNamespace")
                if isinstance(ns, dict) and ns.get("uri") and not ns.get("prefix"):
                    found = ns["uri"]
                    break
            if found:
                break
        _NAMESPACES[name] = found
    return _NAMESPACES[name]


_NAMESPACES: dict[str, str | None] = {}


def _text(node: ET.Element) -> str:
    return node.text or ""


def _scalar_reader(shape: Shape) -> Read:
    kind = shape.type_name
    if kind in ("integer", "long"):

        def read_int(node: ET.Element) -> Any:
            text = _text(node).strip()
            try:
                return int(text)
            except ValueError:
                return text

        return read_int
    if kind in ("float", "double"):

        def read_float(node: ET.Element) -> Any:
            text = _text(node).strip()
            try:
                return float(text)
            except ValueError:
                return text

        return read_float
    if kind == "boolean":

        def read_bool(node: ET.Element) -> Any:
            text = _text(node).strip().lower()
            return text == "true" if text in ("true", "false") else _text(node)

        return read_bool
    if kind == "timestamp":
        return lambda node: parse_timestamp(_text(node).strip())
    if kind == "blob":
        return lambda node: decode_base64(_text(node).strip())
    return _text


def _scalar_writer(shape: Shape) -> Callable[[Any], str]:
    kind = shape.type_name
    if kind == "boolean":
        return lambda v: ("true" if v else "false") if isinstance(v, bool) else str(v).lower()
    if kind == "timestamp":
        fmt = shape.serialization.get("timestampFormat", "iso8601")
        return lambda v: str(format_timestamp(v, fmt))
    if kind == "blob":
        return encode_base64
    if kind in ("float", "double"):
        return lambda v: repr(float(v)) if isinstance(v, int | float) else str(v)
    return str


def _xml_name(name: str, member: Shape) -> str:
    return str(member.serialization.get("name", name))


def _ns_attr(shape: Shape) -> str:
    ns = shape.serialization.get("xmlNamespace")
    if not isinstance(ns, dict) or not ns.get("uri"):
        return ""
    prefix = ns.get("prefix")
    attr = f"xmlns:{prefix}" if prefix else "xmlns"
    return f" {attr}={quoteattr(ns['uri'])}"


class XmlBodyFormat:
    """XML bodies of one service: per-shape reader/writer closures, compiled once and memoized."""

    content_type = "application/xml"

    def __init__(self, namespace: str | None, root_names: Callable[[OperationModel], str]) -> None:
        self.namespace = namespace  # the service's namespace, put on root elements
        self._root_names = root_names
        self._readers: dict[str, Read] = {}
        self._writers: dict[str, Write] = {}

    def output_root(self, operation: OperationModel) -> str:
        return self._root_names(operation)

    # -- reading ------------------------------------------------------------------------

    def reader(self, shape: Shape) -> Callable[[bytes], Any]:
        read = self._reader(shape)
        return lambda body: read(parse_xml(body))

    def _reader(self, shape: Shape) -> Read:
        key = _key(shape)
        hit = self._readers.get(key)
        if hit is not None:
            return hit
        kind = shape.type_name
        if kind == "structure":
            return self._structure_reader(shape, key)
        if kind in ("list", "map"):
            self._readers[key] = lambda node: self._readers[key](node)
        if kind == "list":
            item = self._reader(shape.member)
            read: Read = lambda node: [item(child) for child in node]  # noqa: E731
        elif kind == "map":
            pair = self._pair_reader(shape)
            read = lambda node: dict(pair(child) for child in node)  # noqa: E731
        else:
            read = _scalar_reader(shape)
        self._readers[key] = read
        return read

    def _pair_reader(self, shape: Shape) -> Callable[[ET.Element], tuple[Any, Any]]:
        key_name = shape.key.serialization.get("name", "key")
        value_name = shape.value.serialization.get("name", "value")
        read_key = self._reader(shape.key)
        read_value = self._reader(shape.value)

        def pair(entry: ET.Element) -> tuple[Any, Any]:
            k: Any = None
            v: Any = None
            for child in entry:
                tag = local_name(child.tag)
                if tag == key_name:
                    k = read_key(child)
                elif tag == value_name:
                    v = read_value(child)
            return k, v

        return pair

    def _structure_reader(self, shape: Shape, key: str) -> Read:
        # tag -> (member name, reader, how: "one" | "list" | "map")
        by_tag: dict[str, tuple[str, Read, str]] = {}
        attributes: list[tuple[str, str]] = []  # (attribute local name, member name)

        def structure(node: ET.Element) -> dict[str, Any]:
            out: dict[str, Any] = {}
            for child in node:
                spec = by_tag.get(local_name(child.tag))
                if spec is None:
                    continue
                name, read, how = spec
                if how == "one":
                    out[name] = read(child)
                elif how == "list":
                    out.setdefault(name, []).append(read(child))
                else:
                    k, v = read(child)
                    out.setdefault(name, {})[k] = v
            if attributes and node.attrib:
                for attr, value in node.attrib.items():
                    for wanted, name in attributes:
                        if local_name(attr) == wanted:
                            out[name] = value
            return out

        self._readers[key] = structure
        for name, member in shape.members.items():
            ser = member.serialization
            if "location" in ser:
                continue
            if ser.get("xmlAttribute"):
                attributes.append((str(ser.get("name", name)).rpartition(":")[2], name))
                continue
            flattened = ser.get("flattened")
            if member.type_name == "list" and flattened:
                tag = member.member.serialization.get("name") or _xml_name(name, member)
                by_tag[tag] = (name, self._reader(member.member), "list")
            elif member.type_name == "map" and flattened:
                by_tag[_xml_name(name, member)] = (name, self._pair_reader(member), "map")
            else:
                by_tag[_xml_name(name, member)] = (name, self._reader(member), "one")
        return structure

    # -- writing ------------------------------------------------------------------------

    def writer(self, shape: Shape, root_name: str) -> Callable[[Any], bytes]:
        """The whole document for `shape`, with the service namespace on the root element
        unless the shape names its own."""
        write = self._writer(shape)
        if shape.type_name == "structure":
            body = [(n, m) for n, m in shape.members.items() if "location" not in m.serialization]
            if len(body) == 1 and _xml_name(*body[0]) == root_name:
                name, member = body[0]
                if member.type_name not in ("structure", "list", "map"):
                    # A document that is just one value: S3 GetBucketLocation's
                    # `<LocationConstraint>eu-west-1</LocationConstraint>`.
                    scalar = self._writer(member)
                    write = lambda value, tag: scalar(value.get(name, ""), tag)  # noqa: E731
        namespace = None if "xmlNamespace" in shape.serialization else self.namespace
        head = f"<{root_name}"

        def write_root(value: Any) -> bytes:
            text = write(value, root_name)
            if namespace and text.startswith(head):
                text = f"{head} xmlns={quoteattr(namespace)}{text[len(head) :]}"
            return (XML_DECLARATION + text).encode()

        return write_root

    def children_writer(self, shape: Shape) -> Callable[[Any], str]:
        """The member elements of structure `shape`, without a wrapping element (error details)."""
        write = self._writer(shape)

        def children(value: Any) -> str:
            text = write(value, "x")
            inner = text[text.index(">") + 1 : -len("</x>")] if text.endswith("</x>") else ""
            return inner

        return children

    def _writer(self, shape: Shape) -> Write:
        key = _key(shape)
        hit = self._writers.get(key)
        if hit is not None:
            return hit
        kind = shape.type_name
        if kind == "structure":
            return self._structure_writer(shape, key)
        if kind in ("list", "map"):
            self._writers[key] = lambda value, tag: self._writers[key](value, tag)
        if kind == "list":
            write = self._list_writer(shape, flattened=False)
        elif kind == "map":
            write = self._map_writer(shape, flattened=False)
        else:
            scalar = _scalar_writer(shape)

            def write(value: Any, tag: str) -> str:
                return f"<{tag}>{escape(scalar(value))}</{tag}>"

        self._writers[key] = write
        return write

    def _list_writer(self, shape: Shape, flattened: bool) -> Write:
        item = self._writer(shape.member)
        item_name = shape.member.serialization.get("name")
        ns = _ns_attr(shape)
        if flattened:

            def write_flat(value: Any, tag: str) -> str:
                name = item_name or tag
                return "".join(item(v, name) for v in value if v is not None)

            return write_flat
        inner = item_name or "member"

        def write_list(value: Any, tag: str) -> str:
            items = "".join(item(v, inner) for v in value if v is not None)
            return f"<{tag}{ns}>{items}</{tag}>"

        return write_list

    def _map_writer(self, shape: Shape, flattened: bool) -> Write:
        key_name = shape.key.serialization.get("name", "key")
        value_name = shape.value.serialization.get("name", "value")
        write_key = self._writer(shape.key)
        write_value = self._writer(shape.value)

        def entries(value: Any, entry_tag: str) -> str:
            return "".join(
                f"<{entry_tag}>{write_key(k, key_name)}{write_value(v, value_name)}</{entry_tag}>"
                for k, v in value.items()
                if v is not None
            )

        if flattened:
            return entries
        return lambda value, tag: f"<{tag}>{entries(value, 'entry')}</{tag}>"

    def _structure_writer(self, shape: Shape, key: str) -> Write:
        members: list[tuple[str, str, Write]] = []
        attributes: list[tuple[str, str]] = []  # (member name, attribute name)
        ns = _ns_attr(shape)

        def structure(value: Any, tag: str) -> str:
            if not isinstance(value, dict):
                return f"<{tag}>{escape(str(value))}</{tag}>"
            attrs = ns
            for name, attr in attributes:
                if value.get(name) is not None:
                    attrs += f" {attr}={quoteattr(str(value[name]))}"
            parts = [
                write(value[name], xml_name)
                for name, xml_name, write in members
                if value.get(name) is not None
            ]
            return f"<{tag}{attrs}>{''.join(parts)}</{tag}>"

        self._writers[key] = structure
        for name, member in shape.members.items():
            ser = member.serialization
            if "location" in ser:
                continue
            if ser.get("xmlAttribute"):
                attributes.append((name, str(ser.get("name", name))))
                continue
            flattened = bool(ser.get("flattened"))
            if member.type_name == "list" and flattened:
                write = self._list_writer(member, flattened=True)
            elif member.type_name == "map" and flattened:
                write = self._map_writer(member, flattened=True)
            else:
                write = self._writer(member)
            members.append((name, _xml_name(name, member), write))
        return structure


def _key(shape: Shape) -> str:
    ser = shape.serialization
    ns = ser.get("xmlNamespace") or {}
    return f"{shape.name}|{ser.get('timestampFormat', '')}|{ns.get('prefix')}|{ns.get('uri')}"
