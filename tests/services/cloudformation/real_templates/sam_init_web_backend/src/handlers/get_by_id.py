# GET /{id} reads one item of SAMPLE_TABLE.
import json
import os

import boto3

client = boto3.client("dynamodb")


def getByIdHandler(event, context):
    key = {"id": {"S": event["pathParameters"]["id"]}}
    item = client.get_item(TableName=os.environ["SAMPLE_TABLE"], Key=key).get("Item")
    body = {"id": item["id"]["S"], "name": item["name"]["S"]} if item else {}
    return {"statusCode": 200, "body": json.dumps(body)}
