"""ConditionExpression/FilterExpression: grammar, functions, operators, exact messages."""

from __future__ import annotations

import pytest

from lenticular.services.dynamodb.expressions import ExpressionContext

from .conftest import N, S

ITEM = {
    "p": S("key"),
    "s": S("hello"),
    "n": N("5"),
    "b": {"B": b"\x01\x02\x03"},
    "ss": {"SS": ["a", "b"]},
    "ns": {"NS": ["1", "2.0"]},
    "l": {"L": [S("x"), N("1"), {"M": {"deep": S("y")}}]},
    "m": {"M": {"inr": {"M": {"leaf": N("7")}}, "name": S("n")}},
    "t": {"BOOL": True},
    "z": {"NULL": True},
    "e": S(""),
}

VALUES = {
    ":hello": S("hello"),
    ":he": S("he"),
    ":five": N("5"),
    ":five0": N("5.0"),
    ":six": N(6),
    ":four": N(4),
    ":a": S("a"),
    ":c": S("c"),
    ":x": S("x"),
    ":one": N(1),
    ":two": N(2),
    ":seven": N(7),
    ":list": {"L": [S("x"), N("1"), {"M": {"deep": S("y")}}]},
    ":ss": {"SS": ["b", "a"]},
    ":S": S("S"),
    ":N": S("N"),
    ":SS": S("SS"),
    ":M": S("M"),
    ":L": S("L"),
    ":BOOL": S("BOOL"),
    ":NULL": S("NULL"),
    ":B": S("B"),
    ":NS": S("NS"),
    ":b12": {"B": b"\x01\x02"},
    ":true": {"BOOL": True},
    ":null": {"NULL": True},
    ":empty": S(""),
    ":y": S("y"),
    ":three": N(3),
}


def holds(text: str, item: dict = ITEM, names: dict | None = None) -> bool:
    context = ExpressionContext(names, VALUES)
    return context.condition(text).matches(item)


@pytest.mark.parametrize(
    "text",
    [
        "s = :hello",
        "n = :five",
        "n = :five0",
        "n <> :six",
        "n < :six",
        "n <= :five",
        "n > :four",
        "n >= :five",
        "s > :he",
        "s BETWEEN :he AND :hello",
        "n BETWEEN :four AND :six",
        "n IN (:one, :hello, :five)",
        "l = :list",
        "ss = :ss",
        "t = :true",
        "z = :null",
        "e = :empty",
        "nope <> :five",
        "s <> :five",
        "attribute_exists(s)",
        "attribute_exists(m.inr.leaf)",
        "attribute_exists(l[2].deep)",
        "attribute_not_exists(nope)",
        "attribute_not_exists(l[3])",
        "attribute_not_exists(s.x)",
        "attribute_type(s, :S)",
        "attribute_type(n, :N)",
        "attribute_type(ss, :SS)",
        "attribute_type(m, :M)",
        "attribute_type(l, :L)",
        "attribute_type(t, :BOOL)",
        "attribute_type(z, :NULL)",
        "attribute_type(b, :B)",
        "attribute_type(ns, :NS)",
        "begins_with(s, :he)",
        "begins_with(b, :b12)",
        "contains(s, :he)",
        "contains(ss, :a)",
        "contains(ns, :two)",
        "contains(l, :x)",
        "contains(l, :one)",
        "size(s) = :five",
        "size(ss) = :two",
        "size(l) = :three",
        "size(m) = :two",
        "size(b) = :three",
        "size(e) < :one",
        "size(:hello) = :five",
        "m.inr.leaf = :seven",
        "l[2].deep = :y",
        "#k = :hello",
        "s = :hello AND n = :five",
        "s = :x OR n = :five",
        "NOT s = :x",
        "NOT (s = :x)",
        "s = :x OR n = :five AND t = :true",
        "NOT s = :x AND n = :five",
        "(s = :x OR n = :five) AND t = :true",
        "(n)between(:four)and(:six)",
        "attribute_exists (s)",
        "begins_with ( s , :he )",
        "s = :hello and n = :five",
        "not s = :x",
        "n in (:five)",
    ],
)
def test_true(text):
    assert holds(text, names={"#k": "s"} if "#k" in text else None)


