# A minimal handler with the behaviour of the Hello World Example's hello_world/app.py
# (aws/aws-sam-cli-app-templates): GET /hello answers {"message": "hello world"}.
import json


def lambda_handler(event, context):
    return {"statusCode": 200, "body": json.dumps({"message": "hello world"})}
