"""Validation of DynamoDB resource tags (TagResource and CreateTable's Tags).

AWS's rules: a key of 1-128 and a value of 0-256 Unicode characters made of letters,
digits, white space and `_ . : / = + - @`; keys must not start with `aws:`; at most 50
tags on one resource.

Limitations versus AWS: the messages are lenticular's wording of those rules.
"""

from __future__ import annotations

import re
from typing import Any

from lenticular.services.dynamodb.errors import ValidationException

MAX_TAGS = 50
_ALLOWED = re.compile(r"[\w\s.:/=+\-@]*")  # \w: Unicode letters, digits and _


def check_tags(tags: list[dict[str, Any]], existing: set[str] | None = None) -> None:
    """Refuse tags AWS refuses; `existing` holds the keys the resource already has."""
    if not tags:
        raise ValidationException("The list of tags is empty")
    for tag in tags:
        key, value = tag.get("Key", ""), tag.get("Value", "")
        if not 1 <= len(key) <= 128 or not _ALLOWED.fullmatch(key):
            raise ValidationException(
                f"Invalid tag key: {key!r}. Tag keys are 1 to 128 letters, digits, spaces or"
                " _ . : / = + - @"
            )
        if key.startswith("aws:"):
            raise ValidationException(f"Invalid tag key: {key!r}. The aws: prefix is reserved")
        if len(value) > 256 or not _ALLOWED.fullmatch(value):
            raise ValidationException(
                f"Invalid tag value: {value!r}. Tag values are up to 256 letters, digits, spaces"
                " or _ . : / = + - @"
            )
    keys = (existing or set()) | {tag["Key"] for tag in tags}
    if len(keys) > MAX_TAGS:
        raise ValidationException(
            f"One or more parameter values were invalid: The number of tags exceeds the limit of"
            f" {MAX_TAGS} tags per resource"
        )
