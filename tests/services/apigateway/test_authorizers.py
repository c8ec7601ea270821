"""Lambda TOKEN and REQUEST authorizers against real functions: allow, explicit and
implicit deny, missing identity source, cached results re-evaluated per method ARN, the
authorizer context in the proxy event, failing authorizers, and the management API."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.services.apigateway.conftest import add_resource, call
from tests.services.apigateway.test_lambda_proxy import ECHO, lambda_uri

TOKEN_AUTHORIZER = """
import json

CALLS = []

def handler(event, context):
    CALLS.append(1)
    token = event["authorizationToken"]
    if token == "raise":
        raise Exception("Unauthorized")
    if token == "broken":
        return {"principalId": "x"}
    arn_base = event["methodArn"].rsplit("/", 2)[0]
    # "only-get" allows GET on any path and nothing else
    if token == "only-get":
        resource = arn_base + "/GET/*"
        effect = "Allow"
    else:
        resource = arn_base + "/*"
        effect = "Deny" if token == "deny" else "Allow"
    return {
        "principalId": "user-" + token,
        "policyDocument": {"Version": "2012-10-17", "Statement": [
            {"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}]},
        "context": {"tenant": "acme", "level": 3, "admin": True, "calls": len(CALLS)},
    }
"""
REQUEST_AUTHORIZER = """
def handler(event, context):
    ok = event["headers"].get("x-team") == "blue" and \\
        (event.get("queryStringParameters") or {}).get("ticket") == "42"
    return {
        "principalId": "team-" + event["headers"].get("x-team", ""),
        "policyDocument": {"Version": "2012-10-17", "Statement": [
            {"Action": "execute-api:Invoke", "Effect": "Allow" if ok else "Deny",
             "Resource": event["methodArn"]}]},
        "context": {"type": event["type"], "path": event["path"]},
    }
"""


def _method(apigw, api, rid, verb, authorizer_id, target):
    apigw.put_method(restApiId=api["id"], resourceId=rid, httpMethod=verb,
                     authorizationType="CUSTOM", authorizerId=authorizer_id)  # fmt: skip
    apigw.put_integration(restApiId=api["id"], resourceId=rid, httpMethod=verb,
                          type="AWS_PROXY", integrationHttpMethod="POST",
                          uri=lambda_uri(target))  # fmt: skip


@pytest.fixture
def token_api(apigw, rest_api, function):  # noqa: F811
    echo = function(ECHO)
    auth_fn = function(TOKEN_AUTHORIZER)
    api = rest_api()
    authorizer = apigw.create_authorizer(
        restApiId=api["id"], name="tok", type="TOKEN", authorizerUri=lambda_uri(auth_fn),
        identitySource="method.request.header.Authorization",
        identityValidationExpression="^[a-z-]+$",
    )  # fmt: skip
    rid = add_resource(apigw, api, "/items")
    for verb in ("GET", "POST"):
        _method(apigw, api, rid, verb, authorizer["id"], echo)
    apigw.create_deployment(restApiId=api["id"], stageName="dev")
    return api, authorizer


def test_token_authorizer_allows_and_passes_context(lenticular_server, token_api):
    api, _ = token_api
    reply = call(lenticular_server, api["id"], "/dev/items", headers={"Authorization": "alice"})
    assert reply.status == 200
    event = reply.json()
    authorizer = event["requestContext"]["authorizer"]
    assert authorizer["principalId"] == "user-alice"
    assert authorizer["tenant"] == "acme"
    assert authorizer["level"] == "3" and authorizer["admin"] == "true"
    assert isinstance(authorizer["integrationLatency"], int)


def test_token_authorizer_denies_and_rejects(lenticular_server, token_api):
    api, _ = token_api
    missing = call(lenticular_server, api["id"], "/dev/items")
    assert (missing.status, missing.json()) == (401, {"message": "Unauthorized"})
    invalid = call(lenticular_server, api["id"], "/dev/items", headers={"Authorization": "BAD1"})
    assert (invalid.status, invalid.json()) == (401, {"message": "Unauthorized"})
    deny = call(lenticular_server, api["id"], "/dev/items", headers={"Authorization": "deny"})
    assert deny.status == 403
    assert deny.json() == {
        "Message": "User is not authorized to access this resource with an explicit deny"
    }
    raised = call(lenticular_server, api["id"], "/dev/items", headers={"Authorization": "raise"})
    assert (raised.status, raised.json()) == (401, {"message": "Unauthorized"})
    broken = call(lenticular_server, api["id"], "/dev/items", headers={"Authorization": "broken"})
    assert (broken.status, broken.json()) == (500, {"message": None})
    assert broken.headers["x-amzn-errortype"] == "AuthorizerConfigurationException"


def test_cached_policy_is_evaluated_against_each_method_arn(lenticular_server, token_api):
    api, _ = token_api
    headers = {"Authorization": "only-get"}
    first = call(lenticular_server, api["id"], "/dev/items", headers=headers)
    assert first.status == 200
    calls = first.json()["requestContext"]["authorizer"]["calls"]
    # Same token, so the cached policy is used, but POST is not in it.
    post = call(lenticular_server, api["id"], "/dev/items", method="POST", headers=headers)
    assert post.status == 403
    assert post.json() == {"Message": "User is not authorized to access this resource"}
    again = call(lenticular_server, api["id"], "/dev/items", headers=headers)
    assert again.json()["requestContext"]["authorizer"]["calls"] == calls  # a cache hit


def test_ttl_zero_calls_the_authorizer_every_time(lenticular_server, apigw, token_api):
    api, authorizer = token_api
    apigw.update_authorizer(
        restApiId=api["id"], authorizerId=authorizer["id"],
        patchOperations=[{"op": "replace", "path": "/authorizerResultTtlInSeconds", "value": "0"}],
    )  # fmt: skip
    apigw.create_deployment(restApiId=api["id"], stageName="dev")
    headers = {"Authorization": "bob"}
    one = call(lenticular_server, api["id"], "/dev/items", headers=headers).json()
    two = call(lenticular_server, api["id"], "/dev/items", headers=headers).json()
    assert int(two["requestContext"]["authorizer"]["calls"]) == (
        int(one["requestContext"]["authorizer"]["calls"]) + 1
    )


def test_request_authorizer(lenticular_server, apigw, rest_api, function):  # noqa: F811
    echo = function(ECHO)
    auth_fn = function(REQUEST_AUTHORIZER)
    api = rest_api()
    authorizer = apigw.create_authorizer(
        restApiId=api["id"], name="req", type="REQUEST", authorizerUri=lambda_uri(auth_fn),
        identitySource="method.request.header.X-Team,method.request.querystring.ticket",
    )  # fmt: skip
    assert authorizer["authorizerResultTtlInSeconds"] == 300
    rid = add_resource(apigw, api, "/orders/{id}")
    _method(apigw, api, rid, "GET", authorizer["id"], echo)
    apigw.create_deployment(restApiId=api["id"], stageName="dev")
    ok = call(lenticular_server, api["id"], "/dev/orders/7?ticket=42", headers={"X-Team": "blue"})
    assert ok.status == 200
    context = ok.json()["requestContext"]["authorizer"]
    assert context["principalId"] == "team-blue"
    assert context["type"] == "REQUEST" and context["path"] == "/dev/orders/7"
    missing = call(lenticular_server, api["id"], "/dev/orders/7", headers={"X-Team": "blue"})
    assert missing.status == 401
    denied = call(
        lenticular_server, api["id"], "/dev/orders/7?ticket=1", headers={"X-Team": "blue"}
    )
    assert denied.status == 403


def test_test_invoke_authorizer(lenticular_server, apigw, token_api):
    api, authorizer = token_api
    out = apigw.test_invoke_authorizer(
        restApiId=api["id"], authorizerId=authorizer["id"], headers={"Authorization": "zed"}
    )
    assert out["clientStatus"] == 200
    assert out["principalId"] == "user-zed"
    assert "execute-api:Invoke" in out["policy"]


def test_authorizer_management_errors(lenticular_server, apigw, rest_api):
    api = rest_api()
    with pytest.raises(ClientError) as error:
        apigw.get_authorizer(restApiId=api["id"], authorizerId="nope12")
    assert error.value.response["Error"]["Code"] == "NotFoundException"
    assert error.value.response["Error"]["Message"] == "Invalid Authorizer identifier specified"
    with pytest.raises(ClientError) as error:
        apigw.create_authorizer(restApiId=api["id"], name="x", type="TOKEN",
                                authorizerUri="not-a-uri",
                                identitySource="method.request.header.Authorization")  # fmt: skip
    assert error.value.response["Error"]["Code"] == "BadRequestException"
    assert error.value.response["Error"]["Message"] == "Invalid Authorizer URI specified"
    uri = lambda_uri("arn:aws:lambda:us-east-1:000000000000:function:f")
    created = apigw.create_authorizer(restApiId=api["id"], name="x", type="TOKEN",
                                      authorizerUri=uri,
                                      identitySource="method.request.header.Auth")  # fmt: skip
    listed = apigw.get_authorizers(restApiId=api["id"])["items"]
    assert [a["id"] for a in listed] == [created["id"]]
    apigw.delete_authorizer(restApiId=api["id"], authorizerId=created["id"])
    assert apigw.get_authorizers(restApiId=api["id"])["items"] == []
