"""GSIs and LSIs through boto3 against the real server: sparse indexes, projections, key
type checks, paging in index order, UpdateTable backfill, capacity per index."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.services.dynamodb.conftest import error_of, unique


def make_indexed(ddb: Any, gsis=None, lsis=None, defs=None, range_key: bool = True) -> str:
    name = unique()
    schema = [{"AttributeName": "pk", "KeyType": "HASH"}]
    attrs = [{"AttributeName": "pk", "AttributeType": "S"}]
    if range_key:
        schema.append({"AttributeName": "sk", "KeyType": "RANGE"})
        attrs.append({"AttributeName": "sk", "AttributeType": "S"})
    attrs += [{"AttributeName": n, "AttributeType": t} for n, t in (defs or {}).items()]
    extra: dict[str, Any] = {}
    if gsis:
        extra["GlobalSecondaryIndexes"] = gsis
    if lsis:
        extra["LocalSecondaryIndexes"] = lsis
    ddb.create_table(
        TableName=name, KeySchema=schema, AttributeDefinitions=attrs,
        BillingMode="PAY_PER_REQUEST", **extra,
    )  # fmt: skip
    return name


def gsi(name: str, hash_key: str, range_key: str | None = None, projection=None) -> dict:
    schema = [{"AttributeName": hash_key, "KeyType": "HASH"}]
    if range_key:
        schema.append({"AttributeName": range_key, "KeyType": "RANGE"})
    return {
        "IndexName": name,
        "KeySchema": schema,
        "Projection": projection or {"ProjectionType": "ALL"},
    }


@pytest.fixture
def gsi_table(ddb):
    name = make_indexed(
        ddb,
        gsis=[
            gsi("by_g", "g", "n"),
            gsi("keys", "g", projection={"ProjectionType": "KEYS_ONLY"}),
            gsi("inc", "g", projection={"ProjectionType": "INCLUDE", "NonKeyAttributes": ["a"]}),
        ],
        defs={"g": "S", "n": "N"},
    )
    yield name
    ddb.delete_table(TableName=name)


def put(ddb, table, **attrs):
    item = {k: ({"N": str(v)} if isinstance(v, int) else {"S": v}) for k, v in attrs.items()}
    ddb.put_item(TableName=table, Item=item)


def q(ddb, table, index, g, **kw):
    return ddb.query(
        TableName=table, IndexName=index, KeyConditionExpression="g = :g",
        ExpressionAttributeValues={":g": {"S": g}}, **kw,
    )  # fmt: skip


def test_gsi_query_sparse_and_ordered(ddb, gsi_table):
    for i in (3, 1, 2):
        put(ddb, gsi_table, pk=f"p{i}", sk="s", g="x", n=i, a="A", b="B")
    put(ddb, gsi_table, pk="nog", sk="s", n=9)  # no g: in no index
    put(ddb, gsi_table, pk="non", sk="s", g="x")  # no n: not in by_g, in keys and inc
    items = q(ddb, gsi_table, "by_g", "x")["Items"]
    assert [i["n"]["N"] for i in items] == ["1", "2", "3"]
    assert len(q(ddb, gsi_table, "keys", "x")["Items"]) == 4
    scanned = ddb.scan(TableName=gsi_table, IndexName="by_g")["Items"]
    assert sorted(i["pk"]["S"] for i in scanned) == ["p1", "p2", "p3"]
    back = q(ddb, gsi_table, "by_g", "x", ScanIndexForward=False)["Items"]
    assert [i["n"]["N"] for i in back] == ["3", "2", "1"]


def test_projections(ddb, gsi_table):
    put(ddb, gsi_table, pk="p", sk="s", g="y", n=1, a="A", b="B")
    keys = q(ddb, gsi_table, "keys", "y")["Items"][0]
    assert set(keys) == {"pk", "sk", "g"}
    inc = q(ddb, gsi_table, "inc", "y", Select="ALL_PROJECTED_ATTRIBUTES")["Items"][0]
    assert set(inc) == {"pk", "sk", "g", "a"}
    assert set(q(ddb, gsi_table, "by_g", "y")["Items"][0]) == {"pk", "sk", "g", "n", "a", "b"}
    with pytest.raises(ClientError) as exc:
        q(ddb, gsi_table, "inc", "y", Select="ALL_ATTRIBUTES")
    assert error_of(exc) == (
        "ValidationException",
        "One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported"
        " for global secondary index inc because its projection type is not ALL",
    )
    with pytest.raises(ClientError) as exc:
        q(ddb, gsi_table, "inc", "y", ProjectionExpression="b")
    assert error_of(exc)[0] == "ValidationException"
    assert q(ddb, gsi_table, "inc", "y", ProjectionExpression="a")["Items"] == [{"a": {"S": "A"}}]


def test_index_errors(ddb, gsi_table):
    with pytest.raises(ClientError) as exc:
        q(ddb, gsi_table, "by_g", "x", ConsistentRead=True)
    assert error_of(exc) == (
        "ValidationException",
        "Consistent reads are not supported on global secondary indexes",
    )
    with pytest.raises(ClientError) as exc:
        ddb.scan(TableName=gsi_table, IndexName="nope")
    assert error_of(exc) == (
        "ValidationException",
        "The table does not have the specified index: nope",
    )


def test_type_mismatch_rejects_write(ddb, gsi_table):
    with pytest.raises(ClientError) as exc:
        ddb.put_item(
            TableName=gsi_table, Item={"pk": {"S": "p"}, "sk": {"S": "s"}, "g": {"N": "1"}}
        )
    code, message = error_of(exc)
    assert code == "ValidationException"
    assert message.startswith(
        "One or more parameter values were invalid: Type mismatch for Index Key g Expected: S"
        " Actual: N IndexName: "
    )
    assert "Item" not in ddb.get_item(TableName=gsi_table, Key={"pk": {"S": "p"}, "sk": {"S": "s"}})
    put(ddb, gsi_table, pk="p", sk="s", g="ok")
    with pytest.raises(ClientError) as exc:
        ddb.update_item(
            TableName=gsi_table, Key={"pk": {"S": "p"}, "sk": {"S": "s"}},
            UpdateExpression="SET g = :v", ExpressionAttributeValues={":v": {"S": ""}},
        )  # fmt: skip
    assert "A value specified for a secondary index key is not supported" in error_of(exc)[1]
    item = ddb.get_item(TableName=gsi_table, Key={"pk": {"S": "p"}, "sk": {"S": "s"}})["Item"]
    assert item["g"] == {"S": "ok"}


def test_updates_move_and_remove_entries(ddb, gsi_table):
    put(ddb, gsi_table, pk="p", sk="s", g="old", n=1)
    ddb.update_item(
        TableName=gsi_table, Key={"pk": {"S": "p"}, "sk": {"S": "s"}},
        UpdateExpression="SET g = :g", ExpressionAttributeValues={":g": {"S": "new"}},
    )  # fmt: skip
    assert q(ddb, gsi_table, "by_g", "old")["Items"] == []
    assert len(q(ddb, gsi_table, "by_g", "new")["Items"]) == 1
    ddb.update_item(
        TableName=gsi_table, Key={"pk": {"S": "p"}, "sk": {"S": "s"}}, UpdateExpression="REMOVE n"
    )
    assert q(ddb, gsi_table, "by_g", "new")["Items"] == []
    assert len(q(ddb, gsi_table, "keys", "new")["Items"]) == 1
    ddb.delete_item(TableName=gsi_table, Key={"pk": {"S": "p"}, "sk": {"S": "s"}})
    assert q(ddb, gsi_table, "keys", "new")["Items"] == []


def test_index_pagination(ddb, gsi_table):
    for i in range(25):
        put(ddb, gsi_table, pk=f"p{i % 5}", sk=f"s{i}", g="page", n=i % 7)
    got, start, pages = [], None, 0
    while True:
        kw = {"Limit": 4}
        if start:
            kw["ExclusiveStartKey"] = start
        page = q(ddb, gsi_table, "by_g", "page", **kw)
        got += page["Items"]
        pages += 1
        start = page.get("LastEvaluatedKey")
        if not start:
            break
        assert set(start) == {"g", "n", "pk", "sk"}
    assert len(got) == 25 and pages >= 7
    assert len({(i["pk"]["S"], i["sk"]["S"]) for i in got}) == 25
    ns = [int(i["n"]["N"]) for i in got]
    assert ns == sorted(ns)
    # a scan of a hash-only index pages too, with the table key in LastEvaluatedKey
    page = ddb.scan(TableName=gsi_table, IndexName="keys", Limit=3)
    assert set(page["LastEvaluatedKey"]) == {"g", "pk", "sk"}
    rest = ddb.scan(
        TableName=gsi_table, IndexName="keys", ExclusiveStartKey=page["LastEvaluatedKey"]
    )
    assert len(page["Items"]) + len(rest["Items"]) == 25


def test_describe_counts_and_capacity(ddb, gsi_table):
    put(ddb, gsi_table, pk="p", sk="s", g="c", n=1)
    put(ddb, gsi_table, pk="q", sk="s", g="c")
    indexes = {
        i["IndexName"]: i
        for i in ddb.describe_table(TableName=gsi_table)["Table"]["GlobalSecondaryIndexes"]
    }
    assert indexes["by_g"]["ItemCount"] == 1
    assert indexes["keys"]["ItemCount"] == 2
    assert indexes["keys"]["IndexSizeBytes"] > 0
    out = ddb.put_item(
        TableName=gsi_table, Item={"pk": {"S": "r"}, "sk": {"S": "s"}, "g": {"S": "c"}},
        ReturnConsumedCapacity="INDEXES",
    )  # fmt: skip
    capacity = out["ConsumedCapacity"]
    assert capacity["Table"] == {"CapacityUnits": 1.0}
    assert set(capacity["GlobalSecondaryIndexes"]) == {"keys", "inc"}
    assert capacity["CapacityUnits"] == 3.0
    read = q(ddb, gsi_table, "keys", "c", ReturnConsumedCapacity="INDEXES")["ConsumedCapacity"]
    assert "keys" in read["GlobalSecondaryIndexes"]


def test_update_table_backfill_and_delete(ddb, make_table):
    name = make_table(range_type="S")
    for i in range(30):
        item = {"pk": {"S": f"p{i}"}, "sk": {"S": "s"}}
        if i % 3:
            item["color"] = {"S": "red" if i % 2 else "blue"}
        if i == 29:
            item["color"] = {"N": "5"}  # wrong type: left out of the index
        ddb.put_item(TableName=name, Item=item)
    ddb.update_table(
        TableName=name,
        AttributeDefinitions=[{"AttributeName": "color", "AttributeType": "S"}],
        GlobalSecondaryIndexUpdates=[{"Create": gsi("by_color", "color")}],
    )
    red = ddb.query(
        TableName=name, IndexName="by_color", KeyConditionExpression="color = :c",
        ExpressionAttributeValues={":c": {"S": "red"}},
    )["Items"]  # fmt: skip
    assert sorted(int(i["pk"]["S"][1:]) for i in red) == [i for i in range(29) if i % 3 and i % 2]
    described = ddb.describe_table(TableName=name)["Table"]["GlobalSecondaryIndexes"][0]
    assert described["ItemCount"] == len([i for i in range(29) if i % 3])
    ddb.put_item(TableName=name, Item={"pk": {"S": "new"}, "sk": {"S": "s"}, "color": {"S": "red"}})
    with pytest.raises(ClientError):
        ddb.put_item(TableName=name, Item={"pk": {"S": "x"}, "sk": {"S": "s"}, "color": {"N": "1"}})
    ddb.update_table(
        TableName=name, GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "by_color"}}]
    )
    with pytest.raises(ClientError) as exc:
        ddb.scan(TableName=name, IndexName="by_color")
    assert error_of(exc)[0] == "ValidationException"
    ddb.put_item(TableName=name, Item={"pk": {"S": "x"}, "sk": {"S": "s"}, "color": {"N": "1"}})


def test_lsi_query_and_collection_metrics(ddb):
    name = make_indexed(
        ddb,
        lsis=[{
            "IndexName": "by_ts",
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                          {"AttributeName": "ts", "KeyType": "RANGE"}],
            "Projection": {"ProjectionType": "KEYS_ONLY"},
        }],
        defs={"ts": "N"},
    )  # fmt: skip
    try:
        for i, ts in enumerate([30, 10, 20]):
            out = ddb.put_item(
                TableName=name,
                Item={
                    "pk": {"S": "u"},
                    "sk": {"S": f"s{i}"},
                    "ts": {"N": str(ts)},
                    "x": {"S": "X"},
                },
                ReturnItemCollectionMetrics="SIZE",
            )
            metrics = out["ItemCollectionMetrics"]
            assert metrics["ItemCollectionKey"] == {"pk": {"S": "u"}}
            assert metrics["SizeEstimateRangeGB"] == [0.0, 1.0]
        items = ddb.query(
            TableName=name, IndexName="by_ts", KeyConditionExpression="pk = :p AND ts > :t",
            ExpressionAttributeValues={":p": {"S": "u"}, ":t": {"N": "15"}},
        )["Items"]  # fmt: skip
        assert [i["ts"]["N"] for i in items] == ["20", "30"]
        assert set(items[0]) == {"pk", "sk", "ts"}
        full = ddb.query(
            TableName=name, IndexName="by_ts", KeyConditionExpression="pk = :p",
            ExpressionAttributeValues={":p": {"S": "u"}}, Select="ALL_ATTRIBUTES",
            ConsistentRead=True,
        )["Items"]  # fmt: skip
        assert all(i["x"] == {"S": "X"} for i in full)
        with pytest.raises(ClientError) as exc:
            ddb.put_item(
                TableName=name, Item={"pk": {"S": "u"}, "sk": {"S": "z"}, "ts": {"S": "no"}}
            )
        assert (
            "Type mismatch for Index Key ts Expected: N Actual: S IndexName: by_ts"
            in error_of(exc)[1]
        )
    finally:
        ddb.delete_table(TableName=name)


def test_resource_api_query_index(resource, ddb, gsi_table):
    table = resource.Table(gsi_table)
    table.put_item(Item={"pk": "a", "sk": "b", "g": "res", "n": 5})
    from boto3.dynamodb.conditions import Key

    items = table.query(
        IndexName="by_g", KeyConditionExpression=Key("g").eq("res") & Key("n").gte(5)
    )["Items"]
    assert items == [{"pk": "a", "sk": "b", "g": "res", "n": 5}]