@pytest.mark.parametrize(
    "text",
    [
        "s = :five",
        "n = :six",
        "n <> :five",
        "n < :five",
        "s < :five",
        "n > :hello",
        "nope = :five",
        "nope < :five",
        "nope BETWEEN :four AND :six",
        "nope IN (:five)",
        "s BETWEEN :four AND :six",
        "n BETWEEN :six AND :seven",
        "n IN (:one, :hello)",
        "t < :five",
        "l < :hello",
        "l BETWEEN :four AND :six",  # item types: just false
        "attribute_exists(nope)",
        "attribute_exists(m.nope)",
        "attribute_exists(l[9])",
        "attribute_exists(s[0])",
        "attribute_not_exists(s)",
        "attribute_type(s, :N)",
        "attribute_type(nope, :S)",
        "begins_with(s, :x)",
        "begins_with(n, :he)",
        "begins_with(nope, :he)",
        "contains(s, :x)",
        "contains(ss, :c)",
        "contains(ns, :three)",
        "contains(n, :five)",
        "contains(nope, :a)",
        "contains(ss, :one)",
        "size(n) = :one",
        "size(t) = :one",
        "size(nope) = :one",
        "s = :x AND n = :five",
        "s = :x OR n = :six",
        "NOT n = :five",
        "s = :x OR n = :five AND t = :null",
        "NOT (s = :hello OR n = :six)",
    ],
)
def test_false(text):
    assert not holds(text)


@pytest.mark.parametrize(
    ("text", "operator", "found"),
    [
        ("t < :true", "<", "BOOL"),
        (":list >= l", ">=", "L"),
        ("n BETWEEN :null AND :six", "BETWEEN", "NULL"),
    ],
)
def test_ordering_a_value_of_another_type_is_refused(refused, text, operator, found):
    """A value given in the request that <, <=, >, >= or BETWEEN cannot order is an error
    (the same type read from the item only makes the comparison false)."""
    refused(
        lambda: ExpressionContext(None, VALUES).condition(text),
        "Invalid ConditionExpression: Incorrect operand type for operator or function; "
        f"operator or function: {operator}, operand type: {found}",
    )


def test_in_accepts_100_operands_and_refuses_101(refused):
    values = {f":v{i}": N(i) for i in range(101)}
    ok = "n IN (" + ", ".join(f":v{i}" for i in range(100)) + ")"
    context = ExpressionContext(None, values)
    assert context.condition(ok).matches({"n": N(5)})
    too_many = "n IN (" + ", ".join(f":v{i}" for i in range(101)) + ")"
    refused(
        lambda: ExpressionContext(None, values).condition(too_many),
        "Invalid ConditionExpression: The IN operator is provided with too many operands; "
        "number of operands: 101",
    )


def test_matches_absent_item():
    context = ExpressionContext(None, None)
    assert context.condition("attribute_not_exists(p)").matches(None)
    assert not context.condition("attribute_exists(p)").matches({})


