"""`lenticular api-report` against a real server: requests through a stage with access
logs, then the report's counts by route, status and caller, and latency percentiles."""

from __future__ import annotations

import argparse
import io
import json
import re
import subprocess
import sys
import time

import pytest

from lenticular import api_report
from tests.services.apigateway.conftest import (  # noqa: F401 - function, rest_api: fixtures
    add_mock,
    add_resource,
    call,
    function,
    rest_api,
    set_access_log,
    unique,
)
from tests.services.apigateway.test_authorizers import token_api  # noqa: F401 - fixture
from tests.services.apigateway.test_keys_throttling import _key_and_plan

JSON_FORMAT = json.dumps(
    {
        "requestId": "$context.requestId",
        "ip": "$context.identity.sourceIp",
        "key": "$context.identity.apiKeyId",
        "principal": "$context.authorizer.principalId",
        "method": "$context.httpMethod",
        "route": {"resource": "$context.resourcePath"},
        "status": "$context.status",
        "latency": "$context.responseLatency",
    }
)
CLF_FORMAT = (
    "$context.identity.sourceIp - - [$context.requestTime] "
    '"$context.httpMethod $context.resourcePath $context.protocol" $context.status '
    "$context.responseLength $context.requestId"
)


@pytest.fixture
def apigw(aws_client):
    return aws_client("apigateway")


@pytest.fixture
def plans(apigw):
    created: list[tuple[str, str]] = []
    yield created
    for kind, ident in reversed(created):
        if kind == "plan":
            apigw.delete_usage_plan(usagePlanId=ident)
        else:
            apigw.delete_api_key(apiKey=ident)


@pytest.fixture
def access_group(aws_client):
    logs = aws_client("logs")
    name = f"/apigw/{unique('report')}"
    logs.create_log_group(logGroupName=name)
    yield logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"][0]["arn"]
    logs.delete_log_group(logGroupName=name)


def _api(apigw, arn: str, fmt: str) -> dict:
    api = apigw.create_rest_api(name=unique())
    add_mock(apigw, api, add_resource(apigw, api, "/items/{id}"))
    add_mock(apigw, api, add_resource(apigw, api, "/keyed"), body="{}", api_key_required=True)
    apigw.create_deployment(restApiId=api["id"], stageName="dev")
    set_access_log(apigw, api["id"], arn, fmt)
    return api


def _report(server, api_id: str, *extra: str) -> str:
    parser = argparse.ArgumentParser()
    api_report.add_arguments(parser)
    args = parser.parse_args([api_id, "--endpoint-url", server.endpoint, *extra])
    out = io.StringIO()
    assert api_report.main(args, out) == 0
    return out.getvalue()


def _wait_for(server, api_id: str, count: int) -> str:
    deadline = time.monotonic() + 5
    while True:
        text = _report(server, api_id, "--stage", "dev")
        if f": {count} requests" in text or time.monotonic() > deadline:
            return text
        time.sleep(0.1)


def _row(text: str, label: str) -> list[str]:
    line = next(ln for ln in text.splitlines() if ln.strip().startswith(label))
    return line[len(line) - len(line.lstrip()) + len(label) :].split()


def test_json_format_report(lenticular_server, apigw, plans, access_group):
    api = _api(apigw, access_group, JSON_FORMAT)
    try:
        key, _ = _key_and_plan(apigw, plans, api)
        for i in range(5):
            ip = "203.0.113.1" if i < 3 else "198.51.100.7"
            reply = call(lenticular_server, api["id"], f"/dev/items/{i}",
                         headers={"X-Forwarded-For": ip})  # fmt: skip
            assert reply.status == 200
        for _ in range(2):
            assert call(lenticular_server, api["id"], "/dev/keyed",
                        headers={"x-api-key": key["value"]}).status == 200  # fmt: skip
        assert call(lenticular_server, api["id"], "/dev/keyed").status == 403
        assert call(lenticular_server, api["id"], "/dev/nowhere", method="POST").status == 403

        text = _wait_for(lenticular_server, api["id"], 9)
        assert f"API {api['id']} stage dev: 9 requests in the last 1h" in text
        assert "lacks" not in text
        items = _row(text, "GET /items/{id}")
        assert items[0] == "5" and all(re.fullmatch(r"\d+", v) for v in items[1:4])
        assert _row(text, "GET /keyed")[0] == "3"
        assert _row(text, "POST (no route)")[0] == "1"
        assert _row(text, "200")[0] == "7" and _row(text, "403")[0] == "2"
        assert _row(text, "sourceIp 203.0.113.1")[0] == "3"
        assert _row(text, "sourceIp 198.51.100.7")[0] == "2"
        assert _row(text, "sourceIp 127.0.0.1")[0] == "4"
        assert _row(text, f"apiKeyId {key['id']}")[0] == "2"
    finally:
        apigw.delete_rest_api(restApiId=api["id"])


