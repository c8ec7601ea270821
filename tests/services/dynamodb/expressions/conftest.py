"""Helpers for the expression engine tests: build contexts and assert exact messages."""

from __future__ import annotations

import pytest

from lenticular.services.dynamodb.errors import ValidationException


def S(x: str) -> dict:
    return {"S": x}


def N(x: str | int) -> dict:
    return {"N": str(x)}


@pytest.fixture
def refused():
    """refused(callable, message): the call raises ValidationException with exactly `message`."""

    def check(call, message: str) -> None:
        with pytest.raises(ValidationException) as info:
            call()
        assert info.value.message == message

    return check
