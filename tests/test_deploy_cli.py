"""`lenticular deploy` as a user runs it: a subprocess against a real server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

TEMPLATE = """
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Parameters:
  Greeting: {Type: String, Default: hello}
Globals:
  Function:
    Runtime: python3.12
Resources:
  Table:
    Type: AWS::Serverless::SimpleTable
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      CodeUri: src/
      Environment:
        Variables: {GREETING: !Ref Greeting, TABLE: !Ref Table}
Outputs:
  FnName:
    Value: !Ref Fn
  TableName:
    Value: !Ref Table
"""
HANDLER = 'import os\ndef handler(e, c):\n    return os.environ["GREETING"]\n'
BROKEN = """
Resources:
  Logs:
    Type: AWS::Logs::LogGroup
    Properties: {LogGroupName: /lenticular/ok}
  Bad:
    Type: AWS::Logs::LogGroup
    Properties: {LogGroupName: /lenticular/bad, RetentionInDays: 8}
"""


def project(tmp_path: Path) -> Path:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text(HANDLER)
    template = tmp_path / "template.yaml"
    template.write_text(TEMPLATE)
    return template


def deploy(server, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "AWS_ENDPOINT_URL": "http://127.0.0.1:9"}  # the flag must win
    command = [
        sys.executable,
        "-m",
        "lenticular",
        "deploy",
        *args,
        "--endpoint-url",
        server.endpoint,
    ]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)


def test_deploy_a_sam_app_from_a_local_folder_then_update_it(
    lenticular_server, aws_client, tmp_path
):
    template = project(tmp_path)
    stack = f"d{uuid.uuid4().hex[:10]}"
    started = time.perf_counter()
    first = deploy(lenticular_server, str(template), "--stack-name", stack)
    elapsed = time.perf_counter() - started
    assert first.returncode == 0, first.stderr
    assert "CREATE_COMPLETE" in first.stdout and "AWS::Lambda::Function" in first.stdout
    outputs = dict(line.strip().split(" = ") for line in first.stdout.splitlines() if " = " in line)
    lam = aws_client("lambda")
    answer = lam.invoke(FunctionName=outputs["FnName"])
    assert json.loads(answer["Payload"].read()) == "hello"
    aws_client("dynamodb").describe_table(TableName=outputs["TableName"])
    assert elapsed < 10  # about a second on a warm machine; generous for CI

    same = deploy(lenticular_server, str(template), "--stack-name", stack)
    assert same.returncode == 0, same.stderr
    assert "No changes" in same.stdout

    changed = deploy(lenticular_server, str(template), "--stack-name", stack,
                     "--parameter-overrides", "Greeting=bonjour")  # fmt: skip
    assert changed.returncode == 0, changed.stderr
    assert "UPDATE_COMPLETE" in changed.stdout
    assert json.loads(lam.invoke(FunctionName=outputs["FnName"])["Payload"].read()) == "bonjour"


def test_a_failed_deploy_exits_non_zero_naming_the_resource(
    lenticular_server, aws_client, tmp_path
):
    template = tmp_path / "broken.yaml"
    template.write_text(BROKEN.replace("/lenticular/", f"/lenticular/{uuid.uuid4().hex[:6]}/"))
    stack = f"d{uuid.uuid4().hex[:10]}"
    result = deploy(lenticular_server, str(template), "--stack-name", stack)
    assert result.returncode == 1
    assert "ROLLBACK_COMPLETE" in result.stderr
    assert (
        "Bad (AWS::Logs::LogGroup)" in result.stderr
        and "InvalidParameterException" in result.stderr
    )
    # deploying again replaces the rolled-back stack
    template.write_text(BROKEN.replace("RetentionInDays: 8", "RetentionInDays: 7")
                        .replace("/lenticular/", f"/lenticular/{uuid.uuid4().hex[:6]}/"))  # fmt: skip
    again = deploy(lenticular_server, str(template), "--stack-name", stack)
    assert again.returncode == 0, again.stderr


def test_bad_input_and_no_server(tmp_path):
    template = project(tmp_path)
    missing = subprocess.run(
        [sys.executable, "-m", "lenticular", "deploy", str(tmp_path / "nope.yaml")],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert missing.returncode == 1 and "cannot read" in missing.stderr
    nobody = subprocess.run(
        [sys.executable, "-m", "lenticular", "deploy", str(template), "--endpoint-url",
         "http://127.0.0.1:9"], capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert nobody.returncode == 1 and "no lenticular server at http://127.0.0.1:9" in nobody.stderr
