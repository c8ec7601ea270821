"""Marker/MaxItems paging over a list, as Lambda's List* operations page."""

from __future__ import annotations

import base64
from typing import Any

from lenticular.services.awslambda.errors import InvalidParameterValueException


def page(items: list[Any], marker: str | None, max_items: int) -> tuple[list[Any], str | None]:
    """The page that starts at `marker` (opaque: an offset), and the next page's marker."""
    start = 0
    if marker:
        try:
            start = int(base64.urlsafe_b64decode(marker.encode()).decode())
        except (ValueError, UnicodeDecodeError):
            raise InvalidParameterValueException("Invalid marker: " + marker) from None
    end = start + max(1, max_items)
    following = base64.urlsafe_b64encode(str(end).encode()).decode() if end < len(items) else None
    return items[start:end], following
