"""UpdateExpression: SET/REMOVE/ADD/DELETE semantics, path rules and exact messages."""

from __future__ import annotations

import copy

import pytest

from lenticular.services.dynamodb.expressions import ExpressionContext

from .conftest import N, S

PREFIX = "Invalid UpdateExpression: "


def run(text: str, item: dict, values: dict | None = None, names: dict | None = None) -> dict:
    before = copy.deepcopy(item)
    context = ExpressionContext(names, values)
    result = context.update(text).apply(item)
    context.finish()
    assert item == before, "apply() must not mutate its input"
    return result


def test_set_literal_and_copy():
    assert run("SET a = :v", {}, {":v": S("x")}) == {"a": S("x")}
    assert run("SET b = a", {"a": N(1)}) == {"a": N(1), "b": N(1)}


def test_set_arithmetic():
    item = {"n": N(5)}
    assert run("SET n = n + :d", item, {":d": N("1.5")})["n"] == N("6.5")
    assert run("SET n = n - :d", item, {":d": N(10)})["n"] == N(-5)
    assert run("SET m = :a + :b", {}, {":a": N(1), ":b": N("1E+2")})["m"] == N(101)


def test_set_right_hand_sides_read_the_original_item():
    item = {"a": N(1), "b": N(2)}
    assert run("SET a = b, b = a", item) == {"a": N(2), "b": N(1)}


def test_if_not_exists_and_list_append():
    values = {":z": N(0), ":l": {"L": [S("x")]}, ":e": {"L": []}}
    assert run("SET c = if_not_exists(c, :z)", {}, {":z": N(0)}) == {"c": N(0)}
    assert run("SET c = if_not_exists(c, :z)", {"c": N(3)}, {":z": N(0)}) == {"c": N(3)}
    item = {"l": {"L": [S("a")]}}
    got = run("SET l = list_append(l, :l)", item, {":l": {"L": [S("x")]}})
    assert got["l"] == {"L": [S("a"), S("x")]}
    got = run("SET l = list_append(:l, l)", item, {":l": {"L": [S("x")]}})
    assert got["l"] == {"L": [S("x"), S("a")]}
    got = run(
        "SET l = list_append(if_not_exists(l, :e), :l)",
        {},
        {":e": values[":e"], ":l": values[":l"]},
    )
    assert got["l"] == {"L": [S("x")]}
    got = run("SET x = if_not_exists(b, if_not_exists(a, :z))", {"a": N(3)}, {":z": N(4)})
    assert got["x"] == N(3)
    got = run("SET c = if_not_exists (c, :z) + :z", {"c": N(2)}, {":z": N(1)})
    assert got["c"] == N(3)


def test_nested_set():
    item = {"m": {"M": {"a": {"M": {}}}}, "l": {"L": [N(0), N(1)]}}
    got = run("SET m.a.b = :v, l[1] = :v, l[7] = :w", item, {":v": S("x"), ":w": S("y")})
    assert got["m"] == {"M": {"a": {"M": {"b": S("x")}}}}
    assert got["l"] == {"L": [N(0), S("x"), S("y")]}  # an index past the end appends


def test_remove():
    item = {"a": N(1), "m": {"M": {"x": N(1), "y": N(2)}}, "l": {"L": [N(0), N(1), N(2), N(3)]}}
    got = run("REMOVE a, m.x, l[1], l[3], nope, m.nope, l[9]", item)
    assert got == {"m": {"M": {"y": N(2)}}, "l": {"L": [N(0), N(2)]}}


def test_add_numbers_and_sets():
    assert run("ADD n :d", {"n": N(5)}, {":d": N(-2)}) == {"n": N(3)}
    assert run("ADD n :d", {}, {":d": N(2)}) == {"n": N(2)}
    got = run("ADD s :s", {"s": {"SS": ["a", "b"]}}, {":s": {"SS": ["b", "c"]}})
    assert got["s"] == {"SS": ["a", "b", "c"]}
    got = run("ADD s :s", {}, {":s": {"NS": ["1"]}})
    assert got["s"] == {"NS": ["1"]}
    got = run("ADD s :s", {"s": {"NS": ["1.0"]}}, {":s": {"NS": ["1", "2"]}})
    assert got["s"] == {"NS": ["1.0", "2"]}
    got = run("ADD m.n :d", {"m": {"M": {"n": N(1)}}}, {":d": N(1)})
    assert got["m"] == {"M": {"n": N(2)}}


