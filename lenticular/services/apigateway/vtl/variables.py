"""The variables API Gateway gives a mapping template: `$input`, `$util`, `$context` and
`$stageVariables`.
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-mapping-template-reference.html
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote_plus, unquote_plus

import orjson

from lenticular.services.apigateway.vtl.jsonpath import MISSING, select

Doc = dict[str, Any]


class BodyNotJson(ValueError):
    """`$input.json`/`$input.path` (or `$util.parseJson`) met text that is not JSON."""


def parse_json(text: str | bytes) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as error:
        raise BodyNotJson(str(error)) from None


@dataclass(slots=True)
class MethodParams:
    """The method request's parameters, as `$input.params()` shows them."""

    path: dict[str, str] = field(default_factory=dict)
    querystring: dict[str, str] = field(default_factory=dict)
    header: dict[str, str] = field(default_factory=dict)

    def find(self, name: str) -> str | None:
        """`name` in path, then query string, then headers (case-insensitive), as AWS
        searches them."""
        if name in self.path:
            return self.path[name]
        if name in self.querystring:
            return self.querystring[name]
        if name in self.header:
            return self.header[name]
        lowered = name.lower()
        for key, value in self.header.items():
            if key.lower() == lowered:
                return value
        return None


class InputVariable:
    """`$input`: the payload being mapped (the method request's body in a request
    template, the integration's response body in a response template) and the method
    request's parameters."""

    __slots__ = ("_raw", "_document", "_params")

    def __init__(self, body: bytes | str, params: MethodParams) -> None:
        self._raw = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
        self._document: Any = MISSING
        self._params = params

    @property
    def body(self) -> str:
        # AWS gives an empty payload to templates as "{}" (so $util.urlEncode($input.body)
        # and friends still get a string).
        return self._raw or "{}"

    def document(self) -> Any:
        if self._document is MISSING:
            self._document = parse_json(self._raw) if self._raw.strip() else {}
        return self._document

    def json(self, path: str = "$") -> str | None:
        """The JSON text of what `path` selects; null (prints as nothing) when nothing."""
        found = select(self.document(), path)
        return None if found is MISSING else orjson.dumps(found).decode("utf-8")

    def path(self, path: str = "$") -> Any:
        """The object `path` selects (a map, list, string, number...); null when nothing."""
        found = select(self.document(), path)
        return None if found is MISSING else found

    def params(self, name: str | None = None) -> Any:
        if name is None:
            return {
                "path": dict(self._params.path),
                "querystring": dict(self._params.querystring),
                "header": dict(self._params.header),
            }
        found = self._params.find(name)
        return "" if found is None else found


def escape_javascript(value: Any) -> str:
    """Commons Lang's StringEscapeUtils.escapeJavaScript, which API Gateway uses: quotes
    (single too, as `\\'`), backslash and `/` escaped, control characters and everything
    beyond ASCII as `\\uXXXX` (UTF-16 units, upper-case hex)."""
    text = "" if value is None else value if isinstance(value, str) else str(value)
    out: list[str] = []
    for char in text:
        code = ord(char)
        if code > 0xFFFF:
            units = char.encode("utf-16-be")
            out.append(f"\\u{units[0:2].hex().upper()}\\u{units[2:4].hex().upper()}")
        elif code > 0x7F:
            out.append(f"\\u{code:04X}")
        elif code < 32:
            out.append(_CONTROL.get(char) or f"\\u{code:04X}")
        else:
            out.append(_ESCAPED.get(char, char))
    return "".join(out)


_CONTROL = {"\b": "\\b", "\n": "\\n", "\t": "\\t", "\f": "\\f", "\r": "\\r"}
_ESCAPED = {"'": "\\'", '"': '\\"', "\\": "\\\\", "/": "\\/"}


class UtilVariable:
    """`$util`."""

    __slots__ = ()

    def escapeJavaScript(self, value: Any) -> str:  # noqa: N802 - the VTL name
        return escape_javascript(value)

    def parseJson(self, text: str) -> Any:  # noqa: N802
        return parse_json(text)

    def urlEncode(self, value: Any) -> str:  # noqa: N802
        # java.net.URLEncoder: space as "+", only letters, digits and ".-*_" kept.
        return quote_plus(str(value), safe="*").replace("~", "%7E")

    def urlDecode(self, value: Any) -> str:  # noqa: N802
        return unquote_plus(str(value))

    def base64Encode(self, value: Any) -> str:  # noqa: N802
        return base64.b64encode(str(value).encode("utf-8")).decode("ascii")

    def base64Decode(self, value: Any) -> str:  # noqa: N802
        try:
            return base64.b64decode(str(value), validate=True).decode("utf-8", "replace")
        except binascii.Error as error:
            raise ValueError(f"Invalid base64: {error}") from None


UTIL = UtilVariable()


def template_context(request_context: Doc) -> Doc:
    """`$context` for one render: the request's context, with the maps templates may
    read or `#set` (authorizer, request and response overrides) present."""
    context = dict(request_context)
    context["identity"] = dict(request_context.get("identity") or {})
    context["authorizer"] = dict(request_context.get("authorizer") or {})
    context["requestOverride"] = {"header": {}, "querystring": {}, "path": {}}
    context["responseOverride"] = {"header": {}}
    return context
