# GET / lists the items of SAMPLE_TABLE (a Scan).
import json
import os

import boto3

client = boto3.client("dynamodb")


def getAllItemsHandler(event, context):
    items = client.scan(TableName=os.environ["SAMPLE_TABLE"])["Items"]
    body = [{"id": i["id"]["S"], "name": i["name"]["S"]} for i in items]
    return {"statusCode": 200, "body": json.dumps(sorted(body, key=lambda i: i["id"]))}
