"""Runtimes and throttling through the Invoke API: AWS's own runtime interface client
(`awslambdaric`) behind a provided.al2023 bootstrap, every python3.x runtime on the host's
Python with one warning per runtime, the account's concurrency quota (429 with AWS's
reason) and the Throttles metric."""

from __future__ import annotations

import base64
import importlib.util
import json
import sys
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from lenticular.testing.server import LenticularServer
from tests.services.awslambda.conftest import ROLE, make_zip, unique
from tests.services.awslambda.test_functions import error
from tests.services.awslambda.test_invoke import invoke_json

HOST_PYTHON = f"python{sys.version_info.major}.{sys.version_info.minor}"

RIC_HANDLER = """
calls = 0

def handler(event, context):
    global calls
    calls += 1
    if event == "raise":
        raise KeyError("missing")
    print("ric handling", context.aws_request_id)
    return {
        "event": event, "calls": calls, "request_id": context.aws_request_id,
        "arn": context.invoked_function_arn, "memory": context.memory_limit_in_mb,
        "client": context.client_context.custom if context.client_context else None,
    }
"""


@pytest.mark.skipif(importlib.util.find_spec("awslambdaric") is None, reason="needs awslambdaric")
def test_awslambdaric_behind_a_provided_bootstrap(lam, create_function):
    bootstrap = f'#!/bin/sh\nexec {sys.executable} -m awslambdaric "$_HANDLER"\n'
    package = make_zip({"bootstrap": bootstrap, "app.py": RIC_HANDLER}, mode=0o755)
    config = create_function(
        Runtime="provided.al2023", Handler="app.handler", Code={"ZipFile": package}
    )
    name = config["FunctionName"]
    context = base64.b64encode(json.dumps({"custom": {"a": 1}}).encode()).decode()
    response, body = invoke_json(lam, name, {"k": "v"}, ClientContext=context, LogType="Tail")
    assert "FunctionError" not in response, body
    rid = response["ResponseMetadata"]["RequestId"]
    assert body == {
        "event": {"k": "v"},
        "calls": 1,
        "request_id": rid,
        "arn": config["FunctionArn"],
        "memory": "128",
        "client": {"a": 1},
    }
    assert f"ric handling {rid}" in base64.b64decode(response["LogResult"]).decode()
    assert invoke_json(lam, name, "again")[1]["calls"] == 2  # warm
    response, body = invoke_json(lam, name, "raise")
    assert response["FunctionError"] == "Unhandled"
    assert (body["errorType"], body["errorMessage"]) == ("KeyError", "'missing'")
    assert body["requestId"] == response["ResponseMetadata"]["RequestId"]


VERSION = """
import sys
def handler(event, context):
    return [sys.executable, "%d.%d" % sys.version_info[:2]]
"""


def test_python_runtimes_run_on_the_host_python_and_warn_once(
    lam, create_function, lenticular_server
):
    other = "python3.9" if HOST_PYTHON != "python3.9" else "python3.14"
    for runtime in ("python3.9", "python3.12", "python3.14", other):
        name = create_function(VERSION, Runtime=runtime)["FunctionName"]
        for _ in range(2):
            response, body = invoke_json(lam, name)
            assert "FunctionError" not in response, body
            assert body[1] == HOST_PYTHON.removeprefix("python")
    warning = f"Lambda runtime {other} runs on this host's {HOST_PYTHON}"
    deadline = time.monotonic() + 5
    while warning not in lenticular_server.log() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert lenticular_server.log().count(warning) == 1


SLOW = """
import time
def handler(event, context):
    time.sleep(event.get("sleep", 0))
    return "done"
"""


def test_account_concurrency_quota_throttles(tmp_path):
    with LenticularServer(
        tmp_path / "data", env={"LENTICULAR_LAMBDA_ACCOUNT_CONCURRENCY": "2"}
    ) as server:
        lam = server.client("lambda")
        limits = lam.get_account_settings()["AccountLimit"]
        assert (limits["ConcurrentExecutions"], limits["UnreservedConcurrentExecutions"]) == (2, 2)
        names = [unique("quota") for _ in range(2)]
        for name in names:
            lam.create_function(
                FunctionName=name, Runtime="python3.12", Role=ROLE, Handler="app.handler",
                Code={"ZipFile": make_zip({"app.py": SLOW})},
            )  # fmt: skip
        with pytest.raises(ClientError) as excinfo:  # reserving would leave less than 100
            lam.put_function_concurrency(FunctionName=names[0], ReservedConcurrentExecutions=1)
        assert error(excinfo)[0] == "InvalidParameterValueException"
        results: list[object] = []

        def busy(name: str) -> None:
            try:
                results.append(invoke_json(lam, name, {"sleep": 2})[1])
            except ClientError as e:
                results.append(e)

        threads = [threading.Thread(target=busy, args=(n,)) for n in names]
        for thread in threads:
            thread.start()
        time.sleep(1.0)  # both running (a cold start takes well under a second)
        with pytest.raises(ClientError) as excinfo:
            lam.invoke(FunctionName=names[0], Payload=b"{}")
        for thread in threads:
            thread.join(timeout=30)
        response = excinfo.value.response
        assert error(excinfo) == ("TooManyRequestsException", "Rate Exceeded.", 429)
        assert (response["Type"], response["Reason"]) == (
            "User",
            "ConcurrentInvocationLimitExceeded",
        )
        assert results == ["done", "done"]
        assert invoke_json(lam, names[0])[1] == "done"  # capacity is back


def test_throttles_metric(lam, aws_client, create_function):
    """Each throttled request counts (so the client must not retry on its own)."""
    name = create_function()["FunctionName"]
    lam = aws_client("lambda", config=Config(retries={"total_max_attempts": 1}))
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    start = datetime.fromtimestamp(int(time.time()) // 60 * 60 - 60, UTC)
    for _ in range(2):
        with pytest.raises(ClientError) as excinfo:
            lam.invoke(FunctionName=name)
        assert excinfo.value.response["Reason"] == (
            "ReservedFunctionConcurrentInvocationLimitExceeded"
        )
    cw = aws_client("cloudwatch")
    query = {
        "Id": "thr",
        "MetricStat": {
            "Metric": {
                "Namespace": "AWS/Lambda",
                "MetricName": "Throttles",
                "Dimensions": [{"Name": "FunctionName", "Value": name}],
            },
            "Period": 3600,
            "Stat": "Sum",
        },
    }
    end = datetime.now(UTC) + timedelta(minutes=2)
    deadline = time.monotonic() + 5
    while True:  # the metrics are written about once a second
        result = cw.get_metric_data(MetricDataQueries=[query], StartTime=start, EndTime=end)
        total = sum(result["MetricDataResults"][0]["Values"])
        if total >= 2 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert total == 2.0
