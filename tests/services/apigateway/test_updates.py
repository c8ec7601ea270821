"""UpdateResource, UpdateMethod, UpdateMethodResponse, UpdateIntegration and
UpdateIntegrationResponse through boto3: AWS's patch paths, all-or-nothing updates, the
errors for bad paths and values, and a redeployed API serving the updated tree."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from lenticular.services.apigateway.errors import BadRequestException
from lenticular.services.apigateway.updates import INTEGRATION, METHOD, apply_patch
from tests.services.apigateway.conftest import add_mock, add_resource, call


def error(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    response = excinfo.value.response
    assert response["ResponseMetadata"]["HTTPStatusCode"] in (400, 404, 409)
    return response["Error"]["Code"], response["Error"]["Message"]


def _method(apigw, api, resource_id, verb="GET"):
    return {"restApiId": api["id"], "resourceId": resource_id, "httpMethod": verb}


def test_update_resource_path_part_and_parent_repaths_children(apigw, rest_api):
    api = rest_api()
    items = add_resource(apigw, api, "/items")
    child = add_resource(apigw, api, "/items/{id}")
    other = add_resource(apigw, api, "/other")
    renamed = apigw.update_resource(
        restApiId=api["id"], resourceId=items,
        patchOperations=[{"op": "replace", "path": "/pathPart", "value": "things"}],
    )  # fmt: skip
    assert renamed["path"] == "/things" and renamed["pathPart"] == "things"
    assert apigw.get_resource(restApiId=api["id"], resourceId=child)["path"] == "/things/{id}"
    moved = apigw.update_resource(
        restApiId=api["id"], resourceId=items,
        patchOperations=[{"op": "replace", "path": "/parentId", "value": other}],
    )  # fmt: skip
    assert moved["path"] == "/other/things" and moved["parentId"] == other
    assert apigw.get_resource(restApiId=api["id"], resourceId=child)["path"] == (
        "/other/things/{id}"
    )


def test_update_resource_errors(apigw, rest_api):
    api = rest_api()
    items = add_resource(apigw, api, "/items")
    child = add_resource(apigw, api, "/items/sub")
    add_resource(apigw, api, "/taken")
    cases = [
        ([{"op": "replace", "path": "/name", "value": "x"}], "BadRequestException",
         "Invalid patch path  '/name' specified for op 'replace'. Must be one of:"
         " [/parentId, /pathPart]"),
        ([{"op": "add", "path": "/pathPart", "value": "x"}], "BadRequestException",
         "Invalid patch path  '/pathPart' specified for op 'add'. Must be one of: []"),
        ([{"op": "move", "path": "/pathPart", "value": "x"}], "BadRequestException",
         "Invalid patch operation specified. Must be one of: [add, remove, replace] for"
         " /pathPart"),
        ([{"op": "replace", "path": "/pathPart", "value": "bad part!"}], "BadRequestException",
         "Resource's path part only allow a-zA-Z0-9._- and curly braces at the beginning and"
         " the end and an optional plus sign before the closing brace."),
        ([{"op": "replace", "path": "/pathPart", "value": "taken"}], "ConflictException",
         "Another resource with the same parent already has this name: taken"),
        ([{"op": "replace", "path": "/parentId", "value": child}], "BadRequestException",
         "Resources cannot be moved under themselves"),
        ([{"op": "replace", "path": "/parentId", "value": "nosuchid00"}], "NotFoundException",
         "Invalid Resource identifier specified"),
    ]  # fmt: skip
    for operations, code, message in cases:
        with pytest.raises(ClientError) as excinfo:
            apigw.update_resource(restApiId=api["id"], resourceId=items,
                                  patchOperations=operations)  # fmt: skip
        assert error(excinfo) == (code, message), operations
    assert apigw.get_resource(restApiId=api["id"], resourceId=items)["path"] == "/items"
    with pytest.raises(ClientError) as excinfo:
        apigw.update_resource(
            restApiId=api["id"], resourceId=api["rootResourceId"],
            patchOperations=[{"op": "replace", "path": "/pathPart", "value": "x"}],
        )  # fmt: skip
    assert error(excinfo) == ("BadRequestException", "Cannot modify the root resource")


def test_update_method(apigw, rest_api):
    api = rest_api()
    rid = add_resource(apigw, api, "/m")
    where = _method(apigw, api, rid)
    apigw.put_method(**where, authorizationType="NONE",
                     requestParameters={"method.request.header.h": False})  # fmt: skip
    updated = apigw.update_method(**where, patchOperations=[
        {"op": "replace", "path": "/authorizationType", "value": "AWS_IAM"},
        {"op": "replace", "path": "/apiKeyRequired", "value": "true"},
        {"op": "replace", "path": "/operationName", "value": "GetM"},
        {"op": "replace", "path": "/requestValidatorId", "value": "abc123"},
        {"op": "add", "path": "/requestParameters/method.request.querystring.name",
         "value": "true"},
        {"op": "remove", "path": "/requestParameters/method.request.header.h"},
        {"op": "add", "path": "/requestModels/application~1json", "value": "Empty"},
    ])  # fmt: skip
    assert updated["authorizationType"] == "AWS_IAM"
    assert updated["apiKeyRequired"] is True
    assert updated["operationName"] == "GetM"
    assert updated["requestValidatorId"] == "abc123"
    assert updated["requestParameters"] == {"method.request.querystring.name": True}
    assert updated["requestModels"] == {"application/json": "Empty"}
    assert apigw.get_method(**where)["requestModels"] == {"application/json": "Empty"}
    removed = apigw.update_method(**where, patchOperations=[
        {"op": "remove", "path": "/requestModels/application~1json"},
        {"op": "replace", "path": "/requestParameters/method.request.querystring.name",
         "value": "false"},
    ])  # fmt: skip
    assert "requestModels" not in removed
    assert removed["requestParameters"] == {"method.request.querystring.name": False}


def test_update_method_errors_change_nothing(apigw, rest_api):
    api = rest_api()
    rid = add_resource(apigw, api, "/m")
    where = _method(apigw, api, rid)
    apigw.put_method(**where, authorizationType="NONE")
    cases = [
        ([{"op": "replace", "path": "/authorizationType", "value": "BOGUS"}],
         "Invalid patch value  'BOGUS' specified for /authorizationType. Must be one of:"
         " [NONE, AWS_IAM, CUSTOM, COGNITO_USER_POOLS]"),
        ([{"op": "replace", "path": "/authorizationType", "value": "CUSTOM"}],
         "Invalid authorizer ID specified. Setting the authorization type to CUSTOM or"
         " COGNITO_USER_POOLS requires a valid authorizer."),
        ([{"op": "replace", "path": "/apiKeyRequired", "value": "maybe"}],
         "Invalid patch value  'maybe' specified for /apiKeyRequired. Must be a boolean"),
        ([{"op": "add", "path": "/requestParameters/querystring.name", "value": "true"}],
         "Invalid mapping expression specified: querystring.name"),
        ([{"op": "replace", "path": "/operationName", "value": "ok"},
          {"op": "remove", "path": "/httpMethod"}],
         "Invalid patch path  '/httpMethod' specified for op 'remove'. Must be one of:"
         " [/authorizationScopes, /requestModels/{key}, /requestParameters/{key}]"),
    ]  # fmt: skip
    for operations, message in cases:
        with pytest.raises(ClientError) as excinfo:
            apigw.update_method(**where, patchOperations=operations)
        assert error(excinfo) == ("BadRequestException", message), operations
    method = apigw.get_method(**where)
    assert method["authorizationType"] == "NONE" and "operationName" not in method
    with pytest.raises(ClientError) as excinfo:
        apigw.update_method(**{**where, "httpMethod": "POST"}, patchOperations=[])
    assert error(excinfo) == ("NotFoundException", "Invalid Method identifier specified")


def test_update_method_response(apigw, rest_api):
    api = rest_api()
    rid = add_resource(apigw, api, "/m")
    where = _method(apigw, api, rid)
    apigw.put_method(**where, authorizationType="NONE")
    apigw.put_method_response(**where, statusCode="200")
    updated = apigw.update_method_response(**where, statusCode="200", patchOperations=[
        {"op": "add", "path": "/responseParameters/method.response.header.X-A", "value": "true"},
        {"op": "add", "path": "/responseModels/application~1json", "value": "Empty"},
    ])  # fmt: skip
    assert updated["responseParameters"] == {"method.response.header.X-A": True}
    assert updated["responseModels"] == {"application/json": "Empty"}
    with pytest.raises(ClientError) as excinfo:
        apigw.update_method_response(**where, statusCode="200", patchOperations=[
            {"op": "replace", "path": "/statusCode", "value": "201"}])  # fmt: skip
    assert error(excinfo)[0] == "BadRequestException"
    with pytest.raises(ClientError) as excinfo:
        apigw.update_method_response(**where, statusCode="404", patchOperations=[])
    assert error(excinfo) == ("NotFoundException", "Invalid Response status code specified")


def test_update_integration_and_response_serve_after_redeploy(lenticular_server, apigw, rest_api):
    api = rest_api()
    rid = add_resource(apigw, api, "/m")
    add_mock(apigw, api, rid, body='{"v": 1}')
    where = _method(apigw, api, rid)
    apigw.create_deployment(restApiId=api["id"], stageName="dev")
    assert call(lenticular_server, api["id"], "/dev/m").json() == {"v": 1}
    updated = apigw.update_integration(**where, patchOperations=[
        {"op": "replace", "path": "/passthroughBehavior", "value": "NEVER"},
        {"op": "replace", "path": "/timeoutInMillis", "value": "5000"},
        {"op": "replace", "path": "/contentHandling", "value": "CONVERT_TO_TEXT"},
        {"op": "add", "path": "/requestTemplates/text~1plain", "value": '{"statusCode": 200}'},
        {"op": "add", "path": "/requestParameters/integration.request.header.X-B",
         "value": "'static'"},
        {"op": "add", "path": "/cacheKeyParameters/method.request.querystring.q"},
    ])  # fmt: skip
    assert updated["passthroughBehavior"] == "NEVER"
    assert updated["timeoutInMillis"] == 5000
    assert updated["contentHandling"] == "CONVERT_TO_TEXT"
    assert updated["requestTemplates"]["text/plain"] == '{"statusCode": 200}'
    assert updated["requestParameters"] == {"integration.request.header.X-B": "'static'"}
    assert updated["cacheKeyParameters"] == ["method.request.querystring.q"]
    response = apigw.update_integration_response(**where, statusCode="200", patchOperations=[
        {"op": "replace", "path": "/responseTemplates/application~1json", "value": '{"v": 2}'},
        {"op": "add", "path": "/responseParameters/method.response.header.X-C",
         "value": "'c'"},
        {"op": "replace", "path": "/contentHandling", "value": "CONVERT_TO_TEXT"},
    ])  # fmt: skip
    assert response["responseTemplates"] == {"application/json": '{"v": 2}'}
    assert response["contentHandling"] == "CONVERT_TO_TEXT"
    apigw.create_deployment(restApiId=api["id"], stageName="dev")
    reply = call(lenticular_server, api["id"], "/dev/m")
    assert reply.json() == {"v": 2} and reply.headers["x-c"] == "c"
    removed = apigw.update_integration(**where, patchOperations=[
        {"op": "remove", "path": "/cacheKeyParameters/method.request.querystring.q"},
        {"op": "remove", "path": "/requestTemplates/text~1plain"},
        {"op": "replace", "path": "/type", "value": "HTTP"},
        {"op": "replace", "path": "/httpMethod", "value": "GET"},
        {"op": "replace", "path": "/uri", "value": "http://127.0.0.1:9/x"},
    ])  # fmt: skip
    assert removed["cacheKeyParameters"] == []
    assert removed["type"] == "HTTP" and removed["uri"] == "http://127.0.0.1:9/x"
    assert "text/plain" not in removed["requestTemplates"]


def test_update_integration_errors(apigw, rest_api):
    api = rest_api()
    rid = add_resource(apigw, api, "/m")
    add_mock(apigw, api, rid)
    where = _method(apigw, api, rid)
    cases = [
        ([{"op": "replace", "path": "/timeoutInMillis", "value": "10"}],
         "Timeout should be between 50 ms and 29000 ms"),
        ([{"op": "replace", "path": "/timeoutInMillis", "value": "soon"}],
         "Invalid patch value  'soon' specified for /timeoutInMillis. Must be a number"),
        ([{"op": "replace", "path": "/type", "value": "HTTP"}],
         "Enumeration value for HttpMethod must be non-empty"),
        ([{"op": "replace", "path": "/contentHandling", "value": "TO_JPEG"}],
         "Invalid patch value  'TO_JPEG' specified for /contentHandling. Must be one of:"
         " [CONVERT_TO_BINARY, CONVERT_TO_TEXT]"),
        ([{"op": "add", "path": "/requestParameters/method.request.header.x", "value": "'a'"}],
         "Invalid mapping expression specified: method.request.header.x"),
        ([{"op": "add", "path": "/uri", "value": "http://x"}],
         "Invalid patch path  '/uri' specified for op 'add'. Must be one of:"
         " [/cacheKeyParameters, /requestParameters/{key}, /requestTemplates/{key}]"),
    ]  # fmt: skip
    for operations, message in cases:
        with pytest.raises(ClientError) as excinfo:
            apigw.update_integration(**where, patchOperations=operations)
        assert error(excinfo) == ("BadRequestException", message), operations
    assert apigw.get_integration(**where)["type"] == "MOCK"
    with pytest.raises(ClientError) as excinfo:
        apigw.update_integration_response(**where, statusCode="200", patchOperations=[
            {"op": "replace", "path": "/selectionPattern", "value": "(unclosed"}])  # fmt: skip
    assert error(excinfo) == (
        "BadRequestException",
        "Invalid selection pattern specified: (unclosed",
    )
    with pytest.raises(ClientError) as excinfo:
        apigw.update_integration_response(**where, statusCode="500", patchOperations=[])
    assert error(excinfo) == ("NotFoundException", "Invalid Response status code specified")


def test_apply_patch_engine_is_all_or_nothing():
    method = {"httpMethod": "GET", "authorizationType": "NONE"}
    with pytest.raises(BadRequestException):
        apply_patch(method, [
            {"op": "replace", "path": "/operationName", "value": "x"},
            {"op": "replace", "path": "/nope", "value": "x"},
        ], METHOD)  # fmt: skip
    assert method == {"httpMethod": "GET", "authorizationType": "NONE"}
    scoped = apply_patch(method, [
        {"op": "add", "path": "/authorizationScopes", "value": "read"},
        {"op": "add", "path": "/authorizationScopes", "value": "write"},
        {"op": "remove", "path": "/authorizationScopes", "value": "read"},
    ], METHOD)  # fmt: skip
    assert scoped["authorizationScopes"] == ["write"]
    tls = apply_patch({"type": "HTTP"}, [
        {"op": "replace", "path": "/tlsConfig/insecureSkipVerification", "value": "true"},
        {"op": "add", "path": "/requestTemplates/a~0b~1c", "value": "t"},
    ], INTEGRATION)  # fmt: skip
    assert tls == {"type": "HTTP", "tlsConfig": {"insecureSkipVerification": True},
                   "requestTemplates": {"a~b/c": "t"}}  # fmt: skip
