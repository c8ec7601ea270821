"""Fixes found with the Alternator conformance suite: multi-attribute GSI keys, Query
filters on key attributes, CreateTable/DeleteTable details, expression and number limits,
request compression and the request size limit (boto3 and raw HTTP against the server;
the engine directly where simpler)."""

from __future__ import annotations

import gzip
import json
import urllib.error
import urllib.request
import zlib
from typing import Any

import pytest
from botocore.exceptions import ClientError

from lenticular.services.dynamodb.errors import ValidationException
from lenticular.services.dynamodb.expressions.numbers import OVERFLOW, add
from lenticular.services.dynamodb.expressions.parser import parse_condition
from lenticular.services.dynamodb.keys import encode_tuple
from lenticular.services.dynamodb.values import check_item
from tests.services.dynamodb.conftest import error_of, unique

INVALID = "One or more parameter values were invalid: "


def S(v: str) -> dict[str, str]:
    return {"S": v}


def N(v: int) -> dict[str, str]:
    return {"N": str(v)}


def _gsi_table(ddb: Any, hash_keys: list[str], range_keys: list[str], **kw: Any) -> str:
    name = unique()
    defs = [{"AttributeName": n, "AttributeType": "S"} for n in ["p", *hash_keys, *range_keys]]
    schema = [{"AttributeName": n, "KeyType": "HASH"} for n in hash_keys] + [
        {"AttributeName": n, "KeyType": "RANGE"} for n in range_keys
    ]
    ddb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "p", "KeyType": "HASH"}],
        AttributeDefinitions=defs,
        GlobalSecondaryIndexes=[
            {"IndexName": "gsi", "KeySchema": schema, "Projection": {"ProjectionType": "ALL"}}
        ],
        BillingMode="PAY_PER_REQUEST",
        **kw,
    )
    return name


@pytest.fixture
def gsi_2h2r(ddb: Any) -> Any:
    name = _gsi_table(ddb, ["h1", "h2"], ["r1", "r2"])
    yield name
    ddb.delete_table(TableName=name)


def _query(ddb: Any, table: str, condition: str, values: dict[str, Any], **kw: Any) -> Any:
    return ddb.query(
        TableName=table, IndexName="gsi", KeyConditionExpression=condition,
        ExpressionAttributeValues=values, **kw,
    )  # fmt: skip


# -- multi-attribute GSI keys -----------------------------------------------------------------


def test_multi_attribute_gsi_described(ddb: Any, gsi_2h2r: str) -> None:
    gsi = ddb.describe_table(TableName=gsi_2h2r)["Table"]["GlobalSecondaryIndexes"][0]
    assert [e["KeyType"] for e in gsi["KeySchema"]] == ["HASH", "HASH", "RANGE", "RANGE"]


def test_multi_attribute_gsi_query_prefix_and_order(ddb: Any, gsi_2h2r: str) -> None:
    for i, (r1, r2) in enumerate([("a", "z"), ("b", "x"), ("b", "y"), ("b", "w"), ("c", "a")]):
        ddb.put_item(
            TableName=gsi_2h2r,
            Item={"p": S(f"p{i}"), "h1": S("H"), "h2": S("K"), "r1": S(r1), "r2": S(r2)},
        )
    # an item lacking one key attribute is not in the index (sparse)
    ddb.put_item(TableName=gsi_2h2r, Item={"p": S("sparse"), "h1": S("H"), "h2": S("K")})
    base = {":h1": S("H"), ":h2": S("K")}
    got = _query(ddb, gsi_2h2r, "h1 = :h1 AND h2 = :h2", base)["Items"]
    assert [(i["r1"]["S"], i["r2"]["S"]) for i in got] == [
        ("a", "z"), ("b", "w"), ("b", "x"), ("b", "y"), ("c", "a"),
    ]  # fmt: skip
    got = _query(
        ddb, gsi_2h2r, "r2 > :r2 AND h2 = :h2 AND r1 = :r1 AND h1 = :h1",
        {**base, ":r1": S("b"), ":r2": S("w")}, ScanIndexForward=False,
    )["Items"]  # fmt: skip
    assert [i["r2"]["S"] for i in got] == ["y", "x"]
    got = _query(ddb, gsi_2h2r, "h1 = :h1 AND h2 = :h2 AND r1 > :r1", {**base, ":r1": S("a")})
    assert [i["p"]["S"] for i in got["Items"]] == ["p3", "p1", "p2", "p4"]
    page = _query(ddb, gsi_2h2r, "h1 = :h1 AND h2 = :h2", base, Limit=2)
    assert set(page["LastEvaluatedKey"]) == {"p", "h1", "h2", "r1", "r2"}
    rest = _query(
        ddb, gsi_2h2r, "h1 = :h1 AND h2 = :h2", base, ExclusiveStartKey=page["LastEvaluatedKey"]
    )
    assert [i["p"]["S"] for i in rest["Items"]] == ["p1", "p2", "p4"]


