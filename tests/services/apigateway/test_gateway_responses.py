"""Gateway responses: their management operations (boto3) and the rendering of the errors API
Gateway makes itself through them on the data plane (plain HTTP): status overrides,
header mappings, templates with `$context`/`$stageVariables`, the DEFAULT_4XX/5XX
fallbacks, and what is left alone (integration responses, undeployed changes)."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from tests.services.apigateway.conftest import add_mock, add_resource, call

ALL_TYPES = {
    "DEFAULT_4XX", "DEFAULT_5XX", "RESOURCE_NOT_FOUND", "UNAUTHORIZED", "INVALID_API_KEY",
    "ACCESS_DENIED", "AUTHORIZER_FAILURE", "AUTHORIZER_CONFIGURATION_ERROR",
    "INVALID_SIGNATURE", "EXPIRED_TOKEN", "MISSING_AUTHENTICATION_TOKEN", "INTEGRATION_FAILURE",
    "INTEGRATION_TIMEOUT", "API_CONFIGURATION_ERROR", "UNSUPPORTED_MEDIA_TYPE",
    "BAD_REQUEST_PARAMETERS", "BAD_REQUEST_BODY", "REQUEST_TOO_LARGE", "THROTTLED",
    "QUOTA_EXCEEDED", "WAF_FILTERED",
}  # fmt: skip
DEFAULT_TEMPLATE = {"application/json": '{"message":$context.error.messageString}'}


def _error(excinfo) -> tuple[str, str]:
    error = excinfo.value.response["Error"]
    return error["Code"], error["Message"]


# -- management ------------------------------------------------------------------------------


def test_defaults_of_every_type(apigw, rest_api):
    api = rest_api()
    items = {
        r["responseType"]: r for r in apigw.get_gateway_responses(restApiId=api["id"])["items"]
    }
    assert set(items) == ALL_TYPES
    assert all(r["defaultResponse"] is True for r in items.values())
    assert all(r["responseTemplates"] == DEFAULT_TEMPLATE for r in items.values())
    assert "statusCode" not in items["DEFAULT_4XX"] and "statusCode" not in items["DEFAULT_5XX"]
    expected = {"MISSING_AUTHENTICATION_TOKEN": "403", "UNAUTHORIZED": "401",
                "THROTTLED": "429", "INTEGRATION_TIMEOUT": "504", "BAD_REQUEST_BODY": "400",
                "UNSUPPORTED_MEDIA_TYPE": "415", "REQUEST_TOO_LARGE": "413"}  # fmt: skip
    assert {t: items[t]["statusCode"] for t in expected} == expected
    one = apigw.get_gateway_response(restApiId=api["id"], responseType="ACCESS_DENIED")
    assert (one["statusCode"], one["defaultResponse"]) == ("403", True)


def test_put_get_update_delete(apigw, rest_api):
    api = rest_api()
    put = apigw.put_gateway_response(
        restApiId=api["id"], responseType="MISSING_AUTHENTICATION_TOKEN", statusCode="404",
        responseParameters={"gatewayresponse.header.x-hint": "'no such route'"},
        responseTemplates={"application/json": '{"oops": $context.error.messageString}'},
    )  # fmt: skip
    assert (put["statusCode"], put["defaultResponse"]) == ("404", False)
    got = apigw.get_gateway_response(restApiId=api["id"],
                                     responseType="MISSING_AUTHENTICATION_TOKEN")  # fmt: skip
    assert got["responseParameters"] == {"gatewayresponse.header.x-hint": "'no such route'"}
    updated = apigw.update_gateway_response(
        restApiId=api["id"], responseType="MISSING_AUTHENTICATION_TOKEN",
        patchOperations=[
            {"op": "replace", "path": "/statusCode", "value": "410"},
            {"op": "add", "path": "/responseParameters/gatewayresponse.header.x-more",
             "value": "'more'"},
            {"op": "remove", "path": "/responseParameters/gatewayresponse.header.x-hint"},
            {"op": "replace", "path": "/responseTemplates/application~1json", "value": "{}"},
        ],
    )  # fmt: skip
    assert updated["statusCode"] == "410"
    assert updated["responseParameters"] == {"gatewayresponse.header.x-more": "'more'"}
    assert updated["responseTemplates"] == {"application/json": "{}"}
    listed = {
        r["responseType"]: r for r in apigw.get_gateway_responses(restApiId=api["id"])["items"]
    }
    assert listed["MISSING_AUTHENTICATION_TOKEN"]["defaultResponse"] is False
    apigw.delete_gateway_response(restApiId=api["id"], responseType="MISSING_AUTHENTICATION_TOKEN")
    back = apigw.get_gateway_response(restApiId=api["id"],
                                      responseType="MISSING_AUTHENTICATION_TOKEN")  # fmt: skip
    assert (back["statusCode"], back["defaultResponse"]) == ("403", True)
    with pytest.raises(ClientError) as excinfo:
        apigw.delete_gateway_response(restApiId=api["id"], responseType="THROTTLED")
    assert _error(excinfo)[0] == "NotFoundException"


def test_update_of_a_default_customizes_it(apigw, rest_api):
    api = rest_api()
    updated = apigw.update_gateway_response(
        restApiId=api["id"], responseType="DEFAULT_4XX",
        patchOperations=[{"op": "add", "path":
                          "/responseParameters/gatewayresponse.header.Access-Control-Allow-Origin",
                          "value": "'*'"}],
    )  # fmt: skip
    assert updated["defaultResponse"] is False
    assert updated["responseTemplates"] == DEFAULT_TEMPLATE


def test_malformed_input(apigw, rest_api):
    api = rest_api()
    with pytest.raises(ClientError) as excinfo:
        apigw.put_gateway_response(restApiId=api["id"], responseType="NOT_A_TYPE")
    code, message = _error(excinfo)
    assert code == "BadRequestException"
    assert message.startswith(
        "1 validation error detected: Value 'NOT_A_TYPE' at 'responseType' failed to satisfy"
        " constraint: Member must satisfy enum value set: [DEFAULT_4XX, DEFAULT_5XX,"
    )
    with pytest.raises(ClientError) as excinfo:
        apigw.put_gateway_response(restApiId=api["id"], responseType="THROTTLED",
                                   statusCode="99")  # fmt: skip
    assert _error(excinfo)[0] == "BadRequestException"
    with pytest.raises(ClientError) as excinfo:
        apigw.put_gateway_response(restApiId=api["id"], responseType="THROTTLED",
                                   responseParameters={"method.response.header.x": "'a'"})  # fmt: skip
    assert _error(excinfo)[0] == "BadRequestException"
    with pytest.raises(ClientError) as excinfo:
        apigw.get_gateway_responses(restApiId="nosuchapi0")
    assert _error(excinfo)[0] == "NotFoundException"


# -- the data plane ----------------------------------------------------------------------


def _api(apigw, rest_api, **stage_variables) -> dict:
    api = rest_api()
    add_mock(apigw, api, add_resource(apigw, api, "/ok"), body='{"ok": true}')
    add_mock(apigw, api, add_resource(apigw, api, "/teapot"), status=418, body='{"tea": 1}')
    return api


def _deploy(apigw, api, **variables) -> None:
    apigw.create_deployment(restApiId=api["id"], stageName="dev", variables=variables)


def test_missing_authentication_token_customized(lenticular_server, apigw, rest_api):
    api = _api(apigw, rest_api)
    apigw.put_gateway_response(
        restApiId=api["id"], responseType="MISSING_AUTHENTICATION_TOKEN", statusCode="404",
        responseParameters={
            "gatewayresponse.header.x-hint": "'check the path'",
            "gatewayresponse.header.x-request-query": "method.request.querystring.q",
            "gatewayresponse.header.x-client": "method.request.header.x-client",
            "gatewayresponse.header.x-stage": "stageVariables.colour",
            "gatewayresponse.header.x-api": "context.apiId",
        },
        responseTemplates={"application/json": json.dumps({
            "message": "$context.error.message", "quoted": "QUOTED",
            "type": "$context.error.responseType", "stage": "$context.stage",
            "colour": "$stageVariables.colour", "requestId": "$context.requestId",
        }).replace('"QUOTED"', "$context.error.messageString")},
    )  # fmt: skip
    _deploy(apigw, api, colour="blue")
    reply = call(lenticular_server, api["id"], "/dev/nowhere?q=42",
                 headers={"x-client": "tests"})  # fmt: skip
    assert reply.status == 404
    assert reply.headers["x-hint"] == "check the path"
    assert reply.headers["x-request-query"] == "42"
    assert reply.headers["x-client"] == "tests"
    assert reply.headers["x-stage"] == "blue"
    assert reply.headers["x-api"] == api["id"]
    assert reply.headers["x-amzn-errortype"] == "MissingAuthenticationTokenException"
    body = reply.json()
    assert body == {
        "message": "Missing Authentication Token", "quoted": "Missing Authentication Token",
        "type": "MISSING_AUTHENTICATION_TOKEN", "stage": "dev", "colour": "blue",
        "requestId": reply.headers["x-amzn-requestid"],
    }  # fmt: skip
    # The method's own answers are not gateway responses.
    assert call(lenticular_server, api["id"], "/dev/ok").json() == {"ok": True}
    teapot = call(lenticular_server, api["id"], "/dev/teapot")
    assert (teapot.status, teapot.json()) == (418, {"tea": 1})


def test_changes_apply_after_redeployment(lenticular_server, apigw, rest_api):
    api = _api(apigw, rest_api)
    _deploy(apigw, api)
    apigw.put_gateway_response(restApiId=api["id"], responseType="MISSING_AUTHENTICATION_TOKEN",
                               statusCode="404")  # fmt: skip
    assert call(lenticular_server, api["id"], "/dev/nowhere").status == 403
    _deploy(apigw, api)
    reply = call(lenticular_server, api["id"], "/dev/nowhere")
    assert (reply.status, reply.json()) == (404, {"message": "Missing Authentication Token"})


def test_default_4xx_is_the_fallback(lenticular_server, apigw, rest_api):
    api = _api(apigw, rest_api)
    rid = add_resource(apigw, api, "/keyed")
    add_mock(apigw, api, rid)
    apigw.update_method(restApiId=api["id"], resourceId=rid, httpMethod="GET", patchOperations=[
        {"op": "replace", "path": "/apiKeyRequired", "value": "true"}])  # fmt: skip
    apigw.put_gateway_response(
        restApiId=api["id"], responseType="DEFAULT_4XX", statusCode="400",
        responseParameters={"gatewayresponse.header.x-fallback": "'4xx'"},
    )  # fmt: skip
    apigw.put_gateway_response(
        restApiId=api["id"], responseType="INVALID_API_KEY",
        responseTemplates={"application/json": '{"key": "$context.error.responseType"}'},
    )  # fmt: skip
    _deploy(apigw, api)
    missing = call(lenticular_server, api["id"], "/dev/nowhere")
    assert (missing.status, missing.headers["x-fallback"]) == (400, "4xx")
    assert missing.json() == {"message": "Missing Authentication Token"}  # no template: as made
    # A customized type replaces the fallback entirely (status, headers, templates).
    keyed = call(lenticular_server, api["id"], "/dev/keyed")
    assert (keyed.status, keyed.json()) == (403, {"key": "INVALID_API_KEY"})
    assert "x-fallback" not in keyed.headers


def test_default_5xx_and_integration_failures(lenticular_server, apigw, rest_api):
    api = _api(apigw, rest_api)
    rid = add_resource(apigw, api, "/unmapped")  # MOCK with no integration response
    apigw.put_method(restApiId=api["id"], resourceId=rid, httpMethod="GET",
                     authorizationType="NONE")  # fmt: skip
    apigw.put_integration(restApiId=api["id"], resourceId=rid, httpMethod="GET", type="MOCK",
                          requestTemplates={"application/json": '{"statusCode": 200}'})  # fmt: skip
    down = add_resource(apigw, api, "/down")  # HTTP_PROXY to a closed port
    apigw.put_method(restApiId=api["id"], resourceId=down, httpMethod="GET",
                     authorizationType="NONE")  # fmt: skip
    apigw.put_integration(restApiId=api["id"], resourceId=down, httpMethod="GET",
                          type="HTTP_PROXY", integrationHttpMethod="GET",
                          uri="http://127.0.0.1:9/nothing")  # fmt: skip
    apigw.put_gateway_response(
        restApiId=api["id"], responseType="DEFAULT_5XX",
        responseTemplates={"application/json": '{"fault": "$context.error.responseType"}'},
    )  # fmt: skip
    apigw.put_gateway_response(restApiId=api["id"], responseType="INTEGRATION_FAILURE",
                               statusCode="503")  # fmt: skip
    _deploy(apigw, api)
    unmapped = call(lenticular_server, api["id"], "/dev/unmapped")
    assert (unmapped.status, unmapped.json()) == (500, {"fault": "API_CONFIGURATION_ERROR"})
    failed = call(lenticular_server, api["id"], "/dev/down")
    assert (failed.status, failed.json()) == (503, {"message": "Internal server error"})


def test_unauthorized_and_template_by_accept(lenticular_server, apigw, rest_api):
    api = _api(apigw, rest_api)
    authorizer = apigw.create_authorizer(
        restApiId=api["id"], name="token", type="TOKEN",
        authorizerUri="arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
        "arn:aws:lambda:us-east-1:000000000000:function:nobody/invocations",
        identitySource="method.request.header.Authorization",
    )  # fmt: skip
    rid = add_resource(apigw, api, "/private")
    add_mock(apigw, api, rid)
    apigw.update_method(restApiId=api["id"], resourceId=rid, httpMethod="GET", patchOperations=[
        {"op": "replace", "path": "/authorizationType", "value": "CUSTOM"},
        {"op": "replace", "path": "/authorizerId", "value": authorizer["id"]}])  # fmt: skip
    apigw.put_gateway_response(
        restApiId=api["id"], responseType="UNAUTHORIZED",
        responseParameters={"gatewayresponse.header.WWW-Authenticate": "'Bearer'"},
        responseTemplates={"application/json": '{"login": true}',
                           "text/html": "<p>$context.error.message</p>"},
    )  # fmt: skip
    _deploy(apigw, api)
    reply = call(lenticular_server, api["id"], "/dev/private")  # no Authorization header
    assert (reply.status, reply.json()) == (401, {"login": True})
    assert reply.headers["www-authenticate"] == "Bearer"
    html = call(lenticular_server, api["id"], "/dev/private", headers={"Accept": "text/html"})
    assert (html.status, html.body) == (401, b"<p>Unauthorized</p>")
    assert html.headers["content-type"] == "text/html"


def test_unknown_stage_and_api_are_not_rendered(lenticular_server, apigw, rest_api):
    api = _api(apigw, rest_api)
    apigw.put_gateway_response(restApiId=api["id"], responseType="DEFAULT_4XX", statusCode="418")
    _deploy(apigw, api)
    assert call(lenticular_server, api["id"], "/nostage/ok").status == 403
    assert call(lenticular_server, "nosuchapi0", "/dev/ok").status == 403
    assert call(lenticular_server, api["id"], "/dev/nowhere").status == 418


def test_throttled_through_default_4xx(lenticular_server, apigw, rest_api):
    api = _api(apigw, rest_api)
    apigw.put_gateway_response(
        restApiId=api["id"], responseType="DEFAULT_4XX",
        responseParameters={"gatewayresponse.header.Retry-After": "'1'"},
        responseTemplates={"application/json": '{"type": "$context.error.responseType"}'},
    )  # fmt: skip
    _deploy(apigw, api)
    apigw.update_stage(restApiId=api["id"], stageName="dev", patchOperations=[
        {"op": "replace", "path": "/~1ok/GET/throttling/burstLimit", "value": "1"},
        {"op": "replace", "path": "/~1ok/GET/throttling/rateLimit", "value": "0.001"},
    ])  # fmt: skip
    assert call(lenticular_server, api["id"], "/dev/ok").status == 200
    throttled = call(lenticular_server, api["id"], "/dev/ok")
    assert (throttled.status, throttled.json()) == (429, {"type": "THROTTLED"})
    assert throttled.headers["retry-after"] == "1"
