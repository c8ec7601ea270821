"""S3's SigV2 (HmacV1Auth / HmacV1QueryAuth) against botocore's own signers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from botocore.auth import HmacV1Auth, HmacV1QueryAuth
from botocore.awsrequest import AWSRequest

from lenticular.aws.errors import S3_MISMATCH_MESSAGE
from lenticular.aws.sigv4 import SIGV2, parse_credential, verify
from lenticular.errors import ServiceError
from tests.aws.botocore_requests import (
    ACCESS_KEY,
    CREDENTIALS,
    SECRET_KEY,
    call,
    presign,
    sign,
    to_http,
)

KEYS = ["plain", "a b/ü+=&?.txt", "tilde~(star)*!'", "dir//x/../y"]
CALLS = [
    ("list_buckets", {}),
    ("list_objects", {"Bucket": "b", "Prefix": "a b+c"}),
    ("get_object_acl", {"Bucket": "b", "Key": "a b"}),
    (
        "get_object",
        {"Bucket": "b", "Key": "k", "VersionId": "v+1/=", "ResponseContentType": "text/plain"},
    ),
    ("list_object_versions", {"Bucket": "b"}),
    (
        "upload_part",
        {"Bucket": "b", "Key": "k", "PartNumber": 2, "UploadId": "u p", "Body": b"part"},
    ),
    ("put_object_tagging", {"Bucket": "b", "Key": "k", "Tagging": {"TagSet": []}}),
    ("delete_objects", {"Bucket": "b", "Delete": {"Objects": [{"Key": "a"}]}}),
]
CALLS += [
    ("put_object", {"Bucket": "b", "Key": key, "Body": b"x", "Metadata": {"m": "v  w"}})
    for key in KEYS
]


def now() -> datetime:
    return datetime.now(UTC)


def check(request):
    credential = parse_credential(request)
    assert credential is not None and credential.algorithm == SIGV2
    assert (credential.access_key, credential.service) == (ACCESS_KEY, "s3")
    verify(request, credential, SECRET_KEY, now=now())
    return credential


@pytest.mark.parametrize(("operation", "params"), CALLS)
def test_header_auth(operation, params):
    check(call("s3", operation, params, signature_version="s3"))


@pytest.mark.parametrize(("path", "auth_path"), [("/k%20x", "/b/k%20x"), ("/", "/b/")])
def test_virtual_hosted_style(path, auth_path):
    # The signed resource names the bucket, which virtual-hosted requests carry in the host.
    request = AWSRequest(method="GET", url=f"http://b.s3.localhost:4566{path}?acl")
    request.auth_path = auth_path
    HmacV1Auth(CREDENTIALS).add_auth(request)
    check(to_http(request.prepare()))


def test_header_auth_with_session_token():
    credential = check(call("s3", "list_buckets", {}, signature_version="s3", token="t+k/n="))
    assert credential.security_token == "t+k/n="


@pytest.mark.parametrize("key", KEYS)
def test_presigned(key):
    params = {"Bucket": "b", "Key": key, "ResponseContentDisposition": "attachment; x=y"}
    credential = check(presign("s3", "get_object", params, signature_version="s3"))
    assert credential.presigned


def test_presigned_with_token_and_put():
    request = presign(
        "s3",
        "put_object",
        {"Bucket": "b", "Key": "k"},
        method="PUT",
        signature_version="s3",
        token="tok",
    )
    assert check(request).security_token == "tok"


def test_hand_signed_with_amz_headers():
    headers = {
        "x-amz-meta-b": " 2 ",
        "X-Amz-Meta-A": "1",
        "Content-Type": "text/plain",
        "Content-MD5": "abc==",
    }
    check(
        sign(
            HmacV1Auth(CREDENTIALS),
            "PUT",
            "http://localhost:4566/b/k?acl",
            headers=headers,
            body=b"x",
        )
    )


def test_hand_presigned():
    check(
        sign(
            HmacV1QueryAuth(CREDENTIALS, expires=60),
            "GET",
            "http://localhost:4566/b/a%20b?versionId=3",
        )
    )


def test_wrong_secret():
    request = call("s3", "get_object", {"Bucket": "b", "Key": "k"}, signature_version="s3")
    credential = parse_credential(request)
    with pytest.raises(ServiceError) as caught:
        verify(request, credential, "other", now=now())
    error = caught.value
    assert (error.code, error.status, error.message) == (
        "SignatureDoesNotMatch",
        403,
        S3_MISMATCH_MESSAGE,
    )
    assert error.fields["StringToSign"].startswith("GET\n\n\n")


@pytest.mark.parametrize("field", ["path", "header", "sub-resource"])
def test_mutations(field):
    request = call(
        "s3",
        "put_object",
        {"Bucket": "b", "Key": "k", "Body": b"x", "ACL": "private"},
        signature_version="s3",
    )
    if field == "path":
        request.raw_path = "/b/other"
    elif field == "header":
        request.headers["x-amz-acl"] = "public-read"
    else:
        request.query_string = "acl"
    credential = parse_credential(request)
    with pytest.raises(ServiceError) as caught:
        verify(request, credential, SECRET_KEY, now=now())
    assert caught.value.code == "SignatureDoesNotMatch"


def test_presigned_expired():
    request = presign(
        "s3", "get_object", {"Bucket": "b", "Key": "k"}, expires=30, signature_version="s3"
    )
    credential = parse_credential(request)
    with pytest.raises(ServiceError) as caught:
        verify(request, credential, SECRET_KEY, now=now() + timedelta(seconds=60))
    error = caught.value
    assert (error.code, error.status, error.message) == ("AccessDenied", 403, "Request has expired")
    assert set(error.fields) == {"Expires", "ServerTime"}


def test_header_auth_too_skewed():
    request = call("s3", "list_buckets", {}, signature_version="s3")
    credential = parse_credential(request)
    with pytest.raises(ServiceError) as caught:
        verify(request, credential, SECRET_KEY, now=now() + timedelta(minutes=20))
    assert caught.value.code == "RequestTimeTooSkewed"
