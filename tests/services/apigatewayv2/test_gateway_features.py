"""CORS, throttling, access logs and HTTP_PROXY integrations of HTTP APIs."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest

from tests.services.apigatewayv2.conftest import (
    QuietHandler,
    call,
    http_backend,
    lambda_route,
    unique,
)

HELLO = """
def handler(event, context):
    return {"statusCode": 200, "headers": {"access-control-allow-origin": "https://wrong"},
            "body": "hello"}
"""


class _Echo(QuietHandler):
    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        payload = json.dumps({
            "method": self.command, "path": self.path, "body": body,
            "custom": self.headers.get("X-Custom"), "added": self.headers.get("X-Added"),
        }).encode()  # fmt: skip
        self.send_response(202)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Backend", "echo")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = _answer


@pytest.fixture(scope="module")
def backend() -> Iterator[str]:
    with http_backend(_Echo) as url:
        yield url


def test_cors_preflight_and_response_headers(lenticular_server, v2, http_api, function):
    api_id = http_api(CorsConfiguration={
        "AllowOrigins": ["https://app.example"], "AllowMethods": ["GET", "POST"],
        "AllowHeaders": ["Content-Type", "X-Token"], "ExposeHeaders": ["X-Trace"],
        "MaxAge": 600, "AllowCredentials": True,
    })["ApiId"]  # fmt: skip
    lambda_route(v2, api_id, function(HELLO), "GET /hello")
    v2.create_stage(ApiId=api_id, StageName="$default", AutoDeploy=True)
    preflight = call(lenticular_server, api_id, "/hello", method="OPTIONS", headers={
        "Origin": "https://app.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
    })  # fmt: skip
    assert preflight.status == 204
    assert preflight.headers["access-control-allow-origin"] == "https://app.example"
    assert preflight.headers["access-control-allow-methods"] == "GET,POST"
    assert preflight.headers["access-control-allow-headers"] == "content-type,x-token"
    assert preflight.headers["access-control-max-age"] == "600"
    assert preflight.headers["access-control-allow-credentials"] == "true"
    stranger = call(lenticular_server, api_id, "/hello", method="OPTIONS", headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "GET",
    })  # fmt: skip
    assert stranger.status == 204 and "access-control-allow-origin" not in stranger.headers
    actual = call(lenticular_server, api_id, "/hello", headers={"Origin": "https://app.example"})
    assert actual.status == 200 and actual.body == b"hello"
    assert actual.headers["access-control-allow-origin"] == "https://app.example"
    assert actual.headers["access-control-expose-headers"] == "X-Trace"
    not_found = call(lenticular_server, api_id, "/nope", headers={"Origin": "https://app.example"})
    assert not_found.status == 404
    assert not_found.headers["access-control-allow-origin"] == "https://app.example"
    v2.delete_cors_configuration(ApiId=api_id)  # auto-deployed: preflights are routed again
    routed = call(lenticular_server, api_id, "/hello", method="OPTIONS", headers={
        "Origin": "https://app.example", "Access-Control-Request-Method": "GET",
    })  # fmt: skip
    assert routed.status == 404


def test_throttling_per_stage_and_route(lenticular_server, v2, http_api, function):
    api_id = http_api()["ApiId"]
    arn = function(HELLO)
    lambda_route(v2, api_id, arn, "GET /stage")
    lambda_route(v2, api_id, arn, "GET /route")
    v2.create_stage(
        ApiId=api_id, StageName="$default", AutoDeploy=True,
        DefaultRouteSettings={"ThrottlingBurstLimit": 3, "ThrottlingRateLimit": 0.001},
        RouteSettings={"GET /route": {"ThrottlingBurstLimit": 1, "ThrottlingRateLimit": 0.001}},
    )  # fmt: skip
    statuses = [call(lenticular_server, api_id, "/route").status for _ in range(2)]
    assert statuses == [200, 429]
    limited = call(lenticular_server, api_id, "/route")
    assert (limited.status, limited.json()) == (429, {"message": "Too Many Requests"})
    # each route has its own bucket; DefaultRouteSettings give /stage a burst of 3
    assert [call(lenticular_server, api_id, "/stage").status for _ in range(4)] == [
        200,
        200,
        200,
        429,
    ]


@pytest.fixture
def log_group(aws_client):
    logs = aws_client("logs")
    name = f"/httpapi/{unique('access')}"
    logs.create_log_group(logGroupName=name)
    arn = logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"][0]["arn"]
    yield logs, name, arn
    logs.delete_log_group(logGroupName=name)


def test_access_log_lines(lenticular_server, v2, http_api, function, log_group):
    logs, group, arn = log_group
    api_id = http_api()["ApiId"]
    lambda_route(v2, api_id, function(HELLO), "GET /hello")
    fmt = json.dumps({
        "requestId": "$context.requestId", "routeKey": "$context.routeKey",
        "status": "$context.status", "method": "$context.httpMethod", "path": "$context.path",
        "ip": "$context.identity.sourceIp", "stage": "$context.stage",
        "integrationStatus": "$context.integrationStatus", "error": "$context.error.message",
        "length": "$context.responseLength", "protocol": "$context.protocol",
    })  # fmt: skip
    v2.create_stage(ApiId=api_id, StageName="$default", AutoDeploy=True,
                    AccessLogSettings={"DestinationArn": arn, "Format": fmt})  # fmt: skip
    ok = call(lenticular_server, api_id, "/hello")
    call(lenticular_server, api_id, "/missing")
    deadline = time.monotonic() + 5
    while True:
        events = logs.filter_log_events(logGroupName=group)["events"]
        if len(events) >= 2 or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    lines = [json.loads(e["message"]) for e in events]
    assert len(lines) == 2
    first, second = sorted(lines, key=lambda line: line["path"])
    assert first == {
        "requestId": ok.headers["apigw-requestid"], "routeKey": "GET /hello", "status": "200",
        "method": "GET", "path": "/hello", "ip": "127.0.0.1", "stage": "$default",
        "integrationStatus": "200", "error": "-", "length": "5", "protocol": "HTTP/1.1",
    }  # fmt: skip
    assert second["status"] == "404" and second["routeKey"] == "-"
    assert second["error"] == "Not Found"


def test_http_proxy_with_parameter_mapping(lenticular_server, v2, http_api, backend):
    api_id = http_api()["ApiId"]
    mapped = v2.create_integration(
        ApiId=api_id, IntegrationType="HTTP_PROXY", IntegrationMethod="ANY",
        IntegrationUri=backend + "/base/{proxy}", PayloadFormatVersion="1.0",
        RequestParameters={"append:header.x-added": "from-$request.path.proxy",
                           "overwrite:querystring.stage": "$context.stage",
                           "remove:header.x-secret": "''"},
        ResponseParameters={"202": {"overwrite:statuscode": "200",
                                    "append:header.x-mapped": "$response.header.x-backend"}},
    )  # fmt: skip
    v2.create_route(ApiId=api_id, RouteKey="ANY /svc/{proxy+}",
                    Target=f"integrations/{mapped['IntegrationId']}")  # fmt: skip
    plain = v2.create_integration(
        ApiId=api_id, IntegrationType="HTTP_PROXY", IntegrationMethod="ANY",
        IntegrationUri=backend, PayloadFormatVersion="1.0",
    )  # fmt: skip
    v2.create_route(
        ApiId=api_id, RouteKey="$default", Target=f"integrations/{plain['IntegrationId']}"
    )
    v2.create_stage(ApiId=api_id, StageName="$default", AutoDeploy=True)
    reply = call(lenticular_server, api_id, "/svc/a/b?q=1", method="POST", body=b"data",
                 headers={"X-Custom": "c", "X-Secret": "s"})  # fmt: skip
    assert reply.status == 200, reply.body
    assert reply.headers["x-mapped"] == "echo"
    seen = reply.json()
    assert seen["method"] == "POST" and seen["body"] == "data"
    assert seen["path"] == "/base/a/b?q=1&stage=%24default"
    assert seen["custom"] == "c" and seen["added"] == "from-a/b"
    whole = call(lenticular_server, api_id, "/any/where?x=1")
    assert whole.status == 202 and whole.json()["path"] == "/any/where?x=1"


def test_http_proxy_unreachable_backend(lenticular_server, v2, http_api):
    api_id = http_api(Target="http://127.0.0.1:9/")["ApiId"]
    reply = call(lenticular_server, api_id, "/x")
    assert reply.status in (500, 503)
    assert reply.json()["message"] in ("Internal Server Error", "Service Unavailable")
