"""Behaviour fixed after the Alternator suite's second pass: expression and legacy-parameter
edge cases, ExclusiveStartKey and Select checks, UpdateTable's index updates, tags, table
names and empty attribute names. boto3 against the real server."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.services.dynamodb.conftest import error_of, unique


def S(v: str) -> dict[str, str]:
    return {"S": v}


def N(v: int) -> dict[str, str]:
    return {"N": str(v)}


def B(v: bytes) -> dict[str, bytes]:
    return {"B": v}


def _fails(call: Any, code: str = "ValidationException", contains: str = "") -> str:
    with pytest.raises(ClientError) as info:
        call()
    got_code, message = error_of(info)
    assert got_code == code, message
    assert contains in message, message
    return message


# -- expressions ----------------------------------------------------------------------------


def test_ordering_a_value_of_the_wrong_type_is_a_validation_error(
    ddb: Any, make_table: Any
) -> None:
    table = make_table()
    ddb.put_item(TableName=table, Item={"pk": S("k"), "a": N(1), "x": {"L": [N(1)]}})

    def update(condition: str, value: dict) -> Any:
        return lambda: ddb.update_item(
            TableName=table, Key={"pk": S("k")}, UpdateExpression="SET z = :one",
            ConditionExpression=condition,
            ExpressionAttributeValues={":one": N(1), ":v": value},
        )  # fmt: skip

    for condition in ("a < :v", ":v >= a", "a BETWEEN :v AND :v"):
        _fails(update(condition, {"L": [N(1)]}), contains="Incorrect operand type")
    # the same type read from the item just compares false
    _fails(update("x < :v", N(5)), "ConditionalCheckFailedException")
    update("a < :v", N(5))()  # a number still works (and is not served from a stale cache)
    _fails(update("a < :v", {"BOOL": True}), contains="operand type: BOOL")


def test_contains_finds_bytes_in_binary(ddb: Any, make_table: Any) -> None:
    table = make_table()
    ddb.put_item(TableName=table, Item={"pk": S("k"), "d": B(b"hi there")})
    got = ddb.scan(
        TableName=table, FilterExpression="contains(d, :b)",
        ExpressionAttributeValues={":b": B(b"here")},
    )  # fmt: skip
    assert got["Count"] == 1
    ddb.update_item(
        TableName=table, Key={"pk": S("k")}, AttributeUpdates={"z": {"Value": N(1)}},
        Expected={"d": {"ComparisonOperator": "CONTAINS", "AttributeValueList": [B(b"i t")]}},
    )  # fmt: skip
    _fails(
        lambda: ddb.update_item(
            TableName=table, Key={"pk": S("k")}, AttributeUpdates={"z": {"Value": N(2)}},
            Expected={"d": {"ComparisonOperator": "NOT_CONTAINS",
                            "AttributeValueList": [B(b"here")]}},
        ),
        "ConditionalCheckFailedException",
    )  # fmt: skip


def test_not_contains_is_false_on_a_missing_attribute(ddb: Any, make_table: Any) -> None:
    table = make_table()
    ddb.put_item(TableName=table, Item={"pk": S("k")})
    _fails(
        lambda: ddb.update_item(
            TableName=table, Key={"pk": S("k")}, AttributeUpdates={"z": {"Value": N(1)}},
            Expected={"q": {"ComparisonOperator": "NOT_CONTAINS", "AttributeValueList": [N(1)]}},
        ),
        "ConditionalCheckFailedException",
    )  # fmt: skip


def test_conditional_operator_needs_expected(ddb: Any, make_table: Any) -> None:
    table = make_table()
    for expected in (None, {}):
        extra = {} if expected is None else {"Expected": expected}
        _fails(
            lambda extra=extra: ddb.update_item(
                TableName=table, Key={"pk": S("k")}, AttributeUpdates={"z": {"Value": N(1)}},
                ConditionalOperator="OR", **extra,
            ),
            contains="ConditionalOperator",
        )  # fmt: skip
    ddb.update_item(  # an empty Expected alone is fine
        TableName=table, Key={"pk": S("k")}, AttributeUpdates={"z": {"Value": N(1)}}, Expected={}
    )


def test_sets_past_the_end_of_a_list_append_in_index_order(ddb: Any, make_table: Any) -> None:
    table = make_table()
    ddb.put_item(TableName=table, Item={"pk": S("k"), "a": {"L": [S("one")]}})
    ddb.update_item(
        TableName=table, Key={"pk": S("k")},
        UpdateExpression="SET a[84] = :a, a[37] = :b, a[17] = :c, a[50] = :d",
        ExpressionAttributeValues={":a": S("a1"), ":b": S("a2"), ":c": S("a3"), ":d": S("a4")},
    )  # fmt: skip
    item = ddb.get_item(TableName=table, Key={"pk": S("k")}, ConsistentRead=True)["Item"]
    assert [v["S"] for v in item["a"]["L"]] == ["one", "a3", "a2", "a4", "a1"]


def test_empty_or_wrongly_typed_delete_values(ddb: Any, make_table: Any) -> None:
    table = make_table()
    ddb.put_item(TableName=table, Item={"pk": S("k"), "a": {"NS": ["1", "2"]}})
    key = {"pk": S("k")}
    _fails(
        lambda: ddb.update_item(
            TableName=table, Key=key, UpdateExpression="DELETE a :v",
            ExpressionAttributeValues={":v": {"NS": []}},
        ),
        contains="ExpressionAttributeValues contains invalid value: One or more parameter"
        " values were invalid: An number set  may not be empty for key :v",
    )  # fmt: skip
    _fails(
        lambda: ddb.update_item(
            TableName=table,
            Key=key,
            AttributeUpdates={"a": {"Action": "DELETE", "Value": {"NS": []}}},
        ),
        contains="may not be empty",
    )


def test_list_index_too_large(ddb: Any, make_table: Any) -> None:
    table = make_table()
    ddb.put_item(TableName=table, Item={"pk": S("k"), "a": {"L": [N(7)]}})
    _fails(
        lambda: ddb.get_item(
            TableName=table, Key={"pk": S("k")}, ProjectionExpression="a[99999999999999]"
        ),
        contains="Invalid ProjectionExpression: List index",
    )
    got = ddb.get_item(TableName=table, Key={"pk": S("k")}, ProjectionExpression="a[999]")
    assert got["Item"] == {}


def test_empty_attribute_names_are_refused(ddb: Any, make_table: Any) -> None:
    table = make_table()
    key = {"pk": S("k")}
    calls = [
        lambda: ddb.put_item(TableName=table, Item={"pk": S("k"), "": N(1)}),
        lambda: ddb.get_item(
            TableName=table, Key=key, ProjectionExpression="#n", ExpressionAttributeNames={"#n": ""}
        ),
        lambda: ddb.get_item(TableName=table, Key=key, AttributesToGet=[""]),
        lambda: ddb.update_item(TableName=table, Key=key, AttributeUpdates={"": {"Value": N(2)}}),
    ]
    for call in calls:
        _fails(call, contains="Empty attribute name")


def test_item_operations_on_an_impossible_table_name(ddb: Any) -> None:
    for name in ("non!existent!table", "xx"):
        _fails(lambda name=name: ddb.put_item(TableName=name, Item={"a": S("b")}))
    _fails(
        lambda: ddb.put_item(TableName=unique(), Item={"a": S("b")}), "ResourceNotFoundException"
    )


# -- Query and Scan -------------------------------------------------------------------------


def test_exclusive_start_key_checks(ddb: Any, make_table: Any) -> None:
    hash_only = make_table()
    _fails(
        lambda: ddb.query(
            TableName=hash_only, KeyConditionExpression="pk = :p",
            ExpressionAttributeValues={":p": S("k")}, ExclusiveStartKey={"pk": S("k")},
        ),
        contains="The provided exclusive start key is invalid: ExclusiveStartKey",
    )  # fmt: skip
    ranged = make_table(range_type="S")
    query = {
        "TableName": ranged, "KeyConditionExpression": "pk = :p AND sk BETWEEN :a AND :b",
        "ExpressionAttributeValues": {":p": S("k"), ":a": S("b"), ":b": S("d")},
    }  # fmt: skip
    ddb.query(**query, ExclusiveStartKey={"pk": S("k"), "sk": S("c")})
    for outside in ("a", "e"):
        _fails(
            lambda outside=outside: ddb.query(
                **query, ExclusiveStartKey={"pk": S("k"), "sk": S(outside)}
            ),
            contains="outside query boundaries",
        )
    # a parallel scan's start key must lie in its segment
    for segment in range(4):
        try:
            ddb.scan(TableName=ranged, Segment=segment, TotalSegments=4,
                     ExclusiveStartKey={"pk": S("k"), "sk": S("c")})  # fmt: skip
        except ClientError as error:
            assert "does not map to the provided Segment" in str(error)
        else:
            home = segment
    refused = [s for s in range(4) if s != home]
    assert len(refused) == 3


def test_specific_attributes_needs_a_projection(ddb: Any, make_table: Any) -> None:
    table = make_table()
    _fails(
        lambda: ddb.scan(TableName=table, Select="SPECIFIC_ATTRIBUTES"),
        contains="SPECIFIC_ATTRIBUTES",
    )
    ddb.scan(TableName=table, Select="SPECIFIC_ATTRIBUTES", ProjectionExpression="pk")


def test_gsi_query_start_key_must_match_the_key_condition(ddb: Any) -> None:
    name = unique()
    ddb.create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "p", "KeyType": "HASH"}, {"AttributeName": "c", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in "pcx"],
        GlobalSecondaryIndexes=[{
            "IndexName": "hello", "Projection": {"ProjectionType": "ALL"},
            "KeySchema": [{"AttributeName": "p", "KeyType": "HASH"},
                          {"AttributeName": "x", "KeyType": "RANGE"}],
        }],
    )  # fmt: skip
    try:
        query = {
            "TableName": name, "IndexName": "hello",
            "KeyConditionExpression": "p = :p AND x = :x",
            "ExpressionAttributeValues": {":p": S("rightp"), ":x": S("rightx")},
        }  # fmt: skip
        ddb.query(**query, ExclusiveStartKey={"p": S("rightp"), "c": S("d"), "x": S("rightx")})
        _fails(
            lambda: ddb.query(
                **query, ExclusiveStartKey={"p": S("rightp"), "c": S("d"), "x": S("wrongx")}
            ),
            contains="starting key",
        )
    finally:
        ddb.delete_table(TableName=name)


# -- UpdateTable ----------------------------------------------------------------------------


def _gsi_create(name: str, key: str) -> dict[str, Any]:
    return {
        "Create": {
            "IndexName": name,
            "KeySchema": [{"AttributeName": key, "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "ALL"},
        }
    }


def test_update_table_index_update_checks(ddb: Any, make_table: Any) -> None:
    table = make_table()
    x_def = [{"AttributeName": "x", "AttributeType": "S"}]
    update = ddb.update_table
    _fails(lambda: update(TableName=table), contains="UpdateTable")
    _fails(lambda: update(TableName=table, GlobalSecondaryIndexUpdates=[]), contains="UpdateTable")
    _fails(
        lambda: update(TableName=table, GlobalSecondaryIndexUpdates=[{}]),
        contains="GlobalSecondaryIndexUpdate",
    )
    both = {**_gsi_create("ix1", "x"), "Delete": {"IndexName": "ix1"}}
    _fails(
        lambda: update(
            TableName=table, AttributeDefinitions=x_def, GlobalSecondaryIndexUpdates=[both]
        ),
        contains="only one of",
    )
    _fails(
        lambda: update(
            TableName=table, AttributeDefinitions=x_def,
            GlobalSecondaryIndexUpdates=[_gsi_create("ix1", "x"), _gsi_create("ix2", "x")],
        ),
        "LimitExceededException",
    )  # fmt: skip
    _fails(
        lambda: update(
            TableName=table, AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "N"}],
            GlobalSecondaryIndexUpdates=[_gsi_create("ix1", "pk")],
        ),
        contains="redefined",
    )  # fmt: skip
    update(
        TableName=table,
        AttributeDefinitions=x_def,
        GlobalSecondaryIndexUpdates=[_gsi_create("ix1", "x")],
    )
    # the key attribute must be in this request's AttributeDefinitions
    _fails(
        lambda: update(TableName=table, GlobalSecondaryIndexUpdates=[_gsi_create("ix2", "x")]),
        contains="AttributeDefinitions",
    )


def test_gsi_name_taken_by_an_lsi(ddb: Any) -> None:
    name = unique()
    ddb.create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "p", "KeyType": "HASH"}, {"AttributeName": "c", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in "pcx"],
        LocalSecondaryIndexes=[{
            "IndexName": "lsi", "Projection": {"ProjectionType": "ALL"},
            "KeySchema": [{"AttributeName": "p", "KeyType": "HASH"},
                          {"AttributeName": "x", "KeyType": "RANGE"}],
        }],
    )  # fmt: skip
    try:
        _fails(
            lambda: ddb.update_table(
                TableName=name, AttributeDefinitions=[{"AttributeName": "y", "AttributeType": "S"}],
                GlobalSecondaryIndexUpdates=[_gsi_create("lsi", "y")],
            ),
            contains="already exists",
        )  # fmt: skip
    finally:
        ddb.delete_table(TableName=name)


# -- tags -----------------------------------------------------------------------------------


def test_tag_rules(ddb: Any, make_table: Any) -> None:
    table = make_table()
    arn = ddb.describe_table(TableName=table)["Table"]["TableArn"]
    for bad in ("hi!", "d%g", '"hello"'):
        _fails(lambda bad=bad: ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": bad, "Value": "v"}]))
        _fails(lambda bad=bad: ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": "k", "Value": bad}]))
    _fails(lambda: ddb.tag_resource(ResourceArn=arn, Tags=[]))
    ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": str(i), "Value": "v"} for i in range(30)])
    ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": str(i), "Value": "v"} for i in range(20, 50)])
    _fails(lambda: ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": "one-more", "Value": "v"}]))
    # replacing a tag's value keeps the count; every allowed character is accepted
    ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": "0", "Value": "ok_.:/=+-@ é"}])
    name = unique()
    _fails(
        lambda: ddb.create_table(
            TableName=name, BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "p", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "p", "AttributeType": "S"}],
            Tags=[{"Key": str(i), "Value": "v"} for i in range(51)],
        )
    )  # fmt: skip
    _fails(lambda: ddb.describe_table(TableName=name), "ResourceNotFoundException")
