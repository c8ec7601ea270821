"""DynamoDB's HTTP-level behaviour (found with the Alternator suite): compressed responses
per Accept-Encoding, the 16 KB request-line and header limits, empty bodies for operations
without output, and DescribeEndpoints naming this server. Raw HTTP and boto3 against the
real server."""

from __future__ import annotations

import gzip
import http.client
import json
import zlib
from typing import Any
from urllib.parse import urlsplit

import pytest

from lenticular.services.dynamodb.wire import choose_encoding
from tests.services.dynamodb.conftest import post_raw


def _raw(
    server: Any, target: str, payload: dict[str, Any], headers: dict[str, str] | None = None,
    path: str = "/",
) -> tuple[int, dict[str, str], bytes]:  # fmt: skip
    """POST one DynamoDB request; (status, lower-cased headers, raw body bytes)."""
    return post_raw(server, target, json.dumps(payload).encode(), headers, path)


def _put_big_item(ddb: Any, table: str, size: int) -> None:
    ddb.put_item(TableName=table, Item={"pk": {"S": "big"}, "x": {"S": "x" * size}})


@pytest.mark.parametrize("coding", ["gzip", "deflate"])
def test_large_responses_are_compressed_on_request(
    ddb: Any, make_table: Any, lenticular_server: Any, coding: str
) -> None:
    table = make_table()
    _put_big_item(ddb, table, 6000)
    get = {"TableName": table, "Key": {"pk": {"S": "big"}}}
    status, headers, body = _raw(lenticular_server, "GetItem", get, {"Accept-Encoding": coding})
    assert status == 200
    assert headers["content-encoding"] == coding
    assert int(headers["x-amz-crc32"]) == zlib.crc32(body)  # the checksum of the bytes sent
    plain = gzip.decompress(body) if coding == "gzip" else zlib.decompress(body)
    assert json.loads(plain)["Item"]["x"]["S"] == "x" * 6000
    assert len(body) * 30 < len(plain)
    # without Accept-Encoding (or with identity) the body is plain
    status, headers, body = _raw(lenticular_server, "GetItem", get)
    assert "content-encoding" not in headers
    assert json.loads(body)["Item"]["x"]["S"] == "x" * 6000


def test_repeated_accept_encoding_headers_count_together(
    ddb: Any, make_table: Any, lenticular_server: Any
) -> None:
    # A repeated header reaches the service joined with "," (module docstring of
    # services/dynamodb/wire.py): "gzip" then "identity" is "gzip,identity", where the
    # last one alone would ask for no compression.
    table = make_table()
    _put_big_item(ddb, table, 6000)
    body = json.dumps({"TableName": table, "Key": {"pk": {"S": "big"}}}).encode()
    url = urlsplit(lenticular_server.endpoint)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    try:
        conn.putrequest("POST", "/", skip_accept_encoding=True)
        for name, value in (
            ("Content-Type", "application/x-amz-json-1.0"),
            ("X-Amz-Target", "DynamoDB_20120810.GetItem"),
            ("Authorization", "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/dynamodb/"
             "aws4_request, SignedHeaders=host;x-amz-date, Signature=0"),
            ("X-Amz-Date", "20260101T000000Z"),
            ("Accept-Encoding", "gzip"),
            ("Accept-Encoding", "identity"),
            ("Content-Length", str(len(body))),
        ):  # fmt: skip
            conn.putheader(name, value)
        conn.endheaders(body)
        response = conn.getresponse()
        raw = response.read()
    finally:
        conn.close()
    assert response.status == 200
    assert response.getheader("Content-Encoding") == "gzip"
    assert json.loads(gzip.decompress(raw))["Item"]["x"]["S"] == "x" * 6000


def test_small_responses_are_not_compressed(
    ddb: Any, make_table: Any, lenticular_server: Any
) -> None:
    table = make_table()
    _put_big_item(ddb, table, 100)
    get = {"TableName": table, "Key": {"pk": {"S": "big"}}}
    status, headers, body = _raw(lenticular_server, "GetItem", get, {"Accept-Encoding": "gzip"})
    assert status == 200 and "content-encoding" not in headers
    assert json.loads(body)["Item"]["x"]["S"] == "x" * 100


