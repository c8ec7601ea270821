"""ProjectionExpression and AttributesToGet: nested paths, list indexes, exact messages."""

from __future__ import annotations

import pytest

from lenticular.services.dynamodb.expressions import ExpressionContext, legacy_projection

from .conftest import N, S

ITEM = {
    "a": {"M": {"b": {"L": [N(0), N(1), {"M": {"c": S("c"), "d": S("d")}}]}, "x": S("x")}},
    "n": S("n"),
    "l": {"L": [S("l0"), S("l1"), S("l2")]},
    "name": S("reserved"),
}


def project(text: str, names: dict | None = None) -> dict:
    context = ExpressionContext(names, None)
    result = context.projection(text).apply(ITEM)
    context.finish()
    return result


def test_top_level():
    assert project("n, l") == {"n": S("n"), "l": ITEM["l"]}
    assert project("nope") == {}


def test_nested_and_indexes():
    assert project("a.b[2].c") == {"a": {"M": {"b": {"L": [{"M": {"c": S("c")}}]}}}}
    assert project("a.x, a.b[0]") == {"a": {"M": {"x": S("x"), "b": {"L": [N(0)]}}}}
    # selected list elements come back compacted, in index order
    assert project("l[2], l[0]") == {"l": {"L": [S("l0"), S("l2")]}}
    assert project("l[9], a.nope, a.x.y, n[0]") == {}


def test_names():
    assert project("#n, #a.#x", {"#n": "name", "#a": "a", "#x": "x"}) == {
        "name": S("reserved"),
        "a": {"M": {"x": S("x")}},
    }


def test_top_level_helper():
    context = ExpressionContext(None, None)
    assert context.projection("a.b, n").top_level == frozenset({"a", "n"})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "The expression can not be empty;"),
        ("name", "Attribute name is a reserved keyword; reserved keyword: name"),
        (
            "a, a",
            "Two document paths overlap with each other; must remove or rewrite one of these "
            "paths; path one: [a], path two: [a]",
        ),
        (
            "a, a.b",
            "Two document paths overlap with each other; must remove or rewrite one of "
            "these paths; path one: [a], path two: [a, b]",
        ),
        (
            "a.b, a[1]",
            "Two document paths conflict with each other; must remove or rewrite one of "
            "these paths; path one: [a, b], path two: [a, [1]]",
        ),
        (
            "#a",
            "An expression attribute name used in the document path is not defined; "
            "attribute name: #a",
        ),
        ("a b", 'Syntax error; token: "b", near: "a b"'),
        ("a,", 'Syntax error; token: "<EOF>", near: ","'),
        ("[1]", 'Syntax error; token: "[", near: "[1"'),
        ("a[-1]", 'Syntax error; token: "-", near: "[-1"'),
        (":v", 'Syntax error; token: ":v", near: ":v"'),
        (".".join(["a"] * 33), "The document path has too many nesting levels; nesting levels: 33"),
    ],
)
def test_refused(text, message, refused):
    refused(
        lambda: ExpressionContext(None, None).projection(text),
        f"Invalid ProjectionExpression: {message}",
    )


def test_attributes_to_get(refused):
    assert legacy_projection(["n", "name", "nope"]).apply(ITEM) == {
        "n": S("n"),
        "name": S("reserved"),
    }
    refused(
        lambda: legacy_projection(["a", "a"]),
        "One or more parameter values were invalid: Duplicate value in attribute name: a",
    )
