"""`--verify-signatures`: signatures checked against the configured secrets, as AWS does."""

from __future__ import annotations

import http.client
import json
import time
import urllib.error
import urllib.request

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from lenticular.testing.server import LenticularServer
from tests.wire_client import send


@pytest.fixture(scope="module")
def strict_server(tmp_path_factory):
    server = LenticularServer(
        tmp_path_factory.mktemp("strict"),
        verify_signatures=True,
        env={"LENTICULAR_CREDENTIALS": "AKIDALICE000000000:alice-secret:111111111111"},
    )
    with server:
        yield server


def error_of(call) -> dict:
    with pytest.raises(ClientError) as err:
        call()
    return {
        **err.value.response["Error"],
        "Status": err.value.response["ResponseMetadata"]["HTTPStatusCode"],
    }


def test_good_signatures_pass(strict_server):
    assert strict_server.client("sts").get_caller_identity()["Account"] == "000000000000"
    alice = strict_server.client(
        "sts", aws_access_key_id="AKIDALICE000000000", aws_secret_access_key="alice-secret"
    )
    assert alice.get_caller_identity()["Account"] == "111111111111"


def test_wrong_secret_is_signature_does_not_match(strict_server):
    sts = strict_server.client("sts", aws_secret_access_key="not-the-secret")
    error = error_of(sts.get_caller_identity)
    assert error["Code"] == "SignatureDoesNotMatch"
    assert error["Status"] == 403
    assert error["Message"].startswith("The request signature we calculated does not match")


def test_unknown_access_key_is_invalid_client_token(strict_server):
    sts = strict_server.client("sts", aws_access_key_id="AKIDNOBODY00000000")
    error = error_of(sts.get_caller_identity)
    assert error["Code"] == "InvalidClientTokenId"
    assert error["Status"] == 403
    assert error["Message"] == "The security token included in the request is invalid."


def test_json_protocol_rejection_shape(strict_server):
    ddb = strict_server.client("dynamodb", aws_secret_access_key="wrong")
    error = error_of(ddb.list_tables)
    assert error["Code"] == "InvalidSignatureException"
    assert error["Status"] == 400


def test_temporary_credentials_are_accepted_and_checked(strict_server):
    creds = strict_server.client("sts").assume_role(
        RoleArn="arn:aws:iam::222222222222:role/strict", RoleSessionName="strict-session"
    )["Credentials"]
    good = strict_server.client(
        "sts",
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )
    assert good.get_caller_identity()["Account"] == "222222222222"
    no_token = strict_server.client(
        "sts",
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
    )
    assert error_of(no_token.get_caller_identity)["Code"] == "InvalidClientTokenId"


def test_presigned_url_verified_and_expires(strict_server):
    sts = strict_server.client("sts")
    url = sts.generate_presigned_url("get_caller_identity", ExpiresIn=60, HttpMethod="GET")
    with urllib.request.urlopen(url, timeout=10) as resp:
        assert b"<Account>000000000000</Account>" in resp.read()

    tampered = url.replace("X-Amz-Expires=60", "X-Amz-Expires=61")
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(tampered, timeout=10)
    assert err.value.code == 403
    assert b"SignatureDoesNotMatch" in err.value.read()

    short = sts.generate_presigned_url("get_caller_identity", ExpiresIn=1, HttpMethod="GET")
    time.sleep(2.1)
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(short, timeout=10)
    assert err.value.code == 403


def test_unsigned_calls_are_refused_in_strict_mode(strict_server):
    resp = send(
        strict_server.endpoint, "POST", "/", service=None,
        body=b"Action=GetCallerIdentity&Version=2011-06-15",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )  # fmt: skip
    assert resp.status == 403


def test_unsigned_json_call_is_refused_in_strict_mode(strict_server):
    resp = send(
        strict_server.endpoint, "POST", "/", service=None, body=b"{}",
        headers={"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "DynamoDB_20120810.ListTables"},
    )  # fmt: skip
    assert resp.status == 400
    assert resp.headers["x-amzn-requestid"]
    assert b"MissingAuthenticationTokenException" in resp.body


def test_unsigned_operations_aws_allows_stay_open_in_strict_mode(strict_server):
    # Cognito's InitiateAuth is anonymous on AWS: strict mode must not demand a signature.
    resp = send(
        strict_server.endpoint, "POST", "/", service=None, body=b'{"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": "x"}',
        headers={"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "AWSCognitoIdentityProviderService.InitiateAuth"},
    )  # fmt: skip
    assert b"MissingAuthenticationToken" not in resp.body


def test_functions_call_back_with_their_execution_role_in_strict_mode(strict_server):
    import io
    import json as _json
    import zipfile

    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as zf:
        zf.writestr(
            "app.py",
            "import boto3\n"
            "def handler(event, context):\n"
            "    who = boto3.client('sts').get_caller_identity()\n"
            "    tables = boto3.client('dynamodb').list_tables()['TableNames']\n"
            "    return {'arn': who['Arn'], 'tables': isinstance(tables, list)}\n",
        )
    lam = strict_server.client("lambda")
    lam.create_function(
        FunctionName="strict-caller",
        Runtime="python3.12",
        Role="arn:aws:iam::000000000000:role/service/strict-exec",
        Handler="app.handler",
        Code={"ZipFile": code.getvalue()},
        Timeout=30,
    )
    out = lam.invoke(FunctionName="strict-caller")
    body = _json.loads(out["Payload"].read())
    assert "FunctionError" not in out, body
    assert body == {
        "arn": "arn:aws:sts::000000000000:assumed-role/strict-exec/strict-caller",
        "tables": True,
    }


def _dynamodb_signed_at(server, amz_date: str, access_key: str) -> tuple[int, dict]:
    """ListTables signed by `access_key`, its date moved to `amz_date` (YYYYMMDDTHHMMSSZ)."""
    request = AWSRequest("POST", f"{server.endpoint}/", data=b"{}", headers={
        "X-Amz-Target": "DynamoDB_20120810.ListTables",
        "Content-Type": "application/x-amz-json-1.0",
    })  # fmt: skip
    SigV4Auth(Credentials(access_key, "whatever"), "dynamodb", "us-east-1").add_auth(request)
    headers = dict(request.headers.items())
    today = headers["X-Amz-Date"][:8]
    headers["X-Amz-Date"] = amz_date
    headers["Authorization"] = headers["Authorization"].replace(f"/{today}/", f"/{amz_date[:8]}/")
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        conn.request("POST", "/", body=b"{}", headers=headers)
        response = conn.getresponse()
        return response.status, json.loads(response.read())
    finally:
        conn.close()


@pytest.mark.parametrize(
    ("amz_date", "words"),
    [("20200101T000000Z", "Signature expired"), ("20990101T000000Z", "Signature not yet current")],
)
def test_stale_signature_is_refused_before_the_key_is_looked_up(strict_server, amz_date, words):
    """Outside S3, AWS checks the request time first: an unknown key signing at a stale
    or future time gets InvalidSignatureException about the time, not about the key."""
    status, body = _dynamodb_signed_at(strict_server, amz_date, "AKIDNOBODY00000000")
    assert status == 400
    assert body["__type"].endswith("InvalidSignatureException")
    assert words in body["message"]
    status, body = _dynamodb_signed_at(strict_server, time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()),
                                       "AKIDNOBODY00000000")  # fmt: skip
    assert status == 400 and body["__type"].endswith("UnrecognizedClientException")
