"""Reading credentials from requests: every scheme, unsigned requests and malformed input."""

from __future__ import annotations

import pytest

from lenticular.aws import sigv4
from lenticular.aws.sigv4 import SIGV2, SIGV4, SIGV4A, Credential, parse_credential
from lenticular.errors import ServiceError
from lenticular.protocol.http import HttpRequest
from tests.aws.botocore_requests import call, presign

SCOPE = "AKID/20260101/us-east-1/sts/aws4_request"


def request(headers=None, query="", host="localhost") -> HttpRequest:
    return HttpRequest("GET", "/", "/", query, {"host": host, **(headers or {})}, b"", host)


def malformed(headers=None, query="", host="localhost") -> ServiceError:
    with pytest.raises(ServiceError) as caught:
        parse_credential(request(headers, query, host))
    return caught.value


def test_header():
    auth = f"{SIGV4} Credential={SCOPE}, SignedHeaders=host;x-amz-date, Signature=abc123"
    credential = parse_credential(
        request(
            {"authorization": auth, "x-amz-date": "20260101T000000Z", "x-amz-security-token": "tok"}
        )
    )
    assert credential == Credential(
        "AKID", "20260101", "us-east-1", "sts", "host;x-amz-date", "abc123", False, "tok",
        SIGV4, "20260101T000000Z", "",
    )  # fmt: skip


def test_header_without_spaces_and_with_date_header():
    auth = f"{SIGV4} Credential={SCOPE},SignedHeaders=host,Signature=abc"
    credential = parse_credential(
        request({"authorization": auth, "date": "Thu, 01 Jan 2026 00:00:00 GMT"})
    )
    assert (credential.access_key, credential.signature, credential.timestamp) == (
        "AKID",
        "abc",
        "",
    )


def test_presigned_from_botocore():
    credential = parse_credential(
        presign(
            "s3", "get_object", {"Bucket": "b", "Key": "k"}, signature_version="s3v4", token="t"
        )
    )
    assert (credential.service, credential.presigned, credential.security_token) == (
        "s3",
        True,
        "t",
    )
    assert credential.signed_headers == "host" and credential.expires == "3600"


def test_sdk_header():
    credential = parse_credential(call("dynamodb", "list_tables", {}))
    assert (credential.access_key, credential.region, credential.service) == (
        "AKIDEXAMPLE",
        "us-east-1",
        "dynamodb",
    )


def test_sigv2_header_and_query():
    credential = parse_credential(request({"authorization": "AWS AKID:c2lnbmF0dXJl+/="}))
    assert (credential.algorithm, credential.access_key, credential.signature) == (
        SIGV2,
        "AKID",
        "c2lnbmF0dXJl+/=",
    )
    credential = parse_credential(
        request(query="AWSAccessKeyId=AKID&Signature=a+b%2Bc&Expires=1700000000")
    )
    assert (credential.presigned, credential.signature, credential.expires) == (
        True,
        "a+b+c",
        "1700000000",
    )


def test_sigv4a_header_and_query():
    auth = f"{SIGV4A} Credential=AKID/20260101/s3/aws4_request, SignedHeaders=host;x-amz-region-set, Signature=3045"
    credential = parse_credential(
        request({"authorization": auth, "x-amz-date": "20260101T000000Z", "x-amz-region-set": "*"})
    )
    assert (credential.algorithm, credential.region, credential.service) == (SIGV4A, "*", "s3")
    query = (
        f"X-Amz-Algorithm={SIGV4A}&X-Amz-Credential=AKID%2F20260101%2Fs3%2Faws4_request"
        "&X-Amz-Date=20260101T000000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host"
        "&X-Amz-Signature=30&X-Amz-Region-Set=us-east-1%2Cus-west-2"
    )
    credential = parse_credential(request(query=query))
    assert (credential.region, credential.service, credential.presigned) == (
        "us-east-1,us-west-2",
        "s3",
        True,
    )


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"authorization": "Bearer eyJhbGciOi"},
        {"authorization": "eyJhbGciOi.x.y"},
        {"x-amz-date": "20260101T000000Z"},
    ],
)
def test_unsigned(headers):
    assert parse_credential(request(headers, query="a=b&Signature=x")) is None