def test_binary_as_base64_text():
    item = {"b": {"B": "AQID"}}
    assert (
        ExpressionContext(None, {":p": {"B": "AQI="}}).condition("begins_with(b, :p)").matches(item)
    )
    assert ExpressionContext(None, {":p": {"B": b"\x01\x02\x03"}}).condition("b = :p").matches(item)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a =", 'Syntax error; token: "<EOF>", near: "="'),
        ("attribute_not_exists(", 'Syntax error; token: "<EOF>", near: "("'),
        ("contains (themes, :v", 'Syntax error; token: "<EOF>", near: ":v"'),
        ("!!", 'Syntax error; token: "!", near: "!!"'),
        ("a > 4", 'Syntax error; token: "4", near: "> 4"'),
        ("a", 'Syntax error; token: "<EOF>", near: "a"'),
        ("a = :v = :v", 'Syntax error; token: "=", near: ":v = :v"'),
        ("attribute_exists(a[1", 'Syntax error; token: "<EOF>", near: "1"'),
        ("a in ()", 'Syntax error; token: ")", near: "()"'),
        ("a > between", 'Syntax error; token: "between", near: "> between"'),
        ("a.:b = :v", 'Syntax error; token: ":b", near: ".:b ="'),
        ("b[:a] > a", 'Syntax error; token: ":a", near: "[:a]"'),
        ("ü > a", 'Syntax error; token: "ü", near: "ü >"'),
        ("size(a).b > a", 'Syntax error; token: ".", near: ").b"'),
        ("(size(a))[0] > a", 'Syntax error; token: "[", near: ")[0"'),
        ("a > :v.x", 'Syntax error; token: ".", near: ":v.x"'),
        ("_a = :v", 'Syntax error; token: "_", near: "_a"'),
        ("a = :v AND", 'Syntax error; token: "<EOF>", near: "AND"'),
        ("NOT a", 'Syntax error; token: "<EOF>", near: "a"'),
        ("a in (:v, )", 'Syntax error; token: ")", near: ", )"'),
        ("a[1.5] = :v", 'Syntax error; token: ".", near: "1.5"'),
        ("#$.b > a", 'Syntax error; token: "#", near: "#$"'),
        ("a = :v OR", 'Syntax error; token: "<EOF>", near: "OR"'),
        ("(a = :v) = :v", 'Syntax error; token: "=", near: ") = :v"'),
        ("a BETWEEN :v", 'Syntax error; token: "<EOF>", near: ":v"'),
        ("", "The expression can not be empty;"),
        ("   ", "The expression can not be empty;"),
        ("a=a and a > ((views))", "The expression has redundant parentheses;"),
        ("a=a AND ((a=a AND a=a)) AND a=a", "The expression has redundant parentheses;"),
        ("((a = :v))", "The expression has redundant parentheses;"),
        ("a=a and whatever((:things)) > a", "Invalid function name; function: whatever"),
        ("attRIbute_exIsts((views), #a)", "Invalid function name; function: attRIbute_exIsts"),
        ("dog(s, :v)", "Invalid function name; function: dog"),
        (
            "a=a and attribute_exists((views), (#a)) > b",
            "The function is not allowed to be used this way in an expression; "
            "function: attribute_exists",
        ),
        (
            "attribute_not_exists(things) > b",
            "The function is not allowed to be used this way in an expression; "
            "function: attribute_not_exists",
        ),
        (
            "size(contains(a, b)) > a",
            "The function is not allowed to be used this way in an expression; function: contains",
        ),
        (
            "size(things)",
            "The function is not allowed to be used this way in an expression; function: size",
        ),
        (
            "a in (b, attribute_exists(things))",
            "The function is not allowed to be used this way in an expression; "
            "function: attribute_exists",
        ),
        (
            "list_append(s, :v) = :v",
            "The function is not allowed in a condition expression; function: list_append",
        ),
        (
            "if_not_exists(s, :v) = :v",
            "The function is not allowed in a condition expression; function: if_not_exists",
        ),
        (
            "attribute_exists(views, #a)",
            "Attribute name is a reserved keyword; reserved keyword: views",
        ),
        (":a < abOrT", "Attribute name is a reserved keyword; reserved keyword: abOrT"),
        ("a.name = :v", "Attribute name is a reserved keyword; reserved keyword: name"),
        (
            "attribute_exists(#Pictures.RearView, :a) and a=a",
            "An expression attribute name used in the document path is not defined; "
            "attribute name: #Pictures",
        ),
        (
            "(#P between :lo and :hi) and (#PC in (:cat1, :cat2))",
            "An expression attribute name used in the document path is not defined; "
            "attribute name: #P",
        ),
        (
            "begins_with(:hello, #a, #b)",
            "An expression attribute value used in expression is not defined; "
            "attribute value: :hello",
        ),
        (
            "attribute_exists(things, a) and a=a",
            "Incorrect number of operands for operator or function; "
            "operator or function: attribute_exists, number of operands: 2",
        ),
        (
            "begins_with(things)",
            "Incorrect number of operands for operator or function; "
            "operator or function: begins_with, number of operands: 1",
        ),
        (
            "size(things, a) > b",
            "Incorrect number of operands for operator or function; "
            "operator or function: size, number of operands: 2",
        ),
        (
            "attribute_exists(:v)",
            "Operator or function requires a document path; operator or function: attribute_exists",
        ),
        (
            "a = a",
            "The first operand must be distinct from the remaining operands for this "
            "operator or function; operator: =, first operand: [a]",
        ),
        (
            "contains(ab.bc[1].a, ab.bc[1].a)",
            "The first operand must be distinct from the remaining operands for this operator or "
            "function; operator: contains, first operand: [ab, bc, [1], a]",
        ),
    ],
)
def test_refused(text, message, refused):
    values = {":v": S("x"), ":a": S("a")}
    refused(
        lambda: ExpressionContext(None, values).condition(text),
        f"Invalid ConditionExpression: {message}",
    )


