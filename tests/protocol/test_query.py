"""The `query` codec against botocore's own client serializer and parser."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from lenticular.errors import ServiceError, UnknownOperation
from lenticular.protocol.http import HttpRequest
from lenticular.protocol.model import service_model
from lenticular.protocol.query import QueryCodec
from tests.protocol.wire import client_parse, client_request

UTC = dt.UTC
codec = QueryCodec()


def roundtrip_request(service: str, operation: str, params: dict[str, Any]) -> dict[str, Any]:
    """What the codec parses from the request botocore writes for `params`."""
    model = service_model(service)
    request = client_request(model.operation_model(operation), params, "query")
    op, uri_params = codec.find_operation(model, request)
    assert op.name == operation
    return codec.parse(op, request, uri_params)


def roundtrip_response(service: str, operation: str, output: dict[str, Any]) -> dict[str, Any]:
    """What botocore's parser reads from the codec's response for `output`."""
    op = service_model(service).operation_model(operation)
    response = codec.serialize(op, output, "req-1")
    assert response.status == 200
    assert response.header("x-amzn-RequestId") == "req-1"
    return client_parse("query", op.output_shape, response)


# -- requests ---------------------------------------------------------------------------


def test_sts_assume_role_with_tags_and_policy_arns() -> None:
    params = {
        "RoleArn": "arn:aws:iam::123456789012:role/demo",
        "RoleSessionName": "session",
        "DurationSeconds": 900,
        "Tags": [{"Key": "team", "Value": "a&b=c"}, {"Key": "env", "Value": "dev"}],
        "PolicyArns": [{"arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}],
        "TransitiveTagKeys": ["team"],
    }
    assert roundtrip_request("sts", "AssumeRole", params) == params


def test_cloudformation_create_stack() -> None:
    params = {
        "StackName": "demo",
        "TemplateBody": '{"Resources": {}}',
        "Parameters": [
            {"ParameterKey": "Env", "ParameterValue": "dev"},
            {"ParameterKey": "Size", "UsePreviousValue": True},
        ],
        "Capabilities": ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"],
        "Tags": [{"Key": "k", "Value": "v w"}],
        "TimeoutInMinutes": 5,
        "DisableRollback": False,
    }
    assert roundtrip_request("cloudformation", "CreateStack", params) == params


def test_iam_create_role() -> None:
    params = {
        "RoleName": "lambda-exec",
        "Path": "/service/",
        "AssumeRolePolicyDocument": '{"Version":"2012-10-17","Statement":[]}',
        "MaxSessionDuration": 3600,
        "Tags": [{"Key": "a", "Value": "b"}],
    }
    assert roundtrip_request("iam", "CreateRole", params) == params


def test_cloudwatch_put_metric_data_in_query_mode() -> None:
    stamp = dt.datetime(2024, 5, 1, 12, 30, 15, 250000, tzinfo=UTC)
    params = {
        "Namespace": "App",
        "MetricData": [
            {
                "MetricName": "Latency",
                "Dimensions": [
                    {"Name": "Api", "Value": "orders"},
                    {"Name": "Stage", "Value": "v1"},
                ],
                "Timestamp": stamp,
                "Value": 12.5,
                "Unit": "Milliseconds",
                "StorageResolution": 1,
            },
            {"MetricName": "Hits", "Values": [1.0, 2.5], "Counts": [3.0, 4.0]},
        ],
    }
    parsed = roundtrip_request("cloudwatch", "PutMetricData", params)
    assert parsed == params
    assert parsed["MetricData"][0]["Timestamp"].tzinfo is not None


def test_sns_publish_map_with_custom_key_names_and_blob() -> None:
    params = {
        "TopicArn": "arn:aws:sns:us-east-1:123456789012:t",
        "Message": "hello\nworld",
        "MessageAttributes": {
            "color": {"DataType": "String", "StringValue": "red"},
            "raw": {"DataType": "Binary", "BinaryValue": b"\x00\xff"},
        },
    }
    assert roundtrip_request("sns", "Publish", params) == params


def test_sdb_flattened_list_with_location_name() -> None:
    params = {
        "DomainName": "d",
        "ItemName": "i",
        "Attributes": [{"Name": "a", "Value": "1", "Replace": True}, {"Name": "b", "Value": "2"}],
    }
    assert roundtrip_request("sdb", "PutAttributes", params) == params


def test_empty_list_is_sent_as_a_bare_key() -> None:
    assert (
        roundtrip_request(
            "sts",
            "AssumeRole",
            {
                "RoleArn": "arn:aws:iam::123456789012:role/demo",
                "RoleSessionName": "session",
                "Tags": [],
            },
        )["Tags"]
        == []
    )


def test_get_request_with_query_string() -> None:
    model = service_model("sts")
    request = HttpRequest("GET", "/", "/", "Action=GetCallerIdentity&Version=2011-06-15", {})
    op, uri_params = codec.find_operation(model, request)
    assert op.name == "GetCallerIdentity"
    assert codec.parse(op, request, uri_params) == {}


def test_values_that_do_not_fit_are_left_for_validation() -> None:
    model = service_model("iam")
    request = HttpRequest(
        "POST",
        "/",
        "/",
        "",
        {"content-type": "application/x-www-form-urlencoded"},
        b"Action=ListRoles&Version=2010-05-08&MaxItems=lots&PathPrefix=%2Fa%2B",
    )
    op, uri_params = codec.find_operation(model, request)
    assert codec.parse(op, request, uri_params) == {"MaxItems": "lots", "PathPrefix": "/a+"}


def test_unknown_action_is_invalid_action() -> None:
    model = service_model("sts")
    request = HttpRequest(
        "POST",
        "/",
        "/",
        "",
        {"content-type": "application/x-www-form-urlencoded"},
        b"Action=GetCallerIdentityX&Version=2011-06-15",
    )
    with pytest.raises(UnknownOperation) as caught:
        codec.find_operation(model, request)
    assert caught.value.code == "InvalidAction"
    assert (
        caught.value.message == "Could not find operation GetCallerIdentityX for version 2011-06-15"
    )
    response = codec.serialize_error(model, None, caught.value, "req-9")
    assert response.status == 400
    parsed = client_parse("query", None, response)
    assert parsed["Error"] == {
        "Type": "Sender",
        "Code": "InvalidAction",
        "Message": "Could not find operation GetCallerIdentityX for version 2011-06-15",
    }


# -- responses --------------------------------------------------------------------------


def test_get_caller_identity_wire_form() -> None:
    op = service_model("sts").operation_model("GetCallerIdentity")
    response = codec.serialize(
        op, {"Account": "123456789012", "Arn": "arn:x", "UserId": "U"}, "r-1"
    )
    assert response.header("Content-Type") == "text/xml"
    assert response.body == (
        b'<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
        b"<GetCallerIdentityResult><UserId>U</UserId><Account>123456789012</Account>"
        b"<Arn>arn:x</Arn></GetCallerIdentityResult>"
        b"<ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata>"
        b"</GetCallerIdentityResponse>"
    )


def test_sts_assume_role_credentials_with_expiration() -> None:
    expiration = dt.datetime(2024, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
    output = {
        "Credentials": {
            "AccessKeyId": "ASIAEXAMPLE",
            "SecretAccessKey": "s3cr3t/+=<&>",
            "SessionToken": "token",
            "Expiration": expiration,
        },
        "AssumedRoleUser": {
            "AssumedRoleId": "AROA:session",
            "Arn": "arn:aws:sts::1:assumed-role/r/s",
        },
        "PackedPolicySize": 6,
    }
    op = service_model("sts").operation_model("AssumeRole")
    body = codec.serialize(op, output, "req-1").body
    assert b"<Expiration>2024-01-02T03:04:05.678Z</Expiration>" in body
    parsed = roundtrip_response("sts", "AssumeRole", output)
    assert parsed["Credentials"]["Expiration"] == expiration
    assert parsed == output


def test_cloudformation_describe_stacks_nested_lists() -> None:
    created = dt.datetime(2024, 2, 3, 4, 5, 6, tzinfo=UTC)
    output = {
        "Stacks": [
            {
                "StackId": "arn:aws:cloudformation:us-east-1:1:stack/a/1",
                "StackName": "a",
                "CreationTime": created,
                "StackStatus": "CREATE_COMPLETE",
                "Parameters": [{"ParameterKey": "Env", "ParameterValue": "dev"}],
                "Outputs": [{"OutputKey": "Url", "OutputValue": "https://x/?a=1&b=2"}],
                "Capabilities": ["CAPABILITY_IAM"],
                "Tags": [{"Key": "k", "Value": "v"}],
                "DisableRollback": False,
            },
            {"StackName": "b", "CreationTime": created, "StackStatus": "CREATE_FAILED"},
        ],
        "NextToken": "n",
    }
    assert roundtrip_response("cloudformation", "DescribeStacks", output) == output


def test_sns_attribute_map_and_sdb_flattened_output() -> None:
    attrs = {"Policy": '{"a": "<b>"}', "DisplayName": "x"}
    assert roundtrip_response("sns", "GetTopicAttributes", {"Attributes": attrs}) == {
        "Attributes": attrs
    }
    items = {"Attributes": [{"Name": "a", "Value": "1"}, {"Name": "b", "Value": "2"}]}
    assert roundtrip_response("sdb", "GetAttributes", items) == items


def test_operation_without_output_still_has_response_metadata() -> None:
    op = service_model("iam").operation_model("DeleteRole")
    response = codec.serialize(op, {}, "r-2")
    assert response.body == (
        b'<DeleteRoleResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">'
        b"<ResponseMetadata><RequestId>r-2</RequestId></ResponseMetadata></DeleteRoleResponse>"
    )


# -- errors -----------------------------------------------------------------------------


def test_error_uses_the_aws_query_error_code_and_modelled_status() -> None:
    model = service_model("iam")
    op = model.operation_model("GetRole")
    error = ServiceError("The role with name x cannot be found.", code="NoSuchEntityException")
    response = codec.serialize_error(model, op, error, "req-3")
    assert response.status == 404
    assert response.header("x-amzn-RequestId") == "req-3"
    assert response.body.startswith(
        b'<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error>'
        b"<Type>Sender</Type><Code>NoSuchEntity</Code>"
    )
    parsed = client_parse("query", op.output_shape, response)
    assert parsed["Error"]["Code"] == "NoSuchEntity"
    assert parsed["Error"]["Message"] == "The role with name x cannot be found."


def test_server_fault_is_receiver() -> None:
    model = service_model("iam")
    error = ServiceError("boom", code="ServiceFailureException", sender_fault=False)
    response = codec.serialize_error(model, None, error, "req-4")
    assert response.status == 500
    parsed = client_parse("query", None, response)
    assert parsed["Error"] == {"Type": "Receiver", "Code": "ServiceFailure", "Message": "boom"}


def test_unmodelled_error_fields_travel_inside_error() -> None:
    model = service_model("sts")
    error = ServiceError("bad & <worse>", code="ValidationError", fields={"Detail": "x<y"})
    response = codec.serialize_error(model, None, error, "req-5")
    assert response.status == 400
    parsed = client_parse("query", None, response)
    assert parsed["Error"]["Message"] == "bad & <worse>"
    assert parsed["Error"]["Detail"] == "x<y"
