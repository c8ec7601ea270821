"""BatchGetItem and BatchWriteItem through boto3 against the real server."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.services.dynamodb.conftest import error_of


def key(i):
    return {"pk": {"S": f"k{i}"}}


def test_batch_write_then_get(ddb, make_table):
    a, b = make_table(), make_table()
    out = ddb.batch_write_item(
        RequestItems={
            a: [{"PutRequest": {"Item": {**key(i), "v": {"N": str(i)}}}} for i in range(20)],
            b: [{"PutRequest": {"Item": {**key(1), "x": {"S": "y"}}}}],
        },
        ReturnConsumedCapacity="TOTAL",
    )
    assert out["UnprocessedItems"] == {}
    assert {c["TableName"]: c["CapacityUnits"] for c in out["ConsumedCapacity"]} == {
        a: 20.0,
        b: 1.0,
    }
    got = ddb.batch_get_item(
        RequestItems={
            a: {"Keys": [key(i) for i in range(0, 30, 3)], "ProjectionExpression": "v"},
            b: {"Keys": [key(1)], "ConsistentRead": True},
        },
        ReturnConsumedCapacity="TOTAL",
    )
    assert got["UnprocessedKeys"] == {}
    assert sorted(int(i["v"]["N"]) for i in got["Responses"][a]) == list(range(0, 20, 3))
    assert got["Responses"][b] == [{**key(1), "x": {"S": "y"}}]
    caps = {c["TableName"]: c["CapacityUnits"] for c in got["ConsumedCapacity"]}
    assert caps == {a: 5.0, b: 1.0}
    ddb.batch_write_item(RequestItems={a: [{"DeleteRequest": {"Key": key(i)}} for i in range(10)]})
    assert ddb.scan(TableName=a, Select="COUNT")["Count"] == 10


def test_duplicates(ddb, make_table):
    a = make_table()
    dup = "Provided list of item keys contains duplicates"
    with pytest.raises(ClientError) as exc:
        ddb.batch_get_item(RequestItems={a: {"Keys": [key(1), key(1)]}})
    assert error_of(exc) == ("ValidationException", dup)
    with pytest.raises(ClientError) as exc:
        ddb.batch_write_item(
            RequestItems={a: [{"PutRequest": {"Item": key(1)}}, {"DeleteRequest": {"Key": key(1)}}]}
        )
    assert error_of(exc) == ("ValidationException", dup)
    assert ddb.scan(TableName=a)["Count"] == 0


def test_limits_and_missing_table(ddb, make_table):
    a = make_table()
    with pytest.raises(ClientError) as exc:
        ddb.batch_write_item(
            RequestItems={a: [{"PutRequest": {"Item": key(i)}} for i in range(26)]}
        )
    assert error_of(exc)[0] == "ValidationException"
    with pytest.raises(ClientError) as exc:
        ddb.batch_get_item(RequestItems={a: {"Keys": [key(i) for i in range(101)]}})
    assert error_of(exc)[0] == "ValidationException"
    with pytest.raises(ClientError) as exc:
        ddb.batch_get_item(RequestItems={"missing-table": {"Keys": [key(1)]}})
    assert error_of(exc)[0] == "ResourceNotFoundException"


def test_bad_item_rejects_whole_batch(ddb, make_table):
    a = make_table()
    with pytest.raises(ClientError) as exc:
        ddb.batch_write_item(
            RequestItems={
                a: [{"PutRequest": {"Item": key(1)}}, {"PutRequest": {"Item": {"pk": {"N": "1"}}}}]
            }
        )
    assert error_of(exc) == (
        "ValidationException",
        "One or more parameter values were invalid: Type mismatch for key pk expected: S actual: N",
    )
    assert ddb.scan(TableName=a)["Count"] == 0


def test_resource_batch_writer(resource, make_table):
    table = resource.Table(make_table())
    with table.batch_writer() as writer:
        for i in range(60):
            writer.put_item(Item={"pk": f"r{i}", "n": i})
    assert table.scan(Select="COUNT")["Count"] == 60
    got = resource.batch_get_item(RequestItems={table.name: {"Keys": [{"pk": "r7"}]}})
    assert got["Responses"][table.name] == [{"pk": "r7", "n": 7}]
