"""Query and Scan through boto3 against the real server: order, paging, limits, segments."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest
from botocore.exceptions import ClientError

from tests.services.dynamodb.conftest import error_of


def fill(ddb, name, keys, kind, extra=None):
    for k in keys:
        item = {"pk": {"S": "p"}, "sk": {kind: k}}
        if extra:
            item.update(extra(k))
        ddb.put_item(TableName=name, Item=item)


def query_all(ddb, **kwargs):
    items, start = [], None
    while True:
        if start:
            kwargs["ExclusiveStartKey"] = start
        page = ddb.query(**kwargs)
        items += page.get("Items", [])
        start = page.get("LastEvaluatedKey")
        if not start:
            return items


def test_number_sort_order(ddb, make_table):
    name = make_table(range_type="N")
    rng = random.Random(7)
    numbers = {"0", "-1", "1", "0.5", "-0.5", "10", "9.99", "-100", "1e20", "-1e-20", "123.456"}
    numbers |= {str(Decimal(rng.randint(-(10**6), 10**6)) / 1000) for _ in range(40)}
    fill(ddb, name, numbers, "N")
    items = query_all(
        ddb,
        TableName=name,
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": "p"}},
    )
    got = [Decimal(i["sk"]["N"]) for i in items]
    assert got == sorted({Decimal(n) for n in numbers})
    back = ddb.query(
        TableName=name,
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": "p"}},
        ScanIndexForward=False,
    )["Items"]
    assert [Decimal(i["sk"]["N"]) for i in back] == got[::-1]


def test_string_and_binary_sort_order(ddb, make_table):
    strings = ["a", "B", "ab", "\u00e9", "\U0001f600", "z", "aa", "\uffff", "0"]
    name = make_table(range_type="S")
    fill(ddb, name, strings, "S")
    items = query_all(
        ddb,
        TableName=name,
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": "p"}},
    )
    assert [i["sk"]["S"] for i in items] == sorted(strings, key=lambda s: s.encode())
    blobs = [b"\x00", b"\xff", b"\x00\x01", b"a", b"\x7f\xff", b"\x80"]
    name = make_table(range_type="B")
    fill(ddb, name, blobs, "B")
    items = query_all(
        ddb,
        TableName=name,
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": "p"}},
    )
    assert [i["sk"]["B"] for i in items] == sorted(blobs)


@pytest.mark.parametrize(
    ("condition", "values", "expected"),
    [
        ("sk = :a", {":a": 5}, [5]),
        ("sk < :a", {":a": 3}, [0, 1, 2]),
        ("sk <= :a", {":a": 3}, [0, 1, 2, 3]),
        ("sk > :a", {":a": 7}, [8, 9]),
        ("sk >= :a", {":a": 7}, [7, 8, 9]),
        ("sk BETWEEN :a AND :b", {":a": 3, ":b": 5}, [3, 4, 5]),
    ],
)
def test_key_condition_operators(ddb, make_table, condition, values, expected):
    name = make_table(range_type="N")
    fill(ddb, name, [str(i) for i in range(10)], "N")
    attr_values = {":p": {"S": "p"}, **{k: {"N": str(v)} for k, v in values.items()}}
    items = ddb.query(
        TableName=name,
        KeyConditionExpression=f"pk = :p AND {condition}",
        ExpressionAttributeValues=attr_values,
    )["Items"]
    assert [int(i["sk"]["N"]) for i in items] == expected


def test_begins_with(ddb, make_table):
    name = make_table(range_type="S")
    fill(ddb, name, ["a", "ab", "abc", "abd", "b", "a\U0010ffff"], "S")
    items = ddb.query(
        TableName=name,
        KeyConditionExpression="pk = :p AND begins_with(sk, :x)",
        ExpressionAttributeValues={":p": {"S": "p"}, ":x": {"S": "ab"}},
    )["Items"]
    assert [i["sk"]["S"] for i in items] == ["ab", "abc", "abd"]


def test_limit_applies_before_filter_and_paging(ddb, make_table):
    name = make_table(range_type="N")
    fill(ddb, name, [str(i) for i in range(10)], "N", lambda k: {"even": {"BOOL": int(k) % 2 == 0}})
    page = ddb.query(
        TableName=name,
        KeyConditionExpression="pk = :p",
        FilterExpression="even = :t",
        ExpressionAttributeValues={":p": {"S": "p"}, ":t": {"BOOL": True}},
        Limit=3,
    )
    assert page["ScannedCount"] == 3 and page["Count"] == 2
    assert page["LastEvaluatedKey"] == {"pk": {"S": "p"}, "sk": {"N": "2"}}
    items = query_all(
        ddb,
        TableName=name,
        KeyConditionExpression="pk = :p",
        FilterExpression="even = :t",
        ExpressionAttributeValues={":p": {"S": "p"}, ":t": {"BOOL": True}},
        Limit=3,
    )
    assert [int(i["sk"]["N"]) for i in items] == [0, 2, 4, 6, 8]
    count = ddb.query(
        TableName=name,
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": "p"}},
        Select="COUNT",
    )
    assert count["Count"] == 10 and "Items" not in count


def test_one_megabyte_pages(ddb, make_table):
    name = make_table(range_type="N")
    filler = "x" * (100 * 1024)
    fill(ddb, name, [str(i) for i in range(25)], "N", lambda k: {"v": {"S": filler}})
    first = ddb.query(
        TableName=name,
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": "p"}},
        Select="COUNT",
    )
    assert first["ScannedCount"] == 11  # the item that crosses 1 MB ends the page
    assert first["LastEvaluatedKey"]["sk"] == {"N": "10"}
    scan = ddb.scan(TableName=name, Select="COUNT")
    assert scan["ScannedCount"] == 11 and "LastEvaluatedKey" in scan


def test_select_validation(ddb, make_table):
    name = make_table()
    with pytest.raises(ClientError) as info:
        ddb.query(
            TableName=name,
            KeyConditionExpression="pk = :p",
            ExpressionAttributeValues={":p": {"S": "p"}},
            Select="COUNT",
            ProjectionExpression="pk",
        )
    assert error_of(info) == (
        "ValidationException",
        "1 validation error detected: Cannot specify the ProjectionExpression when choosing to get"
        " only the Count",
    )
    with pytest.raises(ClientError) as info:
        ddb.scan(TableName=name, Segment=3, TotalSegments=3)
    assert error_of(info)[1] == (
        "The Segment parameter is zero-based and must be less than parameter TotalSegments:"
        " Segment: 3 is not less than TotalSegments: 3"
    )
    with pytest.raises(ClientError) as info:
        ddb.scan(TableName=name, Segment=0)
    assert error_of(info)[1].startswith("The TotalSegments parameter is required")


def test_parallel_scan_segments_are_disjoint_and_complete(ddb, make_table):
    name = make_table(range_type="N")
    keys = set()
    for p in range(60):
        for s in range(3):
            ddb.put_item(TableName=name, Item={"pk": {"S": f"p{p}"}, "sk": {"N": str(s)}})
            keys.add((f"p{p}", str(s)))
    for total in (1, 4, 7):
        seen = []
        for segment in range(total):
            start = None
            while True:
                kwargs = {
                    "TableName": name,
                    "Segment": segment,
                    "TotalSegments": total,
                    "Limit": 13,
                }
                if start:
                    kwargs["ExclusiveStartKey"] = start
                page = ddb.scan(**kwargs)
                seen += [(i["pk"]["S"], i["sk"]["N"]) for i in page["Items"]]
                start = page.get("LastEvaluatedKey")
                if not start:
                    break
        assert len(seen) == len(keys) and set(seen) == keys


def test_scan_filter_and_legacy(ddb, make_table):
    name = make_table()
    for i in range(20):
        ddb.put_item(TableName=name, Item={"pk": {"S": f"k{i}"}, "n": {"N": str(i)}})
    page = ddb.scan(
        TableName=name,
        FilterExpression="n >= :ten",
        ExpressionAttributeValues={":ten": {"N": "10"}},
    )
    assert page["Count"] == 10 and page["ScannedCount"] == 20
    legacy = ddb.scan(
        TableName=name,
        ScanFilter={"n": {"AttributeValueList": [{"N": "10"}], "ComparisonOperator": "GE"}},
    )
    assert legacy["Count"] == 10
    legacy_query = ddb.query(
        TableName=name,
        KeyConditions={"pk": {"AttributeValueList": [{"S": "k3"}], "ComparisonOperator": "EQ"}},
    )
    assert legacy_query["Items"] == [{"pk": {"S": "k3"}, "n": {"N": "3"}}]


def test_resource_query_paginates(resource, make_table):
    from boto3.dynamodb.conditions import Key

    table = resource.Table(make_table(range_type="N"))
    for i in range(30):
        table.put_item(Item={"pk": "r", "sk": i})
    got, start = [], None
    while True:
        kwargs = {"KeyConditionExpression": Key("pk").eq("r") & Key("sk").gte(5), "Limit": 7}
        if start:
            kwargs["ExclusiveStartKey"] = start
        page = table.query(**kwargs)
        got += [int(i["sk"]) for i in page["Items"]]
        start = page.get("LastEvaluatedKey")
        if not start:
            break
    assert got == list(range(5, 30))
