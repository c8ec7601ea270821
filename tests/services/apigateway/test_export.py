"""GetExport through boto3: OpenAPI 3 and Swagger 2 documents of a stage's deployment, in
JSON and YAML, with and without API Gateway extensions; its errors; and the round trip
ImportRestApi(export) serving the same answers."""

from __future__ import annotations

import json

import pytest
import yaml
from botocore.exceptions import ClientError

from lenticular.services.apigateway.export import export_options
from tests.services.apigateway.conftest import add_resource, call

AUTHORIZER_URI = (
    "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
    "arn:aws:lambda:us-east-1:000000000000:function:auth/invocations"
)


def _body(output) -> bytes:
    body = output["body"]
    return body.read() if hasattr(body, "read") else body


@pytest.fixture
def deployed(apigw, rest_api):
    """A small API deployed to stage dev: a MOCK GET /items with parameters and a mapped
    response, an AWS_IAM + API key GET /items/{id}, and a TOKEN-authorized POST /items."""
    api = rest_api(binaryMediaTypes=["image/png"], description="exported")
    api_id = api["id"]
    items = add_resource(apigw, api, "/items")
    item = add_resource(apigw, api, "/items/{id}")
    where = {"restApiId": api_id, "resourceId": items, "httpMethod": "GET"}
    apigw.put_method(**where, authorizationType="NONE", operationName="ListItems",
                     requestParameters={"method.request.querystring.q": True,
                                        "method.request.header.X-H": False})  # fmt: skip
    apigw.put_integration(
        **where, type="MOCK", requestTemplates={"application/json": '{"statusCode": 200}'}
    )
    apigw.put_method_response(**where, statusCode="200",
                              responseParameters={"method.response.header.X-A": False},
                              responseModels={"application/json": "Empty"})  # fmt: skip
    apigw.put_integration_response(
        **where, statusCode="200", selectionPattern="",
        responseTemplates={"application/json": '{"q": "$input.params(\'q\')"}'},
        responseParameters={"method.response.header.X-A": "'a'"},
    )  # fmt: skip
    where_item = {"restApiId": api_id, "resourceId": item, "httpMethod": "GET"}
    apigw.put_method(**where_item, authorizationType="AWS_IAM", apiKeyRequired=True)
    apigw.put_integration(
        **where_item, type="MOCK", requestTemplates={"application/json": '{"statusCode": 200}'}
    )
    authorizer = apigw.create_authorizer(
        restApiId=api_id, name="tok", type="TOKEN", authorizerUri=AUTHORIZER_URI,
        identitySource="method.request.header.Authorization", authorizerResultTtlInSeconds=60,
    )  # fmt: skip
    where_post = {**where, "httpMethod": "POST"}
    apigw.put_method(**where_post, authorizationType="CUSTOM", authorizerId=authorizer["id"])
    apigw.put_integration(
        **where_post, type="MOCK", requestTemplates={"application/json": '{"statusCode": 200}'}
    )
    apigw.create_deployment(restApiId=api_id, stageName="dev")
    return api


