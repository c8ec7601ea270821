"""Invoke through boto3 and the AWS CLI: sync, async, dry run, tail logs, client context,
qualifiers, handler errors, payload limits, throttling, logs in CloudWatch Logs, and
functions that call lenticular back with no configuration."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from tests.services.awslambda.conftest import make_zip, unique
from tests.services.awslambda.test_functions import error

AWS_CLI = Path(sys.executable).parent / "aws"


def invoke_json(lam, name: str, event: object = None, **kwargs) -> tuple[dict, object]:
    response = lam.invoke(FunctionName=name, Payload=json.dumps(event or {}).encode(), **kwargs)
    return response, json.loads(response["Payload"].read() or b"null")


def wait_for_log(logs, group: str, needle: str, timeout: float = 15.0) -> list[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            events = logs.filter_log_events(logGroupName=group)["events"]
        except ClientError:
            events = []
        messages = [e["message"] for e in events]
        if any(needle in m for m in messages):
            return messages
        time.sleep(0.1)
    raise AssertionError(f"{needle!r} never appeared in {group}")


def test_sync_invoke_passes_event_and_context(lam, create_function):
    name = create_function()["FunctionName"]
    response, body = invoke_json(lam, name, {"hello": "world"})
    assert response["StatusCode"] == 200
    assert response["ExecutedVersion"] == "$LATEST"
    assert "FunctionError" not in response
    assert body["event"] == {"hello": "world"}
    assert body["request_id"] == response["ResponseMetadata"]["RequestId"]
    assert body["arn"] == f"arn:aws:lambda:us-east-1:000000000000:function:{name}"
    assert body["version"] == "$LATEST"


def test_tail_logs(lam, create_function):
    name = create_function()["FunctionName"]
    response, _ = invoke_json(lam, name, {"n": 1}, LogType="Tail")
    tail = base64.b64decode(response["LogResult"]).decode()
    assert tail.startswith("START RequestId: ")
    assert "event {'n': 1}" in tail
    assert "END RequestId: " in tail and "REPORT RequestId: " in tail
    assert len(base64.b64decode(response["LogResult"])) <= 4096


def test_client_context(lam, create_function):
    source = """
    def handler(event, context):
        return context.client_context.custom
    """
    name = create_function(source)["FunctionName"]
    context = base64.b64encode(json.dumps({"custom": {"k": "v"}}).encode()).decode()
    _, body = invoke_json(lam, name, ClientContext=context)
    assert body == {"k": "v"}
    with pytest.raises(ClientError) as excinfo:
        invoke_json(lam, name, ClientContext="!!not base64!!")
    assert error(excinfo)[:2] == (
        "InvalidRequestContentException",
        "Client context must be a valid Base64-encoded JSON object.",
    )


def test_handler_error(lam, create_function):
    source = """
    def handler(event, context):
        raise ValueError("bad input")
    """
    name = create_function(source)["FunctionName"]
    response, body = invoke_json(lam, name)
    assert response["StatusCode"] == 200
    assert response["FunctionError"] == "Unhandled"
    assert body["errorType"] == "ValueError"
    assert body["errorMessage"] == "bad input"
    assert body["requestId"] == response["ResponseMetadata"]["RequestId"]


def test_dry_run_and_event(lam, aws_client, create_function):
    name = create_function()["FunctionName"]
    dry = lam.invoke(FunctionName=name, InvocationType="DryRun")
    assert dry["StatusCode"] == 204
    event = lam.invoke(FunctionName=name, InvocationType="Event", Payload=b'{"marker": "async-1"}')
    assert event["StatusCode"] == 202
    assert event["Payload"].read() == b""
    wait_for_log(aws_client("logs"), f"/aws/lambda/{name}", "async-1")


def test_payload_limits(lam, create_function):
    name = create_function()["FunctionName"]
    big = b'"' + b"x" * (6 * 1024 * 1024) + b'"'
    with pytest.raises(ClientError) as excinfo:
        lam.invoke(FunctionName=name, Payload=big)
    assert error(excinfo) == (
        "RequestEntityTooLargeException",
        "Request must be smaller than 6291456 bytes for the InvokeFunction operation",
        413,
    )
    medium = b'"' + b"x" * (300 * 1024) + b'"'
    with pytest.raises(ClientError) as excinfo:
        lam.invoke(FunctionName=name, Payload=medium, InvocationType="Event")
    assert error(excinfo) == (
        "RequestEntityTooLargeException",
        f"{len(medium)} byte payload is too large for the Event invocation type"
        " (limit 262144 bytes)",
        413,
    )
    assert lam.invoke(FunctionName=name, Payload=medium)["StatusCode"] == 200


def test_invalid_json_payload(lam, create_function):
    name = create_function()["FunctionName"]
    with pytest.raises(ClientError) as excinfo:
        lam.invoke(FunctionName=name, Payload=b"{not json")
    code, message, status = error(excinfo)
    assert (code, status) == ("InvalidRequestContentException", 400)
    assert message.startswith("Could not parse request body into json: ")


def test_qualifiers_select_versions(lam, create_function):
    name = create_function("def handler(e, c):\n    return 'one'\n", Publish=True)["FunctionName"]
    lam.update_function_code(
        FunctionName=name, ZipFile=make_zip({"app.py": "def handler(e, c):\n    return 'two'\n"})
    )
    lam.create_alias(FunctionName=name, Name="stable", FunctionVersion="1")
    by_version, body = invoke_json(lam, name, Qualifier="1")
    assert (by_version["ExecutedVersion"], body) == ("1", "one")
    by_alias, body = invoke_json(lam, name, Qualifier="stable")
    assert (by_alias["ExecutedVersion"], body) == ("1", "one")
    latest, body = invoke_json(lam, f"{name}:$LATEST")
    assert (latest["ExecutedVersion"], body) == ("$LATEST", "two")
    with pytest.raises(ClientError) as excinfo:
        invoke_json(lam, name, Qualifier="7")
    assert error(excinfo)[1] == (
        f"Function not found: arn:aws:lambda:us-east-1:000000000000:function:{name}:7"
    )


def test_warm_environment_keeps_module_state(lam, create_function):
    source = """
    calls = 0
    def handler(event, context):
        global calls
        calls += 1
        return calls
    """
    name = create_function(source)["FunctionName"]
    assert [invoke_json(lam, name)[1] for _ in range(3)] == [1, 2, 3]
    lam.update_function_configuration(FunctionName=name, MemorySize=256)
    assert invoke_json(lam, name)[1] == 1  # a new environment for the new configuration


def test_zero_reserved_concurrency_throttles(lam, create_function):
    name = create_function()["FunctionName"]
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    with pytest.raises(ClientError) as excinfo:
        lam.invoke(FunctionName=name)
    response = excinfo.value.response
    assert error(excinfo)[::2] == ("TooManyRequestsException", 429)
    assert response["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"
    lam.delete_function_concurrency(FunctionName=name)
    assert lam.invoke(FunctionName=name)["StatusCode"] == 200


def test_logs_reach_cloudwatch(lam, aws_client, create_function):
    name = create_function()["FunctionName"]
    invoke_json(lam, name, {"marker": "logged-7"})
    logs = aws_client("logs")
    messages = wait_for_log(logs, f"/aws/lambda/{name}", "REPORT RequestId")
    assert any(m.startswith("START RequestId: ") and "Version: $LATEST" in m for m in messages)
    assert any("logged-7" in m for m in messages)
    report = next(m for m in messages if m.startswith("REPORT"))
    for field in ("Duration:", "Billed Duration:", "Memory Size: 128 MB", "Max Memory Used:"):
        assert field in report
    assert "Init Duration:" in report  # the first invoke was a cold start
    streams = logs.describe_log_streams(logGroupName=f"/aws/lambda/{name}")["logStreams"]
    assert streams and "[$LATEST]" in streams[0]["logStreamName"]


def test_function_calls_lenticular_without_configuration(lam, create_function):
    table = unique("tbl")
    source = f"""
    import boto3

    def handler(event, context):
        identity = boto3.client("sts").get_caller_identity()
        ddb = boto3.client("dynamodb")
        ddb.create_table(
            TableName="{table}",
            KeySchema=[{{"AttributeName": "pk", "KeyType": "HASH"}}],
            AttributeDefinitions=[{{"AttributeName": "pk", "AttributeType": "S"}}],
            BillingMode="PAY_PER_REQUEST",
        )
        ddb.put_item(TableName="{table}", Item={{"pk": {{"S": "a"}}}})
        item = ddb.get_item(TableName="{table}", Key={{"pk": {{"S": "a"}}}})["Item"]
        return {{"account": identity["Account"], "item": item}}
    """
    name = create_function(source, Timeout=30)["FunctionName"]
    response, body = invoke_json(lam, name)
    assert "FunctionError" not in response, body
    assert body == {"account": "000000000000", "item": {"pk": {"S": "a"}}}


def test_aws_cli_invoke(lenticular_server, create_function, tmp_path):
    name = create_function()["FunctionName"]
    out = tmp_path / "out.json"
    env = {
        **os.environ,
        "AWS_ENDPOINT_URL": lenticular_server.endpoint,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    done = subprocess.run(
        [
            str(AWS_CLI), "lambda", "invoke", "--function-name", name,
            "--payload", '{"cli": true}',
            "--log-type", "Tail", str(out),
        ],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["StatusCode"] == 200 and summary["ExecutedVersion"] == "$LATEST"
    assert "START RequestId" in base64.b64decode(summary["LogResult"]).decode()
    assert json.loads(out.read_text())["event"] == {"cli": True}
