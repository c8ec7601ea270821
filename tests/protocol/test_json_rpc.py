"""The `json` codec against botocore: real clients in, botocore's parsers out."""

from __future__ import annotations

import math
import zlib
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from botocore.exceptions import ChecksumError, ClientError
from botocore.model import ServiceModel
from hypothesis import given, settings
from hypothesis import strategies as st

from lenticular.errors import ServiceError, UnknownOperation, ValidationError
from lenticular.protocol import codecs
from lenticular.protocol.http import HttpRequest, HttpResponse
from lenticular.protocol.json_rpc import JsonCodec
from lenticular.protocol.json_values import ConverterCompiler, json_read_leaf
from lenticular.protocol.model import service_model
from tests.protocol.rpc_loopback import loopback_client
from tests.protocol.wire import client_parse, client_request

CREATED = datetime(2024, 3, 1, 12, 30, 15, 250000, tzinfo=UTC)


def _json_request(target: str, body: bytes) -> HttpRequest:
    return HttpRequest(
        method="POST",
        path="/",
        raw_path="/",
        query_string="",
        headers={"x-amz-target": target, "content-type": "application/x-amz-json-1.0"},
        body=body,
    )


def _codec() -> JsonCodec:
    codec = codecs.get("json")
    assert isinstance(codec, JsonCodec)
    return codec


def _body(response: HttpResponse | None) -> dict[str, Any]:
    assert response is not None
    return orjson.loads(response.body)


# -- DynamoDB ---------------------------------------------------------------------------

ITEM = {
    "pk": {"S": "user#1"},
    "n": {"N": "12.50"},
    "blob": {"B": b"\x00\xffbinary"},
    "blobs": {"BS": [b"a", b"\x01\x02"]},
    "nested": {"M": {"list": {"L": [{"S": "x"}, {"NULL": True}, {"BOOL": False}]}}},
    "strings": {"SS": ["a", "b"]},
}


def test_put_item_parses_binary_and_nested_attribute_values() -> None:
    client, exchange = loopback_client("dynamodb", lambda op, params: {})
    client.put_item(TableName="users", Item=ITEM, ConditionExpression="attribute_not_exists(pk)")
    assert exchange.codec == "json"
    assert exchange.operation == "PutItem"
    assert exchange.params == {
        "TableName": "users",
        "Item": ITEM,
        "ConditionExpression": "attribute_not_exists(pk)",
    }


def test_query_with_exclusive_start_key_round_trips() -> None:
    page = [{"pk": {"S": "a"}, "sk": {"N": "1"}, "b": {"B": b"\x01"}}]

    def provider(op: str, params: dict[str, Any]) -> dict[str, Any]:
        return {"Items": page, "Count": 1, "ScannedCount": 1, "LastEvaluatedKey": page[0]}

    client, exchange = loopback_client("dynamodb", provider)
    start = {"pk": {"S": "a"}, "sk": {"N": "0"}}
    out = client.query(
        TableName="t",
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": "a"}},
        ExclusiveStartKey=start,
        Limit=10,
    )
    assert exchange.params is not None
    assert exchange.params["ExclusiveStartKey"] == start
    assert exchange.params["Limit"] == 10
    assert out["Items"] == page
    assert out["LastEvaluatedKey"] == page[0]
    assert out["ResponseMetadata"]["RequestId"] == "req-1"


def test_describe_table_creation_date_time_is_epoch_seconds() -> None:
    table = {
        "TableName": "t",
        "TableStatus": "ACTIVE",
        "CreationDateTime": CREATED,
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "ItemCount": 0,
    }
    client, exchange = loopback_client("dynamodb", lambda op, params: {"Table": table})
    out = client.describe_table(TableName="t")
    assert out["Table"]["CreationDateTime"] == CREATED
    assert _body(exchange.response)["Table"]["CreationDateTime"] == CREATED.timestamp()


def test_timestamp_outputs_accept_epoch_numbers_and_iso_strings() -> None:
    op = service_model("dynamodb").operation_model("DescribeTable")
    for value in (CREATED.timestamp(), "2024-03-01T12:30:15.250Z"):
        response = _codec().serialize(op, {"Table": {"CreationDateTime": value}}, "r")
        parsed = client_parse("json", op.output_shape, response)
        assert parsed["Table"]["CreationDateTime"] == CREATED