@pytest.mark.parametrize(
    "condition, message",
    [
        (
            "h1 = :v",
            "Query key condition not supported: every HASH key attribute of the index"
            " needs an equality condition; HASH key attributes: [h1, h2], missing or not an"
            " equality: h2",
        ),
        (
            "h1 = :v AND h2 = :v AND r2 = :v",
            "Query key condition not supported: RANGE key"
            " attributes must be used from the first one without gaps, and each but the last one"
            " used needs an equality condition; RANGE key attributes: [r1, r2], used: [r2]",
        ),
        (
            "h1 = :v AND h2 = :v AND r1 > :v AND r2 = :v",
            "Query key condition not supported:"
            " RANGE key attributes must be used from the first one without gaps, and each but the"
            " last one used needs an equality condition; RANGE key attributes: [r1, r2], used:"
            " [r1, r2]",
        ),
    ],
)
def test_multi_attribute_gsi_query_rules(
    ddb: Any, gsi_2h2r: str, condition: str, message: str
) -> None:
    with pytest.raises(ClientError) as info:
        _query(ddb, gsi_2h2r, condition, {":v": S("v")})
    assert error_of(info) == ("ValidationException", message)


def test_multi_attribute_gsi_filter_on_index_key_refused(ddb: Any, gsi_2h2r: str) -> None:
    with pytest.raises(ClientError) as info:
        _query(
            ddb, gsi_2h2r, "h1 = :v AND h2 = :v", {":v": S("v")},
            FilterExpression="#r = :v", ExpressionAttributeNames={"#r": "r1"},
        )  # fmt: skip
    assert error_of(info) == (
        "ValidationException",
        "Filter Expression can only contain non-primary key attributes: Primary key attribute: r1",
    )


def test_multi_attribute_gsi_wrong_type_refused(ddb: Any, gsi_2h2r: str) -> None:
    with pytest.raises(ClientError) as info:
        ddb.put_item(
            TableName=gsi_2h2r,
            Item={"p": S("x"), "h1": S("a"), "h2": N(1), "r1": S("a"), "r2": S("b")},
        )
    assert error_of(info) == (
        "ValidationException",
        f"{INVALID}Type mismatch for Index Key h2 Expected: S Actual: N IndexName: gsi",
    )