def test_delete_from_sets():
    got = run("DELETE s :s", {"s": {"SS": ["a", "b"]}}, {":s": {"SS": ["b", "z"]}})
    assert got == {"s": {"SS": ["a"]}}
    # removing the last element removes the attribute
    assert run("DELETE s :s", {"s": {"SS": ["a"]}}, {":s": {"SS": ["a"]}}) == {}
    assert run("DELETE s :s", {}, {":s": {"SS": ["a"]}}) == {}


def test_all_clauses_together_and_case_insensitive_keywords():
    item = {"a": N(1), "b": N(2), "s": {"SS": ["x", "y"]}, "r": N(0)}
    got = run(
        "set a = :v remove r add b :one delete s :x",
        item,
        {":v": S("new"), ":one": N(1), ":x": {"SS": ["x"]}},
    )
    assert got == {"a": S("new"), "b": N(3), "s": {"SS": ["y"]}}


def test_touched_top_level_and_updated_view():
    context = ExpressionContext({"#k": "key"}, {":v": S("x"), ":one": N(1)})
    update = context.update("SET m.a = :v, #k = :v REMOVE gone ADD c :one")
    assert update.touched_top_level == frozenset({"m", "key", "gone", "c"})
    item = {"m": {"M": {"a": S("old"), "b": S("keep")}}, "key": S("k"), "gone": N(1), "z": N(1)}
    assert update.updated_paths_view(item) == {
        "m": {"M": {"a": S("old")}},
        "key": S("k"),
        "gone": N(1),
    }
    new = update.apply(item)
    assert update.updated_paths_view(new) == {"m": {"M": {"a": S("x")}}, "key": S("x"), "c": N(1)}


def test_copy_on_write_shares_untouched_values():
    item = {"big": {"L": [S("x")] * 3}, "m": {"M": {"a": N(1)}}}
    got = ExpressionContext(None, {":v": N(2)}).update("SET m.a = :v").apply(item)
    assert got["big"] is item["big"]
    assert got["m"] is not item["m"]


@pytest.mark.parametrize(
    ("text", "item", "values", "message"),
    [
        (
            "SET c = b",
            {},
            None,
            "The provided expression refers to an attribute that does not exist in the item",
        ),
        (
            "SET e = list_append(b, c)",
            {},
            None,
            "The provided expression refers to an attribute that does not exist in the item",
        ),
        (
            "SET b.a = :v",
            {},
            {":v": S("x")},
            "The document path provided in the update expression is invalid for update",
        ),
        (
            "SET b[1] = :v",
            {},
            {":v": S("x")},
            "The document path provided in the update expression is invalid for update",
        ),
        (
            "SET b.a = :v",
            {"b": S("s")},
            {":v": S("x")},
            "The document path provided in the update expression is invalid for update",
        ),
        (
            "SET c[1] = :v",
            {"c": {"M": {}}},
            {":v": S("x")},
            "The document path provided in the update expression is invalid for update",
        ),
        (
            "REMOVE y.a",
            {},
            None,
            "The document path provided in the update expression is invalid for update",
        ),
        (
            "REMOVE b.a",
            {"b": S("s")},
            None,
            "The document path provided in the update expression is invalid for update",
        ),
        (
            "DELETE y.a :v",
            {},
            {":v": {"SS": ["a"]}},
            "The document path provided in the update expression is invalid for update",
        ),
        (
            "ADD y.a :v",
            {},
            {":v": N(1)},
            "The document path provided in the update expression is invalid for update",
        ),
        (
            "SET e = a + :v",
            {"a": S("s")},
            {":v": N(1)},
            "An operand in the update expression has an incorrect data type",
        ),
        (
            "SET e = list_append(d, :v)",
            {"d": {"NS": ["1"]}},
            {":v": {"L": []}},
            "An operand in the update expression has an incorrect data type",
        ),
        (
            "ADD d :v",
            {"d": {"NS": ["1"]}},
            {":v": N(1)},
            "An operand in the update expression has an incorrect data type",
        ),
        (
            "ADD b :v",
            {"b": {"SS": ["1"]}},
            {":v": {"NS": ["1"]}},
            "An operand in the update expression has an incorrect data type",
        ),
        (
            "DELETE c :v",
            {"c": N(1)},
            {":v": {"NS": ["1"]}},
            "An operand in the update expression has an incorrect data type",
        ),
        (
            "SET n = n + :v",
            {"n": N("9e125")},
            {":v": N("9e125")},
            "Number overflow. Attempting to store a number with magnitude larger than supported range",
        ),
    ],
)
def test_runtime_errors(text, item, values, message, refused):
    before = copy.deepcopy(item)
    update = ExpressionContext(None, values).update(text)
    refused(lambda: update.apply(item), message)
    assert item == before


