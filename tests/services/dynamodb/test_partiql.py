"""PartiQL (ExecuteStatement, BatchExecuteStatement, ExecuteTransaction) through boto3
against the real server."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.services.dynamodb.conftest import error_of, unique

MALFORMED = "Statement wasn't well formed, can't be processed: "


def run(ddb, statement, *parameters, **extra):
    if parameters:
        extra["Parameters"] = list(parameters)
    return ddb.execute_statement(Statement=statement, **extra)


def fails(ddb, statement, *parameters, **extra):
    with pytest.raises(ClientError) as excinfo:
        run(ddb, statement, *parameters, **extra)
    return error_of(excinfo)


@pytest.fixture
def songs(ddb, make_table):
    """A hash+range table (pk S, sk N) holding a: 1..5 and b: 1..2."""
    name = make_table(range_type="N")
    for pk, count in (("a", 5), ("b", 2)):
        for sk in range(1, count + 1):
            ddb.put_item(
                TableName=name,
                Item={"pk": {"S": pk}, "sk": {"N": str(sk)}, "n": {"N": str(sk * 10)},
                      "tag": {"S": f"t{sk % 2}"}, "m": {"M": {"x": {"L": [{"S": "first"}]}}}},
            )  # fmt: skip
    return name


# -- SELECT -----------------------------------------------------------------------------------


def test_select_star_scans_the_table(ddb, songs):
    items = run(ddb, f'SELECT * FROM "{songs}"')["Items"]
    assert len(items) == 7
    assert sorted((i["pk"]["S"], i["sk"]["N"]) for i in items)[0] == ("a", "1")
    assert items[0]["m"] == {"M": {"x": {"L": [{"S": "first"}]}}}


def test_select_with_partition_key_is_a_query_in_sort_order(ddb, songs):
    items = run(ddb, f'SELECT sk FROM "{songs}" WHERE pk = ?', {"S": "a"})["Items"]
    assert items == [{"sk": {"N": str(i)}} for i in range(1, 6)]


def test_select_sort_key_conditions_and_filters(ddb, songs):
    stmt = f"SELECT sk FROM \"{songs}\" WHERE pk = 'a' AND sk BETWEEN 2 AND 4 AND tag = 't0'"
    assert run(ddb, stmt)["Items"] == [{"sk": {"N": "2"}}, {"sk": {"N": "4"}}]
    stmt = f"SELECT sk FROM \"{songs}\" WHERE 'a' = pk AND 3 < sk"
    assert run(ddb, stmt)["Items"] == [{"sk": {"N": "4"}}, {"sk": {"N": "5"}}]


def test_select_condition_on_a_key_attribute_that_is_not_a_key_condition(ddb, songs):
    stmt = f"SELECT sk FROM \"{songs}\" WHERE pk = 'a' AND (sk = 1 OR sk = 5)"
    assert run(ddb, stmt)["Items"] == [{"sk": {"N": "1"}}, {"sk": {"N": "5"}}]
    stmt = f"SELECT sk FROM \"{songs}\" WHERE pk = 'a' AND sk <> 3 AND sk IN [1, 3, 4]"
    assert run(ddb, stmt)["Items"] == [{"sk": {"N": "1"}}, {"sk": {"N": "4"}}]


def test_select_order_by_descending(ddb, songs):
    stmt = f"SELECT sk FROM \"{songs}\" WHERE pk = 'b' ORDER BY sk DESC"
    assert run(ddb, stmt)["Items"] == [{"sk": {"N": "2"}}, {"sk": {"N": "1"}}]


def test_order_by_needs_a_partition_key_condition(ddb, songs):
    code, message = fails(ddb, f'SELECT * FROM "{songs}" ORDER BY sk')
    assert code == "ValidationException"
    assert message == (
        "Must have at least one non-optional hash key condition in WHERE clause when using"
        " ORDER BY clause."
    )


def test_scan_filters_with_every_operator(ddb, songs):
    def pks(where, *params):
        items = run(ddb, f'SELECT pk, sk FROM "{songs}" WHERE {where}', *params)["Items"]
        return sorted((i["pk"]["S"], int(i["sk"]["N"])) for i in items)

    assert pks("n >= 40") == [("a", 4), ("a", 5)]
    assert pks("n < 20 OR n > 40") == [("a", 1), ("a", 5), ("b", 1)]
    assert pks("NOT n <> 20") == [("a", 2), ("b", 2)]
    assert pks("n IN (10, 50)") == [("a", 1), ("a", 5), ("b", 1)]
    assert pks("begins_with(tag, 't1') AND pk = 'b'") == [("b", 1)]
    assert pks("contains(m.x[0], 'irs') AND sk = 2") == [("a", 2), ("b", 2)]
    assert pks("size(tag) = 2 AND n <= 10") == [("a", 1), ("b", 1)]
    assert pks("attribute_type(n, 'S')") == []
    assert pks("nothing IS NOT MISSING") == []
    assert len(pks("nothing IS MISSING")) == 7
    assert pks("m.x[0] = ? AND n = ?", {"S": "first"}, {"N": "30"}) == [("a", 3)]


def test_projection_of_nested_paths(ddb, songs):
    stmt = f'SELECT m.x[0], "n" FROM "{songs}" WHERE pk = \'b\' AND sk = 1'
    assert run(ddb, stmt)["Items"] == [
        {"m": {"M": {"x": {"L": [{"S": "first"}]}}}, "n": {"N": "10"}}
    ]


def test_limit_and_next_token(ddb, songs):
    stmt = f"SELECT sk FROM \"{songs}\" WHERE pk = 'a'"
    seen, token, pages = [], None, 0
    while True:
        extra = {"Limit": 2} | ({"NextToken": token} if token else {})
        page = run(ddb, stmt, ConsistentRead=True, **extra)
        seen += [int(i["sk"]["N"]) for i in page["Items"]]
        pages += 1
        token = page.get("NextToken")
        if token is None:
            break
        assert page["LastEvaluatedKey"]["pk"] == {"S": "a"}
    assert seen == [1, 2, 3, 4, 5]
    assert pages == 3


def test_next_token_must_match_the_request(ddb, songs):
    page = run(ddb, f'SELECT * FROM "{songs}"', Limit=1)
    other = f"SELECT * FROM \"{songs}\" WHERE pk = 'a'"
    assert fails(ddb, other, NextToken=page["NextToken"]) == (
        "ValidationException",
        "NextToken does not match request",
    )
    assert fails(ddb, other, NextToken="garbage!") == ("ValidationException", "Invalid NextToken")


# -- INSERT -----------------------------------------------------------------------------------


def test_insert_every_literal_kind(ddb, make_table):
    name = make_table()
    stmt = (
        f"INSERT INTO \"{name}\" VALUE {{'pk': 'k', 's': 'it''s', 'n': -1.50, 't': true,"
        " 'z': null, 'l': [1, 'two'], 'm': {'in': <<'x', 'y'>>}, 'ns': <<1, 2>>,"
        " 'b': `{{AAE=}}`, 'gone': missing, 'p': ?}"
    )
    assert run(ddb, stmt, {"BOOL": False})["Items"] == []
    item = ddb.get_item(TableName=name, Key={"pk": {"S": "k"}})["Item"]
    assert item["s"] == {"S": "it's"}
    assert item["n"] == {"N": "-1.5"}
    assert item["t"] == {"BOOL": True}
    assert item["z"] == {"NULL": True}
    assert item["l"] == {"L": [{"N": "1"}, {"S": "two"}]}
    assert sorted(item["m"]["M"]["in"]["SS"]) == ["x", "y"]
    assert sorted(item["ns"]["NS"]) == ["1", "2"]
    assert item["b"] == {"B": b"\x00\x01"}
    assert item["p"] == {"BOOL": False}
    assert "gone" not in item


def test_insert_duplicate_fails(ddb, make_table):
    name = make_table()
    run(ddb, f"INSERT INTO \"{name}\" VALUE {{'pk': 'k'}}")
    code, message = fails(ddb, f"INSERT INTO \"{name}\" VALUE {{'pk': 'k', 'x': 1}}")
    assert (code, message) == ("DuplicateItemException", "Duplicate primary key exists in table")


def test_insert_missing_key_uses_putitem_message(ddb, make_table):
    name = make_table()
    assert fails(ddb, f"INSERT INTO \"{name}\" VALUE {{'x': 1}}") == (
        "ValidationException",
        "One or more parameter values were invalid: Missing the key pk in the item",
    )


# -- UPDATE -----------------------------------------------------------------------------------


def test_update_set_remove_and_returning(ddb, songs):
    stmt = (
        f"UPDATE \"{songs}\" SET n = n + 1 SET tag = 'new', m.x = list_append(m.x, [?])"
        " REMOVE \"m\".\"y\" SET s = set_add(s, <<'q'>>) WHERE pk = 'a' AND sk = 1"
        " RETURNING ALL NEW *"
    )
    items = run(ddb, stmt, {"S": "second"})["Items"]
    assert items[0]["n"] == {"N": "11"}
    assert items[0]["tag"] == {"S": "new"}
    assert items[0]["m"]["M"]["x"]["L"] == [{"S": "first"}, {"S": "second"}]
    assert items[0]["s"] == {"SS": ["q"]}
    modified = run(
        ddb,
        f"UPDATE \"{songs}\" SET n = 5 WHERE pk = 'a' AND sk = 1 RETURNING MODIFIED OLD *",
    )["Items"]
    assert modified == [{"n": {"N": "11"}}]
    plain = run(ddb, f"UPDATE \"{songs}\" REMOVE tag WHERE pk = 'a' AND sk = 1")
    assert plain["Items"] == []
    got = ddb.get_item(TableName=songs, Key={"pk": {"S": "a"}, "sk": {"N": "1"}})["Item"]
    assert "tag" not in got and got["n"] == {"N": "5"}


def test_update_conditions_and_missing_items(ddb, songs):
    stmt = f"UPDATE \"{songs}\" SET x = 1 WHERE pk = 'a' AND sk = 2 AND n = 999"
    assert fails(ddb, stmt) == ("ConditionalCheckFailedException", "The conditional request failed")
    stmt = f"UPDATE \"{songs}\" SET x = 1 WHERE pk = 'zz' AND sk = 2"
    assert fails(ddb, stmt) == ("ConditionalCheckFailedException", "The conditional request failed")
    with pytest.raises(ClientError) as excinfo:
        run(
            ddb,
            f"UPDATE \"{songs}\" SET x = 1 WHERE pk = 'a' AND sk = 2 AND n = 0",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    assert excinfo.value.response["Item"]["n"] == {"N": "20"}


def test_update_needs_the_whole_key(ddb, songs):
    for where in ("pk = 'a'", "pk = 'a' OR sk = 1", "n = 1"):
        code, message = fails(ddb, f'UPDATE "{songs}" SET x = 1 WHERE {where}')
        assert (code, message) == (
            "ValidationException",
            "Where clause does not contain a mandatory equality on all key attributes",
        )


def test_update_key_attribute_is_refused(ddb, songs):
    assert fails(ddb, f"UPDATE \"{songs}\" SET n = 1, sk = 9 WHERE pk = 'a' AND sk = 1") == (
        "ValidationException",
        "One or more parameter values were invalid: Cannot update attribute sk. This attribute"
        " is part of the key",
    )


# -- DELETE -----------------------------------------------------------------------------------


def test_delete_with_returning_and_conditions(ddb, songs):
    stmt = f"DELETE FROM \"{songs}\" WHERE pk = 'b' AND sk = 2 AND n = 1"
    assert fails(ddb, stmt) == ("ConditionalCheckFailedException", "The conditional request failed")
    stmt = f"DELETE FROM \"{songs}\" WHERE pk = 'b' AND sk = 2 RETURNING ALL OLD *"
    assert run(ddb, stmt)["Items"][0]["n"] == {"N": "20"}
    assert run(ddb, stmt)["Items"] == []  # deleting what isn't there succeeds
    assert run(ddb, f"DELETE FROM \"{songs}\" WHERE pk = 'b' AND sk = 2 AND n = 1")["Items"] == []
    assert fails(ddb, f"DELETE FROM \"{songs}\" WHERE pk = 'b' AND sk = 1 RETURNING ALL NEW *") == (
        "ValidationException",
        "Invalid returning clause: RETURNING ALL NEW *. Only RETURNING ALL OLD * is allowed in"
        " DELETE statements.",
    )


# -- errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("statement", "detail"),
    [
        ("SELEC * FROM t", "Expected data manipulation"),
        ("SELECT * FROM", "Unexpected end of statement"),
        ("SELECT * FROM t WHERE", "Unexpected end of statement"),
        ("SELECT * FROM t WHERE a = 'x", "Unterminated string literal"),
        ("SELECT * FROM t WHERE a ==", "Unexpected token"),
        ("SELECT * FROM t WHERE a = 1 AND", "Unexpected end of statement"),
        ("SELECT * FROM t t2 WHERE", "Unexpected token"),
        ("SELECT * FROM select", "Unexpected keyword"),
        ("SELECT * FROM t WHERE a = #", "Invalid character: '#'"),
        ("SELECT count(*) FROM t", "Unexpected path component"),
    ],
)
def test_syntax_errors(ddb, statement, detail):
    assert fails(ddb, statement) == ("ValidationException", MALFORMED + detail)


def test_unknown_table(ddb):
    assert fails(ddb, 'SELECT * FROM "no-such-table-here"') == (
        "ResourceNotFoundException",
        "Requested resource not found",
    )


def test_parameter_count_must_match(ddb, songs):
    message = "Number of parameters in request and statement don't match."
    assert fails(ddb, f'SELECT * FROM "{songs}" WHERE pk = ?') == ("ValidationException", message)
    assert fails(ddb, f'SELECT * FROM "{songs}"', {"S": "x"}) == ("ValidationException", message)


def test_writes_on_an_index_are_refused(ddb, songs):
    assert fails(ddb, f'DELETE FROM "{songs}"."idx" WHERE pk = \'a\' AND sk = 1') == (
        "ValidationException",
        "This operation is not supported on an index",
    )


# -- BatchExecuteStatement --------------------------------------------------------------------


def test_batch_reads(ddb, songs):
    out = ddb.batch_execute_statement(
        Statements=[
            {"Statement": f"SELECT n FROM \"{songs}\" WHERE pk = 'a' AND sk = 1"},
            {
                "Statement": f'SELECT * FROM "{songs}" WHERE pk = ? AND sk = ?',
                "Parameters": [{"S": "zz"}, {"N": "1"}],
            },
            {"Statement": f"SELECT * FROM \"{songs}\" WHERE pk = 'a'"},
            {"Statement": "SELECT * FROM"},
            {"Statement": "SELECT * FROM \"missing-table\" WHERE pk = 'a' AND sk = 1"},
        ]  # fmt: skip
    )["Responses"]
    assert out[0] == {"TableName": songs, "Item": {"n": {"N": "10"}}}
    assert out[1] == {"TableName": songs}
    assert out[2]["Error"] == {
        "Code": "ValidationError",
        "Message": "Select statements within BatchExecuteStatement must specify the primary"
        " key in the where clause.",
    }
    assert out[3]["Error"] == {
        "Code": "ValidationError",
        "Message": MALFORMED + "Unexpected end of statement",
    }
    assert out[4]["Error"]["Code"] == "ResourceNotFound"


def test_batch_writes_report_each_statement(ddb, make_table):
    name = make_table()
    run(ddb, f"INSERT INTO \"{name}\" VALUE {{'pk': 'old', 'n': 1}}")
    run(ddb, f"INSERT INTO \"{name}\" VALUE {{'pk': 'old2'}}")
    out = ddb.batch_execute_statement(
        Statements=[
            {"Statement": f"INSERT INTO \"{name}\" VALUE {{'pk': 'new'}}"},
            {"Statement": f"INSERT INTO \"{name}\" VALUE {{'pk': 'old2'}}"},
            {
                "Statement": f"UPDATE \"{name}\" SET n = 2 WHERE pk = 'x1' AND n = 1",
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            },
            {
                "Statement": f"UPDATE \"{name}\" SET n = 5 WHERE pk = 'old' AND n = 0",
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            },
            {"Statement": f"DELETE FROM \"{name}\" WHERE pk = 'gone'"},
        ]  # fmt: skip
    )["Responses"]
    assert out[0] == {"TableName": name}
    assert out[1] == {
        "TableName": name,
        "Error": {"Code": "DuplicateItem", "Message": "Duplicate primary key exists in table"},
    }
    assert out[2]["Error"]["Code"] == "ConditionalCheckFailed"
    assert out[3]["Error"] == {
        "Code": "ConditionalCheckFailed",
        "Message": "The conditional request failed",
        "Item": {"pk": {"S": "old"}, "n": {"N": "1"}},
    }
    assert out[4] == {"TableName": name}
    assert ddb.get_item(TableName=name, Key={"pk": {"S": "new"}}).get("Item") is not None


def test_batch_refuses_mixed_reads_and_writes_and_duplicates(ddb, make_table):
    name = make_table()
    with pytest.raises(ClientError) as excinfo:
        ddb.batch_execute_statement(
            Statements=[
                {"Statement": f"SELECT * FROM \"{name}\" WHERE pk = 'a'"},
                {"Statement": f"DELETE FROM \"{name}\" WHERE pk = 'a'"},
            ]
        )
    assert error_of(excinfo) == (
        "ValidationException",
        "Read and write requests together in the same batch is not supported.",
    )
    with pytest.raises(ClientError) as excinfo:
        ddb.batch_execute_statement(
            Statements=[
                {"Statement": f"DELETE FROM \"{name}\" WHERE pk = 'a'"},
                {"Statement": f"UPDATE \"{name}\" SET x = 1 WHERE pk = 'a'"},
            ]
        )
    assert error_of(excinfo) == (
        "ValidationException",
        "Provided list of item keys contains duplicates",
    )


# -- ExecuteTransaction -----------------------------------------------------------------------


def test_transaction_writes_all_or_nothing(ddb, make_table):
    name = make_table()
    run(ddb, f"INSERT INTO \"{name}\" VALUE {{'pk': 'acct', 'balance': 10}}")
    run(ddb, f"INSERT INTO \"{name}\" VALUE {{'pk': 'bank', 'open': true}}")
    out = ddb.execute_transaction(
        TransactStatements=[
            {"Statement": f"UPDATE \"{name}\" SET balance = balance - 3 WHERE pk = 'acct'"},
            {
                "Statement": f"INSERT INTO \"{name}\" VALUE {{'pk': ?, 'amount': 3}}",
                "Parameters": [{"S": "tx1"}],
            },
            {"Statement": f"EXISTS(SELECT * FROM \"{name}\" WHERE pk = 'bank' AND open = true)"},
        ]  # fmt: skip
    )
    assert out["Responses"] == [{}, {}, {}]
    got = ddb.get_item(TableName=name, Key={"pk": {"S": "acct"}})["Item"]
    assert got["balance"] == {"N": "7"}
    with pytest.raises(ClientError) as excinfo:
        ddb.execute_transaction(
            TransactStatements=[
                {"Statement": f"UPDATE \"{name}\" SET balance = balance - 3 WHERE pk = 'acct'"},
                {"Statement": f"INSERT INTO \"{name}\" VALUE {{'pk': 'tx1', 'amount': 3}}"},
            ]
        )
    code, message = error_of(excinfo)
    assert code == "TransactionCanceledException"
    assert message == (
        "Transaction cancelled, please refer cancellation reasons for specific reasons"
        " [None, DuplicateItem]"
    )
    reasons = excinfo.value.response["CancellationReasons"]
    assert reasons[1] == {
        "Code": "DuplicateItem",
        "Message": "Duplicate primary key exists in table",
    }
    got = ddb.get_item(TableName=name, Key={"pk": {"S": "acct"}})["Item"]
    assert got["balance"] == {"N": "7"}


def test_transaction_condition_check_fails(ddb, make_table):
    name = make_table()
    with pytest.raises(ClientError) as excinfo:
        ddb.execute_transaction(
            TransactStatements=[
                {"Statement": f"INSERT INTO \"{name}\" VALUE {{'pk': 'a'}}"},
                {"Statement": f"EXISTS(SELECT * FROM \"{name}\" WHERE pk = 'nobody')"},
            ]
        )
    assert error_of(excinfo)[0] == "TransactionCanceledException"
    reasons = excinfo.value.response["CancellationReasons"]
    assert [r["Code"] for r in reasons] == ["None", "ConditionalCheckFailed"]
    assert "Item" not in ddb.get_item(TableName=name, Key={"pk": {"S": "a"}})


def test_transaction_reads(ddb, songs):
    out = ddb.execute_transaction(
        TransactStatements=[
            {"Statement": f"SELECT n FROM \"{songs}\" WHERE pk = 'a' AND sk = 2"},
            {"Statement": f"SELECT * FROM \"{songs}\" WHERE pk = 'a' AND sk = 99"},
        ]
    )
    assert out["Responses"] == [{"Item": {"n": {"N": "20"}}}, {}]


def test_transaction_refusals(ddb, songs):
    def refused(*statements):
        with pytest.raises(ClientError) as excinfo:
            ddb.execute_transaction(TransactStatements=[{"Statement": s} for s in statements])
        return error_of(excinfo)

    key = "WHERE pk = 'a' AND sk = 1"
    assert refused(f'SELECT * FROM "{songs}" {key}', f'DELETE FROM "{songs}" {key}') == (
        "ValidationException",
        "ExecuteTransaction API does not support both read and write operations in the same"
        " request.",
    )
    assert refused(f'DELETE FROM "{songs}" {key} RETURNING ALL OLD *') == (
        "ValidationException",
        "Validation failed in TransactStatements[0]: RETURNING clause is not supported in"
        " ExecuteTransaction.",
    )
    assert refused("DELETE FROM") == (
        "ValidationException",
        MALFORMED + "Unexpected end of statement",
    )


# -- secondary indexes ------------------------------------------------------------------------


def test_select_from_a_global_secondary_index(ddb):
    name = unique()
    ddb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "g", "AttributeType": "S"},
            {"AttributeName": "r", "AttributeType": "N"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by-g",
                "KeySchema": [
                    {"AttributeName": "g", "KeyType": "HASH"},
                    {"AttributeName": "r", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    try:
        for i in range(4):
            run(ddb, f"INSERT INTO \"{name}\" VALUE {{'pk': 'p{i}', 'g': 'x', 'r': {3 - i}}}")
        run(ddb, f"INSERT INTO \"{name}\" VALUE {{'pk': 'lone'}}")
        stmt = f'SELECT pk FROM "{name}"."by-g" WHERE g = \'x\' AND r >= 1 ORDER BY r DESC'
        assert [i["pk"]["S"] for i in run(ddb, stmt)["Items"]] == ["p0", "p1", "p2"]
        assert len(run(ddb, f'SELECT * FROM "{name}"."by-g"')["Items"]) == 4  # sparse
        code, message = fails(ddb, f'SELECT * FROM "{name}"."nope"')
        assert (code, message) == (
            "ValidationException",
            "The table does not have the specified index: nope",
        )
    finally:
        ddb.delete_table(TableName=name)


def test_consumed_capacity_and_binary_keys(ddb, make_table):
    name = make_table(hash_type="B")
    out = run(ddb, f'INSERT INTO "{name}" VALUE {{\'pk\': ?}}', {"B": b"\x00k"},
              ReturnConsumedCapacity="TOTAL")  # fmt: skip
    assert out["ConsumedCapacity"] == {"TableName": name, "CapacityUnits": 1.0}
    out = run(ddb, f'SELECT * FROM "{name}" WHERE pk = ?', {"B": b"\x00k"},
              ReturnConsumedCapacity="TOTAL")  # fmt: skip
    assert out["Items"] == [{"pk": {"B": b"\x00k"}}]
    assert out["ConsumedCapacity"]["TableName"] == name
    batch = ddb.batch_execute_statement(
        Statements=[
            {"Statement": f'SELECT * FROM "{name}" WHERE pk = ?', "Parameters": [{"B": b"\x00k"}]},
            {"Statement": f'SELECT * FROM "{name}" WHERE pk = `{{{{AQ==}}}}`'},
        ],
        ReturnConsumedCapacity="TOTAL",
    )
    assert batch["Responses"][0] == {"TableName": name, "Item": {"pk": {"B": b"\x00k"}}}
    assert batch["Responses"][1] == {"TableName": name}
    assert batch["ConsumedCapacity"] == [{"TableName": name, "CapacityUnits": 1.0}]
