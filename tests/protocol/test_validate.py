"""Model validation: AWS's exact messages for each kind of violation."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from lenticular.errors import ValidationError
from lenticular.protocol.model import service_model
from lenticular.protocol.validate import validate, validation_error_code


def message(service: str, operation: str, params: dict[str, Any], **kw: Any) -> str:
    with pytest.raises(ValidationError) as caught:
        validate(service_model(service).operation_model(operation), params, **kw)
    return caught.value.message


def ok(service: str, operation: str, params: dict[str, Any]) -> None:
    validate(service_model(service).operation_model(operation), params)


def test_missing_required_member() -> None:
    assert message("dynamodb", "DescribeTable", {}) == (
        "1 validation error detected: Value null at 'tableName' failed to satisfy constraint: "
        "Member must not be null"
    )


def test_length_and_code() -> None:
    with pytest.raises(ValidationError) as caught:
        validate(
            service_model("iam").operation_model("CreateRole"),
            {"RoleName": "r" * 65, "AssumeRolePolicyDocument": "{}"},
            code="ValidationError",
        )
    assert caught.value.code == "ValidationError"
    assert caught.value.status == 400
    assert caught.value.message == (
        f"1 validation error detected: Value '{'r' * 65}' at 'roleName' failed to satisfy "
        "constraint: Member must have length less than or equal to 64"
    )


def test_enum_nested_list_paths_and_multiple_errors() -> None:
    params = {
        "TableName": "orders",
        "AttributeDefinitions": [{}],
        "KeySchema": [{"AttributeName": "id", "KeyType": "PRIMARY"}],
        "BillingMode": "",
    }
    assert message("dynamodb", "CreateTable", params) == (
        "4 validation errors detected: "
        "Value null at 'attributeDefinitions.1.member.attributeName' failed to satisfy "
        "constraint: Member must not be null; "
        "Value null at 'attributeDefinitions.1.member.attributeType' failed to satisfy "
        "constraint: Member must not be null; "
        "Value 'PRIMARY' at 'keySchema.1.member.keyType' failed to satisfy constraint: "
        "Member must satisfy enum value set: [HASH, RANGE]; "
        "Value '' at 'billingMode' failed to satisfy constraint: "
        "Member must satisfy enum value set: [PROVISIONED, PAY_PER_REQUEST]"
    )


def test_list_length() -> None:
    params = {"TableName": "abc", "AttributeDefinitions": [], "KeySchema": []}
    assert message("dynamodb", "CreateTable", params) == (
        "1 validation error detected: Value '[]' at 'keySchema' failed to satisfy constraint: "
        "Member must have length greater than or equal to 1"
    )


def test_range_and_pattern() -> None:
    params = {"FunctionName": "f", "Role": "lambdarole", "Code": {}, "Timeout": 0}
    assert message("lambda", "CreateFunction", params) == (
        "2 validation errors detected: Value 'lambdarole' at 'role' failed to satisfy "
        "constraint: Member must satisfy regular expression pattern: "
        r"arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+; "
        "Value '0' at 'timeout' failed to satisfy constraint: "
        "Member must have value greater than or equal to 1"
    )


def test_pattern_must_match_the_whole_value() -> None:
    params = {
        "FunctionName": "f",
        "Role": "arn:aws:iam::123456789012:role/r",
        "Code": {},
        "Environment": {"Variables": {"MY-VAR": "x"}},
    }
    # Environment is sensitive: AWS leaves the value out of the message.
    assert message("lambda", "CreateFunction", params) == (
        "1 validation error detected: Value at 'environment.variables' failed to satisfy "
        "constraint: Map keys must satisfy constraint: "
        "[Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+]"
    )


def test_map_value_paths() -> None:
    assert message("dynamodb", "BatchWriteItem", {"RequestItems": {"orders": []}}) == (
        "1 validation error detected: Value '[]' at 'requestItems.orders.member' failed to "
        "satisfy constraint: Member must have length greater than or equal to 1"
    )


def test_sensitive_values_are_left_out() -> None:
    params = {"ClientId": "abc", "Username": "u", "Password": " "}
    assert message("cognito-idp", "SignUp", params) == (
        "1 validation error detected: Value at 'password' failed to satisfy constraint: "
        r"Member must satisfy regular expression pattern: [\S]+"
    )


def test_wrong_types() -> None:
    params = {
        "RoleName": "r",
        "AssumeRolePolicyDocument": "{}",
        "MaxSessionDuration": "lots",
        "Tags": "not-a-list",
    }
    assert message("iam", "CreateRole", params) == (
        "2 validation errors detected: "
        "Value 'lots' at 'maxSessionDuration' failed to satisfy constraint: "
        "Member must be of type integer; "
        "Value 'not-a-list' at 'tags' failed to satisfy constraint: Member must be a list"
    )


def test_int_range_is_a_type_error() -> None:
    params = {"TableName": "abc", "Limit": 2**40}
    assert "Member must be of type integer" in message("dynamodb", "Scan", params)


def test_blob_timestamp_boolean_types() -> None:
    ok("kms", "Encrypt", {"KeyId": "k", "Plaintext": b"x"})
    assert "at 'plaintext'" in message("kms", "Encrypt", {"KeyId": "k", "Plaintext": 3})
    ok(
        "cloudwatch",
        "GetMetricStatistics",
        {
            "Namespace": "n",
            "MetricName": "m",
            "Period": 60,
            "Statistics": ["Sum"],
            "StartTime": dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
            "EndTime": dt.datetime(2024, 1, 2, tzinfo=dt.UTC),
        },
    )
    text = message(
        "cloudwatch",
        "GetMetricStatistics",
        {
            "Namespace": "n",
            "MetricName": "m",
            "Period": 60,
            "StartTime": "yesterday",
            "EndTime": dt.datetime(2024, 1, 2, tzinfo=dt.UTC),
        },
    )
    assert "Value 'yesterday' at 'startTime' failed to satisfy constraint" in text
    assert "Member must be of type boolean" in message(
        "dynamodb", "GetItem", {"TableName": "abc", "Key": {}, "ConsistentRead": "yes"}
    )


def test_union_needs_exactly_one_member() -> None:
    params = {"integrationName": "i", "resourceConfig": {}, "integrationType": "OPENSEARCH"}
    assert message("logs", "PutIntegration", params) == (
        "1 validation error detected: Value '{}' at 'resourceConfig' failed to "
        "satisfy constraint: Member must have exactly one member set"
    )


def test_valid_input_passes_and_empty_input_shapes_are_free() -> None:
    ok("sts", "GetCallerIdentity", {})
    ok("dynamodb", "PutItem", {"TableName": "orders", "Item": {"id": {"S": "1"}}})
    ok(
        "sts",
        "AssumeRole",
        {
            "RoleArn": "arn:aws:iam::123456789012:role/demo",
            "RoleSessionName": "session",
            "Tags": [{"Key": "k", "Value": "v"}],
        },
    )


@pytest.mark.parametrize(
    ("service", "code"),
    [
        ("sts", "ValidationError"),
        ("iam", "ValidationError"),
        ("cloudformation", "ValidationError"),
        ("dynamodb", "ValidationException"),
        ("lambda", "ValidationException"),
        ("apigateway", "BadRequestException"),
        ("s3", "InvalidArgument"),
        ("cognito-idp", "InvalidParameterException"),
    ],
)
def test_validation_error_code(service: str, code: str) -> None:
    assert validation_error_code(service_model(service)) == code
