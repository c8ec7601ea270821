"""Real server: stacks deployed, updated and deleted through boto3's CloudFormation client."""

from __future__ import annotations

import json
import time
import uuid

import pytest
from botocore.exceptions import ClientError

APP = """
AWSTemplateFormatVersion: "2010-09-09"
Description: table, role, function and log group
Parameters:
  Env:
    Type: String
    AllowedValues: [dev, prod]
    Default: dev
  Secret:
    Type: String
    NoEcho: true
    Default: hunter2
Resources:
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions:
        - {AttributeName: pk, AttributeType: S}
%(gsk)s      KeySchema: [{AttributeName: pk, KeyType: HASH}]
      StreamSpecification: {StreamViewType: NEW_IMAGE}
%(gsi)s
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement: [{Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRole}]
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      Role: !GetAtt Role.Arn
      Environment:
        Variables:
          TABLE: !Ref Table
          ENV: !Ref Env
      Code:
        ZipFile: |
          import os, boto3
          def handler(event, context):
              table = boto3.resource("dynamodb").Table(os.environ["TABLE"])
              table.put_item(Item={"pk": event["id"], "gsk": "g", "v": "%(version)s"})
              return {"table": os.environ["TABLE"], "version": "%(version)s"}
  Logs:
    Type: AWS::Logs::LogGroup
    Properties:
      LogGroupName: !Sub "/aws/lambda/${Fn}"
      RetentionInDays: 7
Outputs:
  TableName:
    Value: !Ref Table
  TableArn:
    Value: !GetAtt Table.Arn
  StreamArn:
    Value: !GetAtt Table.StreamArn
  FnArn:
    Value: !GetAtt Fn.Arn
  Greeting:
    Value: !Sub "${AWS::StackName}-${Env}-${AWS::Region}"
"""

GSI = """      GlobalSecondaryIndexes:
        - IndexName: byG
          KeySchema: [{AttributeName: gsk, KeyType: HASH}]
          Projection: {ProjectionType: ALL}"""


def app(version: str = "v1", gsi: bool = False) -> str:
    gsk = "        - {AttributeName: gsk, AttributeType: S}\n" if gsi else ""
    return APP % {"version": version, "gsi": GSI if gsi else "", "gsk": gsk}


def name() -> str:
    return f"s{uuid.uuid4().hex[:10]}"


def outputs(cfn, stack: str) -> dict[str, str]:
    desc = cfn.describe_stacks(StackName=stack)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in desc.get("Outputs", [])}