@pytest.mark.parametrize(
    "text",
    [
        "whatever",
        "set a",
        "add a",
        "delete a",
        "set a=set",
        "remove a = b",
        "add a = b",
        "delete a = b",
        "delete a b",
        "delete a if_not_exist(b)",
        "add abort b",
        "add a if_not_exist(b)",
        "remove a b",
        "set a b",
        "set :a = b",
        "add :a b",
        "delete :a b",
        "remove :a",
        "set a = b / c",
        "set a = b * c",
        'set a[1] = "eight"',
        "set a[1] = 1",
        "SET if_not_exist(a, b) = a",
        "set (a = (b + c))",
        "set a = (b.c).d + e",
        "set a = (b.c)[0] + e",
        "set a = b + c + d",
        "SET a = _f(b,c,d)",
        "SET a = :v,",
        "SET a = :v REMOVE",
    ],
)
def test_syntax_errors(text):
    from lenticular.services.dynamodb.errors import ValidationException

    with pytest.raises(ValidationException) as info:
        ExpressionContext(None, None).update(text)
    assert info.value.message.startswith(PREFIX + "Syntax error; token: ")


@pytest.mark.parametrize(
    ("text", "names", "values", "message"),
    [
        ("SET a = :v,", None, None, 'Syntax error; token: "<EOF>", near: ","'),
        ("", None, None, "The expression can not be empty;"),
        (
            " set #c = :c set abOrt = true ",
            None,
            None,
            "Attribute name is a reserved keyword; reserved keyword: abOrt",
        ),
        (
            " remove Absolute ",
            None,
            None,
            "Attribute name is a reserved keyword; reserved keyword: Absolute",
        ),
        (
            "set #c = if_not_exist(:c) set c = d",
            None,
            None,
            "Invalid function name; function: if_not_exist",
        ),
        (
            "set a = #c set c = :d",
            None,
            None,
            'The "SET" section can only be used once in an update expression;',
        ),
        (
            "remove #d set a = b remove e",
            None,
            None,
            'The "REMOVE" section can only be used once in an update expression;',
        ),
        (
            "add #d :e set a = b add e :f",
            None,
            None,
            'The "ADD" section can only be used once in an update expression;',
        ),
        (
            "delete #d :e set a = b delete #e :f",
            None,
            None,
            'The "DELETE" section can only be used once in an update expression;',
        ),
        (
            "SET #c = if_not_exists(:c)",
            None,
            None,
            "An expression attribute name used in the document path is not defined; "
            "attribute name: #c",
        ),
        (
            "SET a = if_not_exists(:c)",
            None,
            None,
            "An expression attribute value used in expression is not defined; attribute value: :c",
        ),
        (
            "set d[1] = a, d.b = a, c[1].a = a, #c = if_not_exists(a)",
            {"#c": "c"},
            None,
            "Two document paths overlap with each other; must remove or rewrite one of these paths; "
            "path one: [c, [1], a], path two: [c]",
        ),
        (
            "set #c[3].#d = a, #c[3] = a",
            {"#c": "c", "#d": "[3]"},
            None,
            "Two document paths overlap with each other; must remove or rewrite one of these paths; "
            "path one: [c, [3], [3]], path two: [c, [3]]",
        ),
        (
            "SET a = :v REMOVE a",
            None,
            {":v": N(1)},
            "Two document paths overlap with each other; must remove or rewrite one of these paths; "
            "path one: [a], path two: [a]",
        ),
        (
            "SET #a1 = :v, #a2 = :v",
            {"#a1": "a", "#a2": "a"},
            {":v": N(1)},
            "Two document paths overlap with each other; must remove or rewrite one of these paths; "
            "path one: [a], path two: [a]",
        ),
        (
            "set #c[3].#d = a, #c.#d[3] = if_not_exists(a, b)",
            {"#c": "c", "#d": "[3]"},
            None,
            "Two document paths conflict with each other; must remove or rewrite one of these "
            "paths; path one: [c, [3], [3]], path two: [c, [3], [3]]",
        ),
        (
            "remove a.#c set a[1] = #d",
            {"#c": "c", "#d": "d"},
            None,
            "Two document paths conflict with each other; must remove or rewrite one of these "
            "paths; path one: [a, c], path two: [a, [1]]",
        ),
        (
            "set b = list_append(:a, a), c = if_not_exists(a, b) add a.b :a",
            None,
            {":a": S("a")},
            "Incorrect operand type for operator or function; operator: ADD, operand type: STRING, "
            "typeSet: ALLOWED_FOR_ADD_OPERAND",
        ),
        (
            "delete a.b :a",
            None,
            {":a": N(1)},
            "Incorrect operand type for operator or function; operator: DELETE, operand type: "
            "NUMBER, typeSet: ALLOWED_FOR_DELETE_OPERAND",
        ),
        (
            "add a.b :a",
            None,
            {":a": {"L": []}},
            "Incorrect operand type for operator or function; operator: ADD, operand type: LIST, "
            "typeSet: ALLOWED_FOR_ADD_OPERAND",
        ),
        (
            "add a.b :a",
            None,
            {":a": {"BOOL": True}},
            "Incorrect operand type for operator or function; operator: ADD, operand type: BOOLEAN, "
            "typeSet: ALLOWED_FOR_ADD_OPERAND",
        ),
        (
            "set a = if_not_exists(c)",
            None,
            None,
            "Incorrect number of operands for operator or function; operator or function: "
            "if_not_exists, number of operands: 1",
        ),
        (
            "set a = list_append(c)",
            None,
            None,
            "Incorrect number of operands for operator or function; operator or function: "
            "list_append, number of operands: 1",
        ),
        (
            "set a = if_not_exists(:a, c)",
            None,
            {":a": S("a")},
            "Operator or function requires a document path; operator or function: if_not_exists",
        ),
        (
            "set a = if_not_exists(if_not_exists(a, b), c)",
            None,
            None,
            "Operator or function requires a document path; operator or function: if_not_exists",
        ),
        (
            "set a = list_append(:a, a)",
            None,
            {":a": S("a")},
            "Incorrect operand type for operator or function; operator or function: list_append, "
            "operand type: S",
        ),
        (
            "set a = list_append(a, :a)",
            None,
            {":a": {"M": {}}},
            "Incorrect operand type for operator or function; operator or function: list_append, "
            "operand type: M",
        ),
        (
            "set a = a + :a",
            None,
            {":a": S("a")},
            "Incorrect operand type for operator or function; operator or function: +, "
            "operand type: S",
        ),
        (
            "set a = :a - a",
            None,
            {":a": {"SS": ["a"]}},
            "Incorrect operand type for operator or function; operator or function: -, "
            "operand type: SS",
        ),
        (
            "SET x = size(:val)",
            None,
            {":val": S("a")},
            "The function is not allowed in an update expression; function: size",
        ),
        (
            "SET x = contains(a, b)",
            None,
            None,
            "The function is not allowed in an update expression; function: contains",
        ),
        (
            "SET a = list_append(list_append(:v, :v), :v)",
            None,
            {":v": {"L": []}},
            "The function is not allowed to be used this way in an expression; function: list_append",
        ),
        ("SET a = f(b)", None, None, "Invalid function name; function: f"),
    ],
)
def test_refused(text, names, values, message, refused):
    refused(lambda: ExpressionContext(names, values).update(text), PREFIX + message)


