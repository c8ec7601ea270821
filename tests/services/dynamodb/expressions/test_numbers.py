"""DynamoDB number arithmetic: exactness, range, precision and canonical rendering."""

from __future__ import annotations

import pytest

from lenticular.services.dynamodb.expressions import numbers


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("1E+2", "100"),
        ("1.50", "1.5"),
        ("-0", "0"),
        ("0.000", "0"),
        ("+3", "3"),
        (".123", "0.123"),
        ("0001.23", "1.23"),
        ("1e-5", "0.00001"),
        ("-17.4E3", "-17400"),
        (
            "9.9999999999999999999999999999999999999E+125",
            "99999999999999999999999999999999999999" + "0" * 88,
        ),
    ],
)
def test_normalize(text, canonical):
    assert numbers.normalize(text) == canonical


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1e126", numbers.OVERFLOW),
        ("-1e126", numbers.OVERFLOW),
        ("1e-131", numbers.UNDERFLOW),
        ("-1e-131", numbers.UNDERFLOW),
        ("123456789012345678901234567890123456789", numbers.TOO_PRECISE),
        ("-1.23456789012345678901234567890123456789", numbers.TOO_PRECISE),
    ],
)
def test_out_of_range(text, message, refused):
    refused(lambda: numbers.normalize(text), message)


def test_arithmetic_is_exact():
    assert numbers.add("1", "10000000000000000000000") == "10000000000000000000001"
    assert numbers.subtract("10000000000000000000000", "1") == "9999999999999999999999"
    assert numbers.add("0.1", "0.2") == "0.3"
    assert numbers.add("9e125", "9e124") == "99" + "0" * 124
    assert numbers.subtract("1.5", "1.5") == "0"


def test_arithmetic_overflow(refused):
    refused(lambda: numbers.add("9e125", "9e125"), numbers.OVERFLOW)
    refused(lambda: numbers.subtract("9e125", "-9e125"), numbers.OVERFLOW)
    # DynamoDB reports an imprecise sum as an overflow too.
    refused(lambda: numbers.add("1e50", "1"), numbers.OVERFLOW)


def test_compare():
    assert numbers.compare("10", "9") == 1
    assert numbers.compare("1.0", "1") == 0
    assert numbers.compare("-1", "1") == -1


def test_not_a_number(refused):
    refused(
        lambda: numbers.normalize("dog"),
        "The parameter cannot be converted to a numeric value: dog",
    )
