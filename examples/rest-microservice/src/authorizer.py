"""TOKEN authorizer for the write routes: `Authorization: Bearer <token>`.

A missing header never reaches this function (API Gateway answers 401 itself); a wrong
token gets a Deny policy (403); the right one an Allow for every route of the stage, so
the cached decision serves all write routes.
"""

import os


def handler(event, context):
    token = event.get("authorizationToken") or ""
    scheme, _, value = token.partition(" ")
    allowed = scheme.lower() == "bearer" and value == os.environ["AUTH_TOKEN"]
    # arn:aws:execute-api:region:account:apiId/stage/METHOD/path -> .../stage/*
    arn = event["methodArn"].split("/")
    resource = "/".join(arn[:2]) + "/*"
    return {
        "principalId": "demo-user" if allowed else "anonymous",
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Action": "execute-api:Invoke",
                    "Effect": "Allow" if allowed else "Deny",
                    "Resource": resource,
                }
            ],
        },
        "context": {"user": "demo-user" if allowed else ""},
    }
