"""Authorizers on the data plane: JWT (the test serves its own OpenID discovery document
and JWKS on a loopback server, with an RSA key made by joserfc/cryptography) and Lambda
REQUEST authorizers (payload 1.0 policies, 2.0 simple responses, result cache)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from tests.services.apigateway.test_iam_auth import signed_call
from tests.services.apigatewayv2.conftest import QuietHandler, call, http_backend, lambda_route

ECHO = """
import json

def handler(event, context):
    return {"statusCode": 200, "body": json.dumps(event)}
"""
ECHO_V1 = """
import json

def handler(event, context):
    return {"statusCode": 200, "body": json.dumps(event)}
"""
SIMPLE_AUTH = """
import json

CALLS = []

def handler(event, context):
    CALLS.append(1)
    token = event["headers"].get("x-token")
    print("AUTHEVENT " + json.dumps(event))
    return {"isAuthorized": token == "good", "context": {"user": "alice", "calls": len(CALLS),
            "event": event["version"] + "|" + event["routeArn"] + "|" + ",".join(event["identitySource"])}}
"""
POLICY_AUTH = """
def handler(event, context):
    effect = "Allow" if event["identitySource"] == "open" else "Deny"
    return {"principalId": "bob", "context": {"tier": 3},
            "policyDocument": {"Version": "2012-10-17", "Statement": [
                {"Action": "execute-api:Invoke", "Effect": effect, "Resource": event["methodArn"]}]}}
"""
FAILING_AUTH = """
def handler(event, context):
    raise RuntimeError("nope")
