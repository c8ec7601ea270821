"""DynamoDB's HTTP-level behaviour: request size limits and response compression.

DynamoDB refuses (400) a request whose request line or header section exceeds 16 KB,
before looking at its signature.

Response compression: gzip or deflate for large answers, per Accept-Encoding.

DynamoDB compresses a response body of 4 KB or more when the request's Accept-Encoding
allows gzip or deflate, and sends `Content-Encoding` with it; `x-amz-crc32` is then the
checksum of the bytes sent (the compressed body), which is what botocore checks.

The header is read the way DynamoDB reads it (measured by ScyllaDB's Alternator tests
against AWS): entries split on commas, case-insensitive names that must be exactly
`gzip`, `deflate` or `*` (`x-gzip`, `"gzip"` or `gzip br` count for nothing); an entry's
quality is the value after the first `q=` in its parameters (a value that is not a number
counts as 1, values above 1 as 1, zero or below as "not acceptable"); the highest quality
wins, a named coding beats one only covered by `*`, then the earlier entry, then gzip.

Limitations versus AWS: repeated Accept-Encoding headers arrive joined with commas, so
all of them count (DynamoDB reads only the first); responses are never sent chunked.
"""

from __future__ import annotations

import gzip
import re
import zlib

from lenticular.errors import ServiceError
from lenticular.protocol.http import HttpRequest, HttpResponse

MAX_REQUEST_LINE = 16 * 1024  # bytes of method, path and query
MAX_HEADER_BYTES = 16 * 1024  # bytes of all header lines together
COMPRESSION_THRESHOLD = 4096  # bytes of response body from which DynamoDB compresses
_CODINGS = ("gzip", "deflate")
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)")


def check_request_size(request: HttpRequest) -> None:
    """A 400 for an oversized request line or header section (DynamoDB's 16 KB limits)."""
    line = len(request.method) + len(request.raw_path) + len(request.query_string) + 11
    if line > MAX_REQUEST_LINE:
        raise ServiceError("Request line too long", code="BadRequest", status=400)
    size = 0
    for name, value in request.headers.items():  # (a plain loop: compiled, ~4x cheaper)
        size += len(name) + len(value) + 4
    if size > MAX_HEADER_BYTES:
        raise ServiceError("Request header section too large", code="BadRequest", status=400)


def choose_encoding(accept_encoding: str) -> str | None:
    """The coding DynamoDB would answer with for this Accept-Encoding value, or None."""
    best: dict[str, tuple[float, int, int]] = {}  # coding -> (quality, named, -position)
    wildcard: float | None = None
    for position, entry in enumerate(accept_encoding.split(",")):
        name, _, params = entry.partition(";")
        name = name.strip().lower()
        if name not in ("gzip", "deflate", "*"):
            continue
        quality = _quality(params)
        if name == "*":
            wildcard = quality if wildcard is None else max(wildcard, quality)
            continue
        known = best.get(name)
        if known is None:
            best[name] = (quality, 1, -position)
        elif quality > known[0]:  # a repeated coding counts with its best quality
            best[name] = (quality, 1, known[2])
    if wildcard is not None:
        for coding in _CODINGS:
            best.setdefault(coding, (wildcard, 0, 0))
    candidates = [
        (ranked, -index, coding)
        for index, coding in enumerate(_CODINGS)
        if (ranked := best.get(coding)) is not None and ranked[0] > 0
    ]
    return max(candidates)[2] if candidates else None


def _quality(params: str) -> float:
    at = params.find("q=")
    if at < 0:
        return 1.0
    value = params[at + 2 :].split(";", 1)[0].strip()
    if not _NUMBER.fullmatch(value):
        return 1.0
    return min(max(float(value), 0.0), 1.0)


def compress_response(response: HttpResponse, accept_encoding: str | None) -> HttpResponse:
    """`response` compressed as the request allows, when its body is large enough."""
    if (
        not accept_encoding
        or response.stream is not None
        or len(response.body) < COMPRESSION_THRESHOLD
    ):
        return response
    coding = choose_encoding(accept_encoding)
    if coding is None:
        return response
    body = gzip.compress(response.body, 6) if coding == "gzip" else zlib.compress(response.body, 6)
    headers = []
    for name, value in response.headers:
        lower = name.lower()
        if lower == "x-amz-crc32":
            value = str(zlib.crc32(body) & 0xFFFFFFFF)
        elif lower == "content-length":
            continue
        headers.append((name, value))
    headers.append(("Content-Encoding", coding))
    return HttpResponse(response.status, headers, body)
