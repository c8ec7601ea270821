"""The two plain HTTP values the protocol layer works on.

The ASGI app turns a connection into an `HttpRequest`; codecs turn results into an
`HttpResponse`. Nothing below the protocol layer sees either of them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl


@dataclass(slots=True)
class HttpRequest:
    method: str  # upper-case HTTP method
    path: str  # percent-decoded path, e.g. "/my-bucket/a b.txt"
    raw_path: str  # path exactly as sent (still percent-encoded), needed for SigV4 and S3 keys
    query_string: str  # raw query string without "?", still percent-encoded
    headers: dict[str, str]  # lower-cased names; repeated headers joined with ","
    body: bytes = b""  # the whole body, already read
    host: str = ""  # Host header without the port, lower-cased
    _query: list[tuple[str, str]] | None = field(default=None, repr=False)

    @property
    def query(self) -> list[tuple[str, str]]:
        """Decoded query parameters in order, blank values kept."""
        if self._query is None:
            self._query = parse_qsl(self.query_string, keep_blank_values=True)
        return self._query

    def query_dict(self) -> dict[str, str]:
        """Decoded query parameters, the first value of each name."""
        out: dict[str, str] = {}
        for k, v in self.query:
            out.setdefault(k, v)
        return out


@dataclass(slots=True)
class HttpResponse:
    status: int = 200
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    # A streaming body (S3 GetObject, Lambda response streams) replaces `body` when set.
    stream: Iterable[bytes] | AsyncIterator[bytes] | None = None

    def header(self, name: str) -> str | None:
        name = name.lower()
        for k, v in self.headers:
            if k.lower() == name:
                return v
        return None
