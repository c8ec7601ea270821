"""Engine tier: PartiQL tokenizing, parsing and parameter binding, with no server."""

from __future__ import annotations

import pytest

from lenticular.services.dynamodb.errors import ValidationException
from lenticular.services.dynamodb.partiql import ast
from lenticular.services.dynamodb.partiql.bind import PARAMETER_COUNT, bind
from lenticular.services.dynamodb.partiql.parser import parse
from lenticular.services.dynamodb.partiql.tokens import MALFORMED, tokenize


def path(*elements):
    return ast.Path(tuple(elements))


def lit(value):
    return ast.Literal(value)


def test_tokens_cover_quotes_escapes_numbers_and_comments():
    tokens = tokenize("SELECT \"a\"\"b\", 'it''s' -- note\n FROM t WHERE x <= 1.5e3 /* c */ <<")
    assert [(t.kind, t.text) for t in tokens] == [
        ("word", "SELECT"),
        ("quoted", 'a"b'),
        ("op", ","),
        ("string", "it's"),
        ("word", "FROM"),
        ("word", "t"),
        ("word", "WHERE"),
        ("word", "x"),
        ("op", "<="),
        ("number", "1.5e3"),
        ("op", "<<"),
        ("end", ""),
    ]
    assert tokens[1].pos == 7


def test_select_shape():
    stmt = parse('select a.b[2], "c" from "t"."i" where pk = ? and not x between 1 and 2')
    assert stmt == ast.Select(
        target=ast.Target("t", "i"),
        projection=(path("a", "b", 2), path("c")),
        where=ast.And(
            ast.Compare("=", path("pk"), ast.Param(0)),
            ast.Not(ast.Between(path("x"), lit({"N": "1"}), lit({"N": "2"}))),
        ),
    )


def test_precedence_or_below_and_and_parentheses():
    stmt = parse("SELECT * FROM t WHERE a = 1 OR b = 2 AND (c = 3 OR d = 4)")
    assert isinstance(stmt, ast.Select)
    where = stmt.where
    assert isinstance(where, ast.Or)
    assert isinstance(where.right, ast.And)
    assert isinstance(where.right.right, ast.Or)


def test_predicates():
    stmt = parse(
        "SELECT * FROM t WHERE a IN [1, 2] AND b NOT IN ('x') AND c IS NOT MISSING"
        " AND d IS NULL AND begins_with(e, 'p') AND f != -3 AND size(g) > 1 ORDER BY sk DESC"
    )
    assert isinstance(stmt, ast.Select)
    terms = ast.conjuncts(stmt.where)
    assert terms == [
        ast.In(path("a"), (lit({"N": "1"}), lit({"N": "2"}))),
        ast.Not(ast.In(path("b"), (lit({"S": "x"}),))),
        ast.Is(path("c"), "MISSING", True),
        ast.Is(path("d"), "NULL", False),
        ast.FuncCond(ast.Call("begins_with", (path("e"), lit({"S": "p"})))),
        ast.Compare("<>", path("f"), lit({"N": "-3"})),
        ast.Compare(">", ast.Call("size", (path("g"),)), lit({"N": "1"})),
    ]
    assert stmt.order_by == ((path("sk"), True),)


def test_insert_update_delete_exists_shapes():
    insert = parse("INSERT INTO t VALUE {'pk': ?, 'l': [1, <<'a'>>]};")
    assert isinstance(insert, ast.Insert)
    assert isinstance(insert.item, ast.MapExpr)
    update = parse("UPDATE t SET a = a + 1, b = list_append(b, [?]) REMOVE c[0] WHERE pk = 'x'"
                   " RETURNING MODIFIED NEW *")  # fmt: skip
    assert isinstance(update, ast.Update)
    assert update.actions[0] == ast.Assign(path("a"), ast.Arith("+", path("a"), lit({"N": "1"})))
    assert update.actions[2] == path("c", 0)
    assert update.returning == "MODIFIED NEW"
    delete = parse("DELETE FROM t WHERE pk = 'x' RETURNING ALL OLD *")
    assert delete == ast.Delete(ast.Target("t"), ast.Compare("=", path("pk"), lit({"S": "x"})),
                                "ALL OLD")  # fmt: skip
    exists = parse("NOT EXISTS (SELECT * FROM t WHERE pk = 'x')")
    assert isinstance(exists, ast.Exists) and exists.negated


