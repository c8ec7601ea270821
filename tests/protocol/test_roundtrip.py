"""Every codec against botocore, the reference implementation of AWS's wire protocols.

For a deterministic sample of operations of each service lenticular emulates:
- request: botocore's client serializer writes a generated input; the codec must find the
  operation and parse back exactly that input;
- response: the codec serializes a generated output; botocore's client parser must read
  back exactly that output;
- errors: the codec serializes each modelled error of the operation; botocore must read
  back its code, message and modelled HTTP status.

See tests/protocol/README.md for what is generated and what is deliberately left out.
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib.util
import os
import re
from typing import Any, NamedTuple

import pytest
from botocore.model import OperationModel, ServiceModel, Shape
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lenticular.errors import ServiceError
from lenticular.protocol import codecs
from lenticular.protocol.codec import Codec, codec_for
from lenticular.protocol.http import HttpRequest
from lenticular.protocol.model import protocols, service_model
from tests.protocol.shapes_strategy import input_for, output_for
from tests.protocol.wire import client_parse, client_request

# Raise with e.g. ROUNDTRIP_OPERATIONS=1000 ROUNDTRIP_EXAMPLES=100 for a full sweep.
OPERATIONS_PER_SERVICE = int(os.environ.get("ROUNDTRIP_OPERATIONS", "25"))
EXAMPLES = settings(
    max_examples=int(os.environ.get("ROUNDTRIP_EXAMPLES", "30")),
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
ERROR_MESSAGE = "Nope: <\"quoted\"> & 'apos' \u2014 \u00fcn\u00efcode"

# The operations the Serverless Lens architectures lean on: always in the sample.
PRIORITY = {
    "dynamodb": (
        "PutItem GetItem Query UpdateItem DeleteItem Scan BatchWriteItem BatchGetItem "
        "TransactWriteItems TransactGetItems CreateTable DescribeTable"
    ).split(),
    "lambda": (
        "CreateFunction Invoke GetFunction UpdateFunctionCode AddPermission "
        "CreateEventSourceMapping ListFunctions PublishVersion CreateAlias"
    ).split(),
    "apigateway": (
        "CreateRestApi GetResources CreateResource PutMethod PutIntegration CreateDeployment "
        "CreateStage GetRestApis TestInvokeMethod"
    ).split(),
    "s3": (
        "PutObject GetObject HeadObject ListObjectsV2 DeleteObject DeleteObjects CopyObject "
        "CreateBucket CreateMultipartUpload UploadPart CompleteMultipartUpload "
        "PutBucketNotificationConfiguration PutBucketPolicy"
    ).split(),
    "cloudfront": (
        "CreateDistribution GetDistribution UpdateDistribution ListDistributions "
        "CreateInvalidation CreateOriginAccessControl"
    ).split(),
    "cognito-idp": (
        "CreateUserPool CreateUserPoolClient AdminCreateUser AdminGetUser SignUp "
        "ConfirmSignUp InitiateAuth RespondToAuthChallenge ListUsers GetUser"
    ).split(),
    "sts": "AssumeRole GetCallerIdentity AssumeRoleWithWebIdentity GetSessionToken".split(),
    "cloudformation": (
        "CreateStack UpdateStack DeleteStack DescribeStacks DescribeStackEvents "
        "ListStackResources CreateChangeSet DescribeChangeSet ExecuteChangeSet"
    ).split(),
    "cloudwatch": (
        "PutMetricData GetMetricData GetMetricStatistics PutMetricAlarm DescribeAlarms ListMetrics"
    ).split(),
    "logs": (
        "CreateLogGroup CreateLogStream PutLogEvents GetLogEvents FilterLogEvents "
        "DescribeLogGroups PutRetentionPolicy PutSubscriptionFilter"
    ).split(),
    "appsync": (
        "CreateGraphqlApi GetGraphqlApi CreateDataSource CreateResolver StartSchemaCreation "
        "CreateApiKey EvaluateMappingTemplate"
    ).split(),
}

# Operations this test cannot judge from the bare serializer/parser pair, with the reason.
OUT_OF_SCOPE = {
    ("s3", "GetBucketLocation"): "the client parses the bare <LocationConstraint> in a handler",
    ("s3", "ListDirectoryBuckets"): "same request as ListBuckets; AWS routes it by the "
    "S3 Express control host",
}


class Case(NamedTuple):
    service: str
    protocol: str
    operation: str


def _unsupported(service: str, op: OperationModel) -> str | None:
    """Why an operation is outside this test (None: it is in)."""
    if (service, op.name) in OUT_OF_SCOPE:
        return OUT_OF_SCOPE[(service, op.name)]
    twin = _binding_twins(service).get(op.name)
    if twin:
        return f"deprecated, with the same HTTP binding as {twin} (a server can only route to one)"
    if op.endpoint and op.endpoint.get("hostPrefix"):
        return "host-prefixed endpoint (the host is routing, not the codec's business)"
    shape = op.input_shape
    if shape is not None and any(m.serialization.get("hostLabel") for m in shape.members.values()):
        return "hostLabel input member"
    if op.has_event_stream_input or op.has_event_stream_output:
        return "event streams are not part of the request/response codecs"
    return None


@functools.cache
def _binding_twins(service: str) -> dict[str, str]:
    """Deprecated REST operations whose method and URI equal a current operation's."""
    model = service_model(service)
    if model.protocol not in ("rest-json", "rest-xml"):
        return {}
    current: dict[tuple[str, str], str] = {}
    ops = [model.operation_model(name) for name in model.operation_names]
    for op in ops:
        if not op.deprecated:
            current.setdefault(_binding(op), op.name)
    return {
        op.name: current[_binding(op)]
        for op in ops
        if op.deprecated and current.get(_binding(op), op.name) != op.name
    }


