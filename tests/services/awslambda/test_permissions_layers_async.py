"""Permissions, layers, local-folder code, custom runtimes, event invoke configs with
retries and destinations, and functions surviving a restart."""

from __future__ import annotations

import json
import textwrap
import time

import pytest
from botocore.exceptions import ClientError

from lenticular.testing.server import LenticularServer
from tests.services.awslambda.conftest import ECHO, ROLE, make_zip, unique
from tests.services.awslambda.test_functions import error
from tests.services.awslambda.test_invoke import invoke_json, wait_for_log


def test_permissions_build_the_policy_as_aws_does(lam, create_function):
    config = create_function()
    name, arn = config["FunctionName"], config["FunctionArn"]
    added = lam.add_permission(
        FunctionName=name,
        StatementId="apigw",
        Action="lambda:InvokeFunction",
        Principal="apigateway.amazonaws.com",
        SourceArn="arn:aws:execute-api:us-east-1:000000000000:abc/*/GET/items",
        SourceAccount="000000000000",
    )
    statement = json.loads(added["Statement"])
    assert statement == {
        "Sid": "apigw",
        "Effect": "Allow",
        "Principal": {"Service": "apigateway.amazonaws.com"},
        "Action": "lambda:InvokeFunction",
        "Resource": arn,
        "Condition": {
            "StringEquals": {"AWS:SourceAccount": "000000000000"},
            "ArnLike": {
                "AWS:SourceArn": "arn:aws:execute-api:us-east-1:000000000000:abc/*/GET/items"
            },
        },
    }
    lam.add_permission(
        FunctionName=name, StatementId="acct", Action="lambda:*", Principal="111122223333"
    )
    policy = lam.get_policy(FunctionName=name)
    document = json.loads(policy["Policy"])
    assert document["Version"] == "2012-10-17" and document["Id"] == "default"
    assert [s["Sid"] for s in document["Statement"]] == ["apigw", "acct"]
    assert document["Statement"][1]["Principal"] == {"AWS": "arn:aws:iam::111122223333:root"}
    with pytest.raises(ClientError) as excinfo:
        lam.add_permission(FunctionName=name, StatementId="acct", Action="lambda:*", Principal="*")
    assert error(excinfo) == (
        "ResourceConflictException",
        "The statement id (sid) provided already exists. Please provide a new statement id,"
        " or remove the existing statement.",
        409,
    )
    lam.remove_permission(FunctionName=name, StatementId="apigw")
    lam.remove_permission(FunctionName=name, StatementId="acct")
    with pytest.raises(ClientError) as excinfo:
        lam.get_policy(FunctionName=name)
    assert error(excinfo) == (
        "ResourceNotFoundException",
        "The resource you requested does not exist.",
        404,
    )
    with pytest.raises(ClientError) as excinfo:
        lam.remove_permission(FunctionName=name, StatementId="gone")
    assert error(excinfo)[:2] == (
        "ResourceNotFoundException",
        "Statement gone is not found in resource policy.",
    )


def test_layers_are_on_sys_path(lam, create_function):
    layer_name = unique("layer")
    package = make_zip({"python/greeting.py": "WORD = 'from-layer'\n"})
    published = lam.publish_layer_version(
        LayerName=layer_name,
        Content={"ZipFile": package},
        CompatibleRuntimes=["python3.12"],
        Description="greetings",
    )
    assert published["Version"] == 1
    arn = published["LayerVersionArn"]
    assert arn == f"arn:aws:lambda:us-east-1:000000000000:layer:{layer_name}:1"
    assert published["Content"]["CodeSize"] == len(package)
    second = lam.publish_layer_version(LayerName=layer_name, Content={"ZipFile": package})
    assert second["Version"] == 2

    source = """
    import greeting
    def handler(event, context):
        return greeting.WORD
    """
    config = create_function(source, Layers=[arn])
    assert config["Layers"] == [{"Arn": arn, "CodeSize": len(package)}]
    assert invoke_json(lam, config["FunctionName"])[1] == "from-layer"

    assert (
        lam.get_layer_version(LayerName=layer_name, VersionNumber=1)["Description"] == "greetings"
    )
    assert lam.get_layer_version_by_arn(Arn=arn)["Version"] == 1
    versions = lam.list_layer_versions(LayerName=layer_name)["LayerVersions"]
    assert [v["Version"] for v in versions] == [2, 1]
    layers = {layer["LayerName"]: layer for layer in lam.list_layers()["Layers"]}
    assert layers[layer_name]["LatestMatchingVersion"]["Version"] == 2
    only_312 = lam.list_layers(CompatibleRuntime="python3.12")["Layers"]
    assert any(
        layer["LayerName"] == layer_name and layer["LatestMatchingVersion"]["Version"] == 1
        for layer in only_312
    )
    lam.delete_layer_version(LayerName=layer_name, VersionNumber=2)
    with pytest.raises(ClientError) as excinfo:
        lam.get_layer_version(LayerName=layer_name, VersionNumber=2)
    assert error(excinfo)[:2] == (
        "ResourceNotFoundException",
        "The resource you requested does not exist.",
    )
    missing = f"arn:aws:lambda:us-east-1:000000000000:layer:{layer_name}:9"
    with pytest.raises(ClientError) as excinfo:
        create_function(Layers=[missing])
    assert error(excinfo)[:2] == (
        "InvalidParameterValueException",
        f"Layer version {missing} does not exist.",
    )


