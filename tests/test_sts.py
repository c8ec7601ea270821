"""STS through boto3 against a real server: identities, temporary credentials, errors."""

from __future__ import annotations

import datetime as dt

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError


def test_get_caller_identity_default_account(aws_client):
    identity = aws_client("sts").get_caller_identity()
    assert identity["Account"] == "000000000000"
    assert identity["Arn"] == "arn:aws:iam::000000000000:root"
    assert identity["UserId"]
    assert identity["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert identity["ResponseMetadata"]["RequestId"]


def test_twelve_digit_access_key_selects_account(lenticular_server):
    sts = lenticular_server.client("sts", aws_access_key_id="111122223333")
    assert sts.get_caller_identity()["Account"] == "111122223333"


def test_assume_role_returns_usable_credentials(lenticular_server):
    sts = lenticular_server.client("sts")
    role_arn = "arn:aws:iam::123456789012:role/app/deployer"
    out = sts.assume_role(RoleArn=role_arn, RoleSessionName="ci-run", DurationSeconds=900)
    creds = out["Credentials"]
    assert creds["AccessKeyId"].startswith("ASIA") and len(creds["AccessKeyId"]) == 20
    assert len(creds["SecretAccessKey"]) == 40
    assert creds["SessionToken"]
    remaining = creds["Expiration"] - dt.datetime.now(dt.UTC)
    assert dt.timedelta(seconds=800) < remaining <= dt.timedelta(seconds=900)
    user = out["AssumedRoleUser"]
    assert user["Arn"] == "arn:aws:sts::123456789012:assumed-role/deployer/ci-run"
    assert user["AssumedRoleId"].startswith("AROA") and user["AssumedRoleId"].endswith(":ci-run")

    assumed = lenticular_server.client(
        "sts",
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )
    me = assumed.get_caller_identity()
    assert me["Account"] == "123456789012"
    assert me["Arn"] == user["Arn"]
    assert me["UserId"] == user["AssumedRoleId"]


def test_role_id_is_stable_per_role(aws_client):
    sts = aws_client("sts")
    arn = "arn:aws:iam::123456789012:role/stable"
    a = sts.assume_role(RoleArn=arn, RoleSessionName="aa")["AssumedRoleUser"]["AssumedRoleId"]
    b = sts.assume_role(RoleArn=arn, RoleSessionName="bb")["AssumedRoleUser"]["AssumedRoleId"]
    assert a.split(":")[0] == b.split(":")[0]


def test_get_session_token_keeps_the_callers_identity(lenticular_server):
    sts = lenticular_server.client("sts")
    creds = sts.get_session_token(DurationSeconds=1800)["Credentials"]
    assert creds["AccessKeyId"].startswith("ASIA")
    session = lenticular_server.client(
        "sts",
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )
    assert session.get_caller_identity()["Arn"] == "arn:aws:iam::000000000000:root"


def test_assume_role_rejects_malformed_role_arn(aws_client):
    with pytest.raises(ClientError) as err:
        aws_client("sts").assume_role(
            RoleArn="arn:aws:s3:::not-a-role-at-all", RoleSessionName="xx"
        )
    assert err.value.response["Error"]["Code"] == "ValidationError"
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_assume_role_validates_duration_against_the_model(lenticular_server):
    # botocore would refuse 60 itself; turn its checks off to see the server's answer.
    sts = lenticular_server.client("sts", config=Config(parameter_validation=False))
    with pytest.raises(ClientError) as err:
        sts.assume_role(
            RoleArn="arn:aws:iam::123456789012:role/r", RoleSessionName="xx", DurationSeconds=60
        )
    error = err.value.response["Error"]
    assert error["Code"] == "ValidationError"
    assert error["Message"] == (
        "1 validation error detected: Value '60' at 'durationSeconds' failed to satisfy "
        "constraint: Member must have value greater than or equal to 900"
    )


def test_not_implemented_operation_says_so(aws_client):
    with pytest.raises(ClientError) as err:
        aws_client("sts").get_access_key_info(AccessKeyId="AKIAIOSFODNN7EXAMPLE")
    assert err.value.response["Error"]["Code"] == "NotImplemented"
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 501
    assert "GetAccessKeyInfo" in err.value.response["Error"]["Message"]