def test_authorizer_principals(lenticular_server, apigw, token_api, access_group):  # noqa: F811
    api, _ = token_api
    set_access_log(apigw, api["id"], access_group, JSON_FORMAT)
    for token, status in (("alice", 200), ("alice", 200), ("bob", 200), ("deny", 403)):
        reply = call(lenticular_server, api["id"], "/dev/items", headers={"Authorization": token})
        assert reply.status == status
    text = _wait_for(lenticular_server, api["id"], 4)
    assert _row(text, "principalId user-alice")[0] == "2"
    assert _row(text, "principalId user-bob")[0] == "1"
    assert _row(text, "GET /items")[0] == "4"


def test_clf_format_report_as_a_subprocess(lenticular_server, apigw, access_group):
    api = _api(apigw, access_group, CLF_FORMAT)
    try:
        for path in ("/dev/items/1", "/dev/items/2", "/dev/nowhere"):
            call(lenticular_server, api["id"], path)
        _wait_for(lenticular_server, api["id"], 3)
        done = subprocess.run(
            [sys.executable, "-m", "lenticular", "api-report", api["id"], "--since", "30m",
             "--endpoint-url", lenticular_server.endpoint],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        text = done.stdout
        assert f"API {api['id']} stage dev: 3 requests in the last 30m" in text
        assert "the access log format lacks $context.responseLatency" in text
        assert _row(text, "GET /items/{id}") == ["2", "-", "-", "-"]
        assert _row(text, "GET (no route)")[0] == "1"
        assert _row(text, "sourceIp 127.0.0.1")[0] == "3"
    finally:
        apigw.delete_rest_api(restApiId=api["id"])


def test_errors_are_worded(lenticular_server, apigw):
    api = apigw.create_rest_api(name=unique())
    try:
        add_mock(apigw, api, add_resource(apigw, api, "/a"))
        apigw.create_deployment(restApiId=api["id"], stageName="dev")
        for extra, message in (
            ([], "no stage of API"),
            (["--stage", "prod"], "has no stage prod"),
            (["--since", "soon"], "--since 'soon'"),
        ):
            done = subprocess.run(
                [sys.executable, "-m", "lenticular", "api-report", api["id"], *extra,
                 "--endpoint-url", lenticular_server.endpoint],
                capture_output=True, text=True, timeout=60,
            )  # fmt: skip
            assert done.returncode == 1 and message in done.stderr, done.stderr
    finally:
        apigw.delete_rest_api(restApiId=api["id"])


def test_percentiles_and_line_parsing():
    values = [float(v) for v in range(1, 101)]
    assert [api_report.percentile(values, p) for p in (50, 90, 99)] == [50.0, 90.0, 99.0]
    assert api_report.percentile([7.0], 99) == 7.0
    parser = api_report.LineParser(JSON_FORMAT)
    fields = parser.parse(json.dumps({"method": "GET", "route": {"resource": "/a"},
                                      "status": "200", "latency": "12", "key": "-"}))  # fmt: skip
    assert fields == {"httpMethod": "GET", "resourcePath": "/a", "status": "200",
                      "responseLatency": "12"}  # fmt: skip
    clf = api_report.LineParser(CLF_FORMAT)
    assert clf.parse(
        '10.0.0.1 - - [26/Nov/2026:17:00:00 +0000] "PUT /b/{id} HTTP/1.1" 201 15 abc'
    ) == {
        "identity.sourceIp": "10.0.0.1", "requestTime": "26/Nov/2026:17:00:00 +0000",
        "httpMethod": "PUT", "resourcePath": "/b/{id}", "protocol": "HTTP/1.1",
        "status": "201", "responseLength": "15", "requestId": "abc",
    }  # fmt: skip
    assert clf.parse("not a line") is None
