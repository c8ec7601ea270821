"""CORS as the console's "Enable CORS" sets it up: an OPTIONS method with a MOCK integration
whose integration response maps the Access-Control-* headers, the header on the other
methods' responses, and the DEFAULT_4XX/DEFAULT_5XX gateway responses carrying
Access-Control-Allow-Origin, so a browser can read API Gateway's own errors too; and the
same from a SAM template's Cors, Models and GatewayResponses.
https://docs.aws.amazon.com/apigateway/latest/developerguide/how-to-cors.html"""

from __future__ import annotations

import json
import uuid

from tests.services.apigateway.conftest import add_resource, call

ALLOW_HEADERS = "'Content-Type,X-Amz-Date,Authorization,X-Api-Key,X-Amz-Security-Token'"
ORIGIN = "https://app.example.com"
PREFLIGHT = {
    "Origin": ORIGIN,
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "content-type,x-api-key",
}


def _enable_cors(apigw, api_id: str, resource_id: str, methods: str) -> None:
    """What the console's "Enable CORS" creates on a resource."""
    headers = {
        "method.response.header.Access-Control-Allow-Headers": ALLOW_HEADERS,
        "method.response.header.Access-Control-Allow-Methods": f"'{methods}'",
        "method.response.header.Access-Control-Allow-Origin": "'*'",
    }
    where = {"restApiId": api_id, "resourceId": resource_id, "httpMethod": "OPTIONS"}
    apigw.put_method(**where, authorizationType="NONE")
    apigw.put_method_response(
        **where, statusCode="200", responseParameters=dict.fromkeys(headers, False),
        responseModels={"application/json": "Empty"},
    )  # fmt: skip
    apigw.put_integration(**where, type="MOCK", passthroughBehavior="WHEN_NO_MATCH",
                          requestTemplates={"application/json": '{"statusCode": 200}'})  # fmt: skip
    apigw.put_integration_response(**where, statusCode="200", responseParameters=headers,
                                   responseTemplates={"application/json": ""})  # fmt: skip
    for response_type in ("DEFAULT_4XX", "DEFAULT_5XX"):
        apigw.put_gateway_response(
            restApiId=api_id, responseType=response_type,
            responseParameters={
                "gatewayresponse.header.Access-Control-Allow-Origin": "'*'",
                "gatewayresponse.header.Access-Control-Allow-Headers": ALLOW_HEADERS,
            },
        )  # fmt: skip


def _post_with_cors(apigw, api_id: str, resource_id: str, **method: object) -> None:
    """POST answering {"created": true} with Access-Control-Allow-Origin mapped."""
    where = {"restApiId": api_id, "resourceId": resource_id, "httpMethod": "POST"}
    apigw.put_method(**where, authorizationType="NONE", **method)
    apigw.put_method_response(
        **where, statusCode="201",
        responseParameters={"method.response.header.Access-Control-Allow-Origin": False},
    )  # fmt: skip
    apigw.put_integration(**where, type="MOCK",
                          requestTemplates={"application/json": '{"statusCode": 201}'})  # fmt: skip
    apigw.put_integration_response(
        **where, statusCode="201",
        responseParameters={"method.response.header.Access-Control-Allow-Origin": "'*'"},
        responseTemplates={"application/json": '{"created": true}'},
    )  # fmt: skip


def _cors_api(apigw, rest_api) -> str:
    api = rest_api()
    rid = add_resource(apigw, api, "/items")
    validator = apigw.create_request_validator(restApiId=api["id"], validateRequestBody=True)
    apigw.create_model(
        restApiId=api["id"], name="Item", contentType="application/json",
        schema=json.dumps({"type": "object", "required": ["name"]}),
    )  # fmt: skip
    _post_with_cors(apigw, api["id"], rid, requestValidatorId=validator["id"],
                    requestModels={"application/json": "Item"})  # fmt: skip
    _enable_cors(apigw, api["id"], rid, "POST,OPTIONS")
    apigw.create_deployment(restApiId=api["id"], stageName="dev")
    return api["id"]


def test_preflight(lenticular_server, apigw, rest_api):
    api_id = _cors_api(apigw, rest_api)
    for host_form in (False, True):
        reply = call(lenticular_server, api_id, "/dev/items", method="OPTIONS", headers=PREFLIGHT,
                     host_form=host_form)  # fmt: skip
        assert reply.status == 200
        assert reply.body == b""
        assert reply.headers["access-control-allow-origin"] == "*"
        assert reply.headers["access-control-allow-methods"] == "POST,OPTIONS"
        assert reply.headers["access-control-allow-headers"] == ALLOW_HEADERS.strip("'")


def test_actual_request_carries_the_origin_header(lenticular_server, apigw, rest_api):
    api_id = _cors_api(apigw, rest_api)
    reply = call(lenticular_server, api_id, "/dev/items", method="POST", body=b'{"name": "a"}',
                 headers={"Origin": ORIGIN, "Content-Type": "application/json"})  # fmt: skip
    assert (reply.status, reply.json()) == (201, {"created": True})
    assert reply.headers["access-control-allow-origin"] == "*"


