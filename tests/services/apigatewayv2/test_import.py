"""ImportApi and ReimportApi from OpenAPI documents shaped like the ones SAM generates for
AWS::Serverless::HttpApi, then served over HTTP."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from tests.services.apigatewayv2.conftest import call, unique

ECHO = """
import json

def handler(event, context):
    return {"statusCode": 200, "body": json.dumps({"route": event.get("routeKey") or event["resource"],
            "version": event["version"]})}
"""


def sam_like(function_arn: str, title: str) -> str:
    uri = (
        f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{function_arn}/invocations"
    )
    integration = {"httpMethod": "POST", "type": "aws_proxy", "uri": uri,
                   "payloadFormatVersion": 2.0}  # fmt: skip
    return f"""
openapi: 3.0.1
info:
  title: {title}
  version: "1.0"
paths:
  /items/{{id}}:
    get:
      x-amazon-apigateway-integration: {json.dumps(integration)}
      responses: {{}}
  /secure:
    get:
      security:
        - MyJwt: [read]
      x-amazon-apigateway-integration: {json.dumps(integration)}
      responses: {{}}
  $default:
    x-amazon-apigateway-any-method:
      isDefaultRoute: true
      x-amazon-apigateway-integration: {json.dumps({**integration, "payloadFormatVersion": "1.0"})}
      responses: {{}}
components:
  securitySchemes:
    MyJwt:
      type: oauth2
      x-amazon-apigateway-authorizer:
        type: jwt
        identitySource: $request.header.Authorization
        jwtConfiguration:
          issuer: https://issuer.example
          audience: [client]
tags:
  - name: httpapi:createdBy
    x-amazon-apigateway-tag-value: SAM
x-amazon-apigateway-cors:
  allowOrigins: ["https://app.example"]
  allowMethods: [GET]
"""


def test_import_and_serve(lenticular_server, v2, function):
    title = unique("imported")
    api = v2.import_api(Body=sam_like(function(ECHO), title))
    api_id = api["ApiId"]
    try:
        assert api["Name"] == title and api["Version"] == "1.0"
        assert api["Tags"] == {"httpapi:createdBy": "SAM"}
        assert api["CorsConfiguration"]["AllowOrigins"] == ["https://app.example"]
        routes = {r["RouteKey"]: r for r in v2.get_routes(ApiId=api_id)["Items"]}
        assert set(routes) == {"GET /items/{id}", "GET /secure", "$default"}
        assert routes["GET /secure"]["AuthorizationType"] == "JWT"
        assert routes["GET /secure"]["AuthorizationScopes"] == ["read"]
        integrations = v2.get_integrations(ApiId=api_id)["Items"]
        assert sorted(i["PayloadFormatVersion"] for i in integrations) == ["1.0", "2.0"]
        assert v2.get_authorizers(ApiId=api_id)["Items"][0]["JwtConfiguration"]["Audience"] == [
            "client"
        ]
        v2.create_stage(ApiId=api_id, StageName="$default", AutoDeploy=True)
        item = call(lenticular_server, api_id, "/items/3")
        assert item.json() == {"route": "GET /items/{id}", "version": "2.0"}
        fallback = call(lenticular_server, api_id, "/whatever", method="DELETE")
        assert fallback.json() == {"route": "$default", "version": "1.0"}
        assert call(lenticular_server, api_id, "/secure").status == 401

        v2.reimport_api(ApiId=api_id, Body=sam_like(function(ECHO), title + "-2").replace(
            "/items/{id}", "/things/{id}"))  # fmt: skip
        assert v2.get_api(ApiId=api_id)["Name"] == title + "-2"
        keys = {r["RouteKey"] for r in v2.get_routes(ApiId=api_id)["Items"]}
        assert keys == {"GET /things/{id}", "GET /secure", "$default"}
        assert len(v2.get_authorizers(ApiId=api_id)["Items"]) == 1
        moved = call(lenticular_server, api_id, "/things/3")
        assert moved.json()["route"] == "GET /things/{id}"
    finally:
        v2.delete_api(ApiId=api_id)


def test_import_errors(v2):
    with pytest.raises(ClientError) as excinfo:
        v2.import_api(Body="not: [an openapi")
    assert excinfo.value.response["Error"]["Code"] == "BadRequestException"
    with pytest.raises(ClientError) as excinfo:
        v2.import_api(Body='{"info": {"title": "x"}}')
    assert excinfo.value.response["Error"]["Code"] == "BadRequestException"
    no_integration = json.dumps({"openapi": "3.0.1", "info": {"title": unique()},
                                 "paths": {"/a": {"get": {"responses": {}}}}})  # fmt: skip
    with pytest.raises(ClientError) as excinfo:
        v2.import_api(Body=no_integration, FailOnWarnings=True)
    assert excinfo.value.response["Error"]["Code"] == "BadRequestException"
    names = {a["Name"] for a in v2.get_apis(MaxResults="500")["Items"]}
    assert json.loads(no_integration)["info"]["title"] not in names
    warned = v2.import_api(Body=no_integration)
    try:
        assert warned["Warnings"] == ["Route GET /a has no x-amazon-apigateway-integration"]
    finally:
        v2.delete_api(ApiId=warned["ApiId"])