def test_local_folder_function_reloads_edits(lam, tmp_path):
    folder = tmp_path / "src"
    folder.mkdir()
    (folder / "app.py").write_text("def handler(e, c):\n    return 'first'\n")
    name = unique("local")
    config = lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=ROLE,
        Handler="app.handler",
        Code={"S3Bucket": "lenticular-local", "S3Key": str(folder)},
    )
    assert config["CodeSize"] == 0
    assert invoke_json(lam, name)[1] == "first"
    time.sleep(1.1)  # the folder is re-scanned at most once a second
    (folder / "app.py").write_text("def handler(e, c):\n    return 'second'\n")
    assert invoke_json(lam, name)[1] == "second"
    with pytest.raises(ClientError) as excinfo:
        lam.update_function_code(
            FunctionName=name, S3Bucket="lenticular-local", S3Key="relative/path"
        )
    assert error(excinfo)[0] == "InvalidParameterValueException"


def test_provided_runtime_with_shell_bootstrap(lam, create_function):
    bootstrap = textwrap.dedent(
        """\
        #!/bin/sh
        set -e
        api="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation"
        while true; do
          headers=$(mktemp)
          event=$(curl -sS -D "$headers" "$api/next")
          id=$(grep -i Lambda-Runtime-Aws-Request-Id "$headers" | tr -d '[:space:]' | cut -d: -f2)
          curl -sS -X POST "$api/$id/response" -d "{\\"shell\\": $event}" > /dev/null
        done
        """
    )
    package = make_zip({"bootstrap": bootstrap}, mode=0o755)
    name = create_function(Runtime="provided.al2023", Handler="unused", Code={"ZipFile": package})[
        "FunctionName"
    ]
    response, body = invoke_json(lam, name, {"x": 1})
    assert "FunctionError" not in response, body
    assert body == {"shell": {"x": 1}}


def test_event_invoke_config_crud(lam, create_function):
    name = create_function()["FunctionName"]
    target = create_function()["FunctionArn"]
    put = lam.put_function_event_invoke_config(
        FunctionName=name,
        MaximumRetryAttempts=1,
        MaximumEventAgeInSeconds=120,
        DestinationConfig={"OnFailure": {"Destination": target}},
    )
    assert put["FunctionArn"].endswith(f":function:{name}:$LATEST")
    assert put["DestinationConfig"] == {"OnSuccess": {}, "OnFailure": {"Destination": target}}
    updated = lam.update_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=0)
    assert updated["MaximumRetryAttempts"] == 0 and updated["MaximumEventAgeInSeconds"] == 120
    got = lam.get_function_event_invoke_config(FunctionName=name)
    assert got["DestinationConfig"]["OnFailure"] == {"Destination": target}
    listed = lam.list_function_event_invoke_configs(FunctionName=name)
    assert len(listed["FunctionEventInvokeConfigs"]) == 1
    lam.delete_function_event_invoke_config(FunctionName=name)
    with pytest.raises(ClientError) as excinfo:
        lam.get_function_event_invoke_config(FunctionName=name)
    assert error(excinfo) == (
        "ResourceNotFoundException",
        f"The function arn:aws:lambda:us-east-1:000000000000:function:{name}:$LATEST doesn't"
        " have an EventInvokeConfig",
        404,
    )


@pytest.fixture(scope="module")
def quick_retries():
    server = LenticularServer(env={"LENTICULAR_LAMBDA_RETRY_DELAYS": "0.2,0.2"})
    with server:
        yield server


def _create(client, name: str, source: str) -> str:
    return client.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=ROLE,
        Handler="app.handler",
        Code={"ZipFile": make_zip({"app.py": source})},
    )["FunctionArn"]


SINK = """
import json
def handler(event, context):
    print("DESTINATION " + json.dumps(event))
"""


def _destination_records(logs, name: str, timeout: float = 15.0) -> list[dict]:
    messages = wait_for_log(logs, f"/aws/lambda/{name}", "DESTINATION ", timeout=timeout)
    return [json.loads(m.split("DESTINATION ", 1)[1]) for m in messages if "DESTINATION " in m]


