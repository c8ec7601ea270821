"""The `smithy-rpc-v2-cbor` codec against botocore's CloudWatch client."""

from __future__ import annotations

import struct
from datetime import UTC, datetime
from typing import Any

import cbor2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lenticular.errors import ServiceError, UnknownOperation
from lenticular.protocol import codecs
from lenticular.protocol.cbor_rpc import CborCodec
from lenticular.protocol.http import HttpRequest
from lenticular.protocol.model import service_model
from tests.protocol.rpc_loopback import loopback_client
from tests.protocol.wire import client_parse

CREATED = datetime(2024, 3, 1, 12, 30, 15, 250000, tzinfo=UTC)
CBOR = "smithy-rpc-v2-cbor"
PREFIX = "/service/GraniteServiceVersion20100801/operation/"


def _codec() -> CborCodec:
    codec = codecs.get("smithy-rpc-v2-cbor")
    assert isinstance(codec, CborCodec)
    return codec


def _request(path: str, body: bytes) -> HttpRequest:
    return HttpRequest(
        method="POST",
        path=path,
        raw_path=path,
        query_string="",
        headers={"smithy-protocol": "rpc-v2-cbor", "content-type": "application/cbor"},
        body=body,
    )


def test_put_metric_data_parses_tagged_timestamps_and_doubles() -> None:
    client, exchange = loopback_client("cloudwatch", lambda op, params: {}, CBOR)
    metric = {
        "MetricName": "Latency",
        "Dimensions": [{"Name": "FunctionName", "Value": "f"}],
        "Timestamp": CREATED,
        "Values": [1.5, 250.0],
        "Counts": [3.0, 1.0],
        "Unit": "Milliseconds",
        "StorageResolution": 1,
    }
    out = client.put_metric_data(
        Namespace="App", MetricData=[metric, {"MetricName": "Count", "Value": 1.0}]
    )
    assert exchange.codec == "smithy-rpc-v2-cbor"
    assert exchange.request is not None
    assert exchange.request.path == PREFIX + "PutMetricData"
    assert exchange.params == {
        "Namespace": "App",
        "MetricData": [metric, {"MetricName": "Count", "Value": 1.0}],
    }
    # No modelled output: an empty body, still marked as rpc-v2-cbor.
    assert exchange.response is not None
    assert exchange.response.body == b""
    assert exchange.response.header("smithy-protocol") == "rpc-v2-cbor"
    assert out["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"] == "req-1"


def test_get_metric_data_returns_timestamps_as_tag_1() -> None:
    result = {
        "MetricDataResults": [
            {
                "Id": "m1",
                "Label": "Latency",
                "Timestamps": [CREATED, datetime(2024, 3, 1, tzinfo=UTC)],
                "Values": [1.5, 2.0],
                "StatusCode": "Complete",
            }
        ],
        "Messages": [],
    }
    client, exchange = loopback_client("cloudwatch", lambda op, params: result, CBOR)
    query = {
        "Id": "m1",
        "MetricStat": {
            "Metric": {"Namespace": "App", "MetricName": "Latency"},
            "Period": 60,
            "Stat": "Average",
        },
    }
    out = client.get_metric_data(
        MetricDataQueries=[query],
        StartTime=datetime(2024, 3, 1, tzinfo=UTC),
        EndTime=CREATED,
    )
    assert exchange.params == {
        "MetricDataQueries": [query],
        "StartTime": datetime(2024, 3, 1, tzinfo=UTC),
        "EndTime": CREATED,
    }
    assert out["MetricDataResults"] == result["MetricDataResults"]
    assert exchange.response is not None
    assert exchange.response.header("content-type") == "application/cbor"
    # Tag 1 (0xc1) around a double, as botocore's own serializer writes timestamps.
    assert b"\xc1\xfb" + struct.pack(">d", CREATED.timestamp()) in exchange.response.body


def test_timestamp_outputs_accept_epoch_numbers_and_iso_strings() -> None:
    op = service_model("cloudwatch").operation_model("GetMetricData")
    for value in (CREATED.timestamp(), "2024-03-01T12:30:15.250Z", CREATED):
        result = {"MetricDataResults": [{"Id": "m", "Timestamps": [value]}]}
        response = _codec().serialize(op, result, "r")
        parsed = client_parse("smithy-rpc-v2-cbor", op.output_shape, response)
        assert parsed["MetricDataResults"][0]["Timestamps"] == [CREATED]


