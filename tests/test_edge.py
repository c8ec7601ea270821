"""The edge: health, routing by signature/target/path, and AWS-shaped errors per protocol."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from tests.wire_client import send


def test_health_reports_version_services_uptime(lenticular_server):
    health = lenticular_server.health()
    assert health["status"] == "running"
    assert health["version"]
    assert "sts" in health["services"]
    assert health["uptime"] >= 0


def test_unknown_internal_path_is_404(lenticular_server):
    resp = send(lenticular_server.endpoint, "GET", "/_lenticular/nope", service=None)
    assert resp.status == 404


def test_unsigned_request_naming_no_service(lenticular_server):
    resp = send(lenticular_server.endpoint, "POST", "/", service=None, body=b"hello")
    assert resp.status == 403
    assert json.loads(resp.body)["message"] == "Missing Authentication Token"
    assert resp.headers["x-amzn-requestid"]


# -- query (STS) -------------------------------------------------------------------------

FORM = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}


def test_query_unknown_action(lenticular_server):
    resp = send(
        lenticular_server.endpoint, "POST", "/", service="sts",
        body=b"Action=NoSuchThing&Version=2011-06-15", headers=FORM,
    )  # fmt: skip
    assert resp.status == 400
    assert b"<Code>InvalidAction</Code>" in resp.body
    assert b"<RequestId>" in resp.body


def test_query_missing_required_member(lenticular_server):
    resp = send(
        lenticular_server.endpoint, "POST", "/", service="sts",
        body=b"Action=AssumeRole&Version=2011-06-15&RoleSessionName=session", headers=FORM,
    )  # fmt: skip
    assert resp.status == 400
    assert b"<Code>ValidationError</Code>" in resp.body
    assert (
        b"1 validation error detected: Value null at 'roleArn' failed to satisfy constraint: "
        b"Member must not be null" in resp.body
    )


# -- json (DynamoDB: the wire is there before the service is) ------------------------------

JSON10 = {"Content-Type": "application/x-amz-json-1.0"}


def test_json_unknown_target(lenticular_server):
    resp = send(
        lenticular_server.endpoint, "POST", "/", service="dynamodb", body=b"{}",
        headers={**JSON10, "X-Amz-Target": "DynamoDB_20120810.NoSuchOperation"},
    )  # fmt: skip
    assert resp.status == 400
    assert json.loads(resp.body)["__type"].endswith("UnknownOperationException")


def test_json_malformed_body(lenticular_server):
    resp = send(
        lenticular_server.endpoint, "POST", "/", service="dynamodb", body=b"{not json",
        headers={**JSON10, "X-Amz-Target": "DynamoDB_20120810.ListTables"},
    )  # fmt: skip
    assert resp.status == 400
    assert json.loads(resp.body)["__type"].endswith("SerializationException")


def test_json_validation_error_shape(aws_client):
    ddb = aws_client("dynamodb")
    with pytest.raises(ClientError) as err:
        ddb.list_tables(Limit=500)  # botocore checks minimums only; the server checks the rest
    error = err.value.response["Error"]
    assert error["Code"] == "ValidationException"
    assert error["Message"] == (
        "1 validation error detected: Value '500' at 'limit' failed to satisfy constraint: "
        "Member must have value less than or equal to 100"
    )


# -- rest-json (API Gateway), rest-xml (S3), cbor (CloudWatch): not served yet, honestly ----


def test_rest_json_not_implemented(aws_client):
    with pytest.raises(ClientError) as err:
        aws_client("appsync").list_graphql_apis()
    assert err.value.response["Error"]["Code"] == "NotImplemented"
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 501


def test_rest_xml_not_implemented(aws_client):
    with pytest.raises(ClientError) as err:
        aws_client("s3").list_buckets()
    assert err.value.response["Error"]["Code"] == "NotImplemented"
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 501


def test_rest_xml_malformed_body(lenticular_server):
    resp = send(
        lenticular_server.endpoint, "PUT", "/bucket?tagging", service="s3",
        body=b"<Tagging><TagSet><Tag>", headers={"Content-Type": "application/xml"},
    )  # fmt: skip
    assert resp.status == 400
    assert b"<Code>MalformedXML</Code>" in resp.body


def test_cbor_not_implemented(aws_client):
    with pytest.raises(ClientError) as err:
        aws_client("cloudwatch").describe_alarms()
    assert err.value.response["Error"]["Code"] == "NotImplemented"
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 501


def test_every_response_carries_a_request_id(aws_client):
    meta = aws_client("sts").get_caller_identity()["ResponseMetadata"]
    assert meta["HTTPHeaders"]["x-amzn-requestid"] == meta["RequestId"]