def _binding(op: OperationModel) -> tuple[str, str]:
    uri = re.sub(r"\{[^}+]+(\+?)\}", r"{\1}", op.http.get("requestUri", "/"))
    return op.http.get("method", "POST"), uri


def _sample(service: str, model: ServiceModel) -> list[str]:
    """The priority operations plus an even spread over the rest, in a fixed order."""
    chosen = [name for name in PRIORITY[service] if name in model.operation_names]
    rest = sorted(
        name
        for name in model.operation_names
        if name not in chosen and _unsupported(service, model.operation_model(name)) is None
    )
    room = max(OPERATIONS_PER_SERVICE - len(chosen), 0)
    if room >= len(rest):
        chosen += rest
    elif room:
        step = len(rest) / room
        chosen += [rest[int(i * step)] for i in range(room)]
    return chosen


def _cases() -> list[Any]:
    params = []
    for service in PRIORITY:
        model = service_model(service)
        for protocol in protocols(model):
            for name in _sample(service, model):
                case = Case(service, protocol, name)
                reason = _unsupported(service, model.operation_model(name))
                marks = [pytest.mark.skip(reason=reason)] if reason else []
                params.append(pytest.param(case, id=f"{service}-{protocol}-{name}", marks=marks))
    return params


CASES = _cases()


def _codec(protocol: str) -> Codec:
    module = codecs._CODECS[protocol].split(":")[0]
    if importlib.util.find_spec(module) is None:
        pytest.skip(f"codec module {module} does not exist yet")
    return codecs.get(protocol)


@functools.cache
def _inputs(case: Case) -> st.SearchStrategy[dict[str, Any]]:
    return input_for(service_model(case.service).operation_model(case.operation), case.protocol)


@functools.cache
def _outputs(case: Case) -> st.SearchStrategy[dict[str, Any]]:
    return output_for(service_model(case.service).operation_model(case.operation), case.protocol)


# -- the three directions ------------------------------------------------------------


@pytest.mark.parametrize("case", CASES)
@EXAMPLES
@given(data=st.data())
def test_request_parses_to_the_input_botocore_serialized(case: Case, data: st.DataObject) -> None:
    _codec(case.protocol)
    model = service_model(case.service)
    op = model.operation_model(case.operation)
    params = data.draw(_inputs(case), label="input")

    request = client_request(op, params, case.protocol)
    codec = codec_for(model, request)
    assert codec.name == case.protocol
    found, uri_params = codec.find_operation(model, request)
    assert found.name == op.name
    parsed = codec.parse(found, request, uri_params)
    _check_transport_headers(op, params, parsed, request)

    assert canonical(op.input_shape, parsed, case.protocol) == canonical(
        op.input_shape, params, case.protocol
    )


