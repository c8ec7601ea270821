"""rest-json (Lambda, API Gateway, AppSync) against a real botocore client."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from botocore.exceptions import ClientError

from lenticular.errors import ServiceError
from lenticular.protocol.http import HttpRequest
from lenticular.protocol.model import service_model
from lenticular.protocol.rest_json import RestJsonCodec
from tests.protocol.rest_exchange import REQUEST_ID, Exchange

WHEN = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)


def raising(error: ServiceError):
    def answer(op: str, params: dict[str, Any]) -> dict[str, Any]:
        raise error

    return answer


# -- Lambda -----------------------------------------------------------------------------


def test_lambda_create_function() -> None:
    config = {
        "FunctionName": "fn",
        "FunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:fn",
        "Runtime": "python3.12",
        "MemorySize": 256,
        "LastModified": "2024-05-06T07:08:09.000+0000",
        "Environment": {"Variables": {"A": "1"}},
        "State": "Pending",
    }
    ex = Exchange("lambda", answer=lambda op, p: config)
    name, params, out = ex.call(
        "CreateFunction",
        FunctionName="fn",
        Runtime="python3.12",
        Role="arn:aws:iam::123456789012:role/r",
        Handler="app.handler",
        Code={"ZipFile": b"PK\x03\x04zip"},
        Environment={"Variables": {"A": "1"}},
        MemorySize=256,
        Timeout=30,
        Publish=True,
        Tags={"t": "v"},
        Layers=["arn:aws:lambda:us-east-1:1:layer:l:1"],
    )
    assert name == "CreateFunction"
    assert params["Code"] == {"ZipFile": b"PK\x03\x04zip"}  # base64 in the body, bytes here
    assert params["Environment"] == {"Variables": {"A": "1"}}
    assert (params["MemorySize"], params["Timeout"], params["Publish"]) == (256, 30, True)
    assert params["Layers"] == ["arn:aws:lambda:us-east-1:1:layer:l:1"]
    assert ex.responses[-1].status == 201
    out.pop("ResponseMetadata")
    assert out == config


def test_lambda_invoke_payload_headers_and_status() -> None:
    ex = Exchange(
        "lambda",
        answer=lambda op, p: {
            "StatusCode": 200,
            "FunctionError": "Unhandled",
            "LogResult": base64.b64encode(b"log tail").decode(),
            "ExecutedVersion": "$LATEST",
            "Payload": b'{"errorMessage": "boom"}',
        },
    )
    client_context = base64.b64encode(b'{"custom": {"a": 1}}').decode()
    name, params, out = ex.call(
        "Invoke",
        FunctionName="fn",
        InvocationType="RequestResponse",
        LogType="Tail",
        ClientContext=client_context,
        Payload=b'{"x": 1}',
        Qualifier="live",
    )
    assert name == "Invoke"
    assert params == {
        "FunctionName": "fn",
        "InvocationType": "RequestResponse",
        "LogType": "Tail",
        "ClientContext": client_context,
        "Payload": b'{"x": 1}',
        "Qualifier": "live",
    }
    assert out["StatusCode"] == 200
    assert out["FunctionError"] == "Unhandled"
    assert out["ExecutedVersion"] == "$LATEST"
    assert out["Payload"].read() == b'{"errorMessage": "boom"}'

    ex.answer = lambda op, p: {"StatusCode": 202}
    _, params, out = ex.call("Invoke", FunctionName="fn", InvocationType="Event")
    assert "Payload" not in params  # nothing sent, nothing parsed
    assert out["StatusCode"] == 202
    assert ex.responses[-1].status == 202


def test_lambda_list_functions_querystring() -> None:
    ex = Exchange(
        "lambda",
        answer=lambda op, p: {
            "Functions": [{"FunctionName": "a"}, {"FunctionName": "b"}],
            "NextMarker": "m2",
        },
    )
    name, params, out = ex.call("ListFunctions", MaxItems=2, Marker="m1", FunctionVersion="ALL")
    assert name == "ListFunctions"
    assert params == {"MaxItems": 2, "Marker": "m1", "FunctionVersion": "ALL"}
    assert [f["FunctionName"] for f in out["Functions"]] == ["a", "b"]
    assert out["NextMarker"] == "m2"


def test_lambda_modelled_error() -> None:
    error = ServiceError(
        "Function not found: arn:aws:lambda:us-east-1:123456789012:function:nope",
        code="ResourceNotFoundException",
        fields={"Type": "User"},
    )
    ex = Exchange("lambda", answer=raising(error))
    with pytest.raises(ClientError) as info:
        ex.call("GetFunction", FunctionName="nope")
    assert type(info.value).__name__ == "ResourceNotFoundException"
    response = info.value.response
    assert response["Error"]["Code"] == "ResourceNotFoundException"
    assert response["Error"]["Message"] == error.message
    assert response["Type"] == "User"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert response["ResponseMetadata"]["RequestId"] == REQUEST_ID
    headers = dict(ex.responses[-1].headers)
    assert headers["x-amzn-ErrorType"] == "ResourceNotFoundException"
    assert headers["x-amzn-RequestId"] == REQUEST_ID


def test_malformed_json_is_the_services_own_code() -> None:
    codec = RestJsonCodec()
    for service, path, code in [
        ("lambda", "/2015-03-31/functions", "InvalidRequestContentException"),
        ("appsync", "/v1/apis", "SerializationException"),
    ]:
        model = service_model(service)
        req = HttpRequest(
            "POST", path, path, "", {"content-type": "application/json"}, b'{"FunctionName": '
        )
        op, labels = codec.find_operation(model, req)
        with pytest.raises(ServiceError) as info:
            codec.parse(op, req, labels)
        assert info.value.code == code
        response = codec.serialize_error(model, op, info.value, "r")
        assert response.status == 400
        assert response.header("x-amzn-ErrorType") == code


def test_unknown_route_serializes_as_404() -> None:
    ex = Exchange("lambda")
    codec = ex.codec
    req = HttpRequest("GET", "/2015-03-31/nothing/here", "/2015-03-31/nothing/here", "", {})
    with pytest.raises(ServiceError) as info:
        codec.find_operation(ex.model, req)
    response = codec.serialize_error(ex.model, None, info.value, "r")
    assert response.status == 404
    assert response.header("x-amzn-ErrorType") == "UnknownOperationException"
    assert "message" in orjson.loads(response.body)


# -- API Gateway ------------------------------------------------------------------------


def test_apigateway_create_rest_api_epoch_timestamps() -> None:
    ex = Exchange(
        "apigateway",
        answer=lambda op, p: {
            "id": "a1b2c3",
            "name": "api",
            "createdDate": WHEN,
            "endpointConfiguration": {"types": ["REGIONAL"]},
            "tags": {"k": "v"},
        },
    )
    name, params, out = ex.call(
        "CreateRestApi", name="api", endpointConfiguration={"types": ["REGIONAL"]}, tags={"k": "v"}
    )
    assert name == "CreateRestApi"
    assert params == {
        "name": "api",
        "endpointConfiguration": {"types": ["REGIONAL"]},
        "tags": {"k": "v"},
    }
    assert out["createdDate"] == WHEN
    assert json.loads(ex.responses[-1].body)["createdDate"] == int(WHEN.timestamp())
    assert ex.responses[-1].status == 201


def test_apigateway_get_resources_embed_list_query() -> None:
    items = [
        {"id": "r0", "path": "/"},
        {
            "id": "r1",
            "parentId": "r0",
            "pathPart": "{proxy+}",
            "path": "/{proxy+}",
            "resourceMethods": {"ANY": {"httpMethod": "ANY", "authorizationType": "NONE"}},
        },
    ]
    ex = Exchange("apigateway", answer=lambda op, p: {"items": items, "position": "p2"})
    name, params, out = ex.call("GetResources", restApiId="a1", embed=["methods"], limit=50)
    assert name == "GetResources"
    assert params == {"restApiId": "a1", "embed": ["methods"], "limit": 50}
    assert out["items"] == items


def test_apigateway_put_integration() -> None:
    ex = Exchange(
        "apigateway", answer=lambda op, p: {"type": "AWS_PROXY", "timeoutInMillis": 29000}
    )
    name, params, out = ex.call(
        "PutIntegration",
        restApiId="a1",
        resourceId="r1",
        httpMethod="POST",
        type="AWS_PROXY",
        integrationHttpMethod="POST",
        uri="arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn/invocations",
        requestParameters={"integration.request.header.x": "method.request.header.y"},
        cacheKeyParameters=["method.request.path.proxy"],
        timeoutInMillis=29000,
    )
    assert name == "PutIntegration"
    assert params["restApiId"] == "a1"
    assert params["resourceId"] == "r1"
    assert params["httpMethod"] == "POST"
    assert params["requestParameters"] == {
        "integration.request.header.x": "method.request.header.y"
    }
    assert params["cacheKeyParameters"] == ["method.request.path.proxy"]
    assert out["timeoutInMillis"] == 29000


# -- AppSync ----------------------------------------------------------------------------


def test_appsync_create_graphql_api_and_list_types() -> None:
    api = {
        "apiId": "x1",
        "name": "g",
        "authenticationType": "API_KEY",
        "uris": {"GRAPHQL": "https://x/graphql"},
    }
    ex = Exchange("appsync", answer=lambda op, p: {"graphqlApi": api})
    name, params, out = ex.call(
        "CreateGraphqlApi",
        name="g",
        authenticationType="API_KEY",
        tags={"a": "b"},
        xrayEnabled=False,
    )
    assert name == "CreateGraphqlApi"
    assert params == {
        "name": "g",
        "authenticationType": "API_KEY",
        "tags": {"a": "b"},
        "xrayEnabled": False,
    }
    assert out["graphqlApi"] == api

    ex.answer = lambda op, p: {"types": [{"name": "Query", "format": "SDL"}]}
    name, params, out = ex.call("ListTypes", apiId="x1", format="SDL", maxResults=5)
    assert (name, params) == ("ListTypes", {"apiId": "x1", "format": "SDL", "maxResults": 5})
    assert out["types"] == [{"name": "Query", "format": "SDL"}]


def test_appsync_api_key_expiry_is_a_long() -> None:
    ex = Exchange("appsync", answer=lambda op, p: {"apiKey": {"id": "k", "expires": 1735689600}})
    _, params, out = ex.call("CreateApiKey", apiId="x1", expires=1735689600)
    assert params == {"apiId": "x1", "expires": 1735689600}
    assert out["apiKey"] == {"id": "k", "expires": 1735689600}


# -- header encodings -----------------------------------------------------------------


def test_jsonvalue_headers_are_base64_json() -> None:
    session = {"cart": ["a", "b"], "n": 1}
    ex = Exchange(
        "lex-runtime",
        answer=lambda op, p: {
            "sessionAttributes": session,
            "dialogState": "ElicitSlot",
            "audioStream": b"",
        },
    )
    name, params, out = ex.call(
        "PostContent",
        botName="b",
        botAlias="a",
        userId="u1",
        contentType="text/plain; charset=utf-8",
        inputStream=b"hello",
        sessionAttributes=session,
    )
    assert name == "PostContent"
    assert params["sessionAttributes"] == session
    assert params["inputStream"] == b"hello"
    assert out["sessionAttributes"] == session
    assert out["dialogState"] == "ElicitSlot"
