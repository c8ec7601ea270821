"""AWS_IAM method authorization (SigV4 for execute-api, signed with botocore's SigV4Auth)
and the COGNITO_USER_POOLS hook, on a server that does not verify AWS API signatures."""

from __future__ import annotations

import datetime
import http.client
import json

import botocore.auth
import pytest
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from lenticular.testing.server import LenticularServer
from tests.services.apigateway.conftest import add_resource, call, unique
from tests.services.apigateway.test_lambda_proxy import ECHO, lambda_uri

IDENTITY_TEMPLATE = json.dumps({
    "accessKey": "$context.identity.accessKey",
    "accountId": "$context.identity.accountId",
    "caller": "$context.identity.caller",
    "user": "$context.identity.user",
    "userArn": "$context.identity.userArn",
    "cognitoIdentityId": "$context.identity.cognitoIdentityId",
})  # fmt: skip


def signed_call(server, api_id, path, *, credentials=("test", "test", None), method="GET",
                body=b"", region="us-east-1", service="execute-api", tamper=None,
                host_form=False):  # fmt: skip
    if host_form:
        host = f"{api_id}.execute-api.localhost:{server.port}"
        url = f"http://{host}{path}"
    else:
        host = f"127.0.0.1:{server.port}"
        url = f"http://{host}/_aws/execute-api/{api_id}{path}"
    request = AWSRequest(method=method, url=url, data=body, headers={"Content-Type": "text/plain"})
    botocore.auth.SigV4Auth(Credentials(*credentials), service, region).add_auth(request)
    headers = {**dict(request.headers.items()), "Host": host}
    if tamper:
        headers = tamper(headers)
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        connection.request(method, url.split(str(server.port), 1)[1], body=body or None,
                           headers=headers)  # fmt: skip
        response = connection.getresponse()
        return (
            response.status,
            {k.lower(): v for k, v in response.getheaders()},
            json.loads(response.read() or b"null"),
        )
    finally:
        connection.close()


@pytest.fixture
def iam_api(apigw, rest_api):
    """An API whose GET and POST /who answer the caller's $context.identity (AWS_IAM)."""
    api = rest_api()
    rid = add_resource(apigw, api, "/who")
    for verb in ("GET", "POST"):
        where = {"restApiId": api["id"], "resourceId": rid, "httpMethod": verb}
        apigw.put_method(**where, authorizationType="AWS_IAM")
        apigw.put_integration(**where, type="MOCK",
                              requestTemplates={"application/json": '{"statusCode": 200}',
                                                "text/plain": '{"statusCode": 200}'})  # fmt: skip
        apigw.put_method_response(**where, statusCode="200")
        apigw.put_integration_response(
            **where,
            statusCode="200",
            selectionPattern="",
            responseTemplates={"application/json": IDENTITY_TEMPLATE},
        )
    apigw.create_deployment(restApiId=api["id"], stageName="dev")
    return api


def test_missing_signature_is_refused(lenticular_server, iam_api):
    reply = call(lenticular_server, iam_api["id"], "/dev/who")
    assert reply.status == 403
    assert reply.json() == {"message": "Missing Authentication Token"}
    assert reply.headers["x-amzn-errortype"] == "MissingAuthenticationTokenException"
    bearer = call(lenticular_server, iam_api["id"], "/dev/who",
                  headers={"Authorization": "Bearer abc"})  # fmt: skip
    assert (bearer.status, bearer.json()) == (403, {"message": "Missing Authentication Token"})


def test_signed_request_passes_with_identity(lenticular_server, iam_api):
    status, _, body = signed_call(lenticular_server, iam_api["id"], "/dev/who?x=1")
    assert status == 200
    assert body == {
        "accessKey": "test", "accountId": "000000000000", "caller": "000000000000",
        "user": "000000000000", "userArn": "arn:aws:iam::000000000000:root",
        "cognitoIdentityId": "",
    }  # fmt: skip
    status, _, body = signed_call(lenticular_server, iam_api["id"], "/dev/who", host_form=True)
    assert status == 200 and body["accessKey"] == "test"
    status, _, body = signed_call(lenticular_server, iam_api["id"], "/dev/who", method="POST",
                                  body=b"some payload")  # fmt: skip
    assert status == 200 and body["accessKey"] == "test"