def test_boto3_reads_compressed_responses(ddb: Any, make_table: Any) -> None:
    table = make_table()
    _put_big_item(ddb, table, 50_000)

    def ask_for_gzip(params: Any, **_: Any) -> None:
        params["headers"]["Accept-Encoding"] = "gzip"

    seen: list[str | None] = []

    def record(response_dict: Any, **_: Any) -> None:  # botocore does not decompress itself
        seen.append(response_dict["headers"].get("Content-Encoding"))
        if seen[-1] == "gzip":
            response_dict["body"] = gzip.decompress(response_dict["body"])

    ddb.meta.events.register("before-call.dynamodb.GetItem", ask_for_gzip)
    ddb.meta.events.register("before-parse.dynamodb.GetItem", record)
    try:
        got = ddb.get_item(TableName=table, Key={"pk": {"S": "big"}})
    finally:
        ddb.meta.events.unregister("before-call.dynamodb.GetItem", ask_for_gzip)
        ddb.meta.events.unregister("before-parse.dynamodb.GetItem", record)
    assert seen == ["gzip"]  # and botocore's crc32 check (of the bytes sent) passed
    assert got["Item"]["x"]["S"] == "x" * 50_000
    # by default boto3 asks for "identity": plain responses
    assert ddb.get_item(TableName=table, Key={"pk": {"S": "big"}})["Item"] == got["Item"]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("gzip, deflate", "gzip"),
        ("br, identity, deflate, gzip", "deflate"),  # the earlier entry wins a tie
        ("GZIP, identity", "gzip"),
        ("x-gzip", None),
        ("gzip;q=0", None),
        ("*", "gzip"),
        ("*, deflate", "deflate"),  # a named coding beats the wildcard
        ("*, gzip;q=0.5", "deflate"),
        ("deflate;q=0.5, gzip;q=31", "gzip"),  # qualities above 1 count as 1
        ("deflate;q=0.5,gzip;q=0.x", "gzip"),  # a quality that is not a number counts as 1
        ("deflate;q=-0.5,gzip;q=0.2", "gzip"),
        ("gzip;nq=0;q=1", None),  # the first "q=" is the quality
        ("gzip;q =0;q=1", "gzip"),
        ("gzip;q=0, gzip;q=1, gzip;q=0", "gzip"),
        ("br;q=0.8,identity;q=0.5,*;q=0", None),
        ('"gzip"', None),
        ("", None),
    ],
)
def test_accept_encoding_is_read_like_dynamodb(header: str, expected: str | None) -> None:
    assert choose_encoding(header) == expected


def test_oversized_request_line_and_headers_are_400(
    make_table: Any, lenticular_server: Any
) -> None:
    table = make_table()
    put = {"TableName": table, "Item": {"pk": {"S": "a"}}}
    assert _raw(lenticular_server, "PutItem", put, {"h1": "x" * 100})[0] == 200
    status, _, body = _raw(lenticular_server, "PutItem", put, {"h1": "x" * 8192, "h2": "y" * 8192})
    assert status == 400
    status, _, body = _raw(lenticular_server, "PutItem", put, path="/" + "x" * 17000)
    assert status == 400 and b"InvalidSignature" not in body


def test_operations_without_output_answer_an_empty_body(
    ddb: Any, make_table: Any, lenticular_server: Any
) -> None:
    table = make_table()
    arn = ddb.describe_table(TableName=table)["Table"]["TableArn"]
    tag = {"ResourceArn": arn, "Tags": [{"Key": "k", "Value": "v"}]}
    status, headers, body = _raw(lenticular_server, "TagResource", tag)
    assert (status, body) == (200, b"")
    assert headers["x-amz-crc32"] == "0"
    status, _, body = _raw(
        lenticular_server, "UntagResource", {"ResourceArn": arn, "TagKeys": ["k"]}
    )
    assert (status, body) == (200, b"")
    ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": "a", "Value": "b"}])  # boto3 is happy
    assert ddb.list_tags_of_resource(ResourceArn=arn)["Tags"] == [{"Key": "a", "Value": "b"}]


def test_describe_endpoints_names_this_server(ddb: Any, lenticular_server: Any) -> None:
    endpoints = ddb.describe_endpoints()["Endpoints"]
    assert endpoints == [
        {"Address": urlsplit(lenticular_server.endpoint).netloc, "CachePeriodInMinutes": 1440}
    ]


@pytest.mark.parametrize("value", ["YWJj??!!", "YW Jj", "YWJj\u00e9A=="])
def test_malformed_base64_blobs_are_serialization_errors(
    lenticular_server: Any, make_table: Any, value: str
) -> None:
    table = make_table("B")
    for payload in (
        {"TableName": table, "Item": {"pk": {"B": value}}},
        {"TableName": table, "Item": {"pk": {"B": "YWJj"}, "a": {"B": value}}},
    ):
        status, _, body = _raw(lenticular_server, "PutItem", payload)
        assert status == 400, body
        assert json.loads(body)["__type"].endswith("SerializationException")
    status, _, body = _raw(lenticular_server, "PutItem",
                           {"TableName": table, "Item": {"pk": {"B": "YWJjZA"}}})  # fmt: skip
    assert status == 400 and b"multiple of 4" in body
