"""Invoke through boto3 and the AWS CLI: sync, async, dry run, tail logs, client context,
qualifiers, handler errors, payload limits, throttling, logs in CloudWatch Logs, and
functions that call lenticular back with no configuration."""

from __future__ import annotations

import base64
import json
import os
import re
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


ENVIRONMENT = """
import os
import re
import tempfile

def handler(event, context):
    path = os.path.join(tempfile.gettempdir(), "mine")
    seen = os.path.exists(path)
    open(path, "w").close()
    return {"env": dict(os.environ), "cwd": os.getcwd(), "tmp": tempfile.gettempdir(),
            "seen": seen, "stream": context.log_stream_name, "group": context.log_group_name,
            "memory": context.memory_limit_in_mb, "remaining": context.get_remaining_time_in_millis()}
"""


def test_environment_as_aws_sets_it(lam, create_function):
    """AWS's variables, the function's own (which may override unreserved ones), the
    code root as cwd, a private /tmp kept while the environment is warm, and the context;
    a DeadLetterConfig is recorded."""
    dlq = "arn:aws:sqs:us-east-1:000000000000:dead-letters"
    config = create_function(
        ENVIRONMENT, MemorySize=256, Timeout=7,
        Environment={"Variables": {"STAGE": "test", "LANG": "C.UTF-8"}},
        DeadLetterConfig={"TargetArn": dlq},
    )  # fmt: skip
    name = config["FunctionName"]
    assert config["DeadLetterConfig"] == {"TargetArn": dlq}
    _, first = invoke_json(lam, name)
    env = first["env"]
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == name
    assert env["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST"
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256" == first["memory"]
    assert env["AWS_LAMBDA_LOG_GROUP_NAME"] == f"/aws/lambda/{name}" == first["group"]
    stream = env["AWS_LAMBDA_LOG_STREAM_NAME"]
    assert re.fullmatch(r"\d{4}/\d\d/\d\d/\[\$LATEST\][0-9a-f]{32}", stream)
    assert stream == first["stream"]
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == "us-east-1"
    assert env["AWS_EXECUTION_ENV"] == "AWS_Lambda_python3.12"
    assert env["_HANDLER"] == "app.handler"
    assert env["LAMBDA_TASK_ROOT"] == first["cwd"]
    assert (env["STAGE"], env["LANG"], env["TZ"]) == ("test", "C.UTF-8", ":UTC")
    assert env["AWS_LAMBDA_RUNTIME_API"].startswith("127.0.0.1:")
    assert env["AWS_ENDPOINT_URL"].startswith("http://")
    assert env["AWS_ACCESS_KEY_ID"] and env["AWS_SESSION_TOKEN"]
    assert env["_X_AMZN_TRACE_ID"].startswith("Root=1-")
    assert 6000 < first["remaining"] <= 7000
    assert first["tmp"] == env["TMPDIR"] and not first["seen"]
    _, second = invoke_json(lam, name)
    assert second["seen"] and second["tmp"] == first["tmp"]  # warm: /tmp kept
    lam.update_function_configuration(FunctionName=name, Timeout=8)
    _, fresh = invoke_json(lam, name)
    assert not fresh["seen"] and fresh["tmp"] != first["tmp"]  # a new environment
    assert not os.path.exists(first["tmp"])  # the old one's /tmp is gone