def test_unused_names_and_values(refused):
    context = ExpressionContext({"#a": "a", "#b": "b"}, {":a": S("a"), ":b": S("a")})
    context.update("remove a set b = list_append(b, if_not_exists(a, :a))")
    refused(
        context.finish,
        "Value provided in ExpressionAttributeNames unused in expressions: keys: {#a, #b}",
    )
    context = ExpressionContext(None, {":a": S("a"), ":b": S("a"), ":c": S("a")})
    context.update("remove a")
    context.condition("a = :b")
    refused(
        context.finish,
        "Value provided in ExpressionAttributeValues unused in expressions: keys: {:a, :c}",
    )


def test_empty_and_malformed_maps(refused):
    refused(lambda: ExpressionContext({}, None), "ExpressionAttributeNames must not be empty")
    refused(lambda: ExpressionContext(None, {}), "ExpressionAttributeValues must not be empty")
    refused(
        lambda: ExpressionContext({"a": "a"}, None),
        'ExpressionAttributeNames contains invalid key: Syntax error; key: "a"',
    )
    refused(
        lambda: ExpressionContext(None, {"a": S("b")}),
        'ExpressionAttributeValues contains invalid key: Syntax error; key: "a"',
    )


def test_parse_cache_is_shared_but_resolution_is_per_request():
    first = ExpressionContext(None, {":v": N(1)}).update("SET a = :v").apply({})
    second = ExpressionContext(None, {":v": N(2)}).update("SET a = :v").apply({})
    assert first == {"a": N(1)} and second == {"a": N(2)}
