"""PartiQL literals as DynamoDB AttributeValues: numbers, Ion blobs, lists, maps and sets.

Numbers keep their text (the item and expression machinery normalises and range-checks
them as for any other request); `MISSING` is None and vanishes from maps, as in PartiQL.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from lenticular.services.dynamodb.errors import ValidationException

from .tokens import malformed

_SET_KINDS = {"S": "SS", "N": "NS", "B": "BS"}


def number_literal(text: str) -> dict[str, Any]:
    return {"N": text}


def ion_literal(text: str) -> dict[str, Any]:
    """A backquoted Ion value; DynamoDB's PartiQL uses them for binary: `{{aGk=}}`."""
    body = text.strip()
    if body.startswith("{{") and body.endswith("}}"):
        try:
            return {"B": base64.b64decode("".join(body[2:-2].split()), validate=True)}
        except (binascii.Error, ValueError):
            raise malformed("Invalid Ion blob literal") from None
    raise malformed("Unsupported Ion literal")


def list_value(items: list[dict[str, Any] | None]) -> dict[str, Any]:
    if any(item is None for item in items):
        raise ValidationException("Unsupported value: MISSING cannot be an element of a list")
    return {"L": items}


def map_value(pairs: list[tuple[dict[str, Any] | None, dict[str, Any] | None]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key is None or "S" not in key:
            raise ValidationException("Map keys must be strings")
        if value is not None:  # a MISSING value leaves the key out
            out[key["S"]] = value
    return {"M": out}


def set_value(items: list[dict[str, Any] | None]) -> dict[str, Any]:
    if not items:
        raise ValidationException(
            "One or more parameter values were invalid: An string set  may not be empty"
        )
    kinds = {next(iter(item)) if item else None for item in items}
    if len(kinds) != 1:
        raise ValidationException("Set elements must all be of the same type")
    kind = kinds.pop()
    set_kind = _SET_KINDS.get(kind) if kind is not None else None
    if set_kind is None:
        raise ValidationException("Set elements must be strings, numbers or binaries")
    return {set_kind: [item[kind] for item in items if item is not None]}  # type: ignore[index]
