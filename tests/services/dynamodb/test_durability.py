"""Acknowledged DynamoDB writes survive SIGKILL; tables and items are there after restart."""

from __future__ import annotations


def test_items_survive_sigkill(fresh_lenticular):
    ddb = fresh_lenticular.client("dynamodb")
    ddb.create_table(
        TableName="durable",
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "N"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    for i in range(200):
        ddb.put_item(
            TableName="durable",
            Item={"pk": {"S": "p"}, "sk": {"N": str(i)}, "blob": {"B": bytes([i % 256]) * 10}},
        )
    ddb.delete_item(TableName="durable", Key={"pk": {"S": "p"}, "sk": {"N": "7"}})

    fresh_lenticular.kill()
    fresh_lenticular.start()

    ddb = fresh_lenticular.client("dynamodb")
    assert ddb.describe_table(TableName="durable")["Table"]["ItemCount"] == 199
    item = ddb.get_item(TableName="durable", Key={"pk": {"S": "p"}, "sk": {"N": "199"}})["Item"]
    assert item["blob"] == {"B": bytes([199]) * 10}
    assert "Item" not in ddb.get_item(TableName="durable", Key={"pk": {"S": "p"}, "sk": {"N": "7"}})
    assert ddb.list_tables()["TableNames"] == ["durable"]