def test_modelled_error_with_query_compatible_code() -> None:
    error = ServiceError("Dashboard d does not exist", code="DashboardNotFoundError")
    client, exchange = loopback_client("cloudwatch", _raise(error), CBOR)
    with pytest.raises(client.exceptions.ResourceNotFound) as info:
        client.get_dashboard(DashboardName="d")
    assert info.value.response["Error"]["Code"] == "ResourceNotFound"
    assert info.value.response["Error"]["Message"] == "Dashboard d does not exist"
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    response = exchange.response
    assert response is not None
    assert response.header("smithy-protocol") == "rpc-v2-cbor"
    assert response.header("x-amzn-query-error") == "ResourceNotFound;Sender"
    assert cbor2.loads(response.body) == {
        "__type": "com.amazonaws.cloudwatch#DashboardNotFoundError",
        "message": "Dashboard d does not exist",
    }


def test_error_extra_fields_are_encoded() -> None:
    messages = [{"DataPath": "/widgets/0", "Message": "bad widget"}]
    error = ServiceError(
        "The field DashboardBody is invalid",
        code="DashboardInvalidInputError",
        fields={"dashboardValidationMessages": messages},
    )
    client, _ = loopback_client("cloudwatch", _raise(error), CBOR)
    with pytest.raises(client.exceptions.DashboardInvalidInputError) as info:
        client.put_dashboard(DashboardName="d", DashboardBody="{}")
    assert info.value.response["dashboardValidationMessages"] == messages


def test_unknown_paths_are_unknown_operations_with_404() -> None:
    model = service_model("cloudwatch")
    codec = _codec()
    for path in (
        PREFIX + "NoSuchOperation",
        "/service/OtherService/operation/PutMetricData",
        "/",
        PREFIX + "PutMetricData/extra",
    ):
        with pytest.raises(UnknownOperation) as info:
            codec.find_operation(model, _request(path, b""))
    response = codec.serialize_error(model, None, info.value, "r")
    assert response.status == 404
    parsed = client_parse("smithy-rpc-v2-cbor", None, response)
    assert parsed["Error"]["Code"] == "UnknownOperationException"
    # A prefix before /service/ is allowed by the protocol.
    found, _ = codec.find_operation(model, _request("/prefix" + PREFIX + "ListMetrics", b""))
    assert found.name == "ListMetrics"


@pytest.mark.parametrize(
    "body",
    [b"\xff\x00", b"\xbf\x61", b"\x82\x01\x02", b"\x1b\x00", cbor2.dumps("text")],
)
def test_malformed_bodies_are_serialization_exceptions(body: bytes) -> None:
    model = service_model("cloudwatch")
    op = model.operation_model("ListMetrics")
    with pytest.raises(ServiceError) as info:
        _codec().parse(op, _request(PREFIX + "ListMetrics", body), {})
    assert info.value.code == "SerializationException"
    response = _codec().serialize_error(model, op, info.value, "r")
    assert response.status == 400
    parsed = client_parse("smithy-rpc-v2-cbor", op.output_shape, response)
    assert parsed["Error"]["Code"] == "SerializationException"


def test_empty_body_nulls_and_untagged_timestamps() -> None:
    op = service_model("cloudwatch").operation_model("GetMetricStatistics")
    codec = _codec()
    assert codec.parse(op, _request(PREFIX + "GetMetricStatistics", b""), {}) == {}
    body = cbor2.dumps(
        {
            "Namespace": "App",
            "MetricName": None,
            "Unit": cbor2.undefined,
            "StartTime": CREATED.timestamp(),  # untagged epoch seconds
            "EndTime": cbor2.CBORTag(1, 1709296215),
        }
    )
    assert codec.parse(op, _request(PREFIX + "GetMetricStatistics", body), {}) == {
        "Namespace": "App",
        "StartTime": CREATED,
        "EndTime": datetime(2024, 3, 1, 12, 30, 15, tzinfo=UTC),
    }


def _raise(error: ServiceError) -> Any:
    def provider(op: str, params: dict[str, Any]) -> dict[str, Any]:
        raise error

    return provider


cbor_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=8)
    | st.binary(max_size=8)
    | st.just(cbor2.undefined)
    | st.builds(lambda v: cbor2.CBORTag(1, v), st.floats() | st.text(max_size=4)),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(["MetricData", "Timestamp", "Values", "Value", "MetricName", 7]),
            inner,
            max_size=3,
        )
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(
    body=st.dictionaries(
        st.sampled_from(["Namespace", "MetricData", "StartTime", "EndTime"]), cbor_values
    ).map(lambda value: cbor2.dumps(value) if _encodable(value) else b"\xff")
    | st.binary(max_size=40)
)
def test_malformed_input_only_ever_raises_service_errors(body: bytes) -> None:
    op = service_model("cloudwatch").operation_model("PutMetricData")
    try:
        parsed = _codec().parse(op, _request(PREFIX + "PutMetricData", body), {})
    except ServiceError:
        return
    assert isinstance(parsed, dict)


def _encodable(value: Any) -> bool:
    try:
        cbor2.dumps(value)
    except Exception:
        return False
    return True
