"""Real server: Lambda and API Gateway resource types deployed through CloudFormation."""

from __future__ import annotations

import http.client
import json
import tempfile
import time
import uuid
from pathlib import Path

import pytest

from tests.services.cloudformation.conftest import deploy_stack

LAYER_DIR = Path(tempfile.gettempdir()) / "lenticular-cfn-layer"

FN = """
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      Role: arn:aws:iam::000000000000:role/r
      Code:
        ZipFile: |
          import json
          def handler(event, context):
              if "Records" in event:
                  print("RECORDS", len(event["Records"]))
                  return {}
              return {"statusCode": 200, "body": json.dumps({"path": event.get("path"), "v": "%s"})}
"""

LAMBDA = (
    "Resources:"
    + FN
    + """
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]
      KeySchema: [{AttributeName: pk, KeyType: HASH}]
      StreamSpecification: {StreamViewType: NEW_IMAGE}
  Version:
    Type: AWS::Lambda::Version
    Properties: {FunctionName: !Ref Fn, Description: "%s"}
  Alias:
    Type: AWS::Lambda::Alias
    Properties: {FunctionName: !Ref Fn, Name: live, FunctionVersion: !GetAtt Version.Version}
  Perm:
    Type: AWS::Lambda::Permission
    Properties:
      FunctionName: !Ref Fn
      Action: lambda:InvokeFunction
      Principal: apigateway.amazonaws.com
  Mapping:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      FunctionName: !Ref Fn
      EventSourceArn: !GetAtt Table.StreamArn
      StartingPosition: LATEST
      BatchSize: %s
  Layer:
    Type: AWS::Lambda::LayerVersion
    Properties:
      Content: {S3Bucket: lenticular-local, S3Key: %s}
      CompatibleRuntimes: [python3.12]
Outputs:
  VersionArn: {Value: !Ref Version}
  VersionNumber: {Value: !GetAtt Version.Version}
  AliasArn: {Value: !Ref Alias}
  MappingId: {Value: !Ref Mapping}
  LayerArn: {Value: !Ref Layer}
  Table: {Value: !Ref Table}
  Fn: {Value: !Ref Fn}
"""
)

OPENAPI_API = (
    "Resources:"
    + FN
    + """
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties:
      Body:
        swagger: "2.0"
        info: {title: %s}
        paths:
          /hello/{name}:
            get:
              x-amazon-apigateway-integration:
                type: aws_proxy
                httpMethod: POST
                uri: !Sub "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Fn.Arn}/invocations"
          /mock:
            get:
              responses: {"200": {description: ok}}
              x-amazon-apigateway-integration:
                type: mock
                requestTemplates: {application/json: '{"statusCode": 200}'}
                responses:
                  default: {statusCode: "200", responseTemplates: {application/json: '{"mock": %s}'}}
  Deployment:
    Type: AWS::ApiGateway::Deployment
    Properties: {RestApiId: !Ref Api}
  Stage:
    Type: AWS::ApiGateway::Stage
    Properties: {RestApiId: !Ref Api, StageName: prod, DeploymentId: !Ref Deployment}
Outputs:
  ApiId: {Value: !Ref Api}
  Root: {Value: !GetAtt Api.RootResourceId}
"""
)

RESOURCE_API = (
    "Resources:"
    + FN
    + """
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties: {Name: %s}
  Items:
    Type: AWS::ApiGateway::Resource
    Properties: {RestApiId: !Ref Api, ParentId: !GetAtt Api.RootResourceId, PathPart: items}
  ItemsGet:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Items
      HttpMethod: GET
      AuthorizationType: NONE
      Integration:
        Type: AWS_PROXY
        IntegrationHttpMethod: POST
        Uri: !Sub "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Fn.Arn}/invocations"
  RootGet:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !GetAtt Api.RootResourceId
      HttpMethod: GET
      AuthorizationType: NONE
      MethodResponses: [{StatusCode: 200}]
      Integration:
        Type: MOCK
        RequestTemplates: {application/json: '{"statusCode": 200}'}
        IntegrationResponses:
          - StatusCode: 200
            ResponseTemplates: {application/json: '{"root": "%s"}'}
  Deployment:
    Type: AWS::ApiGateway::Deployment
    DependsOn: [ItemsGet, RootGet]
    Properties: {RestApiId: !Ref Api, StageName: dev}
  Key:
    Type: AWS::ApiGateway::ApiKey
    Properties: {Enabled: true}
  Plan:
    Type: AWS::ApiGateway::UsagePlan
    DependsOn: Deployment
    Properties:
      ApiStages: [{ApiId: !Ref Api, Stage: dev}]
      Throttle: {RateLimit: 100, BurstLimit: 200}
  PlanKey:
    Type: AWS::ApiGateway::UsagePlanKey
    Properties: {KeyId: !Ref Key, KeyType: API_KEY, UsagePlanId: !Ref Plan}
  Validator:
    Type: AWS::ApiGateway::RequestValidator
    Properties: {RestApiId: !Ref Api, ValidateRequestBody: true}
  Policy:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: "*", Resource: "*"}]}
Outputs:
  ApiId: {Value: !Ref Api}
  PolicyArn: {Value: !Ref Policy}
"""
)


def deploy(cfn, stack: str, body: str, update: bool = False) -> dict[str, str]:
    return deploy_stack(cfn, stack, body, update, ("CAPABILITY_IAM",))