def test_oas30_json_with_extensions(apigw, deployed):
    out = apigw.get_export(restApiId=deployed["id"], stageName="dev", exportType="oas30",
                           parameters={"extensions": "apigateway"},
                           accepts="application/json")  # fmt: skip
    assert out["contentType"] == "application/json"
    assert out["contentDisposition"].startswith('attachment; filename="oas30_')
    doc = json.loads(_body(out))
    assert doc["openapi"] == "3.0.1"
    assert doc["info"]["title"] == deployed["name"]
    assert doc["info"]["description"] == "exported"
    assert doc["servers"][0]["variables"]["basePath"]["default"] == "dev"
    assert set(doc["paths"]) == {"/items", "/items/{id}"}
    listing = doc["paths"]["/items"]["get"]
    assert listing["operationId"] == "ListItems"
    assert {"name": "q", "in": "query", "required": True, "schema": {"type": "string"}} in (
        listing["parameters"]
    )
    assert {"name": "X-H", "in": "header", "schema": {"type": "string"}} in listing["parameters"]
    assert listing["responses"]["200"]["headers"] == {"X-A": {"schema": {"type": "string"}}}
    assert listing["responses"]["200"]["content"] == {
        "application/json": {"schema": {"$ref": "#/components/schemas/Empty"}}
    }
    assert doc["components"]["schemas"]["Empty"]["type"] == "object"
    integration = listing["x-amazon-apigateway-integration"]
    assert integration["type"] == "mock"
    assert integration["passthroughBehavior"] == "when_no_match"
    assert integration["responses"]["default"]["statusCode"] == "200"
    item = doc["paths"]["/items/{id}"]["get"]
    assert item["parameters"] == [
        {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
    ]
    assert item["security"] == [{"sigv4": []}, {"api_key": []}]
    schemes = doc["components"]["securitySchemes"]
    assert schemes["sigv4"]["x-amazon-apigateway-authtype"] == "awsSigv4"
    assert schemes["api_key"] == {"type": "apiKey", "name": "x-api-key", "in": "header"}
    assert schemes["tok"]["x-amazon-apigateway-authorizer"] == {
        "type": "token", "authorizerUri": AUTHORIZER_URI,
        "identitySource": "method.request.header.Authorization",
        "authorizerResultTtlInSeconds": 60,
    }  # fmt: skip
    assert doc["paths"]["/items"]["post"]["security"] == [{"tok": []}]
    assert doc["x-amazon-apigateway-binary-media-types"] == ["image/png"]
    assert doc["x-amazon-apigateway-api-key-source"] == "HEADER"


def test_swagger_yaml_without_extensions(apigw, deployed):
    out = apigw.get_export(restApiId=deployed["id"], stageName="dev", exportType="swagger",
                           accepts="application/yaml")  # fmt: skip
    assert out["contentType"] == "application/yaml"
    doc = yaml.safe_load(_body(out))
    assert doc["swagger"] == "2.0" and doc["basePath"] == "/dev"
    assert doc["host"] == f"{deployed['id']}.execute-api.us-east-1.amazonaws.com"
    listing = doc["paths"]["/items"]["get"]
    assert {"name": "q", "in": "query", "required": True, "type": "string"} in (
        listing["parameters"]
    )
    assert listing["responses"]["200"]["schema"] == {"$ref": "#/definitions/Empty"}
    assert "x-amazon-apigateway-integration" not in listing
    assert "x-amazon-apigateway-authorizer" not in doc["securityDefinitions"]["tok"]
    assert not any(key.startswith("x-amazon") for key in doc)


def test_export_errors(apigw, deployed):
    cases = [
        ({"exportType": "raml"}, "BadRequestException",
         "Invalid export type specified: raml. Valid options are oas30,swagger"),
        ({"exportType": "oas30", "accepts": "text/plain"}, "BadRequestException",
         "Unsupported media type: text/plain. Valid options are application/json,"
         "application/yaml"),
        ({"exportType": "oas30", "parameters": {"extensions": "postman"}},
         "BadRequestException", "Postman extensions are not supported by lenticular yet"),
        ({"exportType": "oas30", "parameters": {"extensions": "bogus"}},
         "BadRequestException", "Invalid extensions specified: bogus"),
        ({"exportType": "oas30", "stageName": "nope"}, "NotFoundException",
         "Invalid Stage identifier specified"),
    ]  # fmt: skip
    for params, code, message in cases:
        with pytest.raises(ClientError) as excinfo:
            apigw.get_export(**{"restApiId": deployed["id"], "stageName": "dev", **params})
        got = excinfo.value.response["Error"]
        assert (got["Code"], got["Message"]) == (code, message), params


@pytest.mark.parametrize("kind,accepts", [("oas30", "application/json"),
                                          ("swagger", "application/yaml")])  # fmt: skip
def test_round_trip_serves_the_same(lenticular_server, apigw, rest_api, deployed, kind, accepts):
    exported = _body(apigw.get_export(restApiId=deployed["id"], stageName="dev",
                                      exportType=kind, accepts=accepts,
                                      parameters={"extensions": "apigateway"}))  # fmt: skip
    imported = apigw.import_rest_api(body=exported)
    try:
        assert imported["binaryMediaTypes"] == ["image/png"]
        apigw.create_deployment(restApiId=imported["id"], stageName="dev")
        for api_id in (deployed["id"], imported["id"]):
            reply = call(lenticular_server, api_id, "/dev/items?q=abc")
            assert (reply.status, reply.json()) == (200, {"q": "abc"})
            assert reply.headers["x-a"] == "a"
            unsigned = call(lenticular_server, api_id, "/dev/items/1")
            assert unsigned.status == 403
            assert unsigned.json() == {"message": "Missing Authentication Token"}
        resources = apigw.get_resources(restApiId=imported["id"], embed=["methods"])["items"]
        by_path = {r["path"]: r for r in resources}
        item = by_path["/items/{id}"]["resourceMethods"]["GET"]
        assert item["authorizationType"] == "AWS_IAM" and item["apiKeyRequired"] is True
        post = by_path["/items"]["resourceMethods"]["POST"]
        assert post["authorizationType"] == "CUSTOM"
        authorizer = apigw.get_authorizer(
            restApiId=imported["id"], authorizerId=post["authorizerId"]
        )
        assert authorizer["authorizerUri"] == AUTHORIZER_URI
        assert authorizer["authorizerResultTtlInSeconds"] == 60
        listing = by_path["/items"]["resourceMethods"]["GET"]
        assert listing["requestParameters"] == {
            "method.request.querystring.q": True, "method.request.header.X-H": False,
        }  # fmt: skip
    finally:
        apigw.delete_rest_api(restApiId=imported["id"])


def test_export_options_engine():
    assert export_options({"exportType": "swagger", "accepts": "*/*"}) == (
        "swagger",
        "application/json",
        set(),
    )
    assert export_options({
        "exportType": "oas30", "accepts": "application/yaml; charset=utf-8",
        "parameters": {"extensions": "integrations, authorizers"},
    }) == ("oas30", "application/yaml", {"integrations", "authorizers"})  # fmt: skip
