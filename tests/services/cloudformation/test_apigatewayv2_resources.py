"""Real server: HTTP APIs (AWS::ApiGatewayV2::*) deployed through CloudFormation, written
by hand and expanded by SAM from AWS::Serverless::HttpApi and HttpApi function events,
then called over HTTP."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
import uuid

import pytest

from tests.services.cloudformation.conftest import deploy_stack

pytest.importorskip("lenticular.services.apigatewayv2.provider")

HANDLER = """import json
def handler(event, context):
    if event.get("type") == "REQUEST":  # a payload 2.0 Lambda authorizer, simple responses
        token = (event.get("headers") or {}).get("authorization")
        return {"isAuthorized": token == "Bearer ok", "context": {"who": "ann"}}
    return {"statusCode": 200, "body": json.dumps({
        "routeKey": event.get("routeKey"), "path": event.get("rawPath"),
        "params": event.get("pathParameters"), "stageVariables": event.get("stageVariables"),
        "who": ((event.get("requestContext") or {}).get("authorizer") or {}).get("lambda", {}).get("who"),
    })}
"""

SAM = """
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Globals:
  Function: {Runtime: python3.12, Handler: app.handler, CodeUri: %(code)s}
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Hello:
          Type: HttpApi
          Properties: {Path: "/hello/{name}", Method: get}
  ShopLogs:
    Type: AWS::Logs::LogGroup
  Shop:
    Type: AWS::Serverless::HttpApi
    Properties:
      StageName: v1
      CorsConfiguration: {AllowOrigins: ["https://example.com"], AllowMethods: [GET, POST]}
      DefaultRouteSettings: {ThrottlingBurstLimit: 100, ThrottlingRateLimit: 50}
      AccessLogSettings:
        DestinationArn: !GetAtt ShopLogs.Arn
        Format: '{"id": "$context.requestId", "route": "$context.routeKey", "status": "$context.status"}'
      Auth:
        Authorizers:
          Gate:
            FunctionArn: !GetAtt Fn.Arn
            AuthorizerPayloadFormatVersion: "2.0"
            EnableSimpleResponses: true
            Identity: {Headers: [Authorization]}
          Jwt:
            IdentitySource: $request.header.Authorization
            JwtConfiguration: {issuer: "https://issuer.example.com", audience: [shop]}
  Items:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Post:
          Type: HttpApi
          Properties: {ApiId: !Ref Shop, Path: %(path)s, Method: post, Auth: {Authorizer: Gate}}
        Read:
          Type: HttpApi
          Properties:
            ApiId: !Ref Shop
            Path: /stock
            Method: get
            Auth: {Authorizer: Jwt, AuthorizationScopes: [stock.read]}
Outputs:
  ShopLogs: {Value: !Ref ShopLogs}
  DefaultApi: {Value: !Ref ServerlessHttpApi}
  ShopApi: {Value: !Ref Shop}
  Endpoint: {Value: !GetAtt Shop.ApiEndpoint}
"""

PLAIN = """
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      Role: arn:aws:iam::000000000000:role/r
      Code: {ZipFile: %(handler)s}
  Api:
    Type: AWS::ApiGatewayV2::Api
    Properties: {Name: %(name)s, ProtocolType: HTTP, Tags: {team: %(team)s}}
  Integration:
    Type: AWS::ApiGatewayV2::Integration
    Properties:
      ApiId: !Ref Api
      IntegrationType: AWS_PROXY
      IntegrationUri: !GetAtt Fn.Arn
      PayloadFormatVersion: "2.0"
      TimeoutInMillis: "%(timeout)s"
  Gate:
    Type: AWS::ApiGatewayV2::Authorizer
    Properties:
      ApiId: !Ref Api
      Name: gate
      AuthorizerType: REQUEST
      AuthorizerUri: !Sub "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Fn.Arn}/invocations"
      AuthorizerPayloadFormatVersion: "2.0"
      EnableSimpleResponses: "true"
      IdentitySource: [$request.header.Authorization]
  Route:
    Type: AWS::ApiGatewayV2::Route
    Properties:
      ApiId: !Ref Api
      RouteKey: "%(route)s"
      Target: !Sub integrations/${Integration}
  Secret:
    Type: AWS::ApiGatewayV2::Route
    Properties:
      ApiId: !Ref Api
      RouteKey: GET /secret
      AuthorizationType: CUSTOM
      AuthorizerId: !Ref Gate
      Target: !Sub integrations/${Integration}
  Deployment:
    Type: AWS::ApiGatewayV2::Deployment
    DependsOn: [Route, Secret]
    Properties: {ApiId: !Ref Api, Description: "%(route)s"}
  Stage:
    Type: AWS::ApiGatewayV2::Stage
    Properties:
      ApiId: !Ref Api
      StageName: live
      DeploymentId: !Ref Deployment
      StageVariables: {color: %(color)s}
      DefaultRouteSettings: {ThrottlingBurstLimit: "5", ThrottlingRateLimit: "10"}
