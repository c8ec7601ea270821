"""Real server: SAM templates expanded by aws-sam-translator (offline) and deployed."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from lenticular.services.cloudformation import sam

SAM_APP = """
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: python3.12
    Timeout: 5
    Environment:
      Variables:
        TABLE: !Ref Table
Resources:
  Table:
    Type: AWS::Serverless::SimpleTable
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      CodeUri: %(code)s
      Policies:
        - AmazonDynamoDBFullAccess
        - DynamoDBCrudPolicy: {TableName: !Ref Table}
Outputs:
  FnName:
    Value: !Ref Fn
  TableName:
    Value: !Ref Table
  RoleArn:
    Value: !GetAtt FnRole.Arn
"""

HANDLER = """
import os
def handler(event, context):
    return {"table": os.environ["TABLE"], "got": event}
"""


def stack_name() -> str:
    return f"sam{uuid.uuid4().hex[:10]}"


def code_folder(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    src.mkdir()
    (src / "app.py").write_text(HANDLER)
    return src


def test_function_table_role_and_globals_from_a_sam_template(cfn, aws_client, tmp_path):
    src = code_folder(tmp_path)
    name = stack_name()
    cfn.create_stack(StackName=name, TemplateBody=SAM_APP % {"code": src},
                     Capabilities=["CAPABILITY_IAM"])  # fmt: skip
    stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack.get("StackStatusReason")
    out = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
    types = {r["LogicalResourceId"]: r["ResourceType"]
             for r in cfn.describe_stack_resources(StackName=name)["StackResources"]}  # fmt: skip
    assert types == {"Table": "AWS::DynamoDB::Table", "Fn": "AWS::Lambda::Function",
                     "FnRole": "AWS::IAM::Role"}  # fmt: skip
    assert out["RoleArn"].startswith("arn:aws:iam::")
    config = aws_client("lambda").get_function_configuration(FunctionName=out["FnName"])
    assert config["Timeout"] == 5 and config["Runtime"] == "python3.12"  # from Globals
    assert config["Environment"]["Variables"]["TABLE"] == out["TableName"]
    answer = aws_client("lambda").invoke(FunctionName=out["FnName"], Payload=b'{"a": 1}')
    assert json.loads(answer["Payload"].read()) == {"table": out["TableName"], "got": {"a": 1}}
    table = aws_client("dynamodb").describe_table(TableName=out["TableName"])["Table"]
    assert table["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    # GetTemplate answers the template as sent, with its Transform
    assert "AWS::Serverless-2016-10-31" in cfn.get_template(StackName=name)["TemplateBody"]
    cfn.delete_stack(StackName=name)


def test_relative_code_uri_over_the_wire_names_lenticular_deploy(cfn):
    with pytest.raises(ClientError) as err:
        cfn.create_stack(StackName=stack_name(), TemplateBody=SAM_APP % {"code": "src/"},
                         Capabilities=["CAPABILITY_IAM"])  # fmt: skip
    assert err.value.response["Error"]["Code"] == "ValidationError"
    assert "lenticular deploy" in err.value.response["Error"]["Message"]


def test_an_invalid_sam_resource_is_a_template_error(cfn):
    body = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties: {Handler: a.b, Runtime: python3.12, CodeUri: s3://b/k.zip, Events: {E: {Type: Nope}}}
"""
    with pytest.raises(ClientError) as err:
        cfn.create_stack(StackName=stack_name(), TemplateBody=body, Capabilities=["CAPABILITY_IAM"])
    message = err.value.response["Error"]["Message"]
    assert message.startswith("Template format error: Transform AWS::Serverless-2016-10-31 failed")
    assert "Fn" in message


def test_other_transforms_are_refused(cfn):
    body = "Transform: AWS::Include\nResources:\n  T: {Type: AWS::Serverless::SimpleTable}\n"
    with pytest.raises(ClientError) as err:
        cfn.create_stack(StackName=stack_name(), TemplateBody=body)
    assert "AWS::Include" in err.value.response["Error"]["Message"]


def test_requirements_are_installed_into_a_cached_build_folder(tmp_path, monkeypatch):
    src = code_folder(tmp_path)
    (src / "requirements.txt").write_text("# nothing to install\n")
    builds = tmp_path / "builds"
    first = sam.build_folder(src, builds)
    assert first.parent == builds and (first / "app.py").read_text() == HANDLER
    (src / "app.py").write_text("# changed\n")
    calls = []
    monkeypatch.setattr(sam.subprocess, "run", lambda *a, **k: calls.append(a))
    again = sam.build_folder(src, builds)
    assert again == first and calls == []  # cached by the requirements' hash
    assert (again / "app.py").read_text() == "# changed\n"  # the sources are copied afresh


def test_the_managed_policy_map_is_static_and_partitioned():
    policies = sam.managed_policy_map("aws-cn")
    assert policies["AWSLambdaBasicExecutionRole"] == (
        "arn:aws-cn:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")  # fmt: skip
    assert (
        policies["AmazonDynamoDBFullAccess"]
        == "arn:aws-cn:iam::aws:policy/AmazonDynamoDBFullAccess"
    )


def test_expansion_is_pinned_to_the_stack_region_without_aws(monkeypatch):
    import boto3

    monkeypatch.setattr(boto3.session, "Session", None)  # any session use would fail
    doc = {"Transform": sam.SAM_TRANSFORM, "Resources": {"Fn": {
        "Type": "AWS::Serverless::Function",
        "Properties": {"Handler": "a.b", "Runtime": "python3.12", "CodeUri": "s3://b/k.zip"},
    }}}  # fmt: skip
    out = sam.expand(doc, "cn-north-1", "123456789012")
    role = out["Resources"]["FnRole"]["Properties"]
    assert role["ManagedPolicyArns"] == [
        "arn:aws-cn:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"]  # fmt: skip


def test_an_api_event_deploys_a_rest_api(cfn, aws_client, tmp_path):
    src = code_folder(tmp_path)
    body = f"""
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      Runtime: python3.12
      CodeUri: {src}
      Events:
        Get: {{Type: Api, Properties: {{Path: /items, Method: get}}}}
Outputs:
  Api:
    Value: !Ref ServerlessRestApi
"""
    name = stack_name()
    cfn.create_stack(StackName=name, TemplateBody=body, Capabilities=["CAPABILITY_IAM"])
    stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack.get("StackStatusReason")
    api_id = stack["Outputs"][0]["OutputValue"]
    assert aws_client("apigateway").get_rest_api(restApiId=api_id)["id"] == api_id
