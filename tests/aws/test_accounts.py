"""The account directory: lenient and strict lookup, temporary credentials, env config."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from lenticular.aws.accounts import AccountDirectory, Identity, parse_credentials_spec
from lenticular.aws.sigv4 import parse_credential
from lenticular.errors import ServiceError
from tests.aws.botocore_requests import ACCESS_KEY, SECRET_KEY, call


def now() -> datetime:
    return datetime.now(UTC)


def signed(service="sts", operation="get_caller_identity", params=None, **client_args):
    request = call(service, operation, params or {}, **client_args)
    return request, parse_credential(request)


def directory_with_example_key() -> AccountDirectory:
    directory = AccountDirectory.from_environment(
        {"LENTICULAR_CREDENTIALS": f"{ACCESS_KEY}:{SECRET_KEY}:111111111111"}
    )
    return directory


def test_default_key():
    identity = AccountDirectory().lookup("test")
    assert identity == Identity(
        "test", "test", "000000000000", "arn:aws:iam::000000000000:root", "000000000000"
    )


def test_environment_keys():
    directory = AccountDirectory.from_environment(
        {"LENTICULAR_CREDENTIALS": " A1:s1:111111111111 , A2:s/2+:222222222222,"}
    )
    assert directory.lookup("A1").account_id == "111111111111"
    assert directory.lookup("A2").secret_key == "s/2+"
    assert directory.lookup("A2").arn == "arn:aws:iam::222222222222:root"
    assert directory.lookup("test") is not None


@pytest.mark.parametrize("spec", ["A1:s1", "A1:s1:12345", "A1::111111111111"])
def test_environment_errors(spec):
    with pytest.raises(ValueError, match="LENTICULAR_CREDENTIALS"):
        parse_credentials_spec(spec)


def test_lenient_unknown_key_uses_default_account():
    request, credential = signed()
    identity = AccountDirectory().authenticate(request, credential, strict=False, now=now())
    assert (identity.access_key, identity.account_id) == (ACCESS_KEY, "000000000000")


def test_lenient_twelve_digit_key_names_the_account():
    identity = AccountDirectory().lenient_identity("123456789012")
    assert (identity.account_id, identity.arn) == ("123456789012", "arn:aws:iam::123456789012:root")


def test_lenient_mode_does_not_check_signatures():
    request, credential = signed()
    request.body += b"&tampered=1"
    AccountDirectory().authenticate(
        request, credential, strict=False, now=now() + timedelta(days=1)
    )


def test_strict_valid_signature():
    request, credential = signed()
    identity = directory_with_example_key().authenticate(
        request, credential, strict=True, now=now()
    )
    assert identity.account_id == "111111111111"


@pytest.mark.parametrize(
    ("service", "operation", "params", "code", "message"),
    [
        (
            "sts",
            "get_caller_identity",
            {},
            "InvalidClientTokenId",
            "The security token included in the request is invalid.",
        ),
        (
            "dynamodb",
            "list_tables",
            {},
            "UnrecognizedClientException",
            "The security token included in the request is invalid.",
        ),
        (
            "s3",
            "list_buckets",
            {},
            "InvalidAccessKeyId",
            "The AWS Access Key Id you provided does not exist in our records.",
        ),
    ],
)
def test_strict_unknown_key(service, operation, params, code, message):
    request, credential = signed(service, operation, params)
    with pytest.raises(ServiceError) as caught:
        AccountDirectory().authenticate(request, credential, strict=True, now=now())
    assert (caught.value.code, caught.value.message) == (code, message)
    assert caught.value.status == (400 if service == "dynamodb" else 403)


def test_strict_bad_signature():
    request, credential = signed()
    directory = AccountDirectory.from_environment(
        {"LENTICULAR_CREDENTIALS": f"{ACCESS_KEY}:wrong:111111111111"}
    )
    with pytest.raises(ServiceError) as caught:
        directory.authenticate(request, credential, strict=True, now=now())
    assert caught.value.code == "SignatureDoesNotMatch"


def temporary(expires_at: datetime, token: str = "session-token") -> AccountDirectory:
    directory = AccountDirectory()
    issued = Identity(
        ACCESS_KEY, SECRET_KEY, "333333333333", "arn:aws:sts::333333333333:assumed-role/r/s",
        "AROAEXAMPLE:s", token, expires_at,
    )  # fmt: skip
    directory.add_resolver(lambda key: issued if key == ACCESS_KEY else None)
    return directory


def test_resolver_temporary_credentials():
    request, credential = signed(token="session-token")
    identity = temporary(now() + timedelta(hours=1)).authenticate(
        request, credential, strict=True, now=now()
    )
    assert identity.arn == "arn:aws:sts::333333333333:assumed-role/r/s"
    lenient = temporary(now() + timedelta(hours=1)).authenticate(
        request, credential, strict=False, now=now()
    )
    assert lenient.account_id == "333333333333"


@pytest.mark.parametrize(
    ("service", "operation", "code"),
    [
        ("sts", "get_caller_identity", "ExpiredToken"),
        ("dynamodb", "list_tables", "ExpiredTokenException"),
        ("s3", "list_buckets", "ExpiredToken"),
    ],
)
def test_expired_temporary_credentials(service, operation, code):
    request, credential = signed(service, operation, token="session-token")
    with pytest.raises(ServiceError) as caught:
        temporary(now() - timedelta(seconds=1)).authenticate(
            request, credential, strict=True, now=now()
        )
    assert caught.value.code == code
    if service != "s3":
        assert caught.value.message == "The security token included in the request is expired"


@pytest.mark.parametrize("token", [None, "other-token"])
def test_session_token_mismatch(token):
    request, credential = signed(token=token)
    with pytest.raises(ServiceError) as caught:
        temporary(now() + timedelta(hours=1)).authenticate(
            request, credential, strict=True, now=now()
        )
    assert caught.value.code == "InvalidClientTokenId"


def test_session_token_with_long_term_key():
    request, credential = signed(token="stray")
    with pytest.raises(ServiceError) as caught:
        directory_with_example_key().authenticate(request, credential, strict=True, now=now())
    assert caught.value.code == "InvalidClientTokenId"
