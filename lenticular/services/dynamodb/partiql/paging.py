"""ExecuteStatement's NextToken: an opaque token wrapping a read's LastEvaluatedKey.

The token also carries a digest of the statement and its parameters, so a token replayed
with a different request is refused rather than silently resuming somewhere else.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from typing import Any

import orjson

from lenticular.services.dynamodb.errors import ValidationException
from lenticular.services.dynamodb.store import dump_item, load_item

INVALID_TOKEN = "Invalid NextToken"
MISMATCH = "NextToken does not match request"


def request_digest(statement: str, parameters: list[dict[str, Any]] | None) -> str:
    blob = statement.encode() + b"\0" + dump_item({"p": {"L": parameters or []}})
    return hashlib.sha256(blob).hexdigest()[:24]


def encode_token(digest: str, last_key: dict[str, Any]) -> str:
    payload = digest.encode() + b"|" + dump_item(last_key)
    return base64.urlsafe_b64encode(payload).decode()


def decode_token(token: str, digest: str) -> dict[str, Any]:
    try:
        payload = base64.urlsafe_b64decode(token.encode())
        found, _, body = payload.partition(b"|")
        last_key = load_item(body)
    except (binascii.Error, ValueError, orjson.JSONDecodeError):
        raise ValidationException(INVALID_TOKEN) from None
    if not isinstance(last_key, dict) or not last_key:
        raise ValidationException(INVALID_TOKEN)
    if found.decode(errors="replace") != digest:
        raise ValidationException(MISMATCH)
    return last_key
