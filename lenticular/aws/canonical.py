"""The canonical request of SigV4: the exact string a signer hashes.

https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html#create-canonical-request
S3 differs from every other service: its canonical URI is the path as sent (encoded
once, no normalisation), and its presigned URLs sign `UNSIGNED-PAYLOAD`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING
from urllib.parse import quote, unquote, unquote_plus

from lenticular.protocol.http import HttpRequest

if TYPE_CHECKING:
    from lenticular.aws.sigv4 import Credential

EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"


def auth_parameters(query_string: str) -> dict[str, str]:
    """The decoded X-Amz-* parameters of a query string (first of each), skipping the rest.

    Cheaper than decoding the whole query: operation parameters stay untouched.
    """
    found: dict[str, str] = {}
    for piece in query_string.split("&"):
        if piece[:6] == "X-Amz-":
            name, _, value = piece.partition("=")
            if name not in found:
                found[name] = _decode_parameter(value)
    return found


def _decode_parameter(value: str) -> str:
    if "%" not in value and "+" not in value:
        return value
    # The credential scope's slashes and SignedHeaders' semicolons are the usual escapes.
    fast = value.replace("%2F", "/").replace("%3B", ";")
    if "%" not in fast and "+" not in fast:
        return fast
    return unquote_plus(value)


def payload_hash(request: HttpRequest, credential: Credential, s3: bool) -> str:
    declared = request.headers.get("x-amz-content-sha256")
    if declared is not None:
        return declared  # a hash, UNSIGNED-PAYLOAD or a STREAMING-* marker, signed as sent
    if credential.presigned:
        if "X-Amz-Content-Sha256=" in request.query_string:
            return auth_parameters(request.query_string)["X-Amz-Content-Sha256"]
        if s3:
            return UNSIGNED_PAYLOAD
    return hashlib.sha256(request.body).hexdigest() if request.body else EMPTY_SHA256


def canonical_requests(
    request: HttpRequest, credential: Credential, payload: str, s3: bool
) -> Iterator[str]:
    """The canonical request, then the variants other signers produce from odd URLs.

    The first is what AWS's SDKs sign; the variants (path re-encoded, query signed as
    sent) are only tried when it fails, so a well-behaved request pays for one.
    """
    headers = _canonical_headers(request, credential.signed_headers)
    tail = f"{headers}\n\n{credential.signed_headers}\n{payload}"
    drop = "X-Amz-Signature" if credential.presigned else None
    paths = _canonical_paths(request.raw_path, s3)
    queries = [_canonical_query(request.query_string, drop, unquote_plus)]
    first = f"{request.method}\n{paths[0]}\n{queries[0]}\n{tail}"
    yield first
    queries.append(_canonical_query(request.query_string, drop, None))
    queries.append(_canonical_query(request.query_string, drop, unquote))
    seen = {first}
    for path in paths:
        for query in queries:
            candidate = f"{request.method}\n{path}\n{query}\n{tail}"
            if candidate not in seen:
                seen.add(candidate)
                yield candidate


def _canonical_paths(raw_path: str, s3: bool) -> list[str]:
    raw_path = raw_path or "/"
    if s3:
        # S3 signs the path as sent, encoded once; a client that left characters
        # unencoded still signed the encoded form.
        # Some signers sign an empty path for the root, which HTTP sends as "/".
        paths = [raw_path, quote(unquote(raw_path), safe="/~")]
        return paths + [""] if raw_path == "/" else paths
    # Everyone else: dot segments and empty segments removed, then encoded again.
    return [quote(_remove_dot_segments(raw_path), safe="/~")]


def _remove_dot_segments(path: str) -> str:
    if "//" not in path and "/." not in path:
        return path
    out: list[str] = []
    for segment in path.split("/"):
        if segment == "..":
            if out:
                out.pop()
        elif segment and segment != ".":
            out.append(segment)
    joined = "/" + "/".join(out)
    if path.endswith("/") and out:
        joined += "/"
    return joined


_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~")


def _canonical_query(
    query_string: str, drop: str | None, decode: Callable[[str], str] | None
) -> str:
    """Pairs sorted by encoded name then value, each encoded as AWS's URI-encode does.

    `decode` is how to read the sent form before re-encoding (None: keep it as sent).
    """
    if not query_string:
        return ""
    pairs = []
    for piece in query_string.split("&"):
        if not piece:
            continue
        name, _, value = piece.partition("=")
        if name == drop:
            continue
        if decode is not None:
            if not _UNRESERVED.issuperset(name):
                name = quote(decode(name), safe="-_.~")
            if not _UNRESERVED.issuperset(value):
                value = quote(decode(value), safe="-_.~")
        pairs.append((name, value))
    pairs.sort()
    return "&".join([f"{name}={value}" for name, value in pairs])


def _canonical_headers(request: HttpRequest, signed_headers: str) -> str:
    headers = request.headers
    lines = []
    for name in signed_headers.split(";"):
        value = headers.get(name)
        if value is None:
            value = request.host if name == "host" else ""
        lines.append(f"{name}:{' '.join(value.split())}")
    return "\n".join(lines)