def test_batch_write_item_parses_put_and_delete_requests() -> None:
    requests = {
        "t1": [
            {"PutRequest": {"Item": {"pk": {"S": "1"}, "data": {"B": b"\x10"}}}},
            {"DeleteRequest": {"Key": {"pk": {"S": "2"}}}},
        ]
    }
    unprocessed = {"t1": [{"DeleteRequest": {"Key": {"pk": {"S": "2"}}}}]}
    client, exchange = loopback_client(
        "dynamodb", lambda op, params: {"UnprocessedItems": unprocessed}
    )
    out = client.batch_write_item(RequestItems=requests)
    assert exchange.params == {"RequestItems": requests}
    assert out["UnprocessedItems"] == unprocessed


def test_dynamodb_responses_carry_a_crc32_botocore_checks() -> None:
    client, exchange = loopback_client("dynamodb", lambda op, params: {"TableNames": ["a"]})
    client.list_tables()
    response = exchange.response
    assert response is not None
    assert response.header("x-amz-crc32") == str(zlib.crc32(response.body) & 0xFFFFFFFF)
    assert response.header("content-type") == "application/x-amz-json-1.0"

    # The check is live: a body the checksum does not match is rejected by the client.
    def corrupt(op: str, params: dict[str, Any]) -> dict[str, Any]:
        raise AssertionError("unreachable")

    original = JsonCodec._headers

    def bad_headers(*args: Any) -> list[tuple[str, str]]:
        return [(k, "1" if k == "x-amz-crc32" else v) for k, v in original(*args)]

    JsonCodec._headers = staticmethod(bad_headers)  # type: ignore[method-assign]
    try:
        with pytest.raises(ChecksumError):
            client.list_tables()
    finally:
        JsonCodec._headers = staticmethod(original)  # type: ignore[method-assign]


def _raise(error: ServiceError) -> Any:
    def provider(op: str, params: dict[str, Any]) -> dict[str, Any]:
        raise error

    return provider


def test_resource_not_found_is_namespaced_like_dynamodb() -> None:
    error = ServiceError("Requested resource not found", code="ResourceNotFoundException")
    client, exchange = loopback_client("dynamodb", _raise(error))
    with pytest.raises(client.exceptions.ResourceNotFoundException) as info:
        client.get_item(TableName="missing", Key={"pk": {"S": "1"}})
    assert info.value.response["Error"] == {
        "Code": "ResourceNotFoundException",
        "Message": "Requested resource not found",
    }
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert info.value.response["ResponseMetadata"]["RequestId"] == "req-1"
    assert _body(exchange.response) == {
        "__type": "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException",
        "message": "Requested resource not found",
    }


