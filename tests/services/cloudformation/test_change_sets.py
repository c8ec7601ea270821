"""Real server: change sets through boto3, and `aws cloudformation deploy` (the AWS CLI)."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

TEMPLATE = """
Parameters:
  Retention: {Type: Number, Default: 7}
Resources:
  Logs:
    Type: AWS::Logs::LogGroup
    Properties:
      LogGroupName: !Sub "/lenticular/${AWS::StackName}/%(group)s"
      RetentionInDays: !Ref Retention
%(extra)s
Outputs:
  Group:
    Value: !Ref Logs
"""
TABLE = """  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]
      KeySchema: [{AttributeName: pk, KeyType: HASH}]"""


def body(group: str = "a", table: bool = False) -> str:
    return TEMPLATE % {"group": group, "extra": TABLE if table else ""}


def stack_name() -> str:
    return f"cs{uuid.uuid4().hex[:10]}"


def actions(cfn, change_set: str, stack: str) -> dict[str, tuple[str, str | None]]:
    desc = cfn.describe_change_set(ChangeSetName=change_set, StackName=stack)
    return {c["ResourceChange"]["LogicalResourceId"]:
            (c["ResourceChange"]["Action"], c["ResourceChange"].get("Replacement"))
            for c in desc["Changes"]}  # fmt: skip


def test_create_review_execute_then_update_and_remove(cfn):
    stack = stack_name()
    made = cfn.create_change_set(StackName=stack, ChangeSetName="first", ChangeSetType="CREATE",
                                 TemplateBody=body(table=True))  # fmt: skip
    cfn.get_waiter("change_set_create_complete").wait(ChangeSetName=made["Id"], StackName=stack)
    assert cfn.describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"] == "REVIEW_IN_PROGRESS"
    desc = cfn.describe_change_set(ChangeSetName=made["Id"])
    assert (desc["Status"], desc["ExecutionStatus"], desc["StackId"]) == (
        "CREATE_COMPLETE", "AVAILABLE", made["StackId"])  # fmt: skip
    assert desc["Parameters"] == [{"ParameterKey": "Retention", "ParameterValue": "7"}]
    assert actions(cfn, "first", stack) == {"Logs": ("Add", None), "Table": ("Add", None)}
    summaries = cfn.list_change_sets(StackName=stack)["Summaries"]
    assert [s["ChangeSetName"] for s in summaries] == ["first"]

    cfn.execute_change_set(ChangeSetName="first", StackName=stack)
    cfn.get_waiter("stack_create_complete").wait(StackName=stack)
    out = cfn.describe_stacks(StackName=stack)["Stacks"][0]["Outputs"]
    assert out == [{"OutputKey": "Group", "OutputValue": f"/lenticular/{stack}/a"}]
    executed = cfn.describe_change_set(ChangeSetName="first", StackName=stack)
    assert executed["ExecutionStatus"] == "EXECUTE_COMPLETE"

    cfn.create_change_set(StackName=stack, ChangeSetName="inplace", TemplateBody=body(table=True),
                          Parameters=[{"ParameterKey": "Retention", "ParameterValue": "14"}])  # fmt: skip
    assert actions(cfn, "inplace", stack) == {"Logs": ("Modify", "False")}
    cfn.create_change_set(StackName=stack, ChangeSetName="replace", TemplateBody=body("b"))
    assert actions(cfn, "replace", stack) == {"Logs": ("Modify", "True"), "Table": ("Remove", None)}
    cfn.delete_change_set(ChangeSetName="inplace", StackName=stack)
    assert [s["ChangeSetName"] for s in cfn.list_change_sets(StackName=stack)["Summaries"]] == [
        "first", "replace"]  # fmt: skip
    cfn.execute_change_set(ChangeSetName="replace", StackName=stack)
    cfn.get_waiter("stack_update_complete").wait(StackName=stack)
    resources = cfn.describe_stack_resources(StackName=stack)["StackResources"]
    assert [(r["LogicalResourceId"], r["PhysicalResourceId"]) for r in resources] == [
        ("Logs", f"/lenticular/{stack}/b")]  # fmt: skip
    cfn.delete_stack(StackName=stack)


def test_an_empty_change_set_fails_with_the_message_the_cli_expects(cfn):
    stack = stack_name()
    cfn.create_stack(StackName=stack, TemplateBody=body())
    cfn.create_change_set(StackName=stack, ChangeSetName="same", TemplateBody=body())
    desc = cfn.describe_change_set(ChangeSetName="same", StackName=stack)
    assert (desc["Status"], desc["ExecutionStatus"], desc["Changes"]) == (
        "FAILED",
        "UNAVAILABLE",
        [],
    )
    assert desc["StatusReason"].startswith("The submitted information didn't contain changes.")
    with pytest.raises(ClientError) as err:
        cfn.execute_change_set(ChangeSetName="same", StackName=stack)
    assert err.value.response["Error"]["Code"] == "InvalidChangeSetStatus"


def test_change_set_errors(cfn):
    stack = stack_name()
    with pytest.raises(ClientError) as err:
        cfn.create_change_set(StackName=stack, ChangeSetName="u", TemplateBody=body())
    assert err.value.response["Error"]["Message"] == f"Stack [{stack}] does not exist"
    with pytest.raises(ClientError) as err:
        cfn.describe_change_set(ChangeSetName="nope", StackName=stack)
    assert err.value.response["Error"]["Code"] == "ChangeSetNotFound"
    cfn.create_change_set(StackName=stack, ChangeSetName="c", ChangeSetType="CREATE",
                          TemplateBody=body())  # fmt: skip
    with pytest.raises(ClientError) as err:
        cfn.create_change_set(StackName=stack, ChangeSetName="c", ChangeSetType="CREATE",
                              TemplateBody=body())  # fmt: skip
    assert err.value.response["Error"]["Code"] == "AlreadyExistsException"


def aws_cli(server, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "AWS_ENDPOINT_URL": server.endpoint, "AWS_DEFAULT_REGION": "us-east-1",
           "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}  # fmt: skip
    aws = Path(sys.executable).parent / "aws"
    return subprocess.run([str(aws), *args], env=env, capture_output=True, text=True, timeout=120)


def test_aws_cloudformation_deploy(lenticular_server, cfn, tmp_path):
    stack = stack_name()
    template = tmp_path / "template.yaml"
    template.write_text(body(table=True))
    deploy = ("cloudformation", "deploy", "--template-file", str(template), "--stack-name", stack)
    first = aws_cli(lenticular_server, *deploy)
    assert first.returncode == 0, first.stderr
    assert "Successfully created/updated stack" in first.stdout
    assert cfn.describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"

    same = aws_cli(lenticular_server, *deploy)
    assert same.returncode == 255 and "No changes to deploy" in same.stdout + same.stderr
    quiet = aws_cli(lenticular_server, *deploy, "--no-fail-on-empty-changeset")
    assert quiet.returncode == 0, quiet.stderr

    changed = aws_cli(lenticular_server, *deploy, "--parameter-overrides", "Retention=30")
    assert changed.returncode == 0, changed.stderr
    params = cfn.describe_stacks(StackName=stack)["Stacks"][0]["Parameters"]
    assert params == [{"ParameterKey": "Retention", "ParameterValue": "30"}]
