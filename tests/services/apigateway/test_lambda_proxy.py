"""AWS_PROXY integrations to real Lambda functions: the exact 1.0 proxy event, the reply
mapping, and API Gateway's answers to failing or malformed functions."""

from __future__ import annotations

import json
import re
import time

import pytest

from tests.services.apigateway.conftest import add_resource, call, unique

ECHO = """
import json

def handler(event, context):
    return {
        "statusCode": int((event.get("queryStringParameters") or {}).get("status", 200)),
        "headers": {"Content-Type": "application/json", "X-From": "lambda"},
        "multiValueHeaders": {"X-Multi": ["a", "b"]},
        "body": json.dumps(event),
    }
"""
MALFORMED = """
def handler(event, context):
    return {"statusCode": 200, "body": {"not": "a string"}}
"""
FAILING = """
def handler(event, context):
    raise ValueError("boom")
"""
TEXT = """
def handler(event, context):
    return {"statusCode": 201, "body": "plain text", "isBase64Encoded": False}
"""


def lambda_uri(function_arn: str) -> str:
    return (
        f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{function_arn}/invocations"
    )


def proxy_api(apigw, rest_api, function_arn: str, paths: list[str], *, method: str = "ANY",
              variables: dict[str, str] | None = None) -> tuple[dict, dict[str, str]]:  # fmt: skip
    """An API whose `paths` all proxy to the function; returns it and path -> resource id."""
    api = rest_api()
    ids = {}
    for path in paths:
        rid = api["rootResourceId"] if path == "/" else add_resource(apigw, api, path)
        ids[path] = rid
        apigw.put_method(restApiId=api["id"], resourceId=rid, httpMethod=method,
                         authorizationType="NONE")  # fmt: skip
        apigw.put_integration(restApiId=api["id"], resourceId=rid, httpMethod=method,
                              type="AWS_PROXY", integrationHttpMethod="POST",
                              uri=lambda_uri(function_arn))  # fmt: skip
    kwargs = {"variables": variables} if variables else {}
    apigw.create_deployment(restApiId=api["id"], stageName="test", **kwargs)
    return api, ids


def test_proxy_event_fields(lenticular_server, apigw, rest_api, function):
    fn = function(ECHO)
    api, ids = proxy_api(apigw, rest_api, fn, ["/items/{id}"], variables={"env": "test"})
    api_id = api["id"]
    before = int(time.time() * 1000)
    reply = call(
        lenticular_server, api_id, "/test/items/42?a=1&b=x&a=2",
        method="POST",
        headers={"Content-Type": "application/json", "User-Agent": "agent/1.0",
                 "X-Custom": "v"},
        body=b'{"name": "widget"}',
    )  # fmt: skip
    after = int(time.time() * 1000)
    assert reply.status == 200, reply.body
    assert reply.headers["x-from"] == "lambda"
    assert [v for k, v in reply.header_list if k.lower() == "x-multi"] == ["a", "b"]
    event = reply.json()
    assert event["resource"] == "/items/{id}"
    assert event["path"] == "/items/42"
    assert event["httpMethod"] == "POST"
    assert event["headers"]["content-type"] == "application/json"
    assert event["headers"]["user-agent"] == "agent/1.0"
    assert event["headers"]["x-custom"] == "v"
    assert event["headers"]["x-forwarded-proto"] == "http"
    assert event["headers"]["x-amzn-trace-id"] == reply.headers["x-amzn-trace-id"]
    assert event["multiValueHeaders"]["x-custom"] == ["v"]
    assert set(event["multiValueHeaders"]) == set(event["headers"])
    assert event["queryStringParameters"] == {"a": "2", "b": "x"}
    assert event["multiValueQueryStringParameters"] == {"a": ["1", "2"], "b": ["x"]}
    assert event["pathParameters"] == {"id": "42"}
    assert event["stageVariables"] == {"env": "test"}
    assert event["body"] == '{"name": "widget"}'
    assert event["isBase64Encoded"] is False

    ctx = event["requestContext"]
    assert ctx["accountId"] == "000000000000"
    assert ctx["apiId"] == api_id
    assert ctx["resourceId"] == ids["/items/{id}"]
    assert ctx["resourcePath"] == "/items/{id}"
    assert ctx["httpMethod"] == "POST"
    assert ctx["path"] == "/test/items/42"
    assert ctx["stage"] == "test"
    assert ctx["requestId"] == reply.headers["x-amzn-requestid"]
    assert ctx["extendedRequestId"] == reply.headers["x-amz-apigw-id"]
    assert re.match(r"^\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2} \+0000$", ctx["requestTime"])
    assert before <= ctx["requestTimeEpoch"] <= after
    assert ctx["protocol"] == "HTTP/1.1"
    assert ctx["domainName"] == "127.0.0.1"
    assert ctx["domainPrefix"] == "127"
    identity = ctx["identity"]
    assert identity["sourceIp"] == "127.0.0.1"
    assert identity["userAgent"] == "agent/1.0"
    for key in ("cognitoIdentityPoolId", "accountId", "cognitoIdentityId", "caller",
                "accessKey", "cognitoAuthenticationType", "cognitoAuthenticationProvider",
                "userArn", "user"):  # fmt: skip
        assert identity[key] is None, key


