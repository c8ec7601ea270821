"""The control plane through boto3 against the real server."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.services.dynamodb.conftest import error_of, unique

KEY = [{"AttributeName": "pk", "KeyType": "HASH"}]
DEFS = [{"AttributeName": "pk", "AttributeType": "S"}]


def test_create_describe_delete_with_waiters(ddb):
    name = unique()
    out = ddb.create_table(
        TableName=name,
        KeySchema=[*KEY, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[*DEFS, {"AttributeName": "sk", "AttributeType": "N"}],
        ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 7},
    )["TableDescription"]
    assert out["TableStatus"] == "ACTIVE"
    assert out["TableArn"] == f"arn:aws:dynamodb:us-east-1:000000000000:table/{name}"
    ddb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1})
    table = ddb.describe_table(TableName=name)["Table"]
    assert table["ItemCount"] == 0 and table["TableSizeBytes"] == 0
    assert table["ProvisionedThroughput"]["ReadCapacityUnits"] == 5
    assert table["ProvisionedThroughput"]["WriteCapacityUnits"] == 7
    assert table["KeySchema"][1] == {"AttributeName": "sk", "KeyType": "RANGE"}
    assert "BillingModeSummary" not in table
    assert table["TableId"] and table["CreationDateTime"]
    ddb.put_item(TableName=name, Item={"pk": {"S": "a"}, "sk": {"N": "1"}, "v": {"S": "xyz"}})
    table = ddb.describe_table(TableName=name)["Table"]
    assert table["ItemCount"] == 1 and table["TableSizeBytes"] == (2 + 1) + (2 + 2) + (1 + 3)
    deleted = ddb.delete_table(TableName=name)["TableDescription"]
    assert deleted["TableStatus"] == "DELETING"
    ddb.get_waiter("table_not_exists").wait(TableName=name, WaiterConfig={"Delay": 1})
    with pytest.raises(ClientError) as info:
        ddb.describe_table(TableName=name)
    assert error_of(info) == (
        "ResourceNotFoundException",
        f"Requested resource not found: Table: {name} not found",
    )


def test_resource_api_create_and_wait(resource):
    name = unique()
    table = resource.create_table(
        TableName=name, KeySchema=KEY, AttributeDefinitions=DEFS, BillingMode="PAY_PER_REQUEST"
    )
    table.wait_until_exists()
    assert table.billing_mode_summary["BillingMode"] == "PAY_PER_REQUEST"
    assert table.provisioned_throughput["ReadCapacityUnits"] == 0
    table.delete()
    table.wait_until_not_exists()


def test_table_already_exists(ddb, make_table):
    name = make_table()
    with pytest.raises(ClientError) as info:
        ddb.create_table(
            TableName=name, KeySchema=KEY, AttributeDefinitions=DEFS, BillingMode="PAY_PER_REQUEST"
        )
    assert error_of(info) == ("ResourceInUseException", f"Table already exists: {name}")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"AttributeDefinitions": [{"AttributeName": "x", "AttributeType": "S"}]},
            "One or more parameter values were invalid: Some index key attributes are not defined"
            " in AttributeDefinitions. Keys: [pk], AttributeDefinitions: [x]",
        ),
        (
            {"AttributeDefinitions": [*DEFS, {"AttributeName": "x", "AttributeType": "S"}]},
            "One or more parameter values were invalid: Number of attributes in KeySchema does not"
            " exactly match number of attributes defined in AttributeDefinitions",
        ),
        (
            {"KeySchema": [{"AttributeName": "pk", "KeyType": "RANGE"}]},
            "Invalid KeySchema: The first KeySchemaElement is not a HASH key type",
        ),
        (
            {"BillingMode": "PROVISIONED"},
            "One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits"
            " must both be specified when BillingMode is PROVISIONED",
        ),
        ({"BillingMode": None}, "No provisioned throughput specified for the table"),
        (
            {"ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}},
            "One or more parameter values were invalid: Neither ReadCapacityUnits nor"
            " WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST",
        ),
        (
            {"TableName": "ab"},
            "TableName must be at least 3 characters long and at most 255 characters long",
        ),
        (
            {"TableName": "bad name"},
            "1 validation error detected: Value 'bad name' at 'tableName' failed to satisfy"
            " constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
        ),
    ],
)
def test_create_table_validation(ddb, kwargs, message):
    params = {
        "TableName": unique(),
        "KeySchema": KEY,
        "AttributeDefinitions": DEFS,
        "BillingMode": "PAY_PER_REQUEST",
        **kwargs,
    }
    params = {k: v for k, v in params.items() if v is not None}
    with pytest.raises(ClientError) as info:
        ddb.create_table(**params)
    assert error_of(info) == ("ValidationException", message)


def test_indexes_are_described(ddb, make_table):
    name = unique()
    ddb.create_table(
        TableName=name,
        KeySchema=[*KEY, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            *DEFS,
            {"AttributeName": "sk", "AttributeType": "S"},
            {"AttributeName": "g", "AttributeType": "N"},
            {"AttributeName": "l", "AttributeType": "B"},
        ],
        BillingMode="PAY_PER_REQUEST",
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by-g",
                "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        LocalSecondaryIndexes=[
            {
                "IndexName": "by-l",
                "KeySchema": [*KEY, {"AttributeName": "l", "KeyType": "RANGE"}],
                "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["x"]},
            }
        ],
    )
    try:
        table = ddb.describe_table(TableName=name)["Table"]
        gsi = table["GlobalSecondaryIndexes"][0]
        assert gsi["IndexName"] == "by-g" and gsi["IndexStatus"] == "ACTIVE"
        assert gsi["IndexArn"].endswith(f"table/{name}/index/by-g")
        lsi = table["LocalSecondaryIndexes"][0]
        assert lsi["Projection"] == {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["x"]}
        with pytest.raises(ClientError) as info:
            ddb.query(
                TableName=name,
                IndexName="nope",
                KeyConditionExpression="g = :g",
                ExpressionAttributeValues={":g": {"N": "1"}},
            )
        assert error_of(info) == (
            "ValidationException",
            "The table does not have the specified index: nope",
        )
    finally:
        ddb.delete_table(TableName=name)


def test_list_tables_paging(ddb, make_table):
    names = sorted(make_table() for _ in range(5))
    seen: list[str] = []
    start = None
    while True:
        kwargs = {"Limit": 2}
        if start:
            kwargs["ExclusiveStartTableName"] = start
        page = ddb.list_tables(**kwargs)
        assert len(page["TableNames"]) <= 2
        seen += page["TableNames"]
        start = page.get("LastEvaluatedTableName")
        if not start:
            break
    assert set(names) <= set(seen)
    assert seen == sorted(seen)
    all_names = [n for p in ddb.get_paginator("list_tables").paginate() for n in p["TableNames"]]
    assert set(names) <= set(all_names)


def test_update_table(ddb, make_table):
    name = make_table(
        BillingMode="PROVISIONED",
        ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1},
    )
    out = ddb.update_table(
        TableName=name, ProvisionedThroughput={"ReadCapacityUnits": 3, "WriteCapacityUnits": 4}
    )["TableDescription"]
    assert out["ProvisionedThroughput"]["ReadCapacityUnits"] == 3
    with pytest.raises(ClientError) as info:
        ddb.update_table(
            TableName=name, ProvisionedThroughput={"ReadCapacityUnits": 3, "WriteCapacityUnits": 4}
        )
    assert error_of(info)[1].startswith("The provisioned throughput for the table will not change.")
    out = ddb.update_table(TableName=name, BillingMode="PAY_PER_REQUEST")["TableDescription"]
    assert out["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    out = ddb.update_table(
        TableName=name, StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}
    )["TableDescription"]
    assert out["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}
    assert out["LatestStreamArn"].startswith(out["TableArn"] + "/stream/")
    assert (
        ddb.describe_table(TableName=name)["Table"]["LatestStreamLabel"] == out["LatestStreamLabel"]
    )
    with pytest.raises(ClientError) as info:
        ddb.update_table(TableName=name)
    assert error_of(info)[0] == "ValidationException"


def test_tags(ddb, make_table):
    name = make_table(Tags=[{"Key": "a", "Value": "1"}])
    arn = ddb.describe_table(TableName=name)["Table"]["TableArn"]
    ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": "b", "Value": "2"}, {"Key": "a", "Value": "3"}])
    assert ddb.list_tags_of_resource(ResourceArn=arn)["Tags"] == [
        {"Key": "a", "Value": "3"},
        {"Key": "b", "Value": "2"},
    ]
    ddb.untag_resource(ResourceArn=arn, TagKeys=["a"])
    assert ddb.list_tags_of_resource(ResourceArn=arn)["Tags"] == [{"Key": "b", "Value": "2"}]
    with pytest.raises(ClientError) as info:
        ddb.list_tags_of_resource(ResourceArn=arn + "x")
    assert error_of(info)[0] == "ResourceNotFoundException"


def test_ttl_backups_limits_endpoints(ddb, make_table):
    name = make_table()
    assert ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"] == {
        "TimeToLiveStatus": "DISABLED"
    }
    spec = {"Enabled": True, "AttributeName": "expires"}
    assert (
        ddb.update_time_to_live(TableName=name, TimeToLiveSpecification=spec)[
            "TimeToLiveSpecification"
        ]
        == spec
    )
    assert ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"] == {
        "TimeToLiveStatus": "ENABLED",
        "AttributeName": "expires",
    }
    with pytest.raises(ClientError) as info:
        ddb.update_time_to_live(TableName=name, TimeToLiveSpecification=spec)
    assert error_of(info) == ("ValidationException", "TimeToLive is already enabled")
    backups = ddb.describe_continuous_backups(TableName=name)["ContinuousBackupsDescription"]
    assert backups["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "DISABLED"
    out = ddb.update_continuous_backups(
        TableName=name, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
    )["ContinuousBackupsDescription"]
    assert out["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"
    with pytest.raises(ClientError) as info:
        ddb.describe_continuous_backups(TableName=unique())
    assert error_of(info)[0] == "TableNotFoundException"
    assert ddb.describe_limits()["TableMaxReadCapacityUnits"] == 40000
    address = ddb.describe_endpoints()["Endpoints"][0]["Address"]
    assert address == ddb.meta.endpoint_url.split("://", 1)[1]  # this server, as addressed


def test_missing_table_errors(ddb):
    with pytest.raises(ClientError) as info:
        ddb.get_item(TableName=unique(), Key={"pk": {"S": "a"}})
    assert error_of(info) == ("ResourceNotFoundException", "Requested resource not found")
    with pytest.raises(ClientError) as info:
        ddb.delete_table(TableName="missing-table")
    assert error_of(info) == (
        "ResourceNotFoundException",
        "Requested resource not found: Table: missing-table not found",
    )


def test_table_name_may_be_an_arn(ddb, make_table):
    name = make_table()
    arn = f"arn:aws:dynamodb:us-east-1:000000000000:table/{name}"
    ddb.put_item(TableName=arn, Item={"pk": {"S": "a"}})
    assert ddb.get_item(TableName=name, Key={"pk": {"S": "a"}})["Item"] == {"pk": {"S": "a"}}