def test_conditional_check_failed_returns_the_item() -> None:
    item = {"pk": {"S": "1"}, "b": {"B": b"\x07"}}
    error = ServiceError(
        "The conditional request failed",
        code="ConditionalCheckFailedException",
        fields={"Item": item},
    )
    client, _ = loopback_client("dynamodb", _raise(error))
    with pytest.raises(client.exceptions.ConditionalCheckFailedException) as info:
        client.put_item(
            TableName="t",
            Item={"pk": {"S": "1"}},
            ConditionExpression="attribute_not_exists(pk)",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    assert info.value.response["Item"] == item
    assert info.value.response["Error"]["Message"] == "The conditional request failed"


def test_transaction_canceled_carries_cancellation_reasons() -> None:
    reasons = [
        {"Code": "None"},
        {
            "Code": "ConditionalCheckFailed",
            "Message": "The conditional request failed",
            "Item": {"pk": {"S": "2"}},
        },
    ]
    message = (
        "Transaction cancelled, please refer cancellation reasons for specific reasons "
        "[None, ConditionalCheckFailed]"
    )
    error = ServiceError(
        message, code="TransactionCanceledException", fields={"CancellationReasons": reasons}
    )
    client, _ = loopback_client("dynamodb", _raise(error))
    with pytest.raises(client.exceptions.TransactionCanceledException) as info:
        client.transact_write_items(
            TransactItems=[{"Put": {"TableName": "t", "Item": {"pk": {"S": "1"}}}}]
        )
    assert info.value.response["CancellationReasons"] == reasons
    assert info.value.response["Error"]["Code"] == "TransactionCanceledException"


def test_validation_exception_uses_the_coral_namespace() -> None:
    error = ValidationError("One or more parameter values were invalid")
    client, exchange = loopback_client("dynamodb", _raise(error))
    with pytest.raises(ClientError) as info:
        client.get_item(TableName="t", Key={})
    assert info.value.response["Error"]["Code"] == "ValidationException"
    assert _body(exchange.response)["__type"] == "com.amazon.coral.validate#ValidationException"


# -- routing and malformed input ----------------------------------------------------------


def test_unknown_target_is_an_unknown_operation() -> None:
    model = service_model("dynamodb")
    codec = _codec()
    for target in ("DynamoDB_20120810.NoSuchThing", "Other_20120810.GetItem", ""):
        with pytest.raises(UnknownOperation):
            codec.find_operation(model, _json_request(target, b"{}"))
    response = codec.serialize_error(model, None, UnknownOperation(), "r")
    assert response.status == 400
    assert orjson.loads(response.body) == {
        "__type": "com.amazon.coral.service#UnknownOperationException"
    }
    parsed = client_parse("json", None, response)
    assert parsed["Error"]["Code"] == "UnknownOperationException"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", ""),
        (b"\xff\xfe", ""),
        (b"[1, 2]", "Start of list found where not expected"),
        (b'"text"', "Start of value found where not expected"),
    ],
)
def test_malformed_bodies_are_serialization_exceptions(body: bytes, message: str) -> None:
    model = service_model("dynamodb")
    op = model.operation_model("GetItem")
    with pytest.raises(ServiceError) as info:
        _codec().parse(op, _json_request("DynamoDB_20120810.GetItem", body), {})
    assert info.value.code == "SerializationException"
    assert info.value.message == message
    response = _codec().serialize_error(model, op, info.value, "r")
    assert response.status == 400
    assert orjson.loads(response.body)["__type"] == (
        "com.amazon.coral.service#SerializationException"
    )
    assert client_parse("json", op.output_shape, response)["Error"] == {
        "Code": "SerializationException",
        "Message": message,
    }


def test_bad_base64_blob_is_a_serialization_exception() -> None:
    op = service_model("dynamodb").operation_model("PutItem")
    body = b'{"TableName": "t", "Item": {"k": {"B": "abc"}}}'
    with pytest.raises(ServiceError) as info:
        _codec().parse(op, _json_request("DynamoDB_20120810.PutItem", body), {})
    assert info.value.code == "SerializationException"


def test_empty_body_is_empty_input_and_nulls_are_absent() -> None:
    op = service_model("dynamodb").operation_model("ListTables")
    codec = _codec()
    assert codec.parse(op, _json_request("DynamoDB_20120810.ListTables", b""), {}) == {}
    body = b'{"Limit": 5, "ExclusiveStartTableName": null}'
    assert codec.parse(op, _json_request("DynamoDB_20120810.ListTables", body), {}) == {"Limit": 5}


def test_timestamps_in_requests_are_lenient_about_their_encoding() -> None:
    op = service_model("dynamodb").operation_model("ListBackups")
    codec = _codec()
    for raw in (b"1709296215.25", b'"1709296215.25"', b'"2024-03-01T12:30:15.250Z"'):
        body = b'{"TimeRangeLowerBound": ' + raw + b"}"
        parsed = codec.parse(op, _json_request("DynamoDB_20120810.ListBackups", body), {})
        assert parsed == {"TimeRangeLowerBound": CREATED}
    body = b'{"TimeRangeLowerBound": {"not": "a time"}}'
    with pytest.raises(ServiceError) as info:  # an object is no timestamp's JSON kind
        codec.parse(op, _json_request("DynamoDB_20120810.ListBackups", body), {})
    assert info.value.code == "SerializationException"


