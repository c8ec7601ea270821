"""Which AWS service a request is for, from what it carries before its body is read.

Order (PITFALLS 6): the signing name in the credential scope, then `X-Amz-Target`,
then host and path. Several botocore services share a signing name; the target prefix
or the path tells them apart.
"""

from __future__ import annotations

from lenticular.protocol.http import HttpRequest

# signing name (credential scope) -> botocore service name, where they differ or are shared
_BY_SIGNING_NAME: dict[str, str] = {
    "monitoring": "cloudwatch",
    "mobiletargeting": "pinpoint",
    "es": "opensearch",
    "execute-api": "apigateway",  # management calls are signed "apigateway"; data plane routes first
    "email": "ses",
    "states": "stepfunctions",
    "cognito-idp": "cognito-idp",
    "dynamodb": "dynamodb",
    "apigateway": "apigateway",
}

# X-Amz-Target prefix (before the ".") -> botocore service name
_BY_TARGET_PREFIX: dict[str, str] = {
    "DynamoDB_20120810": "dynamodb",
    "DynamoDBStreams_20120810": "dynamodbstreams",
    "AWSCognitoIdentityProviderService": "cognito-idp",
    "AWSCognitoIdentityService": "cognito-identity",
    "Logs_20140328": "logs",
    "GraniteServiceVersion20100801": "cloudwatch",
    "AmazonSQS": "sqs",
    "AWSEvents": "events",
    "AWSStepFunctions": "stepfunctions",
    "AWSKinesisFirehose_20150804": "firehose",
    "Kinesis_20131202": "kinesis",
    "TrentService": "kms",
    "secretsmanager": "secretsmanager",
    "AmazonSSM": "ssm",
}

# Actions of unsigned query-protocol calls (the body is form-encoded, read already).
_UNSIGNED_ACTIONS = {
    "AssumeRoleWithWebIdentity": "sts",
    "AssumeRoleWithSAML": "sts",
}


def service_for(request: HttpRequest, signing_name: str | None) -> str | None:
    """The botocore service name for `request`, or None when nothing names one."""
    target = request.headers.get("x-amz-target")
    if target:
        prefix = target.split(".", 1)[0]
        service = _BY_TARGET_PREFIX.get(prefix)
        if service is not None:
            return service
    if signing_name is not None:
        service = _BY_SIGNING_NAME.get(signing_name, signing_name)
        if service == "apigateway" and request.path.startswith("/v2/"):
            return "apigatewayv2"
        if service == "opensearch" and request.path.startswith("/2015-01-01/"):
            return "es"
        if service == "cloudwatch" and request.path.startswith("/service/"):
            return "cloudwatch"
        return service
    if request.path.startswith("/service/GraniteServiceVersion20100801/"):
        return "cloudwatch"
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/x-www-form-urlencoded") and request.body:
        for action, service in _UNSIGNED_ACTIONS.items():
            if b"Action=" + action.encode() in request.body:
                return service
    return None
