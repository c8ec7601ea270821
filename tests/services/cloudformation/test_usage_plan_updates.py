"""Real server: an AWS::ApiGateway::UsagePlan update is patched in place (UpdateUsagePlan),
as CloudFormation does, and replaced only when lenticular cannot patch it; a Stage's
cache cluster, method cache settings and AccessLogSetting are applied and updated."""

from __future__ import annotations

import uuid

import pytest

from tests.services.cloudformation.conftest import deploy_stack

TEMPLATE = """
Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties: {Name: plans}
  RootGet:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !GetAtt Api.RootResourceId
      HttpMethod: GET
      AuthorizationType: NONE
      Integration: {Type: MOCK}
  Dev:
    Type: AWS::ApiGateway::Deployment
    DependsOn: RootGet
    Properties: {RestApiId: !Ref Api, StageName: dev}
  Test:
    Type: AWS::ApiGateway::Deployment
    DependsOn: RootGet
    Properties: {RestApiId: !Ref Api, StageName: test}
  Key:
    Type: AWS::ApiGateway::ApiKey
    Properties: {Enabled: true}
  Plan:
    Type: AWS::ApiGateway::UsagePlan
    DependsOn: [Dev, Test]
    Properties:
%s
  PlanKey:
    Type: AWS::ApiGateway::UsagePlanKey
    Properties: {KeyId: !Ref Key, KeyType: API_KEY, UsagePlanId: !Ref Plan}
Outputs:
  PlanId: {Value: !Ref Plan}
  ApiId: {Value: !Ref Api}
"""
FIRST = """      UsagePlanName: gold
      Description: first
      ApiStages: [{ApiId: !Ref Api, Stage: dev}]
      Throttle: {RateLimit: 10, BurstLimit: 20}
      Quota: {Limit: 1000, Period: DAY}"""
SECOND = """      UsagePlanName: platinum
      ApiStages: [{ApiId: !Ref Api, Stage: test}]
      Throttle: {RateLimit: 50}
      Quota: {Limit: 5000, Period: WEEK, Offset: 1}"""
THIRD = """      UsagePlanName: platinum
      ApiStages: [{ApiId: !Ref Api, Stage: dev}]
      Tags: [{Key: tier, Value: top}]"""


def deploy(cfn, stack: str, props: str, update: bool = False) -> dict[str, str]:
    return deploy_stack(cfn, stack, TEMPLATE % props, update)


def test_usage_plan_changes_are_patched_in_place(cfn, aws_client):
    apigw = aws_client("apigateway")
    stack = f"p{uuid.uuid4().hex[:10]}"
    out = deploy(cfn, stack, FIRST)
    plan = apigw.get_usage_plan(usagePlanId=out["PlanId"])
    assert plan["name"] == "gold" and plan["description"] == "first"
    assert plan["throttle"] == {"burstLimit": 20, "rateLimit": 10.0}
    assert plan["quota"] == {"limit": 1000, "offset": 0, "period": "DAY"}
    assert plan["apiStages"] == [{"apiId": out["ApiId"], "stage": "dev"}]

    updated = deploy(cfn, stack, SECOND, update=True)
    assert updated["PlanId"] == out["PlanId"]  # the same plan, patched
    plan = apigw.get_usage_plan(usagePlanId=out["PlanId"])
    assert plan["name"] == "platinum"
    assert plan.get("description", "") == ""
    assert plan["throttle"] == {"rateLimit": 50.0}
    assert plan["quota"] == {"limit": 5000, "offset": 1, "period": "WEEK"}
    assert plan["apiStages"] == [{"apiId": out["ApiId"], "stage": "test"}]
    keys = apigw.get_usage_plan_keys(usagePlanId=out["PlanId"])["items"]
    assert len(keys) == 1  # the plan key stayed attached
    events = cfn.describe_stack_events(StackName=stack)["StackEvents"]
    plan_events = [e["ResourceStatus"] for e in events if e["LogicalResourceId"] == "Plan"]
    assert "UPDATE_COMPLETE" in plan_events

    # tags (not patchable in lenticular) mean a new plan. The plan key follows it; as on
    # AWS, the new plan must not share a stage with the old one while the key is in both.
    replaced = deploy(cfn, stack, THIRD, update=True)
    assert replaced["PlanId"] != out["PlanId"]
    plan = apigw.get_usage_plan(usagePlanId=replaced["PlanId"])
    assert "throttle" not in plan and "quota" not in plan
    assert plan["tags"] == {"tier": "top"}
    with pytest.raises(apigw.exceptions.NotFoundException):
        apigw.get_usage_plan(usagePlanId=out["PlanId"])
    assert len(apigw.get_usage_plan_keys(usagePlanId=replaced["PlanId"])["items"]) == 1
    cfn.delete_stack(StackName=stack)


STAGE = """
Resources:
  Logs:
    Type: AWS::Logs::LogGroup
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties: {Name: staged}
  RootGet:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !GetAtt Api.RootResourceId
      HttpMethod: GET
      AuthorizationType: NONE
      Integration: {Type: MOCK}
  Deployment:
    Type: AWS::ApiGateway::Deployment
    DependsOn: RootGet
    Properties: {RestApiId: !Ref Api}
  Stage:
    Type: AWS::ApiGateway::Stage
    Properties:
      RestApiId: !Ref Api
      DeploymentId: !Ref Deployment
      StageName: live
%s
Outputs:
  ApiId: {Value: !Ref Api}
"""
CACHED = """      CacheClusterEnabled: true
      CacheClusterSize: "0.5"
      MethodSettings: [{ResourcePath: /, HttpMethod: GET, CachingEnabled: true, CacheTtlInSeconds: 60}]
      AccessLogSetting: {DestinationArn: !GetAtt Logs.Arn, Format: "$context.requestId"}"""
RECACHED = """      CacheClusterEnabled: true
      CacheClusterSize: "1.6"
      MethodSettings: [{ResourcePath: /, HttpMethod: GET, CachingEnabled: true, CacheTtlInSeconds: 5}]"""


def test_stage_cache_and_access_log_settings(cfn, aws_client):
    apigw = aws_client("apigateway")
    stack = f"s{uuid.uuid4().hex[:10]}"
    cfn.create_stack(StackName=stack, TemplateBody=STAGE % CACHED)
    desc = cfn.describe_stacks(StackName=stack)["Stacks"][0]
    assert desc["StackStatus"] == "CREATE_COMPLETE", desc
    api_id = desc["Outputs"][0]["OutputValue"]
    stage = apigw.get_stage(restApiId=api_id, stageName="live")
    assert stage["cacheClusterEnabled"] is True and stage["cacheClusterSize"] == "0.5"
    assert stage["methodSettings"]["~1/GET"]["cacheTtlInSeconds"] == 60
    assert stage["accessLogSettings"]["format"] == "$context.requestId"
    assert ":log-group:" in stage["accessLogSettings"]["destinationArn"]

    cfn.update_stack(StackName=stack, TemplateBody=STAGE % RECACHED)
    assert cfn.describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"] == "UPDATE_COMPLETE"
    stage = apigw.get_stage(restApiId=api_id, stageName="live")
    assert stage["cacheClusterSize"] == "1.6"
    assert stage["methodSettings"]["~1/GET"]["cacheTtlInSeconds"] == 5
    assert "accessLogSettings" not in stage  # dropped from the template, removed
    cfn.delete_stack(StackName=stack)