def test_create_use_update_and_delete_an_application(cfn, aws_client):
    stack = name()
    cfn.create_stack(StackName=stack, TemplateBody=app(), Capabilities=["CAPABILITY_IAM"])
    cfn.get_waiter("stack_create_complete").wait(StackName=stack)
    desc = cfn.describe_stacks(StackName=stack)["Stacks"][0]
    assert desc["StackStatus"] == "CREATE_COMPLETE"
    assert {p["ParameterKey"]: p["ParameterValue"] for p in desc["Parameters"]} == {
        "Env": "dev", "Secret": "****"}  # fmt: skip
    out = outputs(cfn, stack)
    assert out["TableName"].startswith(f"{stack}-Table-")
    assert out["TableArn"].endswith(f":table/{out['TableName']}")
    assert "/stream/" in out["StreamArn"]
    assert out["Greeting"] == f"{stack}-dev-us-east-1"
    resources = {r["LogicalResourceId"]: r for r in
                 cfn.describe_stack_resources(StackName=stack)["StackResources"]}  # fmt: skip
    assert {r["ResourceStatus"] for r in resources.values()} == {"CREATE_COMPLETE"}
    fn_name = resources["Fn"]["PhysicalResourceId"]
    assert resources["Role"]["PhysicalResourceId"].startswith(f"{stack}-Role-")

    lam, ddb, logs = aws_client("lambda"), aws_client("dynamodb"), aws_client("logs")
    answer = json.loads(lam.invoke(FunctionName=fn_name, Payload=b'{"id": "1"}')["Payload"].read())
    assert answer == {"table": out["TableName"], "version": "v1"}
    item = ddb.get_item(TableName=out["TableName"], Key={"pk": {"S": "1"}})["Item"]
    assert item["v"] == {"S": "v1"}
    groups = logs.describe_log_groups(logGroupNamePrefix=f"/aws/lambda/{fn_name}")["logGroups"]
    assert groups[0]["retentionInDays"] == 7

    statuses = [e["ResourceStatus"] for e in cfn.describe_stack_events(StackName=stack)["StackEvents"]
                if e["LogicalResourceId"] == stack]  # fmt: skip
    assert statuses == ["CREATE_COMPLETE", "CREATE_IN_PROGRESS"]

    cfn.update_stack(StackName=stack, TemplateBody=app("v2", gsi=True),
                     Capabilities=["CAPABILITY_IAM"], UsePreviousTemplate=False)  # fmt: skip
    cfn.get_waiter("stack_update_complete").wait(StackName=stack)
    assert cfn.describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"] == "UPDATE_COMPLETE"
    assert outputs(cfn, stack)["TableName"] == out["TableName"]  # updated in place
    table = ddb.describe_table(TableName=out["TableName"])["Table"]
    assert [i["IndexName"] for i in table["GlobalSecondaryIndexes"]] == ["byG"]
    answer = json.loads(lam.invoke(FunctionName=fn_name, Payload=b'{"id": "2"}')["Payload"].read())
    assert answer["version"] == "v2"
    found = ddb.query(TableName=out["TableName"], IndexName="byG",
                      KeyConditionExpression="gsk = :g",
                      ExpressionAttributeValues={":g": {"S": "g"}})["Items"]  # fmt: skip
    assert len(found) == 2

    with pytest.raises(ClientError) as info:
        cfn.update_stack(StackName=stack, TemplateBody=app("v2", gsi=True),
                         Capabilities=["CAPABILITY_IAM"])  # fmt: skip
    assert info.value.response["Error"]["Code"] == "ValidationError"
    assert info.value.response["Error"]["Message"] == "No updates are to be performed."

    assert "Resources" in cfn.get_template(StackName=stack)["TemplateBody"]
    # Let the second invoke's log lines land first: Lambda ships them asynchronously and
    # (as on AWS) would recreate its log group if they arrived after the stack's delete.
    wait_for_log(logs, f"/aws/lambda/{fn_name}", "REPORT", count=2)
    cfn.delete_stack(StackName=stack)
    cfn.get_waiter("stack_delete_complete").wait(StackName=stack)
    with pytest.raises(ClientError):
        ddb.describe_table(TableName=out["TableName"])
    with pytest.raises(ClientError):
        lam.get_function(FunctionName=fn_name)
    assert logs.describe_log_groups(logGroupNamePrefix=f"/aws/lambda/{fn_name}")["logGroups"] == []
    deleted = cfn.list_stacks(StackStatusFilter=["DELETE_COMPLETE"])["StackSummaries"]
    assert stack in [s["StackName"] for s in deleted]


FAILING = """
Resources:
  Good:
    Type: AWS::Logs::LogGroup
  Bad:
    Type: AWS::Lambda::Function
    DependsOn: Good
    Properties:
      Runtime: cobol85
      Handler: index.handler
      Role: arn:aws:iam::000000000000:role/x
      Code: {ZipFile: "x"}
"""


def test_a_failing_resource_rolls_the_create_back_with_the_reason(cfn, aws_client):
    stack = name()
    cfn.create_stack(StackName=stack, TemplateBody=FAILING)
    desc = cfn.describe_stacks(StackName=stack)["Stacks"][0]
    assert desc["StackStatus"] == "ROLLBACK_COMPLETE"
    events = cfn.describe_stack_events(StackName=stack)["StackEvents"]
    failed = [e for e in events if e["ResourceStatus"] == "CREATE_FAILED"]
    assert failed[0]["LogicalResourceId"] == "Bad"
    assert "cobol85" in failed[0]["ResourceStatusReason"]
    rollback = [e for e in events if e["ResourceStatus"] == "ROLLBACK_IN_PROGRESS"][0]
    assert rollback["ResourceStatusReason"].startswith(
        "The following resource(s) failed to create: [Bad]."
    )
    good = [e for e in events if e["LogicalResourceId"] == "Good" and
            e["ResourceStatus"] == "DELETE_COMPLETE"]  # fmt: skip
    assert good, "the created log group is deleted by the rollback"
    assert cfn.describe_stack_resources(StackName=stack)["StackResources"] == []