# DynamoDB's messages for members of the wrong JSON kind, as recorded against the live
# service by dynalite's test helpers (`assertType`, test/helpers.js) and moto's
# test_dynamodb_exceptions.py ("NUMBER_VALUE cannot be converted to String").
@pytest.mark.parametrize(
    ("operation", "body", "message"),
    [
        ("DescribeTable", {"TableName": 3}, "NUMBER_VALUE cannot be converted to String"),
        ("DescribeTable", {"TableName": 3.5}, "DECIMAL_VALUE cannot be converted to String"),
        ("DescribeTable", {"TableName": True}, "TRUE_VALUE cannot be converted to String"),
        ("DescribeTable", {"TableName": []}, "Unrecognized collection type class java.lang.String"),
        ("DescribeTable", {"TableName": {}}, "Start of structure or map found where not expected"),
        (
            "PutItem",
            {"TableName": "t", "Item": {"a": {"S": 5}}},
            "NUMBER_VALUE cannot be converted to String",
        ),
        (
            "PutItem",
            {"TableName": "t", "Item": {"a": {"N": 5}}},
            "NUMBER_VALUE cannot be converted to String",
        ),
        (
            "PutItem",
            {"TableName": "t", "Item": {"a": {"S": {"S": "x"}}}},
            "Start of structure or map found where not expected",
        ),
        (
            "PutItem",
            {"TableName": "t", "Item": {"a": {"B": 5}}},
            "only base-64-encoded strings are convertible to bytes",
        ),
        (
            "PutItem",
            {"TableName": "t", "Item": {"a": {"BOOL": "true"}}},
            "Unexpected token received from parser",
        ),
        (
            "PutItem",
            {"TableName": "t", "Item": {"a": {"BOOL": 1}}},
            "NUMBER_VALUE cannot be converted to Boolean",
        ),
        ("PutItem", {"TableName": "t", "Item": {"a": {"SS": "x"}}}, "Unexpected field type"),
        (
            "PutItem",
            {"TableName": "t", "Item": {"a": {"SS": {}}}},
            "Start of structure or map found where not expected",
        ),
        (
            "PutItem",
            {"TableName": "t", "Item": {"a": {"SS": ["x", 1]}}},
            "NUMBER_VALUE cannot be converted to String",
        ),
        (
            "PutItem",
            {"TableName": "t", "Item": {"a": {"L": [3]}}},
            "Unexpected value type in payload",
        ),
        (
            "PutItem",
            {"TableName": "t", "Item": {"a": {"M": {"b": "x"}}}},
            "Unexpected value type in payload",
        ),
        (
            "PutItem",
            {"TableName": "t", "Item": {"a": {"L": [{"M": {"b": {"N": 1}}}]}}},
            "NUMBER_VALUE cannot be converted to String",
        ),
        ("PutItem", {"TableName": "t", "Item": "x"}, "Unexpected field type"),
        (
            "PutItem",
            {"TableName": "t", "Item": []},
            "Unrecognized collection type java.util.Map<java.lang.String, "
            "com.amazonaws.dynamodb.v20120810.AttributeValue>",
        ),
        ("Scan", {"TableName": "t", "Limit": "5"}, "STRING_VALUE cannot be converted to Integer"),
        (
            "GetItem",
            {"TableName": "t", "Key": {}, "ConsistentRead": "yes"},
            "Unexpected token received from parser",
        ),
        (
            "CreateTable",
            {"TableName": "t", "ProvisionedThroughput": []},
            "Unrecognized collection type class com.amazonaws.dynamodb.v20120810.ProvisionedThroughput",
        ),
        ("CreateTable", {"TableName": "t", "ProvisionedThroughput": 5}, "Unexpected field type"),
        (
            "TransactWriteItems",
            {"TransactItems": [{"Put": {"TableName": "t", "Item": {"a": {"S": 1}}}}]},
            "NUMBER_VALUE cannot be converted to String",
        ),
    ],
)
def test_wrong_json_kinds_are_serialization_exceptions(
    operation: str, body: dict[str, Any], message: str
) -> None:
    model = service_model("dynamodb")
    op = model.operation_model(operation)
    request = _json_request(f"DynamoDB_20120810.{operation}", orjson.dumps(body))
    with pytest.raises(ServiceError) as info:
        _codec().parse(op, request, {})
    assert (info.value.code, info.value.message, info.value.status) == (
        "SerializationException",
        message,
        400,
    )
    response = _codec().serialize_error(model, op, info.value, "r")
    assert orjson.loads(response.body) == {
        "__type": "com.amazon.coral.service#SerializationException",
        "Message": message,
    }


def test_well_typed_bodies_pass_and_lose_only_their_null_members() -> None:
    op = service_model("dynamodb").operation_model("PutItem")
    body = (
        b'{"TableName": "t", "ReturnValues": null, "Item": {"a": {"S": "x", "N": null},'
        b' "n": {"N": "1"}, "l": {"L": [{"BOOL": true}, {"NULL": true}]},'
        b' "m": {"M": {"z": null, "y": {"B": "AA=="}}}}}'
    )
    parsed = _codec().parse(op, _json_request("DynamoDB_20120810.PutItem", body), {})
    assert parsed == {
        "TableName": "t",
        "Item": {
            "a": {"S": "x"},
            "n": {"N": "1"},
            "l": {"L": [{"BOOL": True}, {"NULL": True}]},
            "m": {"M": {"y": {"B": b"\x00"}}},
        },
    }