@pytest.mark.parametrize(
    "schema, message",
    [
        (
            [("a", "HASH"), ("b", "RANGE"), ("c", "HASH")],
            f"{INVALID}Index KeySchema: all HASH key elements must precede all RANGE key elements"
            " for index: gsi",
        ),
        (
            [(f"a{i}", "HASH") for i in range(5)],
            f"{INVALID}Index KeySchema: a global secondary index can have at most 4 HASH key"
            " attributes, got 5 for index: gsi",
        ),
        (
            [("a", "HASH"), ("b", "HASH"), ("a", "RANGE")],
            f"{INVALID}Index KeySchema: two KeySchemaElements have the same name for index: gsi",
        ),
    ],
)
def test_multi_attribute_gsi_schema_refused(ddb: Any, schema: Any, message: str) -> None:
    names = dict.fromkeys(["p", *(n for n, _ in schema)])
    with pytest.raises(ClientError) as info:
        ddb.create_table(
            TableName=unique(),
            KeySchema=[{"AttributeName": "p", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in names],
            GlobalSecondaryIndexes=[{
                "IndexName": "gsi",
                "KeySchema": [{"AttributeName": n, "KeyType": k} for n, k in schema],
                "Projection": {"ProjectionType": "ALL"},
            }],
            BillingMode="PAY_PER_REQUEST",
        )  # fmt: skip
    assert error_of(info) == ("ValidationException", message)


def test_tuple_encoding_orders_part_by_part() -> None:
    values = [[b"a", b"b"], [b"a", b""], [b"a\x00", b"a"], [b"", b"z"], [b"ab", b"a"]]
    ordered = sorted(values, key=encode_tuple)
    assert ordered == sorted(values)


# -- Query and table details ------------------------------------------------------------------


def test_query_filter_on_sort_key_refused(ddb: Any, make_table: Any) -> None:
    table = make_table("S", "S")
    with pytest.raises(ClientError) as info:
        ddb.query(
            TableName=table, KeyConditionExpression="pk = :p", FilterExpression="sk = :p",
            ExpressionAttributeValues={":p": S("x")},
        )  # fmt: skip
    assert error_of(info) == (
        "ValidationException",
        "Filter Expression can only contain non-primary key attributes: Primary key attribute: sk",
    )
    with pytest.raises(ClientError) as info:
        ddb.query(
            TableName=table,
            KeyConditions={"pk": {"AttributeValueList": [S("x")], "ComparisonOperator": "EQ"}},
            QueryFilter={"sk": {"AttributeValueList": [S("x")], "ComparisonOperator": "EQ"}},
        )
    assert error_of(info) == (
        "ValidationException",
        "QueryFilter can only contain non-primary key attributes: Primary key attribute: sk",
    )


def test_key_conditions_go_with_filter_expression(ddb: Any, make_table: Any) -> None:
    table = make_table("S", "S")
    ddb.put_item(TableName=table, Item={"pk": S("x"), "sk": S("1"), "a": S("yes")})
    ddb.put_item(TableName=table, Item={"pk": S("x"), "sk": S("2"), "a": S("no")})
    got = ddb.query(
        TableName=table,
        KeyConditions={"pk": {"AttributeValueList": [S("x")], "ComparisonOperator": "EQ"}},
        FilterExpression="a = :a", ExpressionAttributeValues={":a": S("yes")},
        ProjectionExpression="sk",
    )  # fmt: skip
    assert got["Items"] == [{"sk": S("1")}]


def test_create_table_without_attribute_definitions(ddb: Any) -> None:
    with pytest.raises(ClientError) as info:
        ddb.create_table(
            TableName=unique(), KeySchema=[{"AttributeName": "p", "KeyType": "HASH"}],
            BillingMode="PAY_PER_REQUEST",
        )  # fmt: skip
    assert error_of(info) == (
        "ValidationException",
        f"{INVALID}Some index key attributes are not defined in AttributeDefinitions. Keys: [p],"
        " AttributeDefinitions: []",
    )


def test_gsi_include_without_non_key_attributes(ddb: Any) -> None:
    with pytest.raises(ClientError) as info:
        ddb.create_table(
            TableName=unique(),
            KeySchema=[{"AttributeName": "p", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "p", "AttributeType": "S"}],
            GlobalSecondaryIndexes=[{
                "IndexName": "gsi", "KeySchema": [{"AttributeName": "p", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "INCLUDE"},
            }],
            BillingMode="PAY_PER_REQUEST",
        )  # fmt: skip
    assert error_of(info) == (
        "ValidationException",
        f"{INVALID}ProjectionType is INCLUDE, but NonKeyAttributes is not specified",
    )


def test_delete_table_leaves_out_the_schema(ddb: Any, make_table: Any) -> None:
    table = make_table("S", "S")
    got = ddb.delete_table(TableName=table)["TableDescription"]
    assert got["TableStatus"] == "DELETING"
    assert not {"KeySchema", "AttributeDefinitions", "CreationDateTime"} & set(got)


# -- expression and number limits -------------------------------------------------------------


@pytest.mark.parametrize(
    "text, message",
    [
        (
            "not " * 1000 + "a < b",
            "Invalid ConditionExpression: The expression contains too"
            " many operators; operator count: 301",
        ),
        (
            "a < " + "size(" * 680 + "b" + ")" * 680,
            "Invalid ConditionExpression: The"
            " expression nests function calls too deeply; nesting depth exceeds 150",
        ),
    ],
)
def test_deep_nesting_is_a_validation_error(text: str, message: str) -> None:
    with pytest.raises(ValidationException) as info:
        parse_condition("ConditionExpression", text)
    assert info.value.message == message


def test_arithmetic_on_huge_operand_overflows(ddb: Any, make_table: Any) -> None:
    with pytest.raises(ValidationException) as info:
        add("1.0", "1.0e100000000")
    assert info.value.message == OVERFLOW
    table = make_table()
    with pytest.raises(ClientError) as err:
        ddb.update_item(
            TableName=table, Key={"pk": S("x")}, UpdateExpression="SET a = :a + :b",
            ExpressionAttributeValues={":a": {"N": "1.0"}, ":b": {"N": "1.0e100000000"}},
        )  # fmt: skip
    # the value itself is out of range: refused as an invalid ExpressionAttributeValues entry
    assert error_of(err) == (
        "ValidationException",
        f"ExpressionAttributeValues contains invalid value: {OVERFLOW} for key :b",
    )


def test_unknown_attribute_type_is_empty() -> None:
    with pytest.raises(ValidationException) as info:
        check_item({"v": {"FLOAT32VECTOR": [1.0, 2.0]}})
    assert info.value.message == (
        "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
    )


# -- request compression and size (raw HTTP) --------------------------------------------------


def _post(server: Any, body: bytes, encoding: str | None) -> tuple[int, dict[str, Any]]:
    headers = {
        "Content-Type": "application/x-amz-json-1.0",
        "X-Amz-Target": "DynamoDB_20120810.PutItem",
        "Authorization": "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/dynamodb/"
        "aws4_request, SignedHeaders=host;x-amz-date, Signature=0",
        "X-Amz-Date": "20260101T000000Z",  # not checked: the server runs without --verify
    }
    if encoding is not None:
        headers["Content-Encoding"] = encoding
    request = urllib.request.Request(server.endpoint + "/", data=body, headers=headers)
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def test_compressed_requests(ddb: Any, make_table: Any, lenticular_server: Any) -> None:
    table = make_table()
    payload = json.dumps({"TableName": table, "Item": {"pk": S("g"), "v": S("1")}}).encode()
    assert _post(lenticular_server, gzip.compress(payload[:9]) + gzip.compress(payload[9:]),
                 "gzip")[0] == 200  # fmt: skip
    payload = payload.replace(b'"g"', b'"d"')
    assert _post(lenticular_server, zlib.compress(payload), "deflate")[0] == 200
    got = ddb.get_item(TableName=table, Key={"pk": S("d")}, ConsistentRead=True)
    assert got["Item"] == {"pk": S("d"), "v": S("1")}
    # DynamoDB answers an undecodable body with a 500
    assert _post(lenticular_server, payload, "gzip")[0] == 500
    assert _post(lenticular_server, gzip.compress(payload) + b"junk", "gzip")[0] == 500
    assert _post(lenticular_server, payload, "garbage")[0] == 500


def test_request_over_16_mb_is_413(make_table: Any, lenticular_server: Any) -> None:
    table = make_table()
    body = b'{"TableName": "' + table.encode() + b'", ' + b" " * (17 * 1024 * 1024) + b"}"
    assert _post(lenticular_server, body, None)[0] == 413
    assert _post(lenticular_server, gzip.compress(body), "gzip")[0] == 413
