"""SigV4 verification against requests signed by botocore's own signers."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
from botocore.auth import S3SigV4Auth, S3SigV4QueryAuth, SigV4Auth, SigV4QueryAuth

from lenticular.aws import canonical, sigv4
from lenticular.aws.errors import MISMATCH_MESSAGE, S3_MISMATCH_MESSAGE
from lenticular.aws.sigv4 import parse_credential, verify
from lenticular.errors import ServiceError
from lenticular.protocol.http import HttpRequest
from tests.aws.botocore_requests import CREDENTIALS, SECRET_KEY, call, presign, sign

ODD_KEYS = [
    "plain.txt",
    "a b/c d.txt",
    "ünïcødé/日本語.txt",
    "plus+sign=equals&amp?question#hash",
    "tilde~star*quote'paren()!",
    "percent%41literal%2F",
    "double//slash/./dot/../seg",
    "trailing/",
    "semi;colon:at@dollar$comma,",
]

SDK_CALLS = [
    ("sts", "get_caller_identity", {}),
    (
        "sts",
        "assume_role",
        {"RoleArn": "arn:aws:iam::000000000000:role/r", "RoleSessionName": "s p+a=c&e"},
    ),
    ("dynamodb", "list_tables", {}),
    ("dynamodb", "put_item", {"TableName": "t", "Item": {"k": {"S": "ünï côdé  spaces"}}}),
    ("lambda", "get_function", {"FunctionName": "fn:name with space", "Qualifier": "$LATEST"}),
    ("lambda", "list_functions", {"Marker": "a b+c=d/e", "MaxItems": 5}),
    ("lambda", "invoke", {"FunctionName": "f", "Payload": b'{"x": "\xc3\xbc"}'}),
    ("apigateway", "get_rest_apis", {"position": "p o+s", "limit": 3}),
    ("apigateway", "get_resource", {"restApiId": "abc", "resourceId": "r/e s"}),
    (
        "logs",
        "put_log_events",
        {
            "logGroupName": "/aws/lambda/f",
            "logStreamName": "2026/01/01/[$LATEST]x",
            "logEvents": [{"timestamp": 1, "message": "hi"}],
        },
    ),
    ("cognito-idp", "list_users", {"UserPoolId": "us-east-1_abc", "Filter": 'email = "a+b@x.com"'}),
    (
        "sns",
        "publish",
        {"TopicArn": "arn:aws:sns:us-east-1:000000000000:t", "Message": "a b+c&d=e ü"},
    ),
    (
        "sqs",
        "send_message",
        {"QueueUrl": "http://localhost:4566/000000000000/q", "MessageBody": "x"},
    ),
    ("cloudformation", "describe_stacks", {"StackName": "s"}),
    ("iam", "list_users", {"PathPrefix": "/a b/"}),
    ("s3", "list_buckets", {}),
    ("s3", "list_objects_v2", {"Bucket": "b", "Prefix": "a b+c=d&e/ü", "StartAfter": ""}),
    (
        "s3",
        "delete_objects",
        {"Bucket": "b", "Delete": {"Objects": [{"Key": "a b"}, {"Key": "c+d"}]}},
    ),
    (
        "s3",
        "get_object",
        {
            "Bucket": "b",
            "Key": "k",
            "VersionId": "v+1=",
            "Range": "bytes=0-9",
            "ResponseContentDisposition": 'attachment; filename="a b.txt"',
        },
    ),
    (
        "s3",
        "put_object_tagging",
        {"Bucket": "b", "Key": "a b", "Tagging": {"TagSet": [{"Key": "k", "Value": "v w"}]}},
    ),
    (
        "s3",
        "put_object",
        {"Bucket": "b", "Key": "k", "Body": b"x" * 1000, "Metadata": {"m": "  spaced   value  "}},
    ),
]
SDK_CALLS += [
    ("s3", "put_object", {"Bucket": "b", "Key": key, "Body": b"data"}) for key in ODD_KEYS
]
SDK_CALLS += [("s3", "get_object", {"Bucket": "b", "Key": key}) for key in ODD_KEYS]


def now() -> datetime:
    return datetime.now(UTC)


def primary_signature(request: HttpRequest, credential: sigv4.Credential) -> str:
    """The signature of the first canonical request only (no fallback variants)."""
    s3 = credential.service == "s3"
    payload = canonical.payload_hash(request, credential, s3)
    first = next(canonical.canonical_requests(request, credential, payload, s3))
    timestamp = sigv4._request_timestamp(request, credential, "json")
    string_to_sign = sigv4._string_to_sign(credential, timestamp, first)
    key = sigv4.signing_key(SECRET_KEY, credential.date, credential.region, credential.service)
    return hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()


def assert_valid(request: HttpRequest) -> sigv4.Credential:
    credential = parse_credential(request)
    assert credential is not None
    verify(request, credential, SECRET_KEY, now=now())
    # SDK-made requests must match on the first try: the fallbacks are for odd clients.
    assert primary_signature(request, credential) == credential.signature
    return credential


def rejected(
    request: HttpRequest, secret: str = SECRET_KEY, at: datetime | None = None
) -> ServiceError:
    credential = parse_credential(request)
    assert credential is not None
    with pytest.raises(ServiceError) as caught:
        verify(request, credential, secret, now=at or now())
    return caught.value


@pytest.mark.parametrize(("service", "operation", "params"), SDK_CALLS)
def test_sdk_requests_verify(service, operation, params):
    credential = assert_valid(call(service, operation, params))
    assert credential.service == service if service != "sqs" else "sqs"


@pytest.mark.parametrize("key", ODD_KEYS)
def test_s3_virtual_hosted_style(key):
    # The host names the bucket; SigV4 signs the host header and the path as sent.
    url = "http://bucket.s3.localhost:4566/" + quote(key, safe="/~")
    request = sign(S3SigV4Auth(CREDENTIALS, "s3", "us-east-1"), "PUT", url, body=b"x")
    assert request.headers["host"] == "bucket.s3.localhost:4566"
    assert_valid(request)


def test_session_token_is_signed_and_read():
    request = call("sts", "get_caller_identity", {}, token="session/token+==")
    credential = assert_valid(request)
    assert credential.security_token == "session/token+=="


@pytest.mark.parametrize("key", ODD_KEYS)
def test_s3_presigned_get(key):
    request = presign(
        "s3",
        "get_object",
        {"Bucket": "b", "Key": key, "ResponseContentType": "text/plain; a=b"},
        signature_version="s3v4",
    )
    credential = assert_valid(request)
    assert credential.presigned and credential.expires == "3600"


def test_s3_presigned_put_with_token():
    request = presign(
        "s3",
        "put_object",
        {"Bucket": "b", "Key": "a b+c"},
        method="PUT",
        signature_version="s3v4",
        token="tok",
    )
    request.body = b"anything: presigned S3 URLs do not sign the payload"
    credential = assert_valid(request)
    assert credential.security_token == "tok"


def test_sts_presigned_get_caller_identity():
    # The EKS token shape: a presigned STS query request.
    request = presign("sts", "get_caller_identity", {}, expires=60)
    credential = assert_valid(request)
    assert (credential.service, credential.expires) == ("sts", "60")


HAND_MADE_URLS = [
    "http://localhost:4566/",
    "http://localhost:4566",
    "http://localhost:4566/a%20b/c?x=a%20b&x=A&empty=&flag&k%3D=v%3D&uni=%C3%BC&plus=a%2Bb",
    "http://localhost:4566/path/with%2Fslash?b=2&a=1&a=0&A=3",
    "http://localhost:4566/~user/%E2%9C%93?tilde=~&star=%2A",
]


@pytest.mark.parametrize("url", HAND_MADE_URLS)
@pytest.mark.parametrize(
    "signer",
    [
        SigV4Auth(CREDENTIALS, "execute-api", "eu-west-1"),
        S3SigV4Auth(CREDENTIALS, "s3", "us-east-1"),
        SigV4QueryAuth(CREDENTIALS, "sts", "us-east-1", expires=300),
        S3SigV4QueryAuth(CREDENTIALS, "s3", "us-east-1", expires=300),
    ],
    ids=["SigV4Auth", "S3SigV4Auth", "SigV4QueryAuth", "S3SigV4QueryAuth"],
)
def test_botocore_signers_on_odd_urls(signer, url):
    request = sign(signer, "GET", url, headers={"X-Amz-Meta-Odd": "  a \t  b  "})
    if not request.raw_path:
        # HTTP always sends a path; botocore's S3 signers sign it as "" (a fallback covers it).
        request.raw_path = "/"
        credential = parse_credential(request)
        verify(request, credential, SECRET_KEY, now=now())
    else:
        assert_valid(request)


@pytest.mark.parametrize(
    "signer",
    [SigV4Auth(CREDENTIALS, "lambda", "us-east-1"), S3SigV4Auth(CREDENTIALS, "s3", "us-east-1")],
    ids=["SigV4Auth", "S3SigV4Auth"],
)
def test_params_sent_form_encoded(signer):
    # botocore signs `params` as %20 but sends them through urlencode (spaces as "+").
    params = {"a b": "c d", "plus": "a+b", "eq": "x=y", "empty": "", "uni": "ü"}
    request = sign(signer, "POST", "http://localhost:4566/p", params=params, body=b"{}")
    assert "+" in request.query_string
    credential = parse_credential(request)
    verify(request, credential, SECRET_KEY, now=now())


def test_client_that_signed_the_raw_query():
    # A raw "+" signed as "+" (not as a space): only the fallback reading matches.
    request = sign(
        SigV4Auth(CREDENTIALS, "lambda", "us-east-1"), "GET", "http://localhost:4566/p?q=a+b"
    )
    credential = parse_credential(request)
    verify(request, credential, SECRET_KEY, now=now())


# --- mutations -----------------------------------------------------------------------


def test_wrong_secret_query_service():
    error = rejected(call("sts", "get_caller_identity", {}), secret="other")
    assert (error.code, error.status, error.message) == (
        "SignatureDoesNotMatch",
        403,
        MISMATCH_MESSAGE,
    )


def test_wrong_secret_json_service():
    error = rejected(call("dynamodb", "list_tables", {}), secret="other")
    assert (error.code, error.status, error.message) == (
        "InvalidSignatureException",
        400,
        MISMATCH_MESSAGE,
    )


def test_wrong_secret_rest_json_service():
    error = rejected(call("lambda", "list_functions", {}), secret="other")
    assert (error.code, error.status) == ("InvalidSignatureException", 403)


def test_wrong_secret_s3_reports_canonical_request():
    error = rejected(call("s3", "list_objects_v2", {"Bucket": "b"}), secret="other")
    assert (error.code, error.status, error.message) == (
        "SignatureDoesNotMatch",
        403,
        S3_MISMATCH_MESSAGE,
    )
    assert error.fields["AWSAccessKeyId"] == "AKIDEXAMPLE"
    assert error.fields["CanonicalRequest"].startswith(
        "GET\n/b\nencoding-type=url&list-type=2\nhost:localhost:4566\n"
    )
    assert error.fields["StringToSign"].startswith("AWS4-HMAC-SHA256\n")


def flip(data: bytes) -> bytes:
    return data[:-1] + bytes([data[-1] ^ 1])


def test_mutated_body_json():
    request = call("dynamodb", "put_item", {"TableName": "t", "Item": {"k": {"S": "v"}}})
    request.body = flip(request.body)
    assert rejected(request).code == "InvalidSignatureException"


def test_mutated_body_s3_payload_hash():
    request = call("s3", "put_object", {"Bucket": "b", "Key": "k", "Body": b"hello"})
    request.body = flip(request.body)
    error = rejected(request)
    assert (error.code, error.status) == ("XAmzContentSHA256Mismatch", 400)
    assert error.fields["S3ComputedContentSHA256"] == hashlib.sha256(request.body).hexdigest()


def test_mutated_signed_header():
    request = call("dynamodb", "list_tables", {})
    request.headers["x-amz-target"] = "DynamoDB_20120810.DeleteTable"
    assert rejected(request).code == "InvalidSignatureException"


def test_unsigned_header_may_change():
    request = call("dynamodb", "list_tables", {})
    request.headers["user-agent"] = "something else"
    assert_valid(request)


@pytest.mark.parametrize("service", ["s3", "lambda"])
def test_mutated_path(service):
    if service == "s3":
        request = call("s3", "get_object", {"Bucket": "b", "Key": "a b"})
    else:
        request = call("lambda", "get_function", {"FunctionName": "fn"})
    request.raw_path = request.raw_path[:-1] + "x"
    assert rejected(request).code in ("SignatureDoesNotMatch", "InvalidSignatureException")


def test_mutated_query():
    request = call("s3", "list_objects_v2", {"Bucket": "b", "Prefix": "a"})
    request.query_string = request.query_string.replace("prefix=a", "prefix=b")
    assert rejected(request).code == "SignatureDoesNotMatch"


def test_mutated_presigned_url():
    request = presign("s3", "get_object", {"Bucket": "b", "Key": "k"}, signature_version="s3v4")
    request.raw_path = "/b/other"
    assert rejected(request).code == "SignatureDoesNotMatch"


# --- time ----------------------------------------------------------------------------


def test_header_signature_expired_query_service():
    request = call("sts", "get_caller_identity", {})
    credential = parse_credential(request)
    later = now() + timedelta(minutes=16)
    error = rejected(request, at=later)
    assert (error.code, error.status) == ("SignatureDoesNotMatch", 403)
    assert error.message.startswith(
        f"Signature expired: {credential.timestamp} is now earlier than "
    )
    assert error.message.endswith(f"({later.strftime('%Y%m%dT%H%M%SZ')} - 15 min.)")


def test_header_signature_in_the_future_json_service():
    error = rejected(call("dynamodb", "list_tables", {}), at=now() - timedelta(minutes=16))
    assert error.code == "InvalidSignatureException"
    assert error.message.startswith("Signature not yet current: ")


def test_s3_request_time_too_skewed():
    request = call("s3", "list_buckets", {})
    error = rejected(request, at=now() + timedelta(minutes=16))
    assert (error.code, error.status) == ("RequestTimeTooSkewed", 403)
    assert (
        error.message
        == "The difference between the request time and the current time is too large."
    )
    assert error.fields["MaxAllowedSkewMilliseconds"] == "900000"


def test_within_skew_is_fine():
    request = call("sts", "get_caller_identity", {})
    credential = parse_credential(request)
    verify(request, credential, SECRET_KEY, now=now() + timedelta(minutes=14))


def test_s3_presigned_expired():
    request = presign(
        "s3", "get_object", {"Bucket": "b", "Key": "k"}, expires=60, signature_version="s3v4"
    )
    error = rejected(request, at=now() + timedelta(seconds=120))
    assert (error.code, error.status, error.message) == ("AccessDenied", 403, "Request has expired")
    assert error.fields["X-Amz-Expires"] == "60"
    assert set(error.fields) == {"X-Amz-Expires", "Expires", "ServerTime"}


def test_s3_presigned_long_lived_is_fine_before_expiry():
    request = presign(
        "s3", "get_object", {"Bucket": "b", "Key": "k"}, expires=604800, signature_version="s3v4"
    )
    credential = parse_credential(request)
    verify(request, credential, SECRET_KEY, now=now() + timedelta(days=6))


def test_presigned_expires_over_a_week():
    request = sign(
        S3SigV4QueryAuth(CREDENTIALS, "s3", "us-east-1", expires=604801),
        "GET",
        "http://localhost:4566/b/k",
    )
    error = rejected(request)
    assert (error.code, error.status) == ("AuthorizationQueryParametersError", 400)
    assert error.message == (
        "X-Amz-Expires must be less than a week (in seconds); that is, the given "
        "X-Amz-Expires must be less than 604800 seconds"
    )


def test_sts_presigned_expired():
    request = presign("sts", "get_caller_identity", {}, expires=60)
    error = rejected(request, at=now() + timedelta(seconds=61))
    assert error.code == "SignatureDoesNotMatch"
    assert error.message.startswith("Signature expired: ")


def test_scope_date_must_match_request_date():
    request = call("sts", "get_caller_identity", {})
    credential = replace(parse_credential(request), date="20000101")
    with pytest.raises(ServiceError) as caught:
        verify(request, credential, SECRET_KEY, now=now())
    assert caught.value.code == "SignatureDoesNotMatch"
    assert caught.value.message.startswith(
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20000101' != "
    )


def test_date_header_instead_of_x_amz_date():
    signer = SigV4Auth(CREDENTIALS, "sts", "us-east-1")
    request = sign(
        signer,
        "POST",
        "http://localhost:4566/",
        headers={"Date": "x"},
        body=b"Action=GetCallerIdentity",
    )
    assert "x-amz-date" not in request.headers
    assert_valid(request)


def test_signing_key_is_cached():
    sigv4.signing_key.cache_clear()
    for _ in range(3):
        assert_valid(call("sts", "get_caller_identity", {}))
    assert sigv4.signing_key.cache_info().hits >= 2
