"""TransactGetItems and TransactWriteItems through boto3 against the real server:
all-or-nothing, cancellation reasons, idempotency tokens, isolation from readers."""

from __future__ import annotations

import threading
import uuid

import pytest
from botocore.exceptions import ClientError

from tests.services.dynamodb.conftest import error_of


def k(name):
    return {"pk": {"S": name}}


def test_write_all_or_nothing(ddb, make_table):
    t = make_table()
    ddb.put_item(TableName=t, Item={**k("a"), "n": {"N": "1"}})
    ddb.put_item(TableName=t, Item={**k("gone"), "n": {"N": "1"}})
    ddb.transact_write_items(
        TransactItems=[
            {"Put": {"TableName": t, "Item": {**k("b"), "n": {"N": "2"}}}},
            {"Update": {"TableName": t, "Key": k("a"), "UpdateExpression": "ADD n :one",
                        "ExpressionAttributeValues": {":one": {"N": "1"}}}},
            {"Delete": {"TableName": t, "Key": k("gone")}},
            {"ConditionCheck": {"TableName": t, "Key": k("c"),
                                "ConditionExpression": "attribute_not_exists(pk)"}},
        ]
    )  # fmt: skip
    got = ddb.transact_get_items(
        TransactItems=[{"Get": {"TableName": t, "Key": k(n)}} for n in ("a", "b", "gone")]
    )["Responses"]
    assert got == [{"Item": {**k("a"), "n": {"N": "2"}}}, {"Item": {**k("b"), "n": {"N": "2"}}}, {}]
    with pytest.raises(ClientError) as exc:
        ddb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": t, "Item": k("d")}},
                {"Update": {"TableName": t, "Key": k("a"), "UpdateExpression": "SET n = :z",
                            "ConditionExpression": "n = :z", "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                            "ExpressionAttributeValues": {":z": {"N": "0"}}}},
                {"ConditionCheck": {"TableName": t, "Key": k("b"),
                                    "ConditionExpression": "attribute_not_exists(pk)"}},
            ]
        )  # fmt: skip
    assert error_of(exc) == (
        "TransactionCanceledException",
        "Transaction cancelled, please refer cancellation reasons for specific reasons"
        " [None, ConditionalCheckFailed, ConditionalCheckFailed]",
    )
    reasons = exc.value.response["CancellationReasons"]
    assert reasons[0] == {"Code": "None"}
    assert reasons[1]["Code"] == "ConditionalCheckFailed"
    assert reasons[1]["Item"] == {**k("a"), "n": {"N": "2"}}
    assert "Item" not in reasons[2] and reasons[2]["Message"]
    assert "Item" not in ddb.get_item(TableName=t, Key=k("d"))


def test_validation_error_reason_and_one_item_rule(ddb, make_table):
    t = make_table()
    with pytest.raises(ClientError) as exc:
        ddb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": t, "Item": {"pk": {"N": "7"}}}},
                {"Put": {"TableName": t, "Item": k("fine")}},
            ]
        )
    assert error_of(exc)[0] == "TransactionCanceledException"
    reasons = exc.value.response["CancellationReasons"]
    assert [r["Code"] for r in reasons] == ["ValidationError", "None"]
    with pytest.raises(ClientError) as exc:
        ddb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": t, "Item": k("same")}},
                {"Delete": {"TableName": t, "Key": k("same")}},
            ]
        )
    assert error_of(exc) == (
        "ValidationException",
        "Transaction request cannot include multiple operations on one item",
    )
    with pytest.raises(ClientError) as exc:
        ddb.transact_get_items(
            TransactItems=[
                {"Get": {"TableName": t, "Key": k("x")}},
                {"Get": {"TableName": t, "Key": k("x")}},
            ]
        )
    assert error_of(exc)[0] == "ValidationException"
    with pytest.raises(ClientError) as exc:
        ddb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": t, "Item": {"pk": {"S": f"p{i}"}}}} for i in range(101)
            ]
        )
    assert error_of(exc)[0] == "ValidationException"