def test_async_retries_then_failure_destination(quick_retries):
    lam, logs = quick_retries.client("lambda"), quick_retries.client("logs")
    failing, sink = unique("failing"), unique("sink")
    failing_arn = _create(
        lam, failing, "def handler(e, c):\n    print('attempt')\n    raise RuntimeError('boom')\n"
    )
    sink_arn = _create(lam, sink, SINK)
    lam.put_function_event_invoke_config(
        FunctionName=failing, DestinationConfig={"OnFailure": {"Destination": sink_arn}}
    )
    response = lam.invoke(FunctionName=failing, InvocationType="Event", Payload=b'{"order": 7}')
    request_id = response["ResponseMetadata"]["RequestId"]
    [record] = _destination_records(logs, sink)
    assert record["version"] == "1.0"
    assert record["timestamp"].endswith("Z")
    assert record["requestContext"] == {
        "requestId": request_id,
        "functionArn": f"{failing_arn}:$LATEST",
        "condition": "RetriesExhausted",
        "approximateInvokeCount": 3,
    }
    assert record["requestPayload"] == {"order": 7}
    assert record["responseContext"] == {
        "statusCode": 200,
        "executedVersion": "$LATEST",
        "functionError": "Unhandled",
    }
    assert record["responsePayload"]["errorMessage"] == "boom"
    attempts = logs.filter_log_events(
        logGroupName=f"/aws/lambda/{failing}", filterPattern="attempt"
    )
    assert len(attempts["events"]) == 3


def test_async_success_destination_and_no_retries(quick_retries):
    lam, logs = quick_retries.client("lambda"), quick_retries.client("logs")
    ok, sink = unique("ok"), unique("sink")
    _create(lam, ok, "def handler(e, c):\n    return {'done': e['n']}\n")
    sink_arn = _create(lam, sink, SINK)
    lam.put_function_event_invoke_config(
        FunctionName=ok,
        MaximumRetryAttempts=0,
        DestinationConfig={"OnSuccess": {"Destination": sink_arn}},
    )
    lam.invoke(FunctionName=ok, InvocationType="Event", Payload=b'{"n": 3}')
    [record] = _destination_records(logs, sink)
    assert record["requestContext"]["condition"] == "Success"
    assert record["requestContext"]["approximateInvokeCount"] == 1
    assert record["responsePayload"] == {"done": 3}
    assert "functionError" not in record["responseContext"]


def test_functions_survive_a_restart(fresh_lenticular):
    lam = fresh_lenticular.client("lambda")
    name = unique("durable")
    lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=ROLE,
        Handler="app.handler",
        Code={"ZipFile": make_zip({"app.py": ECHO})},
        Publish=True,
        Tags={"keep": "yes"},
    )
    lam.create_alias(FunctionName=name, Name="prod", FunctionVersion="1")
    lam.add_permission(
        FunctionName=name,
        StatementId="s3",
        Action="lambda:InvokeFunction",
        Principal="s3.amazonaws.com",
    )
    assert invoke_json(lam, name)[0]["StatusCode"] == 200
    fresh_lenticular.kill()
    fresh_lenticular.start()
    lam = fresh_lenticular.client("lambda")
    response, body = invoke_json(lam, name, {"after": "restart"}, Qualifier="prod")
    assert response["ExecutedVersion"] == "1"
    assert body["event"] == {"after": "restart"}
    assert lam.list_tags(
        Resource=lam.get_function(FunctionName=name)["Configuration"]["FunctionArn"]
    )["Tags"] == {"keep": "yes"}
    assert json.loads(lam.get_policy(FunctionName=name)["Policy"])["Statement"][0]["Sid"] == "s3"


def test_async_event_older_than_maximum_age_goes_to_the_failure_destination():
    """MaximumEventAgeInSeconds (60 s at least, as AWS allows): a retry that would fall
    after the event's maximum age is not made; the event goes to the on-failure
    destination as EventAgeExceeded once it is that old. Takes about a minute."""
    with LenticularServer(env={"LENTICULAR_LAMBDA_RETRY_DELAYS": "40,40"}) as server:
        lam, logs = server.client("lambda"), server.client("logs")
        failing, sink = unique("aging"), unique("sink")
        failing_arn = _create(
            lam, failing, "def handler(e, c):\n    print('attempt')\n    raise RuntimeError('x')\n"
        )
        sink_arn = _create(lam, sink, SINK)
        lam.put_function_event_invoke_config(
            FunctionName=failing,
            MaximumEventAgeInSeconds=60,
            MaximumRetryAttempts=2,
            DestinationConfig={"OnFailure": {"Destination": sink_arn}},
        )
        started = time.monotonic()
        lam.invoke(FunctionName=failing, InvocationType="Event", Payload=b'{"n": 1}')
        [record] = _destination_records(logs, sink, timeout=90.0)
        elapsed = time.monotonic() - started
        assert record["requestContext"]["condition"] == "EventAgeExceeded"
        assert record["requestContext"]["functionArn"] == f"{failing_arn}:$LATEST"
        # Attempts at 0 s and 40 s; the one due at 80 s is past the 60 s maximum age.
        assert record["requestContext"]["approximateInvokeCount"] == 2
        assert record["requestPayload"] == {"n": 1}
        assert 55.0 <= elapsed < 80.0
        attempts = logs.filter_log_events(
            logGroupName=f"/aws/lambda/{failing}", filterPattern="attempt"
        )
        assert len(attempts["events"]) == 2