def test_wrong_json_kinds_are_refused_by_every_json_service() -> None:
    op = service_model("logs").operation_model("PutLogEvents")
    body = b'{"logGroupName": "g", "logStreamName": "s", "logEvents": [{"timestamp": 1, "message": 2}]}'
    with pytest.raises(ServiceError) as info:
        _codec().parse(op, _json_request("Logs_20140328.PutLogEvents", body), {})
    assert info.value.code == "SerializationException"
    assert info.value.message == "NUMBER_VALUE cannot be converted to String"


def test_documents_keep_their_nulls_and_any_json_kind() -> None:
    model = ServiceModel(
        {
            "metadata": {
                "protocol": "json",
                "jsonVersion": "1.1",
                "targetPrefix": "Docs",
                "serviceId": "Docs",
                "endpointPrefix": "docs",
                "signatureVersion": "v4",
                "apiVersion": "2024-01-01",
            },
            "operations": {
                "Put": {
                    "name": "Put",
                    "http": {"method": "POST", "requestUri": "/"},
                    "input": {"shape": "PutInput"},
                }
            },
            "shapes": {
                "PutInput": {
                    "type": "structure",
                    "members": {
                        "Name": {"shape": "Str"},
                        "Doc": {"shape": "Doc"},
                        "Docs": {"shape": "DocList"},
                    },
                },
                "Str": {"type": "string"},
                "Doc": {"type": "structure", "members": {}, "document": True},
                "DocList": {"type": "list", "member": {"shape": "Doc"}},
            },
        },
        "docs",
    )
    op = model.operation_model("Put")
    body = b'{"Name": null, "Doc": {"a": null, "b": [null, 1, "x"]}, "Docs": [3, {"c": null}]}'
    parsed = _codec().parse(op, _json_request("Docs.Put", body), {})
    assert parsed == {"Doc": {"a": None, "b": [None, 1, "x"]}, "Docs": [3, {"c": None}]}
    with pytest.raises(ServiceError) as info:
        _codec().parse(op, _json_request("Docs.Put", b'{"Name": 1, "Doc": 2}'), {})
    assert info.value.message == "NUMBER_VALUE cannot be converted to String"


def test_plans_skip_the_walk_when_no_member_needs_it() -> None:
    reader = ConverterCompiler(json_read_leaf, inbound=True)
    dynamodb = service_model("dynamodb")
    logs = service_model("logs")
    assert reader.compile(logs.operation_model("PutLogEvents").input_shape) is None
    assert reader.compile(dynamodb.operation_model("DescribeTable").input_shape) is None
    put_item = dynamodb.operation_model("PutItem").input_shape
    assert reader.compile(put_item) is not None
    # AttributeValue's blobs are the only reason to walk: bodies without them skip it.
    assert reader.trigger_keys(put_item) == ("B", "BS")


# -- Cognito, Logs, SQS ------------------------------------------------------------------


def test_cognito_initiate_auth_and_not_authorized() -> None:
    result = {
        "AuthenticationResult": {
            "AccessToken": "a.b.c",
            "ExpiresIn": 3600,
            "TokenType": "Bearer",
            "IdToken": "i.d.t",
        },
        "ChallengeParameters": {},
    }
    client, exchange = loopback_client("cognito-idp", lambda op, params: result)
    out = client.initiate_auth(
        AuthFlow="USER_PASSWORD_AUTH",
        ClientId="client",
        AuthParameters={"USERNAME": "ann", "PASSWORD": "pw"},
    )
    assert exchange.params == {
        "AuthFlow": "USER_PASSWORD_AUTH",
        "ClientId": "client",
        "AuthParameters": {"USERNAME": "ann", "PASSWORD": "pw"},
    }
    assert exchange.response is not None
    assert exchange.response.header("content-type") == "application/x-amz-json-1.1"
    assert exchange.response.header("x-amz-crc32") is None
    assert out["AuthenticationResult"] == result["AuthenticationResult"]

    error = ServiceError("Incorrect username or password.", code="NotAuthorizedException")
    client, exchange = loopback_client("cognito-idp", _raise(error))
    with pytest.raises(client.exceptions.NotAuthorizedException):
        client.initiate_auth(AuthFlow="USER_PASSWORD_AUTH", ClientId="c", AuthParameters={})
    assert _body(exchange.response) == {
        "__type": "NotAuthorizedException",
        "message": "Incorrect username or password.",
    }


