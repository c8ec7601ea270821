"""Paging tokens for CloudWatch Logs: opaque to clients, validated when they come back.

- List tokens (DescribeLogGroups/Streams, FilterLogEvents) carry the sort key of the
  last item returned, so a page never repeats or skips items when others are added.
- GetLogEvents tokens look like AWS's (`f/<56 digits>/s`, `b/<56 digits>/s`) and carry a
  position in the stream, (timestamp, event row id): a forward token reads events after
  it, a backward token events before it.
"""

from __future__ import annotations

import base64
import re
from typing import Any

import orjson

from lenticular.services.logs.errors import InvalidParameterException

INVALID_TOKEN = "The specified nextToken is invalid."
_STREAM_TOKEN = re.compile(r"([fb])/(\d{20})(\d{36})/s")


def encode_key(kind: str, key: list[Any]) -> str:
    raw = orjson.dumps([kind, *key])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_key(kind: str, token: str, length: int) -> list[Any]:
    try:
        padded = token + "=" * (-len(token) % 4)
        value = orjson.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, orjson.JSONDecodeError):
        raise InvalidParameterException(INVALID_TOKEN) from None
    if not isinstance(value, list) or len(value) != length + 1 or value[0] != kind:
        raise InvalidParameterException(INVALID_TOKEN)
    return value[1:]


def stream_token(direction: str, position: tuple[int, int]) -> str:
    timestamp, row_id = position
    return f"{direction}/{max(timestamp, 0):020d}{max(row_id, 0):036d}/s"


def parse_stream_token(token: str) -> tuple[str, tuple[int, int]]:
    """("f" or "b", (timestamp, row id)) of a GetLogEvents token."""
    match = _STREAM_TOKEN.fullmatch(token)
    if match is None:
        raise InvalidParameterException(INVALID_TOKEN)
    return match.group(1), (int(match.group(2)), int(match.group(3)))