@pytest.mark.parametrize("case", CASES)
@EXAMPLES
@given(data=st.data())
def test_response_parses_in_botocore_to_the_output(case: Case, data: st.DataObject) -> None:
    codec = _codec(case.protocol)
    op = service_model(case.service).operation_model(case.operation)
    output = data.draw(_outputs(case), label="output")

    response = codec.serialize(op, output, "req-1")
    parsed = client_parse(
        case.protocol,
        op.output_shape,
        response,
        head=_is_head(op),
        streaming=op.has_streaming_output,
    )

    assert canonical(op.output_shape, parsed, case.protocol) == canonical(
        op.output_shape, output, case.protocol
    )


@pytest.mark.parametrize("case", CASES)
def test_modelled_errors_parse_in_botocore(case: Case) -> None:
    codec = _codec(case.protocol)
    model = service_model(case.service)
    op = model.operation_model(case.operation)
    if not op.error_shapes:
        pytest.skip("no modelled errors")
    for shape in op.error_shapes:
        response = codec.serialize_error(
            model, op, ServiceError(ERROR_MESSAGE, code=shape.name), "req-1"
        )
        status = shape.metadata.get("error", {}).get("httpStatusCode")
        if status is not None:
            assert response.status == status, shape.name
        assert response.status >= 400, shape.name
        if _is_head(op):
            continue  # HTTP drops HEAD bodies: clients see only the status
        parsed = client_parse(case.protocol, op.output_shape, response)
        # The code botocore maps to this shape's exception class (the query code for
        # awsQuery and awsQueryCompatible services, else the shape name).
        assert parsed["Error"]["Code"] == shape.error_code, shape.name
        assert parsed["Error"]["Message"] == ERROR_MESSAGE, shape.name


# -- comparison ------------------------------------------------------------------------


def _check_transport_headers(
    op: OperationModel, params: dict[str, Any], parsed: dict[str, Any], request: HttpRequest
) -> None:
    """Members bound to Content-Length: the HTTP layer sets the header, whatever the input."""
    shape = op.input_shape
    if shape is None or op.metadata["protocol"] not in ("rest-json", "rest-xml"):
        return
    for name, member in shape.members.items():
        if member.serialization.get("location") != "header":
            continue
        if member.serialization.get("name", "").lower() != "content-length":
            continue
        if name not in params and name in parsed:
            assert parsed.pop(name) == len(request.body), name


def _is_head(op: OperationModel) -> bool:
    return op.http.get("method", "POST").upper() == "HEAD"


def canonical(shape: Shape | None, value: Any, protocol: str, top: bool = True) -> Any:
    """`value` in a form where equal wire meaning compares equal.

    Timestamps become epoch milliseconds; absent and None members are the same; in the
    XML protocols, and for containers bound to headers or the query string, an empty
    container is the same as an absent one, because the wire cannot tell them apart.
    """
    if shape is None:
        return value
    kind = shape.type_name
    if kind == "timestamp" and isinstance(value, dt.datetime):
        if value.tzinfo is None:
            return ("naive datetime", value)
        return round(value.timestamp() * 1000)
    if kind == "structure" and isinstance(value, dict) and not shape.is_document_type:
        out = {}
        for name, item in value.items():
            member = shape.members.get(name)
            if member is None:
                out[name] = item  # unknown key: keep it so the mismatch shows
                continue
            item = canonical(member, item, protocol, top=False)
            if item is None:
                continue
            if _is_empty(item) and (
                _empty_is_absent(member, protocol, top)
                # botocore sends "{}" for an empty payload structure and for none at all
                or (top and name == shape.serialization.get("payload"))
            ):
                continue
            out[name] = item
        return out
    if kind == "list" and isinstance(value, list):
        return [canonical(shape.member, v, protocol, top=False) for v in value]
    if kind == "map" and isinstance(value, dict):
        return {k: canonical(shape.value, v, protocol, top=False) for k, v in value.items()}
    return value


def _is_empty(value: Any) -> bool:
    return isinstance(value, (dict, list)) and not value


def _empty_is_absent(member: Shape, protocol: str, top: bool) -> bool:
    if member.type_name not in ("structure", "list", "map"):
        return False
    if getattr(member, "is_document_type", False):
        return False
    if top and member.serialization.get("location") in ("headers", "header", "querystring"):
        return True  # no header or query parameter at all is how the wire says "empty"
    return protocol in ("rest-xml", "query")