@pytest.mark.parametrize(
    ("text", "value", "message"),
    [
        (
            "attribute_type(a, :x)",
            N(1),
            "Incorrect operand type for operator or function; operator or function: attribute_type, "
            "operand type: N",
        ),
        (
            "attribute_type(a, size(a))",
            None,
            "Incorrect operand type for operator or function; operator or function: attribute_type, "
            "operand type: N",
        ),
        (
            "attribute_type(a, :x)",
            S("DOG"),
            "Invalid attribute type name found; type: DOG, valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}",
        ),
        (
            "begins_with(a, :x)",
            N(1),
            "Incorrect operand type for operator or function; operator or function: begins_with, "
            "operand type: N",
        ),
        (
            "begins_with(:x, a)",
            {"L": []},
            "Incorrect operand type for operator or function; operator or function: begins_with, "
            "operand type: L",
        ),
        (
            "size(:x) > a",
            {"BOOL": True},
            "Incorrect operand type for operator or function; operator or function: size, "
            "operand type: BOOL",
        ),
        (
            "size(size(a)) > :x",
            N(1),
            "Incorrect operand type for operator or function; operator or function: size, "
            "operand type: N",
        ),
        (
            "a BETWEEN :x AND :y",
            N(2),
            "The BETWEEN operator requires upper bound to be greater than or equal to lower bound; "
            "lower bound operand: AttributeValue: {N:2}, upper bound operand: AttributeValue: {N:1}",
        ),
        (
            "a BETWEEN :x AND :y",
            S("a"),
            "The BETWEEN operator requires same data type for lower and upper bounds; "
            "lower bound operand: AttributeValue: {S:a}, upper bound operand: AttributeValue: {N:1}",
        ),
    ],
)
def test_refused_types(text, value, message, refused):
    values = {":y": N(1)}
    if value is not None:
        values[":x"] = value
    refused(
        lambda: ExpressionContext(None, values).condition(text),
        f"Invalid ConditionExpression: {message}",
    )


def test_filter_kind_in_messages(refused):
    refused(
        lambda: ExpressionContext(None, None).filter("a ="),
        'Invalid FilterExpression: Syntax error; token: "<EOF>", near: "="',
    )


def test_size_limit(refused):
    text = "a = :v AND " * 400 + "a = :v"
    refused(
        lambda: ExpressionContext(None, {":v": S("x")}).condition(text),
        f"Invalid ConditionExpression: Expression size has exceeded the maximum allowed size; "
        f"expression size: {len(text)}",
    )


def test_operator_limit(refused):
    text = " OR ".join(["a<b"] * 151)  # 151 "<" + 150 "OR" = 301 operators
    refused(
        lambda: ExpressionContext(None, None).condition(text),
        "Invalid ConditionExpression: The expression contains too many operators; "
        "operator count: 301",
    )
    ExpressionContext(None, None).condition(" OR ".join(["a<b"] * 150))


def test_deep_nesting_is_refused_cleanly():
    from lenticular.services.dynamodb.errors import ValidationException

    with pytest.raises(ValidationException):
        ExpressionContext(None, None).condition("(" * 2000 + "a<b" + ")" * 2000)


def test_path_nesting_limit(refused):
    ok = ".".join(["a"] * 32)
    ExpressionContext(None, None).condition(f"attribute_exists({ok})")
    deep = ".".join(["a"] * 33)
    refused(
        lambda: ExpressionContext(None, None).condition(f"attribute_exists({deep})"),
        "Invalid ConditionExpression: The document path has too many nesting levels; "
        "nesting levels: 33",
    )


def test_names_may_hold_anything():
    names = {"#a": "with space", "#b": "name", "#c": "[3]"}
    context = ExpressionContext(names, {":v": S("x")})
    item = {"with space": {"M": {"name": {"M": {"[3]": S("x")}}}}}
    assert context.condition("#a.#b.#c = :v").matches(item)
    context.finish()