def test_cognito_admin_create_user_dates() -> None:
    user = {
        "Username": "ann",
        "Attributes": [{"Name": "email", "Value": "ann@example.com"}],
        "UserCreateDate": CREATED,
        "UserLastModifiedDate": CREATED,
        "Enabled": True,
        "UserStatus": "FORCE_CHANGE_PASSWORD",
    }
    client, exchange = loopback_client("cognito-idp", lambda op, params: {"User": user})
    out = client.admin_create_user(
        UserPoolId="us-east-1_abc",
        Username="ann",
        UserAttributes=[{"Name": "email", "Value": "ann@example.com"}],
        TemporaryPassword="Temp#1234",
        MessageAction="SUPPRESS",
    )
    assert exchange.params is not None
    assert exchange.params["UserAttributes"] == [{"Name": "email", "Value": "ann@example.com"}]
    assert out["User"] == user


def test_logs_put_log_events_and_modelled_error_fields() -> None:
    events = [
        {"timestamp": 1709296215250, "message": "hello"},
        {"timestamp": 1, "message": 'ünïcode "quoted"'},
    ]
    client, exchange = loopback_client("logs", lambda op, params: {"nextSequenceToken": "49590"})
    out = client.put_log_events(logGroupName="g", logStreamName="s", logEvents=events)
    assert exchange.params == {"logGroupName": "g", "logStreamName": "s", "logEvents": events}
    assert out["nextSequenceToken"] == "49590"

    error = ServiceError(
        "The given batch of log events has already been accepted.",
        code="DataAlreadyAcceptedException",
        fields={"expectedSequenceToken": "49591"},
    )
    client, _ = loopback_client("logs", _raise(error))
    with pytest.raises(client.exceptions.DataAlreadyAcceptedException) as info:
        client.put_log_events(logGroupName="g", logStreamName="s", logEvents=events)
    assert info.value.response["expectedSequenceToken"] == "49591"


def test_sqs_errors_carry_the_query_error_header() -> None:
    error = ServiceError("The specified queue does not exist.", code="QueueDoesNotExist")
    client, exchange = loopback_client("sqs", _raise(error))
    with pytest.raises(client.exceptions.QueueDoesNotExist):
        client.get_queue_url(QueueName="missing")
    assert exchange.response is not None
    assert exchange.response.header("x-amzn-query-error") == "QueueDoesNotExist;Sender"
    assert _body(exchange.response)["__type"] == "com.amazonaws.sqs#QueueDoesNotExist"


# -- CloudWatch in its json mode -----------------------------------------------------------


def test_cloudwatch_json_put_metric_data_and_get_metric_data() -> None:
    model = service_model("cloudwatch")
    put = model.operation_model("PutMetricData")
    params = {
        "Namespace": "App",
        "MetricData": [
            {
                "MetricName": "Latency",
                "Dimensions": [{"Name": "Fn", "Value": "f"}],
                "Timestamp": CREATED,
                "Values": [1.5, math.inf],
                "Counts": [2.0, 1.0],
                "Unit": "Milliseconds",
            }
        ],
    }
    request = client_request(put, params, "json")
    codec = _codec()
    found, uri_params = codec.find_operation(model, request)
    assert found.name == "PutMetricData"
    assert codec.parse(found, request, uri_params) == params

    get = model.operation_model("GetMetricData")
    result = {
        "MetricDataResults": [
            {
                "Id": "m1",
                "Label": "Latency",
                "Timestamps": [CREATED, datetime(2024, 3, 1, tzinfo=UTC)],
                "Values": [1.5, 2.0],
                "StatusCode": "Complete",
            }
        ]
    }
    response = codec.serialize(get, result, "r")
    assert response.header("content-type") == "application/x-amz-json-1.0"
    assert client_parse("json", get.output_shape, response) == result

    error = ServiceError("Dashboard d does not exist", code="DashboardNotFoundError")
    response = codec.serialize_error(model, get, error, "r")
    assert response.status == 404
    assert response.header("x-amzn-query-error") == "ResourceNotFound;Sender"
    assert client_parse("json", get.output_shape, response)["Error"]["Code"] == "ResourceNotFound"