"""


class _Issuer(QuietHandler):
    keys: dict[str, Any] = {}
    base = ""
    jwks_fetches = 0

    def do_GET(self) -> None:  # noqa: N802
        if self.path == "/.well-known/openid-configuration":
            body = {"issuer": type(self).base, "jwks_uri": type(self).base + "/keys.json"}
        elif self.path == "/keys.json":
            type(self).jwks_fetches += 1
            body = type(self).keys
        else:
            self.send_response(404)
            self.end_headers()
            return
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture(scope="module")
def issuer() -> Iterator[tuple[str, RSAKey]]:
    key = RSAKey.generate_key(2048, parameters={"kid": "test-key", "use": "sig"})
    _Issuer.keys = KeySet([key]).as_dict(private=False)
    with http_backend(_Issuer) as url:
        _Issuer.base = url
        yield url, key


def token(key: RSAKey, issuer: str, **claims: Any) -> str:
    now = int(time.time())
    body = {"iss": issuer, "aud": "my-client", "sub": "user-1", "iat": now - 10,
            "exp": now + 300, "scope": "read write", "cognito:groups": ["admin", "dev"]}  # fmt: skip
    body.update(claims)
    body = {k: v for k, v in body.items() if v is not None}
    return jwt.encode({"alg": "RS256", "kid": key.kid}, body, key)


@pytest.fixture
def jwt_api(v2, http_api, function, issuer):
    base, _ = issuer
    api_id = http_api()["ApiId"]
    authorizer = v2.create_authorizer(
        ApiId=api_id, Name="jwt", AuthorizerType="JWT",
        IdentitySource=["$request.header.Authorization"],
        JwtConfiguration={"Issuer": base, "Audience": ["my-client", "other"]},
    )  # fmt: skip
    arn = function(ECHO)
    lambda_route(v2, api_id, arn, "GET /open", AuthorizationType="JWT",
                 AuthorizerId=authorizer["AuthorizerId"])  # fmt: skip
    lambda_route(v2, api_id, arn, "GET /admin", AuthorizationType="JWT",
                 AuthorizerId=authorizer["AuthorizerId"], AuthorizationScopes=["admin"])  # fmt: skip
    lambda_route(v2, api_id, arn, "GET /reader", AuthorizationType="JWT",
                 AuthorizerId=authorizer["AuthorizerId"], AuthorizationScopes=["read"])  # fmt: skip
    v2.create_stage(ApiId=api_id, StageName="$default", AutoDeploy=True)
    return api_id


def test_jwt_valid_token_passes_claims(lenticular_server, jwt_api, issuer):
    base, key = issuer
    reply = call(lenticular_server, jwt_api, "/reader",
                 headers={"Authorization": "Bearer " + token(key, base)})  # fmt: skip
    assert reply.status == 200, reply.body
    jwt_context = reply.json()["requestContext"]["authorizer"]["jwt"]
    assert jwt_context["claims"]["sub"] == "user-1"
    assert jwt_context["claims"]["iss"] == base
    assert jwt_context["claims"]["cognito:groups"] == "[admin dev]"
    assert isinstance(jwt_context["claims"]["exp"], str)
    assert jwt_context["scopes"] == ["read", "write"]
    bare = call(lenticular_server, jwt_api, "/open", headers={"Authorization": token(key, base)})
    assert bare.status == 200  # without "Bearer " too


@pytest.mark.parametrize(
    "claims",
    [
        {"exp": int(time.time()) - 5},
        {"nbf": int(time.time()) + 600},
        {"iat": int(time.time()) + 600},
        {"aud": "someone-else"},
        {"iss": "https://evil.example"},
        {"exp": None},
    ],
)
def test_jwt_bad_claims_are_unauthorized(lenticular_server, jwt_api, issuer, claims):
    base, key = issuer
    reply = call(lenticular_server, jwt_api, "/open",
                 headers={"Authorization": "Bearer " + token(key, base, **claims)})  # fmt: skip
    assert (reply.status, reply.json()) == (401, {"message": "Unauthorized"})
    assert "invalid_token" in reply.headers["www-authenticate"]


def test_jwt_client_id_and_signature_and_missing(lenticular_server, jwt_api, issuer):
    base, key = issuer
    by_client = token(key, base, aud=None, client_id="other")
    assert call(lenticular_server, jwt_api, "/open",
                headers={"Authorization": by_client}).status == 200  # fmt: skip
    stranger = RSAKey.generate_key(2048, parameters={"kid": "test-key"})
    forged = token(stranger, base)
    assert (
        call(lenticular_server, jwt_api, "/open", headers={"Authorization": forged}).status == 401
    )
    unknown_kid = jwt.encode({"alg": "RS256", "kid": "nope"}, {"iss": base}, stranger)
    assert call(lenticular_server, jwt_api, "/open",
                headers={"Authorization": unknown_kid}).status == 401  # fmt: skip
    assert call(lenticular_server, jwt_api, "/open",
                headers={"Authorization": "Bearer not.a.jwt"}).status == 401  # fmt: skip
    missing = call(lenticular_server, jwt_api, "/open")
    assert (missing.status, missing.json()) == (401, {"message": "Unauthorized"})


def test_jwt_scopes_forbidden(lenticular_server, jwt_api, issuer):
    base, key = issuer
    reply = call(lenticular_server, jwt_api, "/admin",
                 headers={"Authorization": token(key, base)})  # fmt: skip
    assert (reply.status, reply.json()) == (403, {"message": "Forbidden"})
    assert "insufficient_scope" in reply.headers["www-authenticate"]
    allowed = call(lenticular_server, jwt_api, "/admin",
                   headers={"Authorization": token(key, base, scope="admin")})  # fmt: skip
    assert allowed.status == 200


def test_lambda_authorizer_simple_responses_and_cache(lenticular_server, v2, http_api, function):
    api_id = http_api()["ApiId"]
    authorizer = v2.create_authorizer(
        ApiId=api_id, Name="simple", AuthorizerType="REQUEST", AuthorizerUri=function(SIMPLE_AUTH),
        AuthorizerPayloadFormatVersion="2.0", EnableSimpleResponses=True,
        IdentitySource=["$request.header.X-Token"], AuthorizerResultTtlInSeconds=300,
    )  # fmt: skip
    lambda_route(v2, api_id, function(ECHO), "GET /items/{id}", AuthorizationType="CUSTOM",
                 AuthorizerId=authorizer["AuthorizerId"])  # fmt: skip
    v2.create_stage(ApiId=api_id, StageName="dev", AutoDeploy=True)
    first = call(lenticular_server, api_id, "/dev/items/1", headers={"X-Token": "good"})
    assert first.status == 200, first.body
    context = first.json()["requestContext"]["authorizer"]["lambda"]
    assert context["user"] == "alice" and context["calls"] == 1
    version, route_arn, sources = context["event"].split("|")
    assert version == "2.0" and sources == "good"
    assert route_arn == f"arn:aws:execute-api:us-east-1:000000000000:{api_id}/dev/GET/items/1"
    again = call(lenticular_server, api_id, "/dev/items/2", headers={"X-Token": "good"})
    assert again.json()["requestContext"]["authorizer"]["lambda"]["calls"] == 1  # cached
    denied = call(lenticular_server, api_id, "/dev/items/1", headers={"X-Token": "bad"})
    assert (denied.status, denied.json()) == (403, {"message": "Forbidden"})
    missing = call(lenticular_server, api_id, "/dev/items/1")
    assert (missing.status, missing.json()) == (401, {"message": "Unauthorized"})
    v2.reset_authorizers_cache(ApiId=api_id, StageName="dev")
    fresh = call(lenticular_server, api_id, "/dev/items/3", headers={"X-Token": "good"})
    assert fresh.json()["requestContext"]["authorizer"]["lambda"]["calls"] > 1  # invoked again


def test_lambda_authorizer_policy_v1_and_failure(lenticular_server, v2, http_api, function):
    api_id = http_api()["ApiId"]
    policy = v2.create_authorizer(
        ApiId=api_id, Name="policy", AuthorizerType="REQUEST", AuthorizerUri=function(POLICY_AUTH),
        AuthorizerPayloadFormatVersion="1.0", IdentitySource=["$request.querystring.key"],
    )  # fmt: skip
    failing = v2.create_authorizer(
        ApiId=api_id, Name="failing", AuthorizerType="REQUEST",
        AuthorizerUri=function(FAILING_AUTH), AuthorizerPayloadFormatVersion="2.0",
        IdentitySource=["$request.header.X-Any"],
    )  # fmt: skip
    echo = function(ECHO_V1)
    lambda_route(v2, api_id, echo, "GET /policy", version="1.0", AuthorizationType="CUSTOM",
                 AuthorizerId=policy["AuthorizerId"])  # fmt: skip
    lambda_route(v2, api_id, echo, "GET /failing", AuthorizationType="CUSTOM",
                 AuthorizerId=failing["AuthorizerId"])  # fmt: skip
    v2.create_stage(ApiId=api_id, StageName="$default", AutoDeploy=True)
    allowed = call(lenticular_server, api_id, "/policy?key=open")
    assert allowed.status == 200, allowed.body
    authorizer = allowed.json()["requestContext"]["authorizer"]["lambda"]
    assert authorizer == {"tier": "3", "principalId": "bob"}
    denied = call(lenticular_server, api_id, "/policy?key=closed")
    assert (denied.status, denied.json()) == (403, {"message": "Forbidden"})
    broken = call(lenticular_server, api_id, "/failing", headers={"X-Any": "1"})
    assert (broken.status, broken.json()) == (500, {"message": "Internal Server Error"})


def test_aws_iam_routes_need_a_sigv4_signature(lenticular_server, v2, http_api, function):
    api_id = http_api()["ApiId"]
    echo = function(ECHO)
    lambda_route(v2, api_id, echo, "GET /iam", AuthorizationType="AWS_IAM")
    lambda_route(v2, api_id, function(ECHO_V1), "GET /iam-v1", version="1.0",
                 AuthorizationType="AWS_IAM")  # fmt: skip
    v2.create_stage(ApiId=api_id, StageName="$default", AutoDeploy=True)
    unsigned = call(lenticular_server, api_id, "/iam")
    assert (unsigned.status, unsigned.json()) == (403, {"message": "Forbidden"})
    status, _, body = signed_call(lenticular_server, api_id, "/iam")
    assert status == 200, body
    assert body["requestContext"]["authorizer"]["iam"] == {
        "accessKey": "test", "accountId": "000000000000", "callerId": "000000000000",
        "cognitoIdentity": None, "principalOrgId": None,
        "userArn": "arn:aws:iam::000000000000:root", "userId": "000000000000",
    }  # fmt: skip
    status, _, body = signed_call(lenticular_server, api_id, "/iam-v1")
    assert status == 200, body
    identity = body["requestContext"]["identity"]
    assert (identity["accessKey"], identity["accountId"]) == ("test", "000000000000")
    status, _, body = signed_call(lenticular_server, api_id, "/iam",
                                  credentials=("test", "wrong", None))  # fmt: skip
    assert status == 403 and "signature we calculated does not match" in body["message"]
    status, _, body = signed_call(lenticular_server, api_id, "/iam", service="lambda")
    assert status == 403 and "execute-api" in body["message"]