def test_a_failing_update_rolls_back(cfn, aws_client):
    stack = name()
    body = "Resources:\n  Logs:\n    Type: AWS::Logs::LogGroup\n    Properties:\n      RetentionInDays: 7\n"
    cfn.create_stack(StackName=stack, TemplateBody=body)
    cfn.update_stack(
        StackName=stack, TemplateBody=body.replace("7", "5") + FAILING.split("Resources:")[1]
    )
    assert cfn.describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"] == (
        "UPDATE_ROLLBACK_COMPLETE"
    )
    group = cfn.describe_stack_resource(StackName=stack, LogicalResourceId="Logs")
    physical = group["StackResourceDetail"]["PhysicalResourceId"]
    found = aws_client("logs").describe_log_groups(logGroupNamePrefix=physical)["logGroups"]
    assert found[0]["retentionInDays"] == 7
    assert [r["LogicalResourceId"] for r in
            cfn.list_stack_resources(StackName=stack)["StackResourceSummaries"]] == ["Logs"]  # fmt: skip


def test_unsupported_types_and_bad_parameters_are_refused(cfn):
    body = "Resources:\n  X:\n    Type: AWS::Foo::Bar\n"
    for call in (lambda: cfn.validate_template(TemplateBody=body),
                 lambda: cfn.create_stack(StackName=name(), TemplateBody=body)):  # fmt: skip
        with pytest.raises(ClientError) as info:
            call()
        assert info.value.response["Error"]["Code"] == "ValidationError"
        assert info.value.response["Error"]["Message"] == (
            "Template format error: Unrecognized resource types: [AWS::Foo::Bar]"
        )
    with pytest.raises(ClientError) as info:
        cfn.create_stack(StackName=name(), TemplateBody=app(), Capabilities=["CAPABILITY_IAM"],
                         Parameters=[{"ParameterKey": "Env", "ParameterValue": "qa"}])  # fmt: skip
    assert info.value.response["Error"]["Message"] == "Parameter 'Env' must be one of AllowedValues"
    with pytest.raises(ClientError) as info:
        cfn.create_stack(StackName=name(), TemplateBody=app())
    assert info.value.response["Error"]["Code"] == "InsufficientCapabilitiesException"
    checked = cfn.validate_template(TemplateBody=app())
    assert checked["Capabilities"] == ["CAPABILITY_IAM"]
    assert [p["ParameterKey"] for p in checked["Parameters"]] == ["Env", "Secret"]


EXPORTER = """
Resources:
  Logs:
    Type: AWS::Logs::LogGroup
Outputs:
  GroupArn:
    Value: !GetAtt Logs.Arn
    Export:
      Name: !Sub "${AWS::StackName}-group-arn"
"""

IMPORTER = """
Parameters:
  Source: {Type: String}
Resources:
  Logs:
    Type: AWS::Logs::LogGroup
    Properties:
      LogGroupName: !Join ["-", [imported, !Select [6, !Split [":", !ImportValue {"Fn::Sub": "${Source}-group-arn"}]]]]
Outputs:
  Name:
    Value: !Ref Logs
"""


def test_exports_and_import_value_across_stacks(cfn):
    source, user = name(), name()
    cfn.create_stack(StackName=source, TemplateBody=EXPORTER)
    exports = {e["Name"]: e for e in cfn.list_exports()["Exports"]}
    arn = exports[f"{source}-group-arn"]["Value"]
    assert arn.startswith("arn:aws:logs:us-east-1:")
    cfn.create_stack(StackName=user, TemplateBody=IMPORTER,
                     Parameters=[{"ParameterKey": "Source", "ParameterValue": source}])  # fmt: skip
    assert outputs(cfn, user)["Name"] == "imported-" + arn.split(":")[6]

    duplicate = name()
    cfn.create_stack(
        StackName=duplicate, TemplateBody=EXPORTER.replace("${AWS::StackName}", source)
    )
    desc = cfn.describe_stacks(StackName=duplicate)["Stacks"][0]
    assert desc["StackStatus"] == "ROLLBACK_COMPLETE"
    events = cfn.describe_stack_events(StackName=duplicate)["StackEvents"]
    assert any(f"Export with name {source}-group-arn is already exported by stack {source}"
               in (e.get("ResourceStatusReason") or "") for e in events)  # fmt: skip

    cfn.delete_stack(StackName=source)
    assert cfn.describe_stacks(StackName=source)["Stacks"][0]["StackStatus"] == "DELETE_FAILED"
    cfn.delete_stack(StackName=user)
    cfn.delete_stack(StackName=source)
    with pytest.raises(ClientError) as info:
        cfn.describe_stacks(StackName=source)
    assert info.value.response["Error"]["Message"] == f"Stack with id {source} does not exist"


def wait_for_log(logs, group: str, text: str, *, count: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        events = logs.filter_log_events(logGroupName=group, filterPattern=text)["events"]
        if len(events) >= count:
            return
        time.sleep(0.05)
    raise AssertionError(f"{count} '{text}' lines never reached {group}")