def get(server, api_id: str, path: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    try:
        connection.request("GET", f"/_aws/execute-api/{api_id}{path}")
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_lambda_resources_create_update_and_delete(cfn, aws_client):
    LAYER_DIR.mkdir(exist_ok=True)
    (LAYER_DIR / "shared.py").write_text("X = 1\n")
    stack = f"l{uuid.uuid4().hex[:10]}"
    out = deploy(cfn, stack, LAMBDA % ("v1", "one", 10, LAYER_DIR))
    lam, ddb = aws_client("lambda"), aws_client("dynamodb")
    assert out["VersionNumber"] == "1"
    assert out["VersionArn"].endswith(f":function:{out['Fn']}:1")
    assert out["AliasArn"].endswith(f":function:{out['Fn']}:live")
    assert lam.get_alias(FunctionName=out["Fn"], Name="live")["FunctionVersion"] == "1"
    policy = json.loads(lam.get_policy(FunctionName=out["Fn"])["Policy"])
    assert policy["Statement"][0]["Principal"] == {"Service": "apigateway.amazonaws.com"}
    mapping = lam.get_event_source_mapping(UUID=out["MappingId"])
    assert mapping["BatchSize"] == 10
    assert lam.get_layer_version_by_arn(Arn=out["LayerArn"])["Version"] == 1

    ddb.put_item(TableName=out["Table"], Item={"pk": {"S": "a"}})
    logs = aws_client("logs")
    group = f"/aws/lambda/{out['Fn']}"
    deadline = time.time() + 30
    seen = False
    while time.time() < deadline and not seen:
        time.sleep(0.5)
        try:
            events = logs.filter_log_events(logGroupName=group)["events"]
        except logs.exceptions.ResourceNotFoundException:
            continue
        seen = any("RECORDS 1" in e["message"] for e in events)
    assert seen, "the stream poller delivered the record to the function"

    out2 = deploy(cfn, stack, LAMBDA % ("v2", "two", 5, LAYER_DIR), update=True)
    assert out2["VersionNumber"] == "2"  # a new description publishes a new version
    assert lam.get_alias(FunctionName=out["Fn"], Name="live")["FunctionVersion"] == "2"
    assert out2["MappingId"] == out["MappingId"]  # updated in place
    assert lam.get_event_source_mapping(UUID=out["MappingId"])["BatchSize"] == 5
    versions = [
        v["Version"] for v in lam.list_versions_by_function(FunctionName=out["Fn"])["Versions"]
    ]
    assert versions == ["$LATEST", "2"]  # the replaced version was deleted

    cfn.delete_stack(StackName=stack)
    deleted = cfn.list_stacks(StackStatusFilter=["DELETE_COMPLETE"])["StackSummaries"]
    assert stack in [s["StackName"] for s in deleted]
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_event_source_mapping(UUID=out["MappingId"])
    assert (
        lam.list_layer_versions(LayerName=out["LayerArn"].rsplit(":", 1)[0])["LayerVersions"] == []
    )


def test_rest_api_from_an_openapi_body(cfn, aws_client, lenticular_server):
    stack = f"o{uuid.uuid4().hex[:10]}"
    out = deploy(cfn, stack, OPENAPI_API % ("v1", stack, 1))
    status, body = get(lenticular_server, out["ApiId"], "/prod/hello/ann")
    assert status == 200, body
    assert json.loads(body) == {"path": "/hello/ann", "v": "v1"}
    assert json.loads(get(lenticular_server, out["ApiId"], "/prod/mock")[1]) == {"mock": 1}
    apigw = aws_client("apigateway")
    assert apigw.get_rest_api(restApiId=out["ApiId"])["name"] == stack
    assert apigw.get_rest_api(restApiId=out["ApiId"])["rootResourceId"] == out["Root"]

    # a changed Body overwrites the API; a new Deployment logical id redeploys it
    changed = (
        (OPENAPI_API % ("v1", stack, 2))
        .replace("  Deployment:", "  Deployment2:")
        .replace("!Ref Deployment}", "!Ref Deployment2}")
    )
    deploy(cfn, stack, changed, update=True)
    assert json.loads(get(lenticular_server, out["ApiId"], "/prod/mock")[1]) == {"mock": 2}
    paths = sorted(r["path"] for r in apigw.get_resources(restApiId=out["ApiId"])["items"])
    assert paths == ["/", "/hello", "/hello/{name}", "/mock"]

    cfn.delete_stack(StackName=stack)
    with pytest.raises(apigw.exceptions.NotFoundException):
        apigw.get_rest_api(restApiId=out["ApiId"])


def test_rest_api_from_resources_and_methods(cfn, aws_client, lenticular_server):
    stack = f"r{uuid.uuid4().hex[:10]}"
    out = deploy(cfn, stack, RESOURCE_API % ("v1", stack, "one"))
    assert out["PolicyArn"].startswith("arn:aws:iam::")
    status, body = get(lenticular_server, out["ApiId"], "/dev/items")
    assert status == 200, body
    assert json.loads(body)["path"] == "/items"
    assert json.loads(get(lenticular_server, out["ApiId"], "/dev")[1]) == {"root": "one"}
    apigw = aws_client("apigateway")
    plans = apigw.get_usage_plans()["items"]
    assert any(p["apiStages"] == [{"apiId": out["ApiId"], "stage": "dev"}] for p in plans)

    # the MOCK method is put again with the new template; a new deployment serves it
    changed = (
        (RESOURCE_API % ("v1", stack, "two"))
        .replace("Deployment:", "Deployment2:")
        .replace("DependsOn: Deployment\n", "DependsOn: Deployment2\n")
    )
    deploy(cfn, stack, changed, update=True)
    assert json.loads(get(lenticular_server, out["ApiId"], "/dev")[1]) == {"root": "two"}

    cfn.delete_stack(StackName=stack)
    deleted = cfn.list_stacks(StackStatusFilter=["DELETE_COMPLETE"])["StackSummaries"]
    assert stack in [s["StackName"] for s in deleted]
    with pytest.raises(apigw.exceptions.NotFoundException):
        apigw.get_rest_api(restApiId=out["ApiId"])
