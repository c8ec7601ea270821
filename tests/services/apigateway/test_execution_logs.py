"""Stage execution logs: lines in AWS's wording written to the group
API-Gateway-Execution-Logs_{apiId}/{stage}, created on first write, at the method's
loggingLevel."""

from __future__ import annotations

import time

import pytest

from lenticular.services.apigateway.execution_log import MAX_EVENT_BYTES, TRUNCATED
from tests.services.apigateway.conftest import add_mock, add_resource, call


@pytest.fixture
def logs(aws_client):
    return aws_client("logs")


def _stage_with(apigw, rest_api, settings: dict[str, str], body: str = '{"ok": true}') -> str:
    api = rest_api()
    add_mock(apigw, api, add_resource(apigw, api, "/items/{id}"), body=body)
    add_mock(apigw, api, add_resource(apigw, api, "/broken"), status=500, body='{"x": 1}')
    apigw.create_deployment(restApiId=api["id"], stageName="dev")
    apigw.update_stage(
        restApiId=api["id"], stageName="dev",
        patchOperations=[{"op": "replace", "path": f"/*/*/{k}", "value": v}
                         for k, v in settings.items()],
    )  # fmt: skip
    return api["id"]


def _messages(logs, group: str, count: int) -> list[str]:
    deadline = time.monotonic() + 5
    while True:
        try:
            events = logs.filter_log_events(logGroupName=group)["events"]
        except logs.exceptions.ResourceNotFoundException:
            events = []
        if len(events) >= count or time.monotonic() > deadline:
            return [e["message"] for e in events]
        time.sleep(0.1)


def test_info_lines_and_group_created_on_first_write(lenticular_server, apigw, rest_api, logs):
    api_id = _stage_with(apigw, rest_api, {"logging/loglevel": "INFO"})
    group = f"API-Gateway-Execution-Logs_{api_id}/dev"
    assert not logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"]
    reply = call(lenticular_server, api_id, "/dev/items/7?color=red")
    assert reply.status == 200
    request_id = reply.headers["x-amzn-requestid"]

    messages = _messages(logs, group, 7)
    assert messages == [
        f"({request_id}) Extended Request Id: {reply.headers['x-amz-apigw-id']}",
        f"({request_id}) Starting execution for request: {request_id}",
        f"({request_id}) HTTP Method: GET, Resource Path: /items/7",
        f"({request_id}) Method request path: {{id=7}}",
        f"({request_id}) Method request query string: {{color=red}}",
        f"({request_id}) Successfully completed execution",
        f"({request_id}) Method completed with status: 200",
    ]
    groups = logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"]
    assert [g["logGroupName"] for g in groups] == [group]
    streams = logs.describe_log_streams(logGroupName=group)["logStreams"]
    assert len(streams) == 1 and len(streams[0]["logStreamName"]) == 32


def test_error_level_logs_only_failures(lenticular_server, apigw, rest_api, logs):
    api_id = _stage_with(apigw, rest_api, {"logging/loglevel": "ERROR"})
    group = f"API-Gateway-Execution-Logs_{api_id}/dev"
    assert call(lenticular_server, api_id, "/dev/items/1").status == 200
    # A 500 the backend (here a MOCK) chose is not an execution failure.
    assert call(lenticular_server, api_id, "/dev/broken").status == 500
    time.sleep(0.5)
    assert _messages(logs, group, 1) == []


def test_error_level_logs_an_execution_failure(lenticular_server, apigw, rest_api, logs):
    api = rest_api()
    rid = add_resource(apigw, api, "/fn")
    apigw.put_method(
        restApiId=api["id"], resourceId=rid, httpMethod="GET", authorizationType="NONE"
    )
    missing = "arn:aws:lambda:us-east-1:000000000000:function:no-such-function"
    apigw.put_integration(
        restApiId=api["id"], resourceId=rid, httpMethod="GET", type="AWS_PROXY",
        integrationHttpMethod="POST",
        uri=f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{missing}/invocations",
    )  # fmt: skip
    apigw.create_deployment(restApiId=api["id"], stageName="dev")
    apigw.update_stage(
        restApiId=api["id"], stageName="dev",
        patchOperations=[{"op": "replace", "path": "/*/*/logging/loglevel", "value": "ERROR"}],
    )  # fmt: skip
    reply = call(lenticular_server, api["id"], "/dev/fn")
    assert reply.status == 500
    request_id = reply.headers["x-amzn-requestid"]
    assert _messages(logs, f"API-Gateway-Execution-Logs_{api['id']}/dev", 2) == [
        f"({request_id}) Execution failed due to configuration error: Internal server error",
        f"({request_id}) Method completed with status: 500",
    ]


def test_data_trace_adds_bodies_truncated_at_1kb(lenticular_server, apigw, rest_api, logs):
    big = '{"data": "' + "x" * 2000 + '"}'
    api_id = _stage_with(
        apigw, rest_api, {"logging/loglevel": "INFO", "logging/dataTrace": "true"}, body=big
    )
    group = f"API-Gateway-Execution-Logs_{api_id}/dev"
    reply = call(
        lenticular_server, api_id, "/dev/items/3", method="GET",
        headers={"x-api-key": "secretkey1234", "X-Probe": "yes"},
    )  # fmt: skip
    assert reply.status == 200
    request_id = reply.headers["x-amzn-requestid"]
    messages = _messages(logs, group, 11)
    by_prefix = {m.split(": ", 1)[0]: m for m in messages}
    headers = by_prefix[f"({request_id}) Method request headers"]
    assert "x-probe=yes" in headers and "x-api-key=*********1234" in headers
    assert f"({request_id}) Method request body before transformations" in by_prefix
    body_line = by_prefix[f"({request_id}) Method response body after transformations"]
    assert body_line.endswith(TRUNCATED)
    assert len(body_line.encode()) == MAX_EVENT_BYTES + len(TRUNCATED)
    assert messages[-1] == f"({request_id}) Method completed with status: 200"


def test_off_writes_nothing(lenticular_server, apigw, rest_api, logs):
    api_id = _stage_with(apigw, rest_api, {"metrics/enabled": "true"})
    assert call(lenticular_server, api_id, "/dev/items/1").status == 200
    time.sleep(0.4)
    group = f"API-Gateway-Execution-Logs_{api_id}/dev"
    assert not logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"]


def test_a_request_stopped_at_the_gates(lenticular_server, apigw, rest_api, logs):
    api = rest_api()
    rid = add_resource(apigw, api, "/keyed/{id}")
    apigw.put_method(restApiId=api["id"], resourceId=rid, httpMethod="GET",
                     authorizationType="NONE", apiKeyRequired=True)  # fmt: skip
    apigw.put_integration(restApiId=api["id"], resourceId=rid, httpMethod="GET", type="MOCK",
                          requestTemplates={"application/json": '{"statusCode": 200}'})  # fmt: skip
    apigw.create_deployment(restApiId=api["id"], stageName="dev")
    apigw.update_stage(
        restApiId=api["id"], stageName="dev",
        patchOperations=[{"op": "replace", "path": "/*/*/logging/loglevel", "value": "INFO"}],
    )  # fmt: skip
    reply = call(lenticular_server, api["id"], "/dev/keyed/9")
    assert reply.status == 403
    request_id = reply.headers["x-amzn-requestid"]
    messages = _messages(logs, f"API-Gateway-Execution-Logs_{api['id']}/dev", 5)
    assert f"({request_id}) HTTP Method: GET, Resource Path: /keyed/9" in messages
    assert messages[-1] == f"({request_id}) Method completed with status: 403"
    assert f"({request_id}) Successfully completed execution" not in messages