def test_parameters_are_numbered_in_text_order():
    stmt = parse("UPDATE t SET a = ?, b = ? WHERE pk = ? AND sk = ?")
    bound = bind(stmt, [{"S": "1"}, {"S": "2"}, {"S": "3"}, {"S": "4"}])
    assert isinstance(bound, ast.Update)
    assert [a.value for a in bound.actions] == [lit({"S": "1"}), lit({"S": "2"})]  # type: ignore[union-attr]
    assert ast.conjuncts(bound.where) == [
        ast.Compare("=", path("pk"), lit({"S": "3"})),
        ast.Compare("=", path("sk"), lit({"S": "4"})),
    ]


def test_bind_folds_collections_and_drops_missing_map_values():
    stmt = bind(
        parse("INSERT INTO t VALUE {'pk': ?, 'l': [1, ?], 's': <<'a', 'b'>>, 'x': MISSING,"
              " 'b': `{{AAE=}}`, 'ns': <<1, 2>>}"),
        [{"S": "k"}, {"BOOL": True}],
    )  # fmt: skip
    assert isinstance(stmt, ast.Insert)
    assert stmt.item == lit(
        {"M": {"pk": {"S": "k"}, "l": {"L": [{"N": "1"}, {"BOOL": True}]},
               "s": {"SS": ["a", "b"]}, "b": {"B": b"\x00\x01"}, "ns": {"NS": ["1", "2"]}}}
    )  # fmt: skip


@pytest.mark.parametrize("parameters", [[], [{"S": "a"}, {"S": "b"}]])
def test_parameter_count_mismatch(parameters):
    with pytest.raises(ValidationException) as excinfo:
        bind(parse("SELECT * FROM t WHERE pk = ?"), parameters)
    assert excinfo.value.message == PARAMETER_COUNT


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ("", "Expected data manipulation"),
        ("CREATE TABLE t", "Expected data manipulation"),
        ("SELECT * FROM t WHERE", "Unexpected end of statement"),
        ("SELECT * FROM t WHERE a = 1 b", "Unexpected token"),
        ("SELECT * FROM t WHERE a BETWEEN 1", "Unexpected end of statement"),
        ("SELECT * FROM t WHERE a IS 3", "Unexpected token"),
        ("SELECT * FROM t WHERE where = 1", "Unexpected keyword"),
        ('SELECT * FROM t WHERE a = "b', "Unterminated quoted identifier"),
        ("SELECT * FROM t WHERE a = 'b", "Unterminated string literal"),
        ("SELECT * FROM t WHERE a = @", "Invalid character: '@'"),
        ("SELECT COUNT(*) FROM t", "Unexpected path component"),
        ("UPDATE t WHERE pk = 'a'", "Unexpected keyword"),
        ("UPDATE t SET a = 1 WHERE pk = 'a' RETURNING ALL *", "Unexpected token"),
        ("INSERT INTO t.i VALUE {'pk': 'a'}", "FROM clause may only contain a single table name"),
        ("SELECT * FROM t WHERE a = `nope`", "Unsupported Ion literal"),
    ],
)
def test_syntax_errors(text, detail):
    with pytest.raises(ValidationException) as excinfo:
        parse(text)
    assert excinfo.value.message == MALFORMED + detail


def test_deep_nesting_is_refused():
    text = "SELECT * FROM t WHERE " + "(" * 100 + "a = 1" + ")" * 100
    with pytest.raises(ValidationException) as excinfo:
        parse(text)
    assert excinfo.value.message == MALFORMED + "Statement is nested too deeply"