def test_cloudwatch_client_speaks_json_by_default() -> None:
    # botocore ranks json above smithy-rpc-v2-cbor, so a stock client takes this path.
    client, exchange = loopback_client("cloudwatch", lambda op, params: {"Metrics": []})
    client.put_metric_data(
        Namespace="App", MetricData=[{"MetricName": "m", "Timestamp": CREATED, "Value": 2.0}]
    )
    assert exchange.codec == "json"
    assert exchange.params == {
        "Namespace": "App",
        "MetricData": [{"MetricName": "m", "Timestamp": CREATED, "Value": 2.0}],
    }
    assert client.list_metrics(Namespace="App")["Metrics"] == []


def test_deep_nesting_is_a_serialization_exception_not_a_crash() -> None:
    op = service_model("dynamodb").operation_model("PutItem")
    depth = 500  # within orjson's limit, beyond Python's recursion limit when walked
    body = '{"Item":{"k":' + '{"M":{"x":' * depth + '{"B":"AA=="}' + "}}" * depth + "}}"
    with pytest.raises(ServiceError) as info:
        _codec().parse(op, _json_request("DynamoDB_20120810.PutItem", body.encode()), {})
    assert info.value.code == "SerializationException"


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats()
    | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(["B", "BS", "M", "L", "S", "Item", "x"]), inner, max_size=3
        )
    ),
    max_leaves=12,
)
MEMBER_NAMES = ["TableName", "Item", "Key", "ExclusiveStartKey", "TimeRangeLowerBound", "Limit"]


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(
    operation=st.sampled_from(["PutItem", "Query", "ListBackups", "BatchWriteItem"]),
    body=st.dictionaries(st.sampled_from(MEMBER_NAMES), json_values, max_size=4).map(orjson.dumps)
    | st.binary(max_size=40),
)
def test_malformed_input_only_ever_raises_service_errors(operation: str, body: bytes) -> None:
    op = service_model("dynamodb").operation_model(operation)
    try:
        parsed = _codec().parse(op, _json_request(f"DynamoDB_20120810.{operation}", body), {})
    except ServiceError:
        return
    assert isinstance(parsed, dict)


def test_renamed_members_and_timestamp_formats_follow_the_model() -> None:
    # No emulated json service uses these traits today; a synthetic model keeps them honest.
    model = ServiceModel(
        {
            "metadata": {
                "protocol": "json",
                "jsonVersion": "1.1",
                "targetPrefix": "Synthetic",
                "serviceId": "Synthetic",
                "endpointPrefix": "synthetic",
                "signatureVersion": "v4",
                "apiVersion": "2024-01-01",
            },
            "operations": {
                "Echo": {
                    "name": "Echo",
                    "http": {"method": "POST", "requestUri": "/"},
                    "input": {"shape": "Shapes"},
                    "output": {"shape": "Shapes"},
                }
            },
            "shapes": {
                "Shapes": {
                    "type": "structure",
                    "members": {
                        "Renamed": {"shape": "Text", "locationName": "wireName"},
                        "Iso": {"shape": "Time", "timestampFormat": "iso8601"},
                        "Http": {"shape": "Time", "timestampFormat": "rfc822"},
                        "Epoch": {"shape": "Time"},
                    },
                },
                "Text": {"type": "string"},
                "Time": {"type": "timestamp"},
            },
        },
        service_name="synthetic",
    )
    op = model.operation_model("Echo")
    params = {
        "Renamed": "v",
        "Iso": CREATED,
        "Http": CREATED.replace(microsecond=0),
        "Epoch": CREATED,
    }
    request = client_request(op, params, "json")
    assert orjson.loads(request.body)["wireName"] == "v"
    codec = JsonCodec()
    assert codec.parse(op, request, {}) == params
    response = codec.serialize(op, params, "r")
    assert orjson.loads(response.body) == {
        "wireName": "v",
        "Iso": "2024-03-01T12:30:15.250Z",
        "Http": "Fri, 01 Mar 2024 12:30:15 GMT",
        "Epoch": 1709296215.25,
    }
    assert client_parse("json", op.output_shape, response) == params