def test_api_gateway_errors_carry_cors_headers(lenticular_server, apigw, rest_api):
    api_id = _cors_api(apigw, rest_api)
    invalid = call(lenticular_server, api_id, "/dev/items", method="POST", body=b"{}",
                   headers={"Origin": ORIGIN, "Content-Type": "application/json"})  # fmt: skip
    assert (invalid.status, invalid.json()) == (400, {"message": "Invalid request body"})
    assert invalid.headers["access-control-allow-origin"] == "*"
    # A preflight to a path without an OPTIONS method fails, readable by the browser.
    missing = call(lenticular_server, api_id, "/dev/elsewhere", method="OPTIONS",
                   headers=PREFLIGHT)  # fmt: skip
    assert (missing.status, missing.json()) == (403, {"message": "Missing Authentication Token"})
    assert missing.headers["access-control-allow-origin"] == "*"
    assert missing.headers["access-control-allow-headers"] == ALLOW_HEADERS.strip("'")


def test_options_beside_any(lenticular_server, apigw, rest_api):
    """OPTIONS answers the preflight on a resource whose other methods are ANY."""
    api = rest_api()
    rid = add_resource(apigw, api, "/any")
    where = {"restApiId": api["id"], "resourceId": rid, "httpMethod": "ANY"}
    apigw.put_method(**where, authorizationType="NONE")
    apigw.put_integration(**where, type="MOCK",
                          requestTemplates={"application/json": '{"statusCode": 200}'})  # fmt: skip
    apigw.put_integration_response(**where, statusCode="200",
                                   responseTemplates={"application/json": '{"any": true}'})  # fmt: skip
    _enable_cors(apigw, api["id"], rid, "GET,OPTIONS")
    apigw.create_deployment(restApiId=api["id"], stageName="dev")
    preflight = call(lenticular_server, api["id"], "/dev/any", method="OPTIONS", headers=PREFLIGHT)
    assert (preflight.status, preflight.body) == (200, b"")
    assert preflight.headers["access-control-allow-methods"] == "GET,OPTIONS"
    assert call(lenticular_server, api["id"], "/dev/any").json() == {"any": True}


SAM_TEMPLATE = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: dev
      Cors: {AllowOrigin: "'*'", AllowHeaders: "'Content-Type'", AllowMethods: "'POST,OPTIONS'"}
      GatewayResponses:
        DEFAULT_4XX:
          ResponseParameters:
            Headers: {Access-Control-Allow-Origin: "'*'"}
      Models:
        Pet:
          type: object
          required: [name]
          properties: {name: {type: string}}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      InlineCode: |
        def handler(event, context):
            return {"statusCode": 201, "headers": {"Access-Control-Allow-Origin": "*"},
                    "body": event["body"]}
      Events:
        Post:
          Type: Api
          Properties:
            RestApiId: !Ref Api
            Path: /pets
            Method: post
            RequestModel: {Model: Pet, Required: true, ValidateBody: true}
Outputs:
  ApiId: {Value: !Ref Api}
"""


def test_sam_cors_models_and_gateway_responses(lenticular_server, aws_client):
    """SAM's Cors, Models/RequestModel and GatewayResponses, through its OpenAPI body."""
    cfn = aws_client("cloudformation")
    stack = f"cors{uuid.uuid4().hex[:10]}"
    cfn.create_stack(StackName=stack, TemplateBody=SAM_TEMPLATE, Capabilities=["CAPABILITY_IAM"])
    try:
        desc = cfn.describe_stacks(StackName=stack)["Stacks"][0]
        assert desc["StackStatus"] == "CREATE_COMPLETE", desc.get("StackStatusReason")
        api_id = desc["Outputs"][0]["OutputValue"]
        preflight = call(lenticular_server, api_id, "/dev/pets", method="OPTIONS",
                         headers={**PREFLIGHT, "Access-Control-Request-Headers": "content-type"})  # fmt: skip
        assert preflight.status == 200
        assert preflight.headers["access-control-allow-methods"] == "POST,OPTIONS"
        assert preflight.headers["access-control-allow-headers"] == "Content-Type"
        invalid = call(lenticular_server, api_id, "/dev/pets", method="POST", body=b'{"x": 1}',
                       headers={"Origin": ORIGIN, "Content-Type": "application/json"})  # fmt: skip
        assert (invalid.status, invalid.json()) == (400, {"message": "Invalid request body"})
        assert invalid.headers["access-control-allow-origin"] == "*"
        created = call(lenticular_server, api_id, "/dev/pets", method="POST",
                       body=b'{"name": "rex"}',
                       headers={"Origin": ORIGIN, "Content-Type": "application/json"})  # fmt: skip
        assert (created.status, created.json()) == (201, {"name": "rex"})
        assert created.headers["access-control-allow-origin"] == "*"
    finally:
        cfn.delete_stack(StackName=stack)
