"""Print copy-paste curl commands for the deployed rest-microservice stack.

Waits (up to --wait seconds) for the stack to be deployed on the server at
AWS_ENDPOINT_URL (default http://localhost:4566), then prints the commands with the real
API id. `scripts/run` runs it next to `lenticular up`.
"""

import argparse
import os
import sys
import time

import boto3
from botocore.exceptions import BotoCoreError, ClientError


def outputs(endpoint, stack, wait):
    cfn = boto3.client(
        "cloudformation",
        endpoint_url=endpoint,
        region_name=os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
        aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID", "test"),
        aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY", "test"),
    )
    deadline = time.monotonic() + wait
    while True:
        try:
            found = cfn.describe_stacks(StackName=stack)["Stacks"][0]
            if found["StackStatus"] in ("CREATE_COMPLETE", "UPDATE_COMPLETE"):
                time.sleep(0.5)  # let `lenticular up` print its deploy summary first
                return {o["OutputKey"]: o["OutputValue"] for o in found.get("Outputs") or []}
        except (BotoCoreError, ClientError):
            pass
        if time.monotonic() > deadline:
            return None
        time.sleep(0.3)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--endpoint-url", default=os.environ.get("AWS_ENDPOINT_URL", "http://localhost:4566")
    )
    parser.add_argument("--stack-name", default="rest-microservice")
    parser.add_argument("--wait", type=float, default=60)
    args = parser.parse_args()
    out = outputs(args.endpoint_url, args.stack_name, args.wait)
    if out is None:
        print(
            f"try.py: stack {args.stack_name} is not deployed at {args.endpoint_url}",
            file=sys.stderr,
        )
        return 1
    url = f"{args.endpoint_url.rstrip('/')}/_aws/execute-api/{out['ApiId']}/Prod"
    auth = "-H 'Authorization: Bearer letmein'"
    print(
        f"""
Try it (the rest-microservice example, see examples/rest-microservice/README.md):
  U={url}
  curl -X POST $U/items {auth} -d '{{"name": "pen", "price": 1.5, "quantity": 3}}'   # Lambda: validate + compute
  curl -X POST $U/items -d '{{"name": "pen", "price": 1.5}}'                        # no token: 401
  curl $U/items                                                    # Lambda: list
  curl $U/items/<id>                                               # VTL straight to DynamoDB GetItem
  curl -X PUT $U/items/<id> {auth} -d '{{"name": "pen", "price": 2, "quantity": 4}}'
  curl -X DELETE $U/items/<id> {auth}
  curl $U/catalog -H 'x-api-key: {out["ApiKeyValue"]}'   # API key + usage plan (1 req/s, burst 2), cached 30 s
  lenticular logs -f {out.get("AccessLogGroupName", "/apigateway/rest-microservice/access")}   # the stage's access log
""",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
