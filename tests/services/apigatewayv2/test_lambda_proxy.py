"""HTTP API stages served over HTTP: stage selection, route selection, payload format 2.0
and 1.0 events and replies, and the gateway's own answers."""

from __future__ import annotations

import base64
import json

import pytest

from tests.services.apigatewayv2.conftest import call, lambda_route

ECHO = """
import json

def handler(event, context):
    return {
        "statusCode": 200,
        "headers": {"content-type": "application/json", "x-from": "lambda"},
        "cookies": ["a=1; Path=/", "b=2"],
        "body": json.dumps(event),
    }
"""
ECHO_V1 = """
import json

def handler(event, context):
    return {"statusCode": 201, "headers": {"X-V": "1"}, "multiValueHeaders": {"X-M": ["a", "b"]},
            "body": json.dumps(event)}
"""
PLAIN_DICT = """
def handler(event, context):
    return {"hello": "world", "route": event["routeKey"]}
"""
BINARY = """
import base64

def handler(event, context):
    return {"statusCode": 200, "headers": {"content-type": "image/png"},
            "body": base64.b64encode(b"\\x89PNG\\x00").decode(), "isBase64Encoded": True}
"""
FAILING = """
def handler(event, context):
    raise ValueError("boom")
"""
MALFORMED_V1 = """
def handler(event, context):
    return {"body": "no status"}
"""
SLOW = """
import time

def handler(event, context):
    time.sleep(3)
    return "late"
"""


@pytest.fixture
def echo_api(v2, http_api, function):
    """An API whose routes all reach ECHO (payload 2.0), on `$default` and on `dev`."""
    api_id = http_api()["ApiId"]
    arn = function(ECHO)
    for key in ("GET /items/{id}", "GET /items/special", "ANY /{proxy+}", "$default",
                "POST /items/{id}"):  # fmt: skip
        lambda_route(v2, api_id, arn, key)
    v2.create_stage(ApiId=api_id, StageName="$default", AutoDeploy=True,
                    StageVariables={"env": "default"})  # fmt: skip
    v2.create_stage(ApiId=api_id, StageName="dev", AutoDeploy=True, StageVariables={"env": "dev"})
    return api_id


def test_payload_v2_event_and_reply(lenticular_server, echo_api):
    reply = call(
        lenticular_server, echo_api, "/items/42?a=1&a=2&b=x",
        headers={"Cookie": "c1=v1; c2=v2", "X-Custom": "yes", "User-Agent": "tester/1"},
    )  # fmt: skip
    assert reply.status == 200
    assert reply.headers["x-from"] == "lambda"
    assert reply.headers["apigw-requestid"]
    assert [v for k, v in reply.header_list if k.lower() == "set-cookie"] == ["a=1; Path=/", "b=2"]
    event = reply.json()
    assert event["version"] == "2.0"
    assert event["routeKey"] == "GET /items/{id}"
    assert event["rawPath"] == "/items/42"
    assert event["rawQueryString"] == "a=1&a=2&b=x"
    assert event["cookies"] == ["c1=v1", "c2=v2"]
    assert "cookie" not in event["headers"]
    assert event["headers"]["x-custom"] == "yes"
    assert event["queryStringParameters"] == {"a": "1,2", "b": "x"}
    assert event["pathParameters"] == {"id": "42"}
    assert event["stageVariables"] == {"env": "default"}
    assert event["isBase64Encoded"] is False and "body" not in event
    ctx = event["requestContext"]
    assert ctx["apiId"] == echo_api and ctx["stage"] == "$default"
    assert ctx["routeKey"] == "GET /items/{id}" and ctx["accountId"] == "000000000000"
    assert ctx["http"] == {"method": "GET", "path": "/items/42", "protocol": "HTTP/1.1",
                           "sourceIp": "127.0.0.1", "userAgent": "tester/1"}  # fmt: skip
    assert ctx["requestId"] == reply.headers["apigw-requestid"]
    assert isinstance(ctx["timeEpoch"], int) and ctx["time"].endswith("+0000")


def test_named_stage_and_route_priorities(lenticular_server, echo_api):
    def route_of(path: str, method: str = "GET", **kwargs) -> dict:
        reply = call(lenticular_server, echo_api, path, method=method, **kwargs)
        assert reply.status == 200, (path, reply.body)
        return reply.json()

    dev = route_of("/dev/items/7")
    assert dev["requestContext"]["stage"] == "dev" and dev["rawPath"] == "/dev/items/7"
    assert dev["stageVariables"] == {"env": "dev"} and dev["routeKey"] == "GET /items/{id}"
    assert route_of("/items/special")["routeKey"] == "GET /items/special"
    assert route_of("/items/1", "POST", body=b'{"x": 1}')["routeKey"] == "POST /items/{id}"
    assert route_of("/items/1", "DELETE")["routeKey"] == "ANY /{proxy+}"
    greedy = route_of("/a/b/c")
    assert greedy["routeKey"] == "ANY /{proxy+}" and greedy["pathParameters"] == {"proxy": "a/b/c"}
    assert route_of("/")["routeKey"] == "$default"
    host_form = call(lenticular_server, echo_api, "/dev/items/9", host_form=True)
    assert host_form.json()["requestContext"]["domainName"].startswith(echo_api)


