"""Real server: AWS::ApiGateway::Model, RequestValidator and GatewayResponse deployed
through CloudFormation are API Gateway's own (stored, deployed with the API, enforced)."""

from __future__ import annotations

import http.client
import json
import uuid

import pytest

from tests.services.cloudformation.conftest import deploy_stack

TEMPLATE = """
Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties: {Name: %(name)s}
  Pet:
    Type: AWS::ApiGateway::Model
    Properties:
      RestApiId: !Ref Api
      ContentType: application/json
      Description: %(description)s
      Schema:
        type: object
        required: [%(required)s]
        properties: {name: {type: string}}
  Unnamed:
    Type: AWS::ApiGateway::Model
    Properties: {RestApiId: !Ref Api, Schema: '{"type": "array"}'}
  Validator:
    Type: AWS::ApiGateway::RequestValidator
    Properties: {RestApiId: !Ref Api, Name: body, ValidateRequestBody: true}
  BadBody:
    Type: AWS::ApiGateway::GatewayResponse
    Properties:
      RestApiId: !Ref Api
      ResponseType: BAD_REQUEST_BODY
      StatusCode: "%(status)s"
      ResponseParameters: {gatewayresponse.header.Access-Control-Allow-Origin: "'*'"}
      ResponseTemplates: {application/json: '{"problem": "$context.error.validationErrorString"}'}
  Pets:
    Type: AWS::ApiGateway::Resource
    Properties: {RestApiId: !Ref Api, ParentId: !GetAtt Api.RootResourceId, PathPart: pets}
  PetsPost:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Pets
      HttpMethod: POST
      AuthorizationType: NONE
      RequestValidatorId: !Ref Validator
      RequestModels: {application/json: !Ref Pet}
      MethodResponses: [{StatusCode: 200}]
      Integration:
        Type: MOCK
        RequestTemplates: {application/json: '{"statusCode": 200}'}
        IntegrationResponses: [{StatusCode: 200, ResponseTemplates: {application/json: '{}'}}]
  Deployment:
    Type: AWS::ApiGateway::Deployment
    DependsOn: [PetsPost, BadBody]
    Properties: {RestApiId: !Ref Api, StageName: dev}
Outputs:
  ApiId: {Value: !Ref Api}
  Model: {Value: !Ref Pet}
  Unnamed: {Value: !Ref Unnamed}
  ValidatorId: {Value: !GetAtt Validator.RequestValidatorId}
"""


def _post(server, api_id: str, body: bytes) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    try:
        connection.request("POST", f"/_aws/execute-api/{api_id}/dev/pets", body=body)
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def test_models_validators_and_gateway_responses(cfn, aws_client, lenticular_server):
    apigw = aws_client("apigateway")
    stack = f"m{uuid.uuid4().hex[:10]}"
    values = {"name": stack, "description": "one", "required": "name", "status": 422}
    out = deploy_stack(cfn, stack, TEMPLATE % values)
    api_id = out["ApiId"]
    model = apigw.get_model(restApiId=api_id, modelName=out["Model"])
    assert model["description"] == "one"
    assert json.loads(model["schema"])["required"] == ["name"]
    assert out["Unnamed"].isalnum()
    assert apigw.get_model(restApiId=api_id, modelName=out["Unnamed"])["contentType"] == (
        "application/json"
    )
    validator = apigw.get_request_validator(restApiId=api_id, requestValidatorId=out["ValidatorId"])
    assert (validator["name"], validator["validateRequestBody"]) == ("body", True)
    custom = apigw.get_gateway_response(restApiId=api_id, responseType="BAD_REQUEST_BODY")
    assert (custom["statusCode"], custom["defaultResponse"]) == ("422", False)

    status, headers, body = _post(lenticular_server, api_id, b"{}")
    assert status == 422
    assert headers["access-control-allow-origin"] == "*"
    # Plain substitution (no escaping), as on AWS.
    assert body == b'{"problem": "[object has missing required properties (["name"])]"}'
    assert _post(lenticular_server, api_id, b'{"name": "rex"}')[0] == 200

    values.update(description="two", status=400)
    deploy_stack(cfn, stack, TEMPLATE % values, update=True)
    assert apigw.get_model(restApiId=api_id, modelName=out["Model"])["description"] == "two"
    custom = apigw.get_gateway_response(restApiId=api_id, responseType="BAD_REQUEST_BODY")
    assert custom["statusCode"] == "400"

    cfn.delete_stack(StackName=stack)
    with pytest.raises(apigw.exceptions.NotFoundException):
        apigw.get_rest_api(restApiId=api_id)
