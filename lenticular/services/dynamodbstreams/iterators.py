"""Shard iterators: what GetShardIterator hands out and GetRecords takes back.

An iterator is an opaque string shaped like AWS's (`{stream ARN}|1|{token}`); the token
is base64url JSON of the stream's row id, the shard, the position (the sequence number
of the next record to read) and when the iterator was issued. Iterators expire 15
minutes after they are issued, as in AWS.
https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_streams_GetShardIterator.html
"""

from __future__ import annotations

import base64
import binascii
import time
from dataclasses import dataclass

import orjson

from lenticular.services.dynamodbstreams.errors import (
    ExpiredIteratorException,
    ValidationException,
)

LIFETIME = 15 * 60.0  # seconds an iterator stays valid
INVALID = "Invalid ShardIterator"


@dataclass(slots=True, frozen=True)
class Position:
    arn: str  # the stream's ARN
    stream_id: int  # the stream's row id (an ARN reused after 24 hours is another stream)
    shard_id: str
    seq: int  # the next record to read has this sequence number or a later one
    issued_at: float  # epoch seconds


def encode(position: Position) -> str:
    body = [position.stream_id, position.shard_id, position.seq, round(position.issued_at, 3)]
    token = base64.urlsafe_b64encode(orjson.dumps(body)).decode("ascii").rstrip("=")
    return f"{position.arn}|1|{token}"


def decode(text: str, now: float | None = None) -> Position:
    """The position of an iterator; ValidationException if it is not one of ours,
    ExpiredIteratorException if it is older than 15 minutes."""
    parts = text.rsplit("|", 2)
    if len(parts) != 3 or parts[1] != "1":
        raise ValidationException(INVALID)
    try:
        padded = parts[2] + "=" * (-len(parts[2]) % 4)
        stream_id, shard_id, seq, issued_at = orjson.loads(base64.urlsafe_b64decode(padded))
        position = Position(parts[0], int(stream_id), str(shard_id), int(seq), float(issued_at))
    except (ValueError, TypeError, binascii.Error, orjson.JSONDecodeError):
        raise ValidationException(INVALID) from None
    now = now if now is not None else time.time()
    if now - position.issued_at > LIFETIME:
        raise ExpiredIteratorException(
            f"Iterator expired. The iterator was created at time {_stamp(position.issued_at)}"
            f" while right now it is {_stamp(now)} which is further in the future than the"
            f" tolerated delay of {int(LIFETIME * 1000)} milliseconds."
        )
    return position


def _stamp(when: float) -> str:
    return time.strftime("%a %b %d %H:%M:%S UTC %Y", time.gmtime(when))
