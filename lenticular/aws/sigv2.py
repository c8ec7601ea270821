"""S3's legacy Signature Version 2: HMAC-SHA1 over a string built from the request.

Still sent by old S3 tools and by `signature_version="s3"` presigned URLs. The string to
sign is described at
https://docs.aws.amazon.com/AmazonS3/latest/userguide/RESTAuthentication.html
"""

from __future__ import annotations

import base64
import calendar
import hashlib
import hmac
from datetime import datetime
from email.utils import parsedate_tz
from typing import TYPE_CHECKING
from urllib.parse import unquote

from lenticular.aws import errors
from lenticular.protocol.http import HttpRequest

if TYPE_CHECKING:
    from lenticular.aws.sigv4 import Credential

MAX_SKEW_SECONDS = 15 * 60

# The query parameters that are part of the signed resource ("sub-resources").
SUB_RESOURCES = frozenset(
    {
        "accelerate", "acl", "analytics", "cors", "defaultObjectAcl", "delete", "inventory",
        "lifecycle", "location", "logging", "metrics", "notification", "object-lock",
        "partNumber", "policy", "replication", "requestPayment", "response-cache-control",
        "response-content-disposition", "response-content-encoding",
        "response-content-language", "response-content-type", "response-expires", "restore",
        "select", "select-type", "storageClass", "tagging", "torrent", "uploadId", "uploads",
        "versionId", "versioning", "versions", "website",
    }
)  # fmt: skip
# Sub-resources newer than the list above, which some signers include.
EXTRA_SUB_RESOURCES = SUB_RESOURCES | {
    "encryption", "intelligent-tiering", "legal-hold", "ownershipControls", "policyStatus",
    "publicAccessBlock", "retention",
}  # fmt: skip


def verify(
    request: HttpRequest, credential: Credential, secret_key: str, *, now: datetime, dialect: str
) -> None:
    """Raise S3's error unless the SigV2 signature over `request` is valid now."""
    from lenticular.aws.sigv4 import iso_time

    now_epoch = now.timestamp()
    headers = request.headers
    query = request.query_dict() if credential.presigned else {}
    if credential.presigned:
        try:
            expires = int(credential.expires)
        except ValueError:
            raise errors.access_denied("Invalid date (should be seconds since epoch)") from None
        if now_epoch > expires:
            raise errors.request_expired(
                {"Expires": iso_time(expires), "ServerTime": iso_time(now_epoch)}
            )
        date_lines = [credential.expires]
    else:
        date_lines = _header_date_lines(headers, now_epoch)
    content_md5 = _value(headers, query, "content-md5", "Content-MD5")
    content_type = _value(headers, query, "content-type", "Content-Type")
    amz = _canonical_amz_headers(headers, query)
    for date_line in date_lines:
        for resource in _canonical_resources(request):
            string_to_sign = (
                f"{request.method}\n{content_md5}\n{content_type}\n{date_line}\n{amz}{resource}"
            )
            digest = hmac.new(secret_key.encode(), string_to_sign.encode(), hashlib.sha1).digest()
            expected = base64.b64encode(digest).decode()
            if hmac.compare_digest(expected, credential.signature):
                return
    raise errors.signature_mismatch(
        dialect,
        {
            "AWSAccessKeyId": credential.access_key,
            "StringToSign": string_to_sign,
            "SignatureProvided": credential.signature,
            "StringToSignBytes": " ".join(f"{b:02x}" for b in string_to_sign.encode()),
        },
    )


def _header_date_lines(headers: dict[str, str], now: float) -> list[str]:
    """The Date line candidates; checks the request time is within 15 minutes of now."""
    from lenticular.aws.sigv4 import format_timestamp, iso_time

    raw = headers.get("x-amz-date") or headers.get("date", "")
    parsed = parsedate_tz(raw)
    if parsed is None:
        raise errors.access_denied("AWS authentication requires a valid Date or x-amz-date header")
    signed_at = calendar.timegm(parsed[:6]) - (parsed[9] or 0)
    if abs(now - signed_at) > MAX_SKEW_SECONDS:
        raise errors.request_time_too_skewed(format_timestamp(signed_at), iso_time(now))
    date = headers.get("date", "")
    # With x-amz-date present the Date line may be left empty (AWS's documented form) or
    # carry the Date header (what botocore sends).
    return ["", date] if "x-amz-date" in headers else [date]


def _value(headers: dict[str, str], query: dict[str, str], header: str, param: str) -> str:
    value = headers.get(header)
    if value is None:
        value = query.get(param, query.get(header, ""))
    return value.strip()


def _canonical_amz_headers(headers: dict[str, str], query: dict[str, str]) -> str:
    amz: dict[str, str] = {}
    for name, value in query.items():  # presigned URLs carry x-amz-* headers as parameters
        lower = name.lower()
        if lower.startswith("x-amz-"):
            amz[lower] = value.strip()
    for name, value in headers.items():
        if name.startswith("x-amz-"):
            amz[name] = ",".join(part.strip() for part in value.split(","))
    return "".join(f"{name}:{amz[name]}\n" for name in sorted(amz))


def _canonical_resources(request: HttpRequest):
    """The signed resource: the path (with the bucket for virtual-hosted style) and sub-resources."""
    raw_path = request.raw_path or "/"
    paths = [raw_path]
    if raw_path.count("/") == 1 and len(raw_path) > 1:
        paths.append(raw_path + "/")  # a bucket's resource is "/bucket/"
    host = request.host
    for marker in (".s3.", ".s3-"):
        cut = host.find(marker)
        if cut > 0:
            paths.append(f"/{host[:cut]}{raw_path}")
            break
    for names in (SUB_RESOURCES, EXTRA_SUB_RESOURCES):
        sub = _sub_resources(request.query_string, names)
        for path in paths:
            yield path + sub


def _sub_resources(query_string: str, names: frozenset[str]) -> str:
    if not query_string:
        return ""
    pairs = []
    for piece in query_string.split("&"):
        name, eq, value = piece.partition("=")
        if name in names:
            pairs.append(f"{name}={unquote(value)}" if eq else name)
    if not pairs:
        return ""
    pairs.sort(key=lambda pair: pair.partition("=")[0])
    return "?" + "&".join(pairs)
