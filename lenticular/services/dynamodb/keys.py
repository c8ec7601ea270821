"""Order-preserving byte encoding of key attributes, so SQLite's BLOB order is DynamoDB's.

SQLite compares BLOBs with memcmp (shorter first on a common prefix), so a key value is
stored as bytes whose memcmp order equals DynamoDB's order for its type:

- S: the UTF-8 bytes (DynamoDB orders strings by their UTF-8 bytes).
- B: the bytes themselves.
- N: a decimal encoding: one sign byte (negative < zero < positive), then for non-zero
  numbers the adjusted exponent (-130..125 fits one byte) and the significant digits two
  per byte; negative numbers have exponent and digits complemented and a 0xFF terminator
  so that a shorter digit string sorts after its extensions, as -0.12 > -0.123 requires.

A multi-attribute GSI key (several HASH or several RANGE attributes) is stored as the
tuple encoding of its parts: each part's bytes with 0x00 escaped as 0x00 0xFF, then the
terminator 0x00 0x01. Concatenated, these compare part by part (a part that is a prefix
of another sorts first), and the encoding of leading parts is a byte prefix of the whole
key, so a Query on the first k sort-key attributes is a prefix range.

The partition key column also starts with a 4-byte token (a CRC32 of the encoded value),
so a table's partitions are spread over 2**32 token values: a Scan walks them in token
order (like DynamoDB, not in key order) and parallel-scan segments are contiguous token
ranges, disjoint and together covering every partition. A Query fixes the token, so the
items of one partition stay contiguous and ordered by their sort key.
"""

from __future__ import annotations

import struct
import zlib
from decimal import Decimal
from typing import Any

TOKEN_SPACE = 1 << 32
_EXP_BIAS = 130  # adjusted exponents -130..125 -> 0..255

NEGATIVE, ZERO, POSITIVE = b"\x01", b"\x02", b"\x03"


def encode_number(text: str) -> bytes:
    """`text` is a valid DynamoDB number (already checked by `values`)."""
    sign, digits, exponent = Decimal(text).as_tuple()
    if not any(digits):
        return ZERO
    adjusted = exponent + len(digits) - 1  # type: ignore[operator]  (no leading zeros here)
    end = len(digits)
    while digits[end - 1] == 0:
        end -= 1
    sig = digits[:end]
    packed = bytearray()
    for i in range(0, len(sig), 2):
        high = sig[i]
        low = sig[i + 1] + 1 if i + 1 < len(sig) else 0
        packed.append(high * 11 + low + 1)  # 1..109; a lone last digit sorts before pairs
    exp_byte = adjusted + _EXP_BIAS
    if not sign:
        return POSITIVE + bytes((exp_byte,)) + bytes(packed)
    return NEGATIVE + bytes((255 - exp_byte,)) + bytes(255 - b for b in packed) + b"\xff"


def encode_value(kind: str, value: Any) -> bytes:
    """The sort bytes of a key value of type `kind` ("S", "N" or "B")."""
    if kind == "S":
        return value.encode()
    if kind == "N":
        return encode_number(value)
    return bytes(value)


TUPLE_END = b"\x00\x01"  # ends each part of a tuple encoding


def escape_part(encoded: bytes) -> bytes:
    """One part of a tuple encoding without its terminator (for begins_with ranges)."""
    return encoded.replace(b"\x00", b"\x00\xff")


def encode_tuple(parts: list[bytes] | tuple[bytes, ...]) -> bytes:
    """The order-preserving encoding of several encoded key values (see above)."""
    return b"".join(escape_part(p) + TUPLE_END for p in parts)


_crc32 = zlib.crc32
_pack_token = struct.Struct(">I").pack  # (cheaper than int.to_bytes(4, "big"))


def token(encoded_hash: bytes) -> bytes:
    return _pack_token(_crc32(encoded_hash))


def hash_column(encoded_hash: bytes) -> bytes:
    """What the items table stores as `hash_key`: the token, then the encoded value."""
    return _pack_token(_crc32(encoded_hash)) + encoded_hash


def segment_bounds(segment: int, total: int) -> tuple[bytes, bytes | None]:
    """The `hash_key` range [low, high) of parallel-scan segment `segment` of `total`."""
    low = (segment * TOKEN_SPACE // total).to_bytes(4, "big")
    if segment + 1 >= total:
        return low, None
    return low, ((segment + 1) * TOKEN_SPACE // total).to_bytes(4, "big")
