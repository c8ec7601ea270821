"""PutItem, GetItem, UpdateItem, DeleteItem through boto3 against the real server."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from botocore.exceptions import ClientError

from tests.services.dynamodb.conftest import error_of

INVALID = "One or more parameter values were invalid: "


def test_put_get_roundtrip_every_type(ddb, make_table):
    name = make_table()
    item = {
        "pk": {"S": "a"},
        "s": {"S": ""},
        "n": {"N": "1.50"},
        "b": {"B": b"\x00\xff"},
        "bool": {"BOOL": False},
        "null": {"NULL": True},
        "l": {"L": [{"N": "-0"}, {"B": b""}]},
        "m": {"M": {"x": {"SS": ["a", "b"]}, "B": {"BS": [b"1", b"2"]}}},
        "ns": {"NS": ["1", "2e1"]},
    }
    assert ddb.put_item(TableName=name, Item=item) == {} or True
    got = ddb.get_item(TableName=name, Key={"pk": {"S": "a"}}, ConsistentRead=True)["Item"]
    assert got["n"] == {"N": "1.5"}
    assert got["b"] == {"B": b"\x00\xff"}
    assert got["l"] == {"L": [{"N": "0"}, {"B": b""}]}
    assert got["m"]["M"]["B"] == {"BS": [b"1", b"2"]}
    assert sorted(got["ns"]["NS"]) == ["1", "20"]
    assert got["s"] == {"S": ""}
    assert "Item" not in ddb.get_item(TableName=name, Key={"pk": {"S": "zz"}})


def test_resource_api(resource, make_table):
    table = resource.Table(make_table(range_type="N"))
    table.put_item(Item={"pk": "x", "sk": 1, "price": Decimal("9.99"), "tags": {"a", "b"}})
    got = table.get_item(Key={"pk": "x", "sk": 1})["Item"]
    assert got == {"pk": "x", "sk": 1, "price": Decimal("9.99"), "tags": {"a", "b"}}
    table.delete_item(Key={"pk": "x", "sk": 1})
    assert "Item" not in table.get_item(Key={"pk": "x", "sk": 1})


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ({"other": {"S": "a"}}, f"{INVALID}Missing the key pk in the item"),
        ({"pk": {"N": "1"}}, f"{INVALID}Type mismatch for key pk expected: S actual: N"),
        (
            {"pk": {"S": ""}},
            "One or more parameter values are not valid. The AttributeValue for a key attribute"
            " cannot contain an empty string value. Key: pk",
        ),
        (
            {"pk": {"S": "x" * 2049}},
            f"{INVALID}Size of hashkey has exceeded the maximum size limit of2048 bytes",
        ),
        ({"pk": {"S": "a"}, "x": {"SS": []}}, f"{INVALID}An string set  may not be empty"),
        (
            {"pk": {"S": "a"}, "x": {"SS": ["a", "a"]}},
            f"{INVALID}Input collection [a, a] contains duplicates.",
        ),
        (
            {"pk": {"S": "a"}, "x": {"N": "abc"}},
            "The parameter cannot be converted to a numeric value: abc",
        ),
        (
            {"pk": {"S": "a"}, "x": {"S": "a", "N": "1"}},
            "Supplied AttributeValue has more than one datatypes set, must contain exactly one of"
            " the supported datatypes",
        ),
        (
            {"pk": {"S": "a"}, "x": {"S": "x" * (400 * 1024)}},
            "Item size has exceeded the maximum allowed size",
        ),
    ],
)
def test_put_item_validation(ddb, make_table, item, message):
    name = make_table()
    with pytest.raises(ClientError) as info:
        ddb.put_item(TableName=name, Item=item)
    assert error_of(info) == ("ValidationException", message)


def test_item_size_limit_is_exact(ddb, make_table):
    name = make_table()
    # 400 KB = names + values: "pk" + "a" + "x" + the string
    filler = "x" * (400 * 1024 - 2 - 1 - 1)
    ddb.put_item(TableName=name, Item={"pk": {"S": "a"}, "x": {"S": filler}})
    with pytest.raises(ClientError):
        ddb.put_item(TableName=name, Item={"pk": {"S": "a"}, "x": {"S": filler + "y"}})


def test_range_key_limits(ddb, make_table):
    name = make_table(range_type="B")
    ddb.put_item(TableName=name, Item={"pk": {"S": "a"}, "sk": {"B": b"x" * 1024}})
    with pytest.raises(ClientError) as info:
        ddb.put_item(TableName=name, Item={"pk": {"S": "a"}, "sk": {"B": b"x" * 1025}})
    assert error_of(info)[1] == (
        f"{INVALID}Aggregated size of all range keys has exceeded the size limit of 1024 bytes"
    )
    with pytest.raises(ClientError) as info:
        ddb.put_item(TableName=name, Item={"pk": {"S": "a"}, "sk": {"B": b""}})
    assert error_of(info)[1].endswith("cannot contain an empty binary value. Key: sk")


@pytest.mark.parametrize(
    "key",
    [{}, {"pk": {"N": "1"}}, {"pk": {"S": "a"}, "x": {"S": "b"}}, {"other": {"S": "a"}}],
)
def test_get_item_key_must_match_schema(ddb, make_table, key):
    name = make_table()
    with pytest.raises(ClientError) as info:
        ddb.get_item(TableName=name, Key=key)
    assert error_of(info) == (
        "ValidationException",
        "The provided key element does not match the schema",
    )


def test_return_values_rules(ddb, make_table):
    name = make_table()
    for mode in ("ALL_NEW", "UPDATED_OLD", "UPDATED_NEW"):
        with pytest.raises(ClientError) as info:
            ddb.put_item(TableName=name, Item={"pk": {"S": "a"}}, ReturnValues=mode)
        assert error_of(info) == ("ValidationException", "ReturnValues can only be ALL_OLD or NONE")
        with pytest.raises(ClientError) as info:
            ddb.delete_item(TableName=name, Key={"pk": {"S": "a"}}, ReturnValues=mode)
        assert error_of(info) == ("ValidationException", "ReturnValues can only be ALL_OLD or NONE")
    first = ddb.put_item(
        TableName=name, Item={"pk": {"S": "a"}, "v": {"N": "1"}}, ReturnValues="ALL_OLD"
    )
    assert "Attributes" not in first
    second = ddb.put_item(
        TableName=name, Item={"pk": {"S": "a"}, "v": {"N": "2"}}, ReturnValues="ALL_OLD"
    )
    assert second["Attributes"] == {"pk": {"S": "a"}, "v": {"N": "1"}}
    gone = ddb.delete_item(TableName=name, Key={"pk": {"S": "a"}}, ReturnValues="ALL_OLD")
    assert gone["Attributes"] == {"pk": {"S": "a"}, "v": {"N": "2"}}


def test_consumed_capacity(ddb, make_table):
    name = make_table()
    big = "x" * 5000
    out = ddb.put_item(
        TableName=name, Item={"pk": {"S": "a"}, "v": {"S": big}}, ReturnConsumedCapacity="TOTAL"
    )
    assert out["ConsumedCapacity"] == {"TableName": name, "CapacityUnits": 5.0}
    out = ddb.get_item(TableName=name, Key={"pk": {"S": "a"}}, ReturnConsumedCapacity="TOTAL")
    assert out["ConsumedCapacity"]["CapacityUnits"] == 1.0  # 2 units, halved
    out = ddb.get_item(
        TableName=name,
        Key={"pk": {"S": "a"}},
        ConsistentRead=True,
        ReturnConsumedCapacity="INDEXES",
    )
    assert out["ConsumedCapacity"] == {
        "TableName": name,
        "CapacityUnits": 2.0,
        "Table": {"CapacityUnits": 2.0},
    }
    out = ddb.get_item(TableName=name, Key={"pk": {"S": "b"}}, ReturnConsumedCapacity="TOTAL")
    assert out["ConsumedCapacity"]["CapacityUnits"] == 0.5
    out = ddb.delete_item(TableName=name, Key={"pk": {"S": "a"}}, ReturnConsumedCapacity="TOTAL")
    assert out["ConsumedCapacity"]["CapacityUnits"] == 5.0


# -- with expressions ----------------------------------------------------------------------------


def test_condition_expression_and_failed_item(ddb, make_table):
    name = make_table()
    ddb.put_item(TableName=name, Item={"pk": {"S": "a"}, "v": {"N": "1"}})
    with pytest.raises(ClientError) as info:
        ddb.put_item(
            TableName=name,
            Item={"pk": {"S": "a"}, "v": {"N": "2"}},
            ConditionExpression="attribute_not_exists(pk)",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    assert error_of(info) == ("ConditionalCheckFailedException", "The conditional request failed")
    assert info.value.response["Item"] == {"pk": {"S": "a"}, "v": {"N": "1"}}
    ddb.put_item(
        TableName=name,
        Item={"pk": {"S": "a"}, "v": {"N": "2"}},
        ConditionExpression="#v = :one",
        ExpressionAttributeNames={"#v": "v"},
        ExpressionAttributeValues={":one": {"N": "1"}},
    )
    with pytest.raises(ClientError) as info:
        ddb.delete_item(
            TableName=name,
            Key={"pk": {"S": "a"}},
            ConditionExpression="v = :one",
            ExpressionAttributeValues={":one": {"N": "1"}},
        )
    assert error_of(info)[0] == "ConditionalCheckFailedException"
    assert "Item" not in info.value.response


def test_update_item_return_values(ddb, make_table):
    name = make_table()
    key = {"pk": {"S": "a"}}
    out = ddb.update_item(
        TableName=name,
        Key=key,
        UpdateExpression="SET a = :a, b = :b",
        ExpressionAttributeValues={":a": {"N": "1"}, ":b": {"S": "x"}},
        ReturnValues="ALL_NEW",
    )
    assert out["Attributes"] == {"pk": {"S": "a"}, "a": {"N": "1"}, "b": {"S": "x"}}
    out = ddb.update_item(
        TableName=name,
        Key=key,
        UpdateExpression="SET a = a + :one",
        ExpressionAttributeValues={":one": {"N": "1"}},
        ReturnValues="UPDATED_OLD",
    )
    assert out["Attributes"] == {"a": {"N": "1"}}
    out = ddb.update_item(
        TableName=name,
        Key=key,
        UpdateExpression="SET a = a + :one",
        ExpressionAttributeValues={":one": {"N": "1"}},
        ReturnValues="UPDATED_NEW",
    )
    assert out["Attributes"] == {"a": {"N": "3"}}
    out = ddb.update_item(
        TableName=name, Key=key, UpdateExpression="REMOVE b", ReturnValues="ALL_OLD"
    )
    assert out["Attributes"]["b"] == {"S": "x"}
    with pytest.raises(ClientError) as info:
        ddb.update_item(
            TableName=name,
            Key=key,
            UpdateExpression="SET pk = :v",
            ExpressionAttributeValues={":v": {"S": "b"}},
        )
    assert error_of(info) == (
        "ValidationException",
        f"{INVALID}Cannot update attribute pk. This attribute is part of the key",
    )
    # updating an absent item creates it
    ddb.update_item(TableName=name, Key={"pk": {"S": "new"}})
    assert ddb.get_item(TableName=name, Key={"pk": {"S": "new"}})["Item"] == {"pk": {"S": "new"}}


def test_projection_expression(ddb, make_table):
    name = make_table()
    ddb.put_item(
        TableName=name,
        Item={"pk": {"S": "a"}, "x": {"N": "1"}, "m": {"M": {"y": {"S": "z"}, "w": {"S": "v"}}}},
    )
    got = ddb.get_item(
        TableName=name,
        Key={"pk": {"S": "a"}},
        ProjectionExpression="x, m.y",
    )["Item"]
    assert got == {"x": {"N": "1"}, "m": {"M": {"y": {"S": "z"}}}}
    got = ddb.get_item(TableName=name, Key={"pk": {"S": "a"}}, AttributesToGet=["x"])["Item"]
    assert got == {"x": {"N": "1"}}


def test_legacy_parameters(ddb, make_table):
    name = make_table()
    key = {"pk": {"S": "a"}}
    ddb.put_item(TableName=name, Item={"pk": {"S": "a"}, "v": {"N": "1"}})
    ddb.put_item(
        TableName=name,
        Item={"pk": {"S": "a"}, "v": {"N": "2"}},
        Expected={"v": {"Value": {"N": "1"}}},
    )
    with pytest.raises(ClientError) as info:
        ddb.put_item(TableName=name, Item={"pk": {"S": "a"}}, Expected={"v": {"Exists": False}})
    assert error_of(info)[0] == "ConditionalCheckFailedException"
    out = ddb.update_item(
        TableName=name,
        Key=key,
        AttributeUpdates={"v": {"Action": "ADD", "Value": {"N": "5"}}},
        ReturnValues="UPDATED_NEW",
    )
    assert out["Attributes"] == {"v": {"N": "7"}}


def test_conditional_increments_race(aws_client, make_table):
    name = make_table()
    setup = aws_client("dynamodb")
    setup.put_item(TableName=name, Item={"pk": {"S": "counter"}, "n": {"N": "0"}})
    threads, per_thread = 8, 25

    def worker() -> None:
        client = aws_client("dynamodb")
        done = 0
        while done < per_thread:
            current = client.get_item(
                TableName=name, Key={"pk": {"S": "counter"}}, ConsistentRead=True
            )["Item"]["n"]["N"]
            try:
                client.update_item(
                    TableName=name,
                    Key={"pk": {"S": "counter"}},
                    UpdateExpression="SET n = n + :one",
                    ConditionExpression="n = :seen",
                    ExpressionAttributeValues={":one": {"N": "1"}, ":seen": {"N": current}},
                )
                done += 1
            except ClientError as exc:
                assert exc.response["Error"]["Code"] == "ConditionalCheckFailedException"

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    final = setup.get_item(TableName=name, Key={"pk": {"S": "counter"}})["Item"]["n"]["N"]
    assert final == str(threads * per_thread)