def test_unknown_key_bad_signature_and_wrong_scope(lenticular_server, iam_api):
    api_id = iam_api["id"]
    status, headers, body = signed_call(lenticular_server, api_id, "/dev/who",
                                        credentials=(unique("AKIA"), "secret", None))  # fmt: skip
    assert (status, body) == (
        403,
        {"message": "The security token included in the request is invalid."},
    )
    assert headers["x-amzn-errortype"] == "UnrecognizedClientException"
    status, headers, body = signed_call(lenticular_server, api_id, "/dev/who",
                                        credentials=("test", "wrong", None))  # fmt: skip
    assert status == 403 and headers["x-amzn-errortype"] == "InvalidSignatureException"
    assert body["message"].startswith(
        "The request signature we calculated does not match the signature you provided."
    )
    status, _, body = signed_call(
        lenticular_server, api_id, "/dev/who", method="POST", body=b"signed",
        tamper=lambda h: {**h, "X-Amz-Date": h["X-Amz-Date"][:-3] + "00Z"},
    )  # fmt: skip
    assert status == 403 and body["message"].startswith("The request signature we calculated")

    status, _, body = signed_call(lenticular_server, api_id, "/dev/who", service="apigateway")
    assert (status, body) == (
        403,
        {"message": "Credential should be scoped to correct service: 'execute-api'. "},
    )
    status, _, body = signed_call(lenticular_server, api_id, "/dev/who", region="eu-west-1")
    assert (status, body) == (
        403,
        {"message": "Credential should be scoped to a valid region, not 'eu-west-1'. "},
    )
    status, _, body = signed_call(
        lenticular_server, api_id, "/dev/who",
        tamper=lambda h: {**h, "Authorization": h["Authorization"].replace("Credential=", "")},
    )  # fmt: skip
    assert status == 403 and "not a valid key=value pair (missing equal-sign)" in body["message"]


def test_expired_and_future_signatures(lenticular_server, iam_api, monkeypatch):
    now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    monkeypatch.setattr(botocore.auth, "get_current_datetime",
                        lambda: now - datetime.timedelta(minutes=20))  # fmt: skip
    status, headers, body = signed_call(lenticular_server, iam_api["id"], "/dev/who")
    assert status == 403 and body["message"].startswith("Signature expired: ")
    assert headers["x-amzn-errortype"] == "InvalidSignatureException"
    monkeypatch.setattr(botocore.auth, "get_current_datetime",
                        lambda: now + datetime.timedelta(minutes=20))  # fmt: skip
    status, _, body = signed_call(lenticular_server, iam_api["id"], "/dev/who")
    assert status == 403 and body["message"].startswith("Signature not yet current: ")


def test_sts_session_credentials(lenticular_server, aws_client, iam_api):
    token = aws_client("sts").get_session_token()["Credentials"]
    creds = (token["AccessKeyId"], token["SecretAccessKey"], token["SessionToken"])
    status, _, body = signed_call(lenticular_server, iam_api["id"], "/dev/who", credentials=creds)
    assert status == 200 and body["accessKey"] == token["AccessKeyId"]
    status, _, body = signed_call(lenticular_server, iam_api["id"], "/dev/who",
                                  credentials=(creds[0], creds[1], "not-the-token"))  # fmt: skip
    assert (status, body) == (
        403,
        {"message": "The security token included in the request is invalid."},
    )
    status, _, body = signed_call(lenticular_server, iam_api["id"], "/dev/who",
                                  credentials=(creds[0], creds[1], None))  # fmt: skip
    assert status == 403


