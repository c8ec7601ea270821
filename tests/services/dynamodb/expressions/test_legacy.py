"""Legacy parameters: Expected, QueryFilter/ScanFilter, AttributeUpdates, mixing rules."""

from __future__ import annotations

import pytest

from lenticular.services.dynamodb.expressions import (
    check_no_mixing,
    legacy_condition,
    legacy_filter,
    legacy_update,
)

from .conftest import N, S

ITEM = {"a": N(5), "s": S("hello"), "ss": {"SS": ["x", "y"]}, "l": {"L": [S("x")]}}
INVALID = "One or more parameter values were invalid: "


def op(operator: str, *values: dict) -> dict:
    spec: dict = {"ComparisonOperator": operator}
    if values:
        spec["AttributeValueList"] = list(values)
    return spec


@pytest.mark.parametrize(
    ("conditions", "expected"),
    [
        ({"a": op("EQ", N(5))}, True),
        ({"a": op("EQ", N("5.0"))}, True),
        ({"a": op("EQ", S("5"))}, False),
        ({"a": op("NE", N(4))}, True),
        ({"nope": op("NE", N(4))}, True),
        ({"a": op("LT", N(6))}, True),
        ({"a": op("LE", N(5))}, True),
        ({"a": op("GT", N(5))}, False),
        ({"a": op("GE", N(5))}, True),
        ({"s": op("GT", S("a"))}, True),
        ({"a": op("NOT_NULL")}, True),
        ({"nope": op("NULL")}, True),
        ({"a": op("NULL")}, False),
        ({"s": op("CONTAINS", S("ell"))}, True),
        ({"ss": op("CONTAINS", S("x"))}, True),
        ({"l": op("CONTAINS", S("x"))}, True),
        ({"ss": op("NOT_CONTAINS", S("z"))}, True),
        ({"s": op("NOT_CONTAINS", S("ell"))}, False),
        ({"s": op("BEGINS_WITH", S("he"))}, True),
        ({"a": op("IN", N(1), N(5))}, True),
        ({"a": op("IN", N(1))}, False),
        ({"a": op("BETWEEN", N(1), N(5))}, True),
        ({"a": op("BETWEEN", N(6), N(9))}, False),
        ({"a": op("EQ", N(5)), "s": op("EQ", S("x"))}, False),
        ({}, True),
    ],
)
def test_filter(conditions, expected):
    assert legacy_filter(conditions, None).matches(ITEM) is expected


def test_conditional_operator():
    conditions = {"a": op("EQ", N(5)), "s": op("EQ", S("x"))}
    assert legacy_filter(conditions, "OR").matches(ITEM)
    assert not legacy_filter(conditions, "AND").matches(ITEM)


@pytest.mark.parametrize(
    ("conditions", "message"),
    [
        ({"a": op("EQ")}, "Invalid number of argument(s) for the EQ ComparisonOperator"),
        (
            {"a": op("NULL", S("a"))},
            "Invalid number of argument(s) for the NULL ComparisonOperator",
        ),
        (
            {"a": op("BETWEEN", S("a"))},
            "Invalid number of argument(s) for the BETWEEN ComparisonOperator",
        ),
        ({"a": op("IN")}, "Invalid number of argument(s) for the IN ComparisonOperator"),
        (
            {"a": op("LT", {"BOOL": True})},
            "ComparisonOperator LT is not valid for BOOL AttributeValue type",
        ),
        (
            {"a": op("IN", {"SS": ["a"]})},
            "ComparisonOperator IN is not valid for SS AttributeValue type",
        ),
        (
            {"a": op("CONTAINS", {"L": []})},
            "ComparisonOperator CONTAINS is not valid for L AttributeValue type",
        ),
        (
            {"a": op("BEGINS_WITH", N(1))},
            "ComparisonOperator BEGINS_WITH is not valid for N AttributeValue type",
        ),
        (
            {"a": op("BETWEEN", N(1), S("a"))},
            "AttributeValues inside AttributeValueList must be of same type",
        ),
    ],
)
def test_filter_refused(conditions, message, refused):
    refused(lambda: legacy_filter(conditions, None), INVALID + message)


@pytest.mark.parametrize(
    ("expected", "holds"),
    [
        ({"a": {"Value": N(5)}}, True),
        ({"a": {"Value": N(6)}}, False),
        ({"a": {"Exists": True, "Value": N(5)}}, True),
        ({"nope": {"Exists": False}}, True),
        ({"a": {"Exists": False}}, False),
        ({"a": op("GT", N(1))}, True),
        ({"a": {"ComparisonOperator": "GT", "Value": N(9)}}, False),
        ({"nope": {"ComparisonOperator": "NULL"}}, True),
    ],
)
def test_expected(expected, holds):
    assert legacy_condition(expected, None).matches(ITEM) is holds


