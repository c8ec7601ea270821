"""The execute-api data plane with MOCK integrations: both URL forms, API Gateway's
headers, route precedence, stages and AWS's answers to unknown routes."""

from __future__ import annotations

import re

from tests.services.apigateway.conftest import add_mock, add_resource, call


def _deployed(apigw, rest_api, routes: dict[str, str], stage: str = "dev") -> str:
    """An API whose `routes` ("METHOD /path") answer a MOCK body naming the route."""
    api = rest_api()
    for route in routes:
        method, path = route.split(" ", 1)
        add_mock(apigw, api, add_resource(apigw, api, path), method, body=routes[route])
    apigw.create_deployment(restApiId=api["id"], stageName=stage)
    return api["id"]


def test_mock_both_url_forms(lenticular_server, apigw, rest_api):
    api = rest_api()
    rid = add_resource(apigw, api, "/hello")
    add_mock(apigw, api, rid, body='{"hello": "world"}', headers={"X-Custom": "yes"})
    apigw.create_deployment(restApiId=api["id"], stageName="dev")
    for host_form in (False, True):
        reply = call(lenticular_server, api["id"], "/dev/hello", host_form=host_form)
        assert reply.status == 200
        assert reply.json() == {"hello": "world"}
        assert reply.headers["content-type"] == "application/json"
        assert reply.headers["x-custom"] == "yes"
        assert re.match(r"^[0-9a-f-]{36}$", reply.headers["x-amzn-requestid"])
        assert reply.headers["x-amz-apigw-id"]
        assert re.match(r"^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$", reply.headers["x-amzn-trace-id"])


def test_mock_selects_integration_response_by_status(lenticular_server, apigw, rest_api):
    api = rest_api()
    rid = add_resource(apigw, api, "/teapot")
    add_mock(apigw, api, rid, status=418, body='{"short": "stout"}')
    apigw.create_deployment(restApiId=api["id"], stageName="dev")
    reply = call(lenticular_server, api["id"], "/dev/teapot")
    assert (reply.status, reply.json()) == (418, {"short": "stout"})


def test_mock_without_matching_integration_response_is_500(lenticular_server, apigw, rest_api):
    api = rest_api()
    rid = add_resource(apigw, api, "/none")
    apigw.put_method(
        restApiId=api["id"], resourceId=rid, httpMethod="GET", authorizationType="NONE"
    )
    apigw.put_integration(restApiId=api["id"], resourceId=rid, httpMethod="GET", type="MOCK",
                          requestTemplates={"application/json": '{"statusCode": 200}'})  # fmt: skip
    apigw.create_deployment(restApiId=api["id"], stageName="dev")
    reply = call(lenticular_server, api["id"], "/dev/none")
    assert reply.status == 500
    assert reply.json() == {"message": "Internal server error"}
    assert reply.headers["x-amzn-errortype"] == "InternalServerErrorException"


def test_route_precedence_exact_over_param_over_greedy(lenticular_server, apigw, rest_api):
    api_id = _deployed(apigw, rest_api, {
        "GET /items/special": "exact",
        "GET /items/{id}": "param",
        "ANY /{proxy+}": "greedy",
        "GET /": "root",
    })  # fmt: skip
    expected = {
        "/dev/items/special": "exact",
        "/dev/items/42": "param",
        "/dev/items/42/more": "greedy",
        "/dev/anything/else/here": "greedy",
        "/dev/": "root",
        "/dev": "root",
    }
    for path, body in expected.items():
        reply = call(lenticular_server, api_id, path)
        assert (path, reply.status, reply.body.decode()) == (path, 200, body)
    # ANY answers every method; a method the exact route lacks falls back to the greedy one.
    reply = call(lenticular_server, api_id, "/dev/items/special", method="DELETE")
    assert reply.body == b"greedy"


def test_unknown_route_stage_and_api(lenticular_server, apigw, rest_api):
    api_id = _deployed(apigw, rest_api, {"GET /only": "x"})
    for path, method in (("/dev/other", "GET"), ("/dev/only", "POST"), ("/nostage/only", "GET"),
                         ("/", "GET")):  # fmt: skip
        reply = call(lenticular_server, api_id, path, method=method)
        assert reply.status == 403, path
        assert reply.json() == {"message": "Missing Authentication Token"}
        assert reply.headers["x-amzn-errortype"] == "MissingAuthenticationTokenException"
        assert reply.headers["x-amzn-requestid"]
    reply = call(lenticular_server, "doesnotexist", "/dev/only", host_form=True)
    assert reply.status == 403
    assert reply.json() == {"message": "Forbidden"}


def test_stage_serves_its_deployment_snapshot(lenticular_server, apigw, rest_api):
    api = rest_api()
    rid = add_resource(apigw, api, "/v")
    add_mock(apigw, api, rid, body="one")
    first = apigw.create_deployment(restApiId=api["id"], stageName="dev")
    # Changing the API does not change what the stage serves until the next deployment.
    apigw.put_integration_response(restApiId=api["id"], resourceId=rid, httpMethod="GET",
                                   statusCode="200", responseTemplates={"application/json": "two"})  # fmt: skip
    assert call(lenticular_server, api["id"], "/dev/v").body == b"one"
    apigw.create_deployment(restApiId=api["id"], stageName="dev")
    assert call(lenticular_server, api["id"], "/dev/v").body == b"two"
    # Pointing the stage back at the first deployment serves it again.
    apigw.update_stage(restApiId=api["id"], stageName="dev",
                       patchOperations=[{"op": "replace", "path": "/deploymentId",
                                         "value": first["id"]}])  # fmt: skip
    assert call(lenticular_server, api["id"], "/dev/v").body == b"one"
    apigw.delete_stage(restApiId=api["id"], stageName="dev")
    assert call(lenticular_server, api["id"], "/dev/v").status == 403
    apigw.delete_rest_api(restApiId=api["id"])
    assert call(lenticular_server, api["id"], "/dev/v").json() == {"message": "Forbidden"}


def test_not_implemented_integration_type(lenticular_server, apigw, rest_api):
    api = rest_api()
    rid = api["rootResourceId"]
    apigw.put_method(
        restApiId=api["id"], resourceId=rid, httpMethod="GET", authorizationType="NONE"
    )
    apigw.put_integration(restApiId=api["id"], resourceId=rid, httpMethod="GET", type="AWS",
                          integrationHttpMethod="GET",
                          uri="arn:aws:apigateway:us-east-1:s3:path/bucket/key")  # fmt: skip
    apigw.create_deployment(restApiId=api["id"], stageName="dev")
    reply = call(lenticular_server, api["id"], "/dev/")
    assert reply.status == 500
    assert "not implemented" in reply.json()["message"]