def test_proxy_event_nulls_and_host_form(lenticular_server, apigw, rest_api, function):
    fn = function(ECHO)
    api, _ = proxy_api(apigw, rest_api, fn, ["/"], method="GET")
    reply = call(lenticular_server, api["id"], "/test/", host_form=True)
    assert reply.status == 200, reply.body
    event = reply.json()
    assert event["resource"] == "/" and event["path"] == "/"
    assert event["queryStringParameters"] is None
    assert event["multiValueQueryStringParameters"] is None
    assert event["pathParameters"] is None
    assert event["stageVariables"] is None
    assert event["body"] is None
    assert event["isBase64Encoded"] is False
    ctx = event["requestContext"]
    assert ctx["domainName"] == f"{api['id']}.execute-api.localhost"
    assert ctx["domainPrefix"] == api["id"]
    assert ctx["path"] == "/test/"


def test_greedy_proxy_routing(lenticular_server, apigw, rest_api, function):
    fn = function(ECHO)
    api, _ = proxy_api(apigw, rest_api, fn, ["/{proxy+}", "/api/{version}/{proxy+}"])
    event = call(lenticular_server, api["id"], "/test/a/b/c.txt").json()
    assert event["resource"] == "/{proxy+}"
    assert event["pathParameters"] == {"proxy": "a/b/c.txt"}
    event = call(lenticular_server, api["id"], "/test/api/v2/users/7", method="PUT").json()
    assert event["resource"] == "/api/{version}/{proxy+}"
    assert event["httpMethod"] == "PUT"
    assert event["pathParameters"] == {"version": "v2", "proxy": "users/7"}
    # The greedy variable needs at least one segment.
    assert call(lenticular_server, api["id"], "/test/").status == 403


def test_status_and_text_body_from_function(lenticular_server, apigw, rest_api, function):
    echo = function(ECHO)
    api, _ = proxy_api(apigw, rest_api, echo, ["/echo"])
    assert call(lenticular_server, api["id"], "/test/echo?status=404").status == 404
    text = function(TEXT)
    api, _ = proxy_api(apigw, rest_api, text, ["/text"])
    reply = call(lenticular_server, api["id"], "/test/text")
    assert (reply.status, reply.body) == (201, b"plain text")
    assert reply.headers["content-type"] == "application/json"


@pytest.mark.parametrize("source", [MALFORMED, FAILING], ids=["malformed", "function-error"])
def test_bad_function_reply_is_502(lenticular_server, apigw, rest_api, function, source):
    fn = function(source)
    api, _ = proxy_api(apigw, rest_api, fn, ["/bad"])
    reply = call(lenticular_server, api["id"], "/test/bad")
    assert reply.status == 502
    assert reply.json() == {"message": "Internal server error"}
    assert reply.headers["x-amzn-errortype"] == "InternalServerErrorException"
    assert reply.headers["x-amzn-requestid"]


def test_missing_function_is_500(lenticular_server, apigw, rest_api):
    arn = f"arn:aws:lambda:us-east-1:000000000000:function:{unique('gone')}"
    api, _ = proxy_api(apigw, rest_api, arn, ["/gone"])
    reply = call(lenticular_server, api["id"], "/test/gone")
    assert reply.status == 500
    assert reply.json() == {"message": "Internal server error"}


def test_stage_variable_in_function_uri(lenticular_server, apigw, rest_api, function):
    fn = function(ECHO)
    name = fn.rsplit(":", 1)[1]
    templated = fn.replace(name, "${stageVariables.fn}")
    api, _ = proxy_api(apigw, rest_api, templated, ["/var"], variables={"fn": name})
    reply = call(lenticular_server, api["id"], "/test/var")
    assert reply.status == 200
    assert json.loads(reply.body)["stageVariables"] == {"fn": name}