def test_body_text_and_binary(lenticular_server, echo_api):
    text = call(lenticular_server, echo_api, "/items/1", method="POST", body=b'{"a": 1}',
                headers={"Content-Type": "application/json"}).json()  # fmt: skip
    assert text["body"] == '{"a": 1}' and text["isBase64Encoded"] is False
    raw = b"\x00\x01\xff"
    binary = call(lenticular_server, echo_api, "/items/1", method="POST", body=raw,
                  headers={"Content-Type": "application/octet-stream"}).json()  # fmt: skip
    assert binary["isBase64Encoded"] is True and base64.b64decode(binary["body"]) == raw


def test_not_found_without_route_or_stage(lenticular_server, v2, http_api, function):
    api_id = http_api()["ApiId"]
    lambda_route(v2, api_id, function(ECHO), "GET /only")
    v2.create_stage(ApiId=api_id, StageName="prod", AutoDeploy=True)
    reply = call(lenticular_server, api_id, "/only")  # no $default stage
    assert (reply.status, reply.json()) == (404, {"message": "Not Found"})
    assert call(lenticular_server, api_id, "/prod/only").status == 200
    missing = call(lenticular_server, api_id, "/prod/other")
    assert (missing.status, missing.json()) == (404, {"message": "Not Found"})
    assert call(lenticular_server, api_id, "/prod/only", method="POST").status == 404


def test_payload_v1_event_and_reply(lenticular_server, v2, http_api, function):
    api_id = http_api()["ApiId"]
    lambda_route(v2, api_id, function(ECHO_V1), "GET /v1/{name}", version="1.0")
    v2.create_stage(ApiId=api_id, StageName="$default", AutoDeploy=True)
    reply = call(lenticular_server, api_id, "/v1/joe?q=1&q=2")
    assert reply.status == 201
    assert reply.headers["x-v"] == "1"
    assert [v for k, v in reply.header_list if k.lower() == "x-m"] == ["a", "b"]
    event = reply.json()
    assert event["version"] == "1.0"
    assert event["resource"] == "/v1/{name}" and event["path"] == "/v1/joe"
    assert event["httpMethod"] == "GET"
    assert event["pathParameters"] == {"name": "joe"}
    assert event["queryStringParameters"] == {"q": "2"}
    assert event["multiValueQueryStringParameters"] == {"q": ["1", "2"]}
    ctx = event["requestContext"]
    assert ctx["resourceId"] == "GET /v1/{name}" and ctx["resourcePath"] == "/v1/{name}"
    assert ctx["stage"] == "$default" and ctx["identity"]["sourceIp"] == "127.0.0.1"


def test_reply_shapes_and_failures(lenticular_server, v2, http_api, function):
    api_id = http_api()["ApiId"]
    lambda_route(v2, api_id, function(PLAIN_DICT), "GET /plain")
    lambda_route(v2, api_id, function(BINARY), "GET /binary")
    lambda_route(v2, api_id, function(FAILING), "GET /fail")
    lambda_route(v2, api_id, function(MALFORMED_V1), "GET /malformed", version="1.0")
    slow = v2.create_integration(ApiId=api_id, IntegrationType="AWS_PROXY",
                                 IntegrationUri=function(SLOW), PayloadFormatVersion="2.0",
                                 TimeoutInMillis=500)  # fmt: skip
    v2.create_route(ApiId=api_id, RouteKey="GET /slow",
                    Target=f"integrations/{slow['IntegrationId']}")  # fmt: skip
    v2.create_stage(ApiId=api_id, StageName="$default", AutoDeploy=True)
    plain = call(lenticular_server, api_id, "/plain")
    assert plain.status == 200 and plain.headers["content-type"] == "application/json"
    assert json.loads(plain.body) == {"hello": "world", "route": "GET /plain"}
    binary = call(lenticular_server, api_id, "/binary")
    assert binary.body == b"\x89PNG\x00" and binary.headers["content-type"] == "image/png"
    failing = call(lenticular_server, api_id, "/fail")
    assert (failing.status, failing.json()) == (500, {"message": "Internal Server Error"})
    malformed = call(lenticular_server, api_id, "/malformed")
    assert (malformed.status, malformed.json()) == (500, {"message": "Internal Server Error"})
    late = call(lenticular_server, api_id, "/slow")
    assert (late.status, late.json()) == (503, {"message": "Service Unavailable"})


def test_rest_apis_still_served_beside_http_apis(lenticular_server, aws_client, http_api):
    rest = aws_client("apigateway")
    api = rest.create_rest_api(name="rest-beside-http")
    try:
        reply = call(lenticular_server, api["id"], "/nostage/x")
        assert reply.status == 403  # REST's answer, not HTTP API's 404
    finally:
        rest.delete_rest_api(restApiId=api["id"])
    unknown = call(lenticular_server, "zzzzzzzzzz", "/x")
    assert unknown.status == 403


def test_raw_path_is_encoded_and_endpoint_can_be_disabled(lenticular_server, v2, echo_api):
    event = call(lenticular_server, echo_api, "/dev/items/a%20b").json()
    assert event["rawPath"] == "/dev/items/a%20b"
    assert event["requestContext"]["http"]["path"] == "/dev/items/a%20b"
    assert event["pathParameters"] == {"id": "a b"}
    host_form = call(lenticular_server, echo_api, "/items/x%2Fy", host_form=True).json()
    assert host_form["rawPath"] == "/items/x%2Fy"
    v2.update_api(ApiId=echo_api, DisableExecuteApiEndpoint=True)
    refused = call(lenticular_server, echo_api, "/items/1")
    assert (refused.status, refused.json()) == (403, {"message": "Forbidden"})
