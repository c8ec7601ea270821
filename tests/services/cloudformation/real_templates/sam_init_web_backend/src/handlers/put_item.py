# Minimal handlers with the behaviour of the Web Backend app's src/handlers
# (aws/aws-sam-cli-app-templates): POST / stores {"id", "name"} in SAMPLE_TABLE.
import json
import os

import boto3

client = boto3.client("dynamodb")


def putItemHandler(event, context):
    body = json.loads(event["body"])
    item = {"id": {"S": body["id"]}, "name": {"S": body["name"]}}
    client.put_item(TableName=os.environ["SAMPLE_TABLE"], Item=item)
    return {"statusCode": 200, "body": json.dumps(body)}