def test_idempotency_token(ddb, make_table):
    t = make_table()
    ddb.put_item(TableName=t, Item={**k("c"), "n": {"N": "0"}})
    items = [{"Update": {"TableName": t, "Key": k("c"), "UpdateExpression": "ADD n :one",
                         "ExpressionAttributeValues": {":one": {"N": "1"}}}}]  # fmt: skip
    token = uuid.uuid4().hex
    for _ in range(3):
        ddb.transact_write_items(TransactItems=items, ClientRequestToken=token)
    assert ddb.get_item(TableName=t, Key=k("c"))["Item"]["n"] == {"N": "1"}
    with pytest.raises(ClientError) as exc:
        ddb.transact_write_items(
            TransactItems=[{"Put": {"TableName": t, "Item": k("other")}}], ClientRequestToken=token
        )
    assert error_of(exc)[0] == "IdempotentParameterMismatchException"
    ddb.transact_write_items(TransactItems=items, ClientRequestToken=uuid.uuid4().hex)
    assert ddb.get_item(TableName=t, Key=k("c"))["Item"]["n"] == {"N": "2"}


def test_transactions_keep_indexes(ddb):
    name = f"tx-{uuid.uuid4().hex[:10]}"
    ddb.create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                              {"AttributeName": "g", "AttributeType": "S"}],
        GlobalSecondaryIndexes=[{"IndexName": "by_g", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                 "Projection": {"ProjectionType": "ALL"}}],
    )  # fmt: skip
    try:
        ddb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": name, "Item": {**k(f"i{i}"), "g": {"S": "x"}}}}
                for i in range(5)
            ]
        )
        with pytest.raises(ClientError) as exc:
            ddb.transact_write_items(
                TransactItems=[
                    {"Put": {"TableName": name, "Item": {**k("i9"), "g": {"S": "x"}}}},
                    {"Put": {"TableName": name, "Item": {**k("i8"), "g": {"N": "1"}}}},
                ]
            )
        assert [r["Code"] for r in exc.value.response["CancellationReasons"]] == [
            "None",
            "ValidationError",
        ]
        got = ddb.query(
            TableName=name, IndexName="by_g", KeyConditionExpression="g = :g",
            ExpressionAttributeValues={":g": {"S": "x"}},
        )["Items"]  # fmt: skip
        assert len(got) == 5
    finally:
        ddb.delete_table(TableName=name)


def test_never_seen_half_applied(ddb, aws_client, make_table):
    """Writers move one unit between two items in transactions; readers always see the sum."""
    t = make_table()
    ddb.put_item(TableName=t, Item={**k("x"), "n": {"N": "100"}})
    ddb.put_item(TableName=t, Item={**k("y"), "n": {"N": "100"}})
    stop = threading.Event()
    bad: list[int] = []

    def move(src, dst):
        client = aws_client("dynamodb")
        for _ in range(40):
            client.transact_write_items(
                TransactItems=[
                    {"Update": {"TableName": t, "Key": k(src), "UpdateExpression": "ADD n :m",
                                "ExpressionAttributeValues": {":m": {"N": "-1"}}}},
                    {"Update": {"TableName": t, "Key": k(dst), "UpdateExpression": "ADD n :p",
                                "ExpressionAttributeValues": {":p": {"N": "1"}}}},
                ]
            )  # fmt: skip

    def read():
        client = aws_client("dynamodb")
        while not stop.is_set():
            got = client.transact_get_items(
                TransactItems=[{"Get": {"TableName": t, "Key": k(n)}} for n in ("x", "y")]
            )["Responses"]
            total = sum(int(r["Item"]["n"]["N"]) for r in got)
            if total != 200:
                bad.append(total)
            page = client.scan(TableName=t, ConsistentRead=True)["Items"]
            total = sum(int(i["n"]["N"]) for i in page)
            if total != 200:
                bad.append(total)

    reader = threading.Thread(target=read)
    reader.start()
    writers = [threading.Thread(target=move, args=p) for p in (("x", "y"), ("y", "x"), ("x", "y"))]
    for w in writers:
        w.start()
    for w in writers:
        w.join()
    stop.set()
    reader.join()
    assert bad == []
    final = ddb.get_item(TableName=t, Key=k("x"))["Item"]["n"]["N"]
    assert final == "60"
