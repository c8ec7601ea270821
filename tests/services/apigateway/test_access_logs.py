"""Stage access logs: lines in the stage's format, `$context` variables substituted, written
to the CloudWatch Logs group of accessLogSettings.destinationArn."""

from __future__ import annotations

import json
import re
import time

import pytest

from tests.services.apigateway.conftest import add_mock, add_resource, call, set_access_log, unique

JSON_FORMAT = json.dumps(
    {
        "requestId": "$context.requestId",
        "extendedRequestId": "$context.extendedRequestId",
        "ip": "$context.identity.sourceIp",
        "caller": "$context.identity.caller",
        "user": "$context.identity.user",
        "userAgent": "$context.identity.userAgent",
        "requestTime": "$context.requestTime",
        "requestTimeEpoch": "$context.requestTimeEpoch",
        "httpMethod": "$context.httpMethod",
        "resourcePath": "$context.resourcePath",
        "path": "$context.path",
        "status": "$context.status",
        "protocol": "$context.protocol",
        "responseLength": "$context.responseLength",
        "responseLatency": "$context.responseLatency",
        "integrationStatus": "$context.integrationStatus",
        "error": "$context.error.message",
        "principalId": "$context.authorizer.principalId",
        "apiId": "$context.apiId",
        "stage": "$context.stage",
    }
)
CLF_FORMAT = (
    "$context.identity.sourceIp $context.identity.caller $context.identity.user "
    '[$context.requestTime] "$context.httpMethod $context.resourcePath $context.protocol" '
    "$context.status $context.responseLength $context.requestId"
)


@pytest.fixture
def logs(aws_client):
    return aws_client("logs")


@pytest.fixture
def log_group(logs):
    name = f"/apigw/{unique('access')}"
    logs.create_log_group(logGroupName=name)
    arn = logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"][0]["arn"]
    yield name, arn
    logs.delete_log_group(logGroupName=name)


def _api_with_access_logs(apigw, rest_api, arn: str, fmt: str) -> str:
    api = rest_api()
    add_mock(apigw, api, add_resource(apigw, api, "/items/{id}"), body='{"ok": true}')
    apigw.create_deployment(restApiId=api["id"], stageName="dev")
    set_access_log(apigw, api["id"], arn, fmt)
    return api["id"]


def _lines(logs, group: str, count: int) -> list[dict]:
    deadline = time.monotonic() + 5
    while True:
        events = logs.filter_log_events(logGroupName=group)["events"]
        if len(events) >= count or time.monotonic() > deadline:
            return events
        time.sleep(0.1)


def test_json_access_log_lines(lenticular_server, apigw, rest_api, logs, log_group):
    group, arn = log_group
    api_id = _api_with_access_logs(apigw, rest_api, arn, JSON_FORMAT)
    stage = apigw.get_stage(restApiId=api_id, stageName="dev")
    assert stage["accessLogSettings"] == {"destinationArn": arn, "format": JSON_FORMAT}
    ok = call(
        lenticular_server, api_id, "/dev/items/7",
        headers={"User-Agent": "probe/1.0", "X-Forwarded-For": "203.0.113.9"},
    )  # fmt: skip
    assert ok.status == 200
    missing = call(lenticular_server, api_id, "/dev/nowhere", method="POST")
    assert missing.status == 403

    events = _lines(logs, group, 2)
    assert len(events) == 2
    by_id = {json.loads(e["message"])["requestId"]: json.loads(e["message"]) for e in events}
    first = by_id[ok.headers["x-amzn-requestid"]]
    assert first["extendedRequestId"] == ok.headers["x-amz-apigw-id"]
    assert first["ip"] == "203.0.113.9"
    assert first["caller"] == "-" and first["user"] == "-" and first["principalId"] == "-"
    assert first["userAgent"] == "probe/1.0"
    assert re.match(r"^\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d \+0000$", first["requestTime"])
    assert abs(int(first["requestTimeEpoch"]) - time.time() * 1000) < 60_000
    assert first["httpMethod"] == "GET"
    assert first["resourcePath"] == "/items/{id}"
    assert first["path"] == "/dev/items/7"
    assert first["status"] == "200"
    assert first["protocol"] == "HTTP/1.1"
    assert first["responseLength"] == str(len(ok.body))
    assert int(first["responseLatency"]) >= 0
    assert first["integrationStatus"] == "-"  # MOCK
    assert first["error"] == "-"
    assert first["apiId"] == api_id and first["stage"] == "dev"

    second = by_id[missing.headers["x-amzn-requestid"]]
    assert second["status"] == "403"
    assert second["error"] == "Missing Authentication Token"
    assert second["resourcePath"] == "-"
    assert second["httpMethod"] == "POST"

    streams = logs.describe_log_streams(logGroupName=group)["logStreams"]
    assert len(streams) == 1
    assert re.match(r"^[0-9a-f]{32}$", streams[0]["logStreamName"])


def test_clf_format_and_settings_removed(lenticular_server, apigw, rest_api, logs, log_group):
    group, arn = log_group
    api_id = _api_with_access_logs(apigw, rest_api, arn, CLF_FORMAT)
    reply = call(lenticular_server, api_id, "/dev/items/1")
    events = _lines(logs, group, 1)
    assert len(events) == 1
    request_id = reply.headers["x-amzn-requestid"]
    assert re.match(
        r'^127\.0\.0\.1 - - \[[^\]]+\] "GET /items/\{id\} HTTP/1\.1" 200 \d+ ' + request_id + "$",
        events[0]["message"],
    )
    apigw.update_stage(
        restApiId=api_id, stageName="dev",
        patchOperations=[{"op": "remove", "path": "/accessLogSettings"}],
    )  # fmt: skip
    assert "accessLogSettings" not in apigw.get_stage(restApiId=api_id, stageName="dev")
    call(lenticular_server, api_id, "/dev/items/2")
    time.sleep(0.5)
    assert len(logs.filter_log_events(logGroupName=group)["events"]) == 1


def test_missing_log_group_drops_lines(lenticular_server, apigw, rest_api, logs, log_group):
    _, arn = log_group
    absent = unique("/apigw/absent")
    absent_arn = arn.replace(log_group[0], absent)
    api_id = _api_with_access_logs(apigw, rest_api, absent_arn, "$context.requestId")
    assert call(lenticular_server, api_id, "/dev/items/1").status == 200
    time.sleep(0.5)
    assert not logs.describe_log_groups(logGroupNamePrefix=absent)["logGroups"]