@pytest.mark.parametrize(
    ("expected", "message"),
    [
        ({"a": {"Exists": True}}, "Value must be provided when Exists is true for Attribute: a"),
        ({"a": {}}, "Value must be provided when Exists is null for Attribute: a"),
        (
            {"a": {"Exists": False, "Value": N(1)}},
            "Value cannot be used when Exists is false for Attribute: a",
        ),
        (
            {"a": {"Exists": True, "ComparisonOperator": "EQ", "Value": N(1)}},
            "Exists and ComparisonOperator cannot be used together for Attribute: a",
        ),
        (
            {"a": {"ComparisonOperator": "EQ", "Value": N(1), "AttributeValueList": [N(1)]}},
            "Value and AttributeValueList cannot be used together for Attribute: a",
        ),
        (
            {"a": {"ComparisonOperator": "LT"}},
            "Value or AttributeValueList must be used with ComparisonOperator: LT for Attribute: a",
        ),
        (
            {"a": {"AttributeValueList": [N(1)]}},
            "AttributeValueList can only be used with a ComparisonOperator for Attribute: a",
        ),
    ],
)
def test_expected_refused(expected, message, refused):
    refused(lambda: legacy_condition(expected, None), INVALID + message)


def test_attribute_updates():
    update = legacy_update(
        {
            "a": {"Action": "PUT", "Value": S("new")},
            "gone": {"Action": "DELETE"},
            "n": {"Action": "ADD", "Value": N(2)},
            "ss": {"Action": "DELETE", "Value": {"SS": ["x"]}},
            "l": {"Action": "ADD", "Value": {"L": [S("y")]}},
            "fresh": {"Value": N(1)},
        }
    )
    item = {"a": S("old"), "gone": N(1), "n": N(1), "ss": {"SS": ["x", "y"]}, "l": {"L": [S("x")]}}
    assert update.apply(item) == {
        "a": S("new"),
        "n": N(3),
        "ss": {"SS": ["y"]},
        "l": {"L": [S("x"), S("y")]},
        "fresh": N(1),
    }
    assert update.touched_top_level == frozenset({"a", "gone", "n", "ss", "l", "fresh"})


def test_attribute_updates_refused(refused):
    refused(
        lambda: legacy_update({"a": {"Action": "PUT"}}),
        INVALID + "Only DELETE action is allowed when no attribute value is specified",
    )
    update = legacy_update({"b": {"Action": "DELETE", "Value": {"NS": ["1"]}}})
    refused(lambda: update.apply({"b": {"SS": ["1"]}}), "Type mismatch for attribute to update")
    update = legacy_update({"d": {"Action": "ADD", "Value": N(1)}})
    refused(lambda: update.apply({"d": {"NS": ["1"]}}), "Type mismatch for attribute to update")


@pytest.mark.parametrize(
    ("params", "operation", "message"),
    [
        (
            {"Expected": {}, "ConditionExpression": "a = :v"},
            "PutItem",
            "Can not use both expression and non-expression parameters in the same request: "
            "Non-expression parameters: {Expected} Expression parameters: {ConditionExpression}",
        ),
        (
            {
                "AttributesToGet": ["a"],
                "ScanFilter": {},
                "ConditionalOperator": "OR",
                "ProjectionExpression": "",
                "FilterExpression": "",
            },
            "Scan",
            "Can not use both expression and non-expression parameters in the same request: "
            "Non-expression parameters: {AttributesToGet, ScanFilter, ConditionalOperator} "
            "Expression parameters: {ProjectionExpression, FilterExpression}",
        ),
        (
            {"ExpressionAttributeNames": {"#a": "a"}},
            "Scan",
            "ExpressionAttributeNames can only be specified when using expressions",
        ),
        (
            {"ExpressionAttributeValues": {":a": N(1)}},
            "Scan",
            "ExpressionAttributeValues can only be specified when using expressions: "
            "FilterExpression is null",
        ),
        (
            {"ExpressionAttributeValues": {":a": N(1)}, "ProjectionExpression": "a"},
            "Query",
            "ExpressionAttributeValues can only be specified when using expressions: "
            "FilterExpression and KeyConditionExpression are null",
        ),
        (
            {"ExpressionAttributeValues": {":a": N(1)}},
            "UpdateItem",
            "ExpressionAttributeValues can only be specified when using expressions: "
            "UpdateExpression and ConditionExpression are null",
        ),
        (
            {"ExpressionAttributeValues": {":a": N(1)}},
            "DeleteItem",
            "ExpressionAttributeValues can only be specified when using expressions: "
            "ConditionExpression is null",
        ),
    ],
)
def test_no_mixing(params, operation, message, refused):
    refused(lambda: check_no_mixing(params, operation), message)


def test_no_mixing_get_item(refused):
    refused(
        lambda: check_no_mixing({"ExpressionAttributeValues": {":a": N(1)}}, "GetItem"),
        "ExpressionAttributeValues can only be specified when using expressions",
    )
    check_no_mixing(
        {"ExpressionAttributeValues": {":a": N(1)}, "ProjectionExpression": "a"}, "GetItem"
    )


def test_no_mixing_accepts_consistent_requests():
    check_no_mixing({"ConditionExpression": "a = :v", "ExpressionAttributeValues": {}}, "PutItem")
    check_no_mixing({"Expected": {"a": {"Exists": False}}}, "PutItem")
    check_no_mixing(
        {"ProjectionExpression": "a", "ExpressionAttributeNames": {"#a": "a"}}, "GetItem"
    )
