"""The binding cache: repeated texts reuse bound trees without changing any outcome."""

from __future__ import annotations

from lenticular.services.dynamodb.expressions import ExpressionContext
from lenticular.services.dynamodb.expressions.binding import BoundedCache, signature, sites
from lenticular.services.dynamodb.expressions.parser import parse_condition, parse_update

from .conftest import N, S


def test_values_are_per_request():
    text = "#a = :v AND begins_with(s, :p)"
    item = {"x": N(1), "s": S("hello")}
    for value, prefix, expected in [
        (N(1), S("he"), True),
        (N(2), S("he"), False),
        (N(1), S("x"), False),
        (N(1), S("hell"), True),
    ]:
        context = ExpressionContext({"#a": "x"}, {":v": value, ":p": prefix})
        assert context.condition(text).matches(item) is expected
        context.finish()


def test_names_are_part_of_the_key():
    item = {"x": N(1), "y": N(2)}
    for name, expected in [("x", True), ("y", False), ("x", True)]:
        context = ExpressionContext({"#a": name}, {":v": N(1)})
        assert context.condition("#a = :v").matches(item) is expected


def test_a_cached_success_does_not_hide_a_later_type_error(refused):
    ok = ExpressionContext(None, {":p": S("he")})
    ok.condition("begins_with(s, :p)")
    refused(
        lambda: ExpressionContext(None, {":p": N(1)}).condition("begins_with(s, :p)"),
        "Invalid ConditionExpression: Incorrect operand type for operator or function; "
        "operator or function: begins_with, operand type: N",
    )
    ExpressionContext(None, {":a": N(1), ":b": N(2)}).condition("n BETWEEN :a AND :b")
    refused(
        lambda: ExpressionContext(None, {":a": N(3), ":b": N(2)}).condition("n BETWEEN :a AND :b"),
        "Invalid ConditionExpression: The BETWEEN operator requires upper bound to be greater "
        "than or equal to lower bound; lower bound operand: AttributeValue: {N:3}, upper bound "
        "operand: AttributeValue: {N:2}",
    )
    ExpressionContext(None, {":d": N(1)}).update("ADD n :d")
    refused(
        lambda: ExpressionContext(None, {":d": S("x")}).update("ADD n :d"),
        "Invalid UpdateExpression: Incorrect operand type for operator or function; "
        "operator: ADD, operand type: STRING, typeSet: ALLOWED_FOR_ADD_OPERAND",
    )


def test_a_cached_success_does_not_hide_missing_references(refused):
    ExpressionContext({"#a": "a"}, {":v": N(1)}).condition("#a = :v")
    refused(
        lambda: ExpressionContext(None, {":v": N(1)}).condition("#a = :v"),
        "Invalid ConditionExpression: An expression attribute name used in the document "
        "path is not defined; attribute name: #a",
    )
    refused(
        lambda: ExpressionContext({"#a": "a"}, {":w": N(1)}).condition("#a = :v"),
        "Invalid ConditionExpression: An expression attribute value used in expression is "
        "not defined; attribute value: :v",
    )


def test_usage_is_tracked_on_cache_hits(refused):
    for _ in range(2):
        context = ExpressionContext({"#a": "a", "#b": "b"}, {":v": N(1)})
        context.update("SET #a = :v")
        refused(
            context.finish,
            "Value provided in ExpressionAttributeNames unused in expressions: keys: {#b}",
        )


def test_update_overlap_depends_on_names(refused):
    ExpressionContext({"#a": "a", "#b": "b"}, {":v": N(1)}).update("SET #a = :v, #b = :v")
    refused(
        lambda: ExpressionContext({"#a": "a", "#b": "a"}, {":v": N(1)}).update(
            "SET #a = :v, #b = :v"
        ),
        "Invalid UpdateExpression: Two document paths overlap with each other; must remove or "
        "rewrite one of these paths; path one: [a], path two: [a]",
    )


def test_sites():
    tree, _ = parse_condition(
        "ConditionExpression",
        "#a = :v AND size(#b) > :n AND attribute_type(c, :t) "
        "AND d BETWEEN :lo AND :hi AND #a IN (:v, :w)",
    )
    found = sites(tree)
    assert found.name_refs == ("#a", "#b")
    assert found.value_refs == (":v", ":n", ":t", ":lo", ":hi", ":w")
    assert found.typed_refs == (":n", ":t")  # ordering operators refuse some value types
    assert found.exact_refs == (":t", ":lo", ":hi")
    update, _ = parse_update("SET a = b + :one ADD c :s")
    assert sites(update).typed_refs == (":one", ":s")


def test_signature_refuses_what_it_cannot_key():
    tree, _ = parse_condition("ConditionExpression", "d BETWEEN :lo AND :hi")
    found = sites(tree)
    assert signature(found, None, {":lo": N(1), ":hi": N(2)}) == ((), (), (("N", "1"), ("N", "2")))
    assert signature(found, None, {":lo": {"L": []}, ":hi": N(2)}) is None
    assert signature(found, None, {":lo": N(1)}) is None


def test_bounded_cache_evicts_least_recently_used():
    cache = BoundedCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1
    cache.put("c", 3)
    assert cache.get("b") is None
    assert cache.get("a") == 1 and cache.get("c") == 3