def test_missing_parameters_query_service():
    auth = f"{SIGV4} Credential={SCOPE}"
    error = malformed({"authorization": auth})
    assert (error.code, error.status) == ("IncompleteSignature", 400)
    assert error.message == (
        "Authorization header requires 'Signature' parameter. "
        "Authorization header requires 'SignedHeaders' parameter. "
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
        f"Authorization={auth}"
    )


def test_missing_everything_json_default():
    error = malformed({"authorization": SIGV4})
    assert error.code == "IncompleteSignatureException"
    assert error.message.startswith("Authorization header requires 'Credential' parameter. ")


def test_pair_without_equals():
    auth = f"{SIGV4} Credential= AKID/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=x"
    error = malformed({"authorization": auth, "x-amz-date": "20260101T000000Z"})
    assert error.code == "IncompleteSignatureException"
    assert error.message == (
        "'AKID/20260101/us-east-1/dynamodb/aws4_request' not a valid key=value pair "
        f"(missing equal-sign) in Authorization header: '{auth}'."
    )


def test_credential_with_wrong_element_count():
    auth = f"{SIGV4} Credential=AKID/20260101/sts/aws4_request, SignedHeaders=host, Signature=x"
    error = malformed({"authorization": auth, "x-amz-date": "20260101T000000Z"})
    assert error.message == (
        "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, "
        "got 'AKID/20260101/sts/aws4_request'"
    )


def test_s3_malformed_header():
    error = malformed(
        {"authorization": f"{SIGV4} Credential=AKID/20260101/us-east-1/s3/aws4_request"}
    )
    assert (error.code, error.status) == ("AuthorizationHeaderMalformed", 400)
    assert error.message == (
        "The authorization header is malformed; the authorization header requires three components: "
        "Credential, SignedHeaders, and Signature."
    )


def test_s3_presigned_missing_parameter():
    error = malformed(
        query="X-Amz-Credential=AKID%2F20260101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Signature=x"
    )
    assert (error.code, error.status) == ("AuthorizationQueryParametersError", 400)
    assert "requires the X-Amz-Algorithm, X-Amz-Credential" in error.message


def test_sigv2_header_without_colon():
    error = malformed({"authorization": "AWS AKIDONLY"})
    assert (error.code, error.message) == (
        "InvalidArgument",
        "AWS authorization header is invalid.  Expected AwsAccessKeyId:signature",
    )


@pytest.mark.parametrize(
    "prefix",
    [
        f"{SIGV4} Credential={SCOPE}, SignedHeaders=host;x-amz-date",
        f"{SIGV4} SignedHeaders=host, Credential={SCOPE}",  # another order
    ],
)
def test_a_header_read_before_reads_alike_with_any_signature(prefix, monkeypatch):
    """A header whose all-but-signature was read before is read from memory: each call
    gets its own signature, and any signature (not 64 plain characters, say) reads as it
    does with nothing remembered."""
    date = {"x-amz-date": "20260101T000000Z"}
    signatures = ("0123456789abcdef" * 4, "f" * 64, "b" * 62 + ", ", "c" * 63 + " ", "d" * 65)
    fresh = {}
    for signature in signatures:
        monkeypatch.setattr(sigv4, "_SIGNED", {})  # nothing remembered
        auth = f"{prefix}, Signature={signature}"
        fresh[signature] = parse_credential(request({"authorization": auth, **date}))
    monkeypatch.setattr(sigv4, "_SIGNED", {})
    parse_credential(request({"authorization": f"{prefix}, Signature={'a' * 64}", **date}))
    assert sigv4._SIGNED  # (remembered: the calls below take the shortcut where they can)
    for signature in signatures:
        auth = f"{prefix}, Signature={signature}"
        assert parse_credential(request({"authorization": auth, **date})) == fresh[signature]
    assert fresh["f" * 64].signature == "f" * 64