def test_cognito_user_pool_method_without_cognito(lenticular_server, apigw, rest_api):
    api = rest_api()
    authorizer = apigw.create_authorizer(
        restApiId=api["id"], name="pool", type="COGNITO_USER_POOLS",
        providerARNs=["arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_abc"],
        identitySource="method.request.header.Authorization",
    )  # fmt: skip
    rid = add_resource(apigw, api, "/private")
    where = {"restApiId": api["id"], "resourceId": rid, "httpMethod": "GET"}
    apigw.put_method(**where, authorizationType="COGNITO_USER_POOLS",
                     authorizerId=authorizer["id"])  # fmt: skip
    apigw.put_integration(
        **where, type="MOCK", requestTemplates={"application/json": '{"statusCode": 200}'}
    )
    apigw.create_deployment(restApiId=api["id"], stageName="dev")
    missing = call(lenticular_server, api["id"], "/dev/private")
    assert (missing.status, missing.json()) == (401, {"message": "Unauthorized"})
    present = call(lenticular_server, api["id"], "/dev/private",
                   headers={"Authorization": "eyJhbGciOi.x.y"})  # fmt: skip
    assert (present.status, present.json()) == (500, {"message": None})
    assert present.headers["x-amzn-errortype"] == "AuthorizerConfigurationException"


def test_proxy_event_identity(lenticular_server, apigw, rest_api, function):  # noqa: F811
    arn = function(ECHO)
    api = rest_api()
    rid = add_resource(apigw, api, "/echo")
    where = {"restApiId": api["id"], "resourceId": rid, "httpMethod": "GET"}
    apigw.put_method(**where, authorizationType="AWS_IAM")
    apigw.put_integration(**where, type="AWS_PROXY", integrationHttpMethod="POST",
                          uri=lambda_uri(arn))  # fmt: skip
    apigw.create_deployment(restApiId=api["id"], stageName="dev")
    status, _, event = signed_call(lenticular_server, api["id"], "/dev/echo")
    assert status == 200
    identity = event["requestContext"]["identity"]
    assert identity["accessKey"] == "test"
    assert identity["accountId"] == "000000000000"
    assert identity["caller"] == identity["user"] == "000000000000"
    assert identity["userArn"] == "arn:aws:iam::000000000000:root"
    assert identity["cognitoIdentityId"] is None and identity["cognitoIdentityPoolId"] is None
    assert event["headers"]["authorization"].startswith("AWS4-HMAC-SHA256 Credential=test/")


def test_keys_from_lenticular_credentials(tmp_path):
    env = {"LENTICULAR_CREDENTIALS": "AKIDEXAMPLE1:sekrit:123456789012"}
    with LenticularServer(tmp_path / "data", env=env) as server:
        apigw = server.client("apigateway", aws_access_key_id="AKIDEXAMPLE1",
                              aws_secret_access_key="sekrit")  # fmt: skip
        api = apigw.create_rest_api(name=unique())
        rid = add_resource(apigw, api, "/who")
        where = {"restApiId": api["id"], "resourceId": rid, "httpMethod": "GET"}
        apigw.put_method(**where, authorizationType="AWS_IAM")
        apigw.put_integration(
            **where, type="MOCK", requestTemplates={"application/json": '{"statusCode": 200}'}
        )
        apigw.put_method_response(**where, statusCode="200")
        apigw.put_integration_response(
            **where,
            statusCode="200",
            selectionPattern="",
            responseTemplates={"application/json": IDENTITY_TEMPLATE},
        )
        apigw.create_deployment(restApiId=api["id"], stageName="dev")
        status, _, body = signed_call(server, api["id"], "/dev/who",
                                      credentials=("AKIDEXAMPLE1", "sekrit", None))  # fmt: skip
        assert status == 200
        assert body["accountId"] == "123456789012"
        assert body["userArn"] == "arn:aws:iam::123456789012:root"
        status, _, _ = signed_call(server, api["id"], "/dev/who",
                                   credentials=("AKIDEXAMPLE1", "wrong", None))  # fmt: skip
        assert status == 403


def test_presigned_url(lenticular_server, iam_api):
    url = f"http://127.0.0.1:{lenticular_server.port}/_aws/execute-api/{iam_api['id']}/dev/who"
    request = AWSRequest(method="GET", url=url + "?x=1")
    botocore.auth.SigV4QueryAuth(Credentials("test", "test"), "execute-api", "us-east-1",
                                 expires=60).add_auth(request)  # fmt: skip
    target = request.url.split(str(lenticular_server.port), 1)[1]
    connection = http.client.HTTPConnection("127.0.0.1", lenticular_server.port, timeout=30)
    try:
        connection.request("GET", target)
        response = connection.getresponse()
        assert response.status == 200
        assert json.loads(response.read())["accessKey"] == "test"
    finally:
        connection.close()
