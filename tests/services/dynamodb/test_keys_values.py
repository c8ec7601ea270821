"""Engine tests (no server): the order-preserving key encoding and value validation."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest

from lenticular.services.dynamodb.errors import ValidationException
from lenticular.services.dynamodb.keys import encode_number, segment_bounds
from lenticular.services.dynamodb.values import (
    BadValue,
    check_item,
    check_value,
    normalise_number,
    number_size,
)


def random_number(rng: random.Random) -> str:
    digits = "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 38)))
    exponent = rng.randint(-128, 86)
    sign = rng.choice(["", "-"])
    return normalise_number(f"{sign}{digits}e{exponent}")


def test_number_encoding_orders_like_decimal():
    rng = random.Random(1234)
    numbers = [random_number(rng) for _ in range(20000)]
    # edge cases: extremes, zero, near-equal prefixes, shared digit prefixes
    numbers += ["0", "1", "-1", "10", "100", "0.1", "-0.1", "12", "123", "-12", "-123"]
    numbers += ["9" * 38 + "e87", "-" + "9" * 38 + "e87", "1e-130", "-1e-130", "1e125", "-1e125"]
    numbers = [normalise_number(n) for n in numbers]
    by_decimal = sorted(numbers, key=Decimal)
    by_bytes = sorted(numbers, key=encode_number)
    assert [Decimal(n) for n in by_bytes] == [Decimal(n) for n in by_decimal]
    # equal numbers encode equally, different numbers differently
    assert len({encode_number(n) for n in numbers}) == len({Decimal(n) for n in numbers})


def test_number_encoding_neighbours():
    rng = random.Random(99)
    for _ in range(5000):
        a = Decimal(random_number(rng))
        b = a + Decimal(rng.choice(["1", "0.5", "1e-5", "-1", "-1e-30"]))
        b_text = normalise_number(format(b, "f")) if len(b.as_tuple().digits) <= 38 else None
        if b_text is None:
            continue
        a_text = normalise_number(format(a, "f"))
        assert (encode_number(a_text) < encode_number(b_text)) == (a < Decimal(b_text))


@pytest.mark.parametrize(
    ("text", "normal"),
    [
        ("1.0", "1"),
        ("-0", "0"),
        ("0.000", "0"),
        ("007", "7"),
        ("1e2", "100"),
        ("1.50", "1.5"),
        ("-1.2300e-2", "-0.0123"),
        ("+5", "5"),
        (".5", "0.5"),
    ],
)
def test_numbers_are_normalised(text, normal):
    assert normalise_number(text) == normal


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("abc", "The parameter cannot be converted to a numeric value: abc"),
        ("", "The parameter cannot be converted to a numeric value"),
        ("1_000", "The parameter cannot be converted to a numeric value: 1_000"),
        ("NaN", "The parameter cannot be converted to a numeric value: NaN"),
        ("1" * 39, "Attempting to store more than 38 significant digits in a Number"),
        (
            "1e126",
            "Number overflow. Attempting to store a number with magnitude larger than supported range",
        ),
        (
            "1e-131",
            "Number underflow. Attempting to store a number with magnitude smaller than supported"
            " range",
        ),
    ],
)
def test_bad_numbers(text, message):
    with pytest.raises(BadValue) as info:
        normalise_number(text)
    assert info.value.message == message


def test_limits_are_inclusive():
    assert normalise_number("9.9999999999999999999999999999999999999e125")
    assert normalise_number("1e-130") == "0." + "0" * 129 + "1"
    assert normalise_number("1" * 38 + "000") == "1" * 38 + "000"


def test_item_size():
    assert check_item({"a": {"S": "xyz"}}) == 4
    assert check_item({"ab": {"B": b"12"}}) == 4
    assert check_item({"n": {"N": "12345"}}) == 1 + 4
    assert check_item({"n": {"N": "-1"}}) == 1 + 3
    assert check_item({"m": {"M": {"k": {"S": "v"}}}}) == 1 + 3 + (1 + 1 + 1)
    assert check_item({"l": {"L": [{"BOOL": True}, {"NULL": True}]}}) == 1 + 3 + 2 + 2
    assert check_item({"s": {"SS": ["a", "bc"]}}) == 1 + 3
    assert number_size("0") == 1


def test_value_errors():
    cases = [
        (
            {},
            "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes",
        ),
        (
            {"S": "a", "N": "1"},
            "Supplied AttributeValue has more than one datatypes set, must contain exactly one of"
            " the supported datatypes",
        ),
        ({"SS": []}, "One or more parameter values were invalid: An string set  may not be empty"),
        ({"NS": []}, "One or more parameter values were invalid: An number set  may not be empty"),
        ({"BS": []}, "One or more parameter values were invalid: Binary sets should not be empty"),
        (
            {"SS": ["a", "a"]},
            "One or more parameter values were invalid: Input collection [a, a] contains duplicates.",
        ),
        ({"NS": ["1", "1.0"]}, "Input collection contains duplicates"),
        (
            {"NULL": False},
            "One or more parameter values were invalid: Null attribute value types must have the"
            " value of true",
        ),
    ]
    for value, message in cases:
        with pytest.raises(ValidationException) as info:
            check_item({"a": value})
        assert info.value.message == message


def test_nesting_limit():
    value: dict = {"S": "x"}
    for _ in range(31):
        value = {"L": [value]}
    check_value(value)
    with pytest.raises(BadValue) as info:
        check_value({"L": [value]})
    assert info.value.message == "Nesting Levels have exceeded supported limits"


def test_segments_are_disjoint_and_cover_the_token_space():
    for total in (1, 2, 3, 7, 1000, 1_000_000):
        previous_high = b"\x00\x00\x00\x00"
        for segment in (0, 1, total // 2, total - 2, total - 1):
            if not 0 <= segment < total:
                continue
            low, high = segment_bounds(segment, total)
            if segment == 0:
                assert low == previous_high
            if segment == total - 1:
                assert high is None
        bounds = [segment_bounds(s, total) for s in range(min(total, 50))]
        for (_, high), (low, _) in zip(bounds, bounds[1:], strict=False):
            assert high == low