Outputs:
  ApiId: {Value: !Ref Api}
  RouteId: {Value: !GetAtt Route.RouteId}
  IntegrationId: {Value: !Ref Integration}
  AuthorizerId: {Value: !GetAtt Gate.AuthorizerId}
  DeploymentId: {Value: !GetAtt Deployment.DeploymentId}
  Stage: {Value: !Ref Stage}
"""


def deploy(cfn, stack: str, body: str, update: bool = False) -> dict[str, str]:
    return deploy_stack(cfn, stack, body, update, ("CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"))


def http(server, path: str, method: str = "GET", headers: dict | None = None):
    request = urllib.request.Request(f"{server.endpoint}/_aws/execute-api/{path}",
                                     method=method, headers=headers or {})  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=30) as resp:
            return resp.status, json.loads(resp.read() or b"null"), dict(resp.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null"), dict(exc.headers)


def sam_body(tmp_path, path: str = "/items") -> str:
    (tmp_path / "app.py").write_text(HANDLER)
    return SAM % {"code": json.dumps(str(tmp_path)), "path": path}


def test_sam_http_api_and_http_api_events(cfn, aws_client, lenticular_server, tmp_path):
    stack = f"h{uuid.uuid4().hex[:10]}"
    out = deploy(cfn, stack, sam_body(tmp_path))
    v2 = aws_client("apigatewayv2")

    # the implicit API (ServerlessHttpApi) with its $default stage
    status, body, _ = http(lenticular_server, f"{out['DefaultApi']}/hello/ann")
    assert status == 200
    assert body["routeKey"] == "GET /hello/{name}" and body["params"] == {"name": "ann"}

    # the explicit API: stage v1, a Lambda authorizer from Auth, CORS from the template
    shop = v2.get_api(ApiId=out["ShopApi"])
    assert shop["Name"] == stack and shop["ProtocolType"] == "HTTP"
    assert shop["CorsConfiguration"]["AllowOrigins"] == ["https://example.com"]
    assert shop["Tags"] == {"httpapi:createdBy": "SAM"}
    assert out["Endpoint"] == shop["ApiEndpoint"]
    routes = {r["RouteKey"]: r for r in v2.get_routes(ApiId=out["ShopApi"])["Items"]}
    assert sorted(routes) == ["GET /stock", "POST /items"]
    assert routes["POST /items"]["AuthorizationType"] == "CUSTOM"
    assert routes["GET /stock"]["AuthorizationType"] == "JWT"
    assert routes["GET /stock"]["AuthorizationScopes"] == ["stock.read"]
    authorizers = {a["Name"]: a for a in v2.get_authorizers(ApiId=out["ShopApi"])["Items"]}
    assert authorizers["Gate"]["AuthorizerType"] == "REQUEST"
    assert authorizers["Gate"]["EnableSimpleResponses"] is True
    assert authorizers["Jwt"]["AuthorizerType"] == "JWT"
    assert authorizers["Jwt"]["JwtConfiguration"] == {
        "Issuer": "https://issuer.example.com",
        "Audience": ["shop"],
    }
    assert routes["GET /stock"]["AuthorizerId"] == authorizers["Jwt"]["AuthorizerId"]
    stage = v2.get_stage(ApiId=out["ShopApi"], StageName="v1")
    assert stage["AutoDeploy"] is True
    assert stage["DefaultRouteSettings"]["ThrottlingBurstLimit"] == 100
    assert stage["AccessLogSettings"]["DestinationArn"].split(":")[6] == out["ShopLogs"]
    assert http(lenticular_server, f"{out['ShopApi']}/v1/stock")[0] == 401  # no token
    assert http(lenticular_server, f"{out['ShopApi']}/v1/items", "POST")[0] == 401
    denied = http(lenticular_server, f"{out['ShopApi']}/v1/items", "POST",
                  {"Authorization": "Bearer no"})  # fmt: skip
    assert denied[0] == 403
    status, body, headers = http(lenticular_server, f"{out['ShopApi']}/v1/items", "POST",
                                 {"Authorization": "Bearer ok", "Origin": "https://example.com"})  # fmt: skip
    assert status == 200 and body["routeKey"] == "POST /items" and body["who"] == "ann"
    assert headers.get("access-control-allow-origin") == "https://example.com"
    logs = aws_client("logs")
    deadline = time.monotonic() + 10
    lines: list[dict] = []
    while time.monotonic() < deadline and not any(x["status"] == "200" for x in lines):
        time.sleep(0.1)
        lines = [json.loads(e["message"]) for e in
                 logs.filter_log_events(logGroupName=out["ShopLogs"])["events"]]  # fmt: skip
    assert {(x["route"], x["status"]) for x in lines} >= {("POST /items", "200")}

    # a changed event path: the Body is imported again into the same API
    updated = deploy(cfn, stack, sam_body(tmp_path, "/orders"), update=True)
    assert updated["ShopApi"] == out["ShopApi"]
    routes = v2.get_routes(ApiId=out["ShopApi"])["Items"]
    assert sorted(r["RouteKey"] for r in routes) == ["GET /stock", "POST /orders"]
    assert len(v2.get_authorizers(ApiId=out["ShopApi"])["Items"]) == 2
    status, body, _ = http(lenticular_server, f"{out['ShopApi']}/v1/orders", "POST",
                           {"Authorization": "Bearer ok"})  # fmt: skip
    assert status == 200 and body["routeKey"] == "POST /orders"
    assert http(lenticular_server, f"{out['ShopApi']}/v1/items", "POST")[0] == 404

    cfn.delete_stack(StackName=stack)
    for api_id in (out["DefaultApi"], out["ShopApi"]):
        with pytest.raises(v2.exceptions.NotFoundException):
            v2.get_api(ApiId=api_id)


def plain(name: str = "plain", route: str = "GET /items/{id}", color: str = "red",
          team: str = "a", timeout: int = 5000) -> str:  # fmt: skip
    return PLAIN % {"handler": json.dumps(HANDLER), "name": name, "route": route,
                    "color": color, "team": team, "timeout": timeout}  # fmt: skip


def test_hand_written_http_api_resources(cfn, aws_client, lenticular_server):
    stack = f"p{uuid.uuid4().hex[:10]}"
    out = deploy(cfn, stack, plain())
    v2 = aws_client("apigatewayv2")
    api_id = out["ApiId"]
    assert v2.get_api(ApiId=api_id)["Tags"] == {"team": "a"}
    integration = v2.get_integration(ApiId=api_id, IntegrationId=out["IntegrationId"])
    assert integration["IntegrationType"] == "AWS_PROXY" and integration["TimeoutInMillis"] == 5000
    route = v2.get_route(ApiId=api_id, RouteId=out["RouteId"])
    assert route["Target"] == f"integrations/{out['IntegrationId']}"
    stage = v2.get_stage(ApiId=api_id, StageName="live")
    assert stage["DeploymentId"] == out["DeploymentId"] and out["Stage"] == "live"
    assert stage["DefaultRouteSettings"]["ThrottlingBurstLimit"] == 5
    assert stage["DefaultRouteSettings"]["ThrottlingRateLimit"] == 10.0

    status, body, _ = http(lenticular_server, f"{api_id}/live/items/7")
    assert status == 200 and body["params"] == {"id": "7"}
    assert body["stageVariables"] == {"color": "red"}
    assert http(lenticular_server, f"{api_id}/live/secret")[0] == 401
    status, body, _ = http(lenticular_server, f"{api_id}/live/secret", headers={"Authorization": "Bearer ok"})  # fmt: skip
    assert status == 200 and body["who"] == "ann"

    # updates in place: route key, a new deployment (its description changed), variables,
    # integration timeout, API name and tags
    new = deploy(cfn, stack, plain("renamed", "GET /things/{id}", "blue", "b", 9000), update=True)
    assert new["ApiId"] == api_id and new["RouteId"] == out["RouteId"]
    assert new["IntegrationId"] == out["IntegrationId"]
    assert v2.get_api(ApiId=api_id)["Name"] == "renamed"
    assert v2.get_api(ApiId=api_id)["Tags"] == {"team": "b"}
    assert v2.get_route(ApiId=api_id, RouteId=out["RouteId"])["RouteKey"] == "GET /things/{id}"
    assert (
        v2.get_integration(ApiId=api_id, IntegrationId=out["IntegrationId"])["TimeoutInMillis"]
        == 9000
    )
    deployment = v2.get_deployment(ApiId=api_id, DeploymentId=new["DeploymentId"])
    assert deployment["Description"] == "GET /things/{id}"
    # the deployment is updated in place, so the stage keeps serving its snapshot
    status, body, _ = http(lenticular_server, f"{api_id}/live/items/7")
    assert status == 200 and body["stageVariables"] == {"color": "blue"}

    cfn.delete_stack(StackName=stack)
    with pytest.raises(v2.exceptions.NotFoundException):
        v2.get_api(ApiId=api_id)


def test_a_bad_body_fails_the_resource_and_rolls_back(cfn, aws_client):
    stack = f"b{uuid.uuid4().hex[:10]}"
    body = """
Resources:
  Api:
    Type: AWS::ApiGatewayV2::Api
    Properties:
      Body:
        openapi: 3.0.1
        info: {title: bad}
        paths:
          /x:
            get:
              security: [{Nope: []}]
              x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: "https://example.com", payloadFormatVersion: "1.0"}
"""
    cfn.create_stack(StackName=stack, TemplateBody=body)
    desc = cfn.describe_stacks(StackName=stack)["Stacks"][0]
    assert desc["StackStatus"] == "ROLLBACK_COMPLETE"
    events = cfn.describe_stack_events(StackName=stack)["StackEvents"]
    [failed] = [e for e in events if e["ResourceStatus"] == "CREATE_FAILED"]
    assert failed["LogicalResourceId"] == "Api"
    assert "undefined security scheme Nope" in failed["ResourceStatusReason"]
    apis = aws_client("apigatewayv2").get_apis()["Items"]
    assert "bad" not in [a["Name"] for a in apis]  # the half-imported API was removed
