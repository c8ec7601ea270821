"""KeyConditionExpression and KeyConditions: what Query may ask of the key, exact messages."""

from __future__ import annotations

import pytest

from lenticular.services.dynamodb.expressions import ExpressionContext, legacy_key_condition

from .conftest import N, S

VALUES = {":p": S("p"), ":a": N(1), ":b": N(3), ":s": S("pre")}


def key(
    text: str, values: dict | None = None, names: dict | None = None, range_key: str | None = "c"
):
    context = ExpressionContext(names, VALUES if values is None else values)
    return context.key_condition(text, hash_key="p", range_key=range_key)


@pytest.mark.parametrize(
    ("text", "op", "values"),
    [
        ("p = :p", None, ()),
        ("p = :p AND c = :a", "=", (N(1),)),
        ("p = :p AND c < :a", "<", (N(1),)),
        ("p = :p AND c <= :a", "<=", (N(1),)),
        ("p = :p AND c > :a", ">", (N(1),)),
        ("p = :p AND c >= :a", ">=", (N(1),)),
        ("p = :p AND :a < c", ">", (N(1),)),
        ("c BETWEEN :a AND :b AND p = :p", "BETWEEN", (N(1), N(3))),
        ("p = :p AND begins_with(c, :s)", "BEGINS_WITH", (S("pre"),)),
        (":p = p and (c >= :a)", ">=", (N(1),)),
    ],
)
def test_accepted(text, op, values):
    got = key(text)
    assert got.hash_value == S("p")
    assert got.range_op == op
    assert got.range_values == values


def test_names():
    got = key("#p = :p AND #c = :a", names={"#p": "p", "#c": "c"})
    assert got.range_op == "="


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Invalid KeyConditionExpression: The expression can not be empty;"),
        (
            "p = :p AND c = :",
            'Invalid KeyConditionExpression: Syntax error; token: ":", near: "= :"',
        ),
        ("a > b and size(b) > c or a > c", "Invalid operator used in KeyConditionExpression: OR"),
        ("a in (b, size(c), d)", "Invalid operator used in KeyConditionExpression: IN"),
        (
            "attribute_exists(a)",
            "Invalid operator used in KeyConditionExpression: attribute_exists",
        ),
        ("contains(a.d, b)", "Invalid operator used in KeyConditionExpression: contains"),
        ("not a > b", "Invalid operator used in KeyConditionExpression: NOT"),
        ("a <> b", "Invalid operator used in KeyConditionExpression: <>"),
        (
            "begins_with(:s, b) and a > :b",
            "Invalid condition in KeyConditionExpression: begins_with operator must have the key "
            "attribute as its first operand",
        ),
        (
            ":a between size(b) and size(a) and b > :b",
            "Invalid condition in KeyConditionExpression: BETWEEN operator must have the key "
            "attribute as its first operand",
        ),
        (
            "size(b) > a AND a.b > b AND b > c",
            "KeyConditionExpressions cannot contain nested operations",
        ),
        ("a > size(b.d)", "KeyConditionExpressions cannot contain nested operations"),
        (
            "b > a.b",
            "Invalid condition in KeyConditionExpression: Multiple attribute names used in "
            "one condition",
        ),
        (
            "begins_with(a, b)",
            "Invalid condition in KeyConditionExpression: Multiple attribute "
            "names used in one condition",
        ),
        (
            "b.d > a AND c.d > e.f",
            "KeyConditionExpressions cannot have conditions on nested attributes",
        ),
        ("b[0] > a", "KeyConditionExpressions cannot have conditions on nested attributes"),
        (
            ":b > :a AND a < :b",
            "Invalid condition in KeyConditionExpression: No key attribute specified",
        ),
        (
            ":a > b AND :a < :b",
            "Invalid condition in KeyConditionExpression: No key attribute specified",
        ),
        (
            "c > :a AND c < :a and p = :a",
            "KeyConditionExpressions must only contain one condition per key",
        ),
        ("c = :a", "Query condition missed key schema element: p"),
        ("p = :p AND z = :a", "Query condition missed key schema element: c"),
        ("p > :p", "Query key condition not supported"),
        (
            "p = :p AND c BETWEEN :b AND :a",
            "Invalid KeyConditionExpression: The BETWEEN operator requires upper bound to be greater "
            "than or equal to lower bound; lower bound operand: AttributeValue: {N:3}, upper bound "
            "operand: AttributeValue: {N:1}",
        ),
        (
            "p = :p AND c BETWEEN :a AND :s",
            "Invalid KeyConditionExpression: The BETWEEN operator requires same data type for lower "
            "and upper bounds; lower bound operand: AttributeValue: {N:1}, upper bound operand: "
            "AttributeValue: {S:pre}",
        ),
        (
            "p = :p AND begins_with(c, :a)",
            "Invalid KeyConditionExpression: Incorrect operand type for operator or function; "
            "operator or function: begins_with, operand type: N",
        ),
    ],
)
def test_refused(text, message, refused):
    refused(lambda: key(text), message)


def test_hash_only_table(refused):
    # DynamoDB's words when nothing but the partition key can be a key condition
    refused(lambda: key("p = :p AND c = :a", range_key=None), "Query key condition not supported")


def test_legacy(refused):
    eq = {"ComparisonOperator": "EQ", "AttributeValueList": [S("p")]}
    got = legacy_key_condition({"p": eq}, hash_key="p", range_key="c")
    assert (got.hash_value, got.range_op, got.range_values) == (S("p"), None, ())
    got = legacy_key_condition(
        {"p": eq, "c": {"ComparisonOperator": "BETWEEN", "AttributeValueList": [N(1), N(2)]}},
        hash_key="p",
        range_key="c",
    )
    assert (got.range_op, got.range_values) == ("BETWEEN", (N(1), N(2)))
    got = legacy_key_condition(
        {"p": eq, "c": {"ComparisonOperator": "BEGINS_WITH", "AttributeValueList": [S("x")]}},
        hash_key="p",
        range_key="c",
    )
    assert got.range_op == "BEGINS_WITH"
    refused(
        lambda: legacy_key_condition({"c": eq}, hash_key="p", range_key="c"),
        "Query condition missed key schema element: p",
    )
    refused(
        lambda: legacy_key_condition(
            {"p": {"ComparisonOperator": "GT", "AttributeValueList": [S("p")]}},
            hash_key="p",
            range_key="c",
        ),
        "Query key condition not supported",
    )
    refused(
        lambda: legacy_key_condition(
            {"p": eq, "c": {"ComparisonOperator": "NE", "AttributeValueList": [S("p")]}},
            hash_key="p",
            range_key="c",
        ),
        "Attempted conditional constraint is not an indexable operation",
    )
    refused(
        lambda: legacy_key_condition(
            {"p": {"ComparisonOperator": "EQ", "AttributeValueList": [S("p"), S("q")]}},
            hash_key="p",
            range_key="c",
        ),
        "One or more parameter values were invalid: Invalid number of argument(s) for the EQ "
        "ComparisonOperator",
    )
