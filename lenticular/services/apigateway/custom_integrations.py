"""The non-proxy integrations, whose requests and responses go through mapping templates
(`mapping`): MOCK, AWS service integrations (DynamoDB actions and Lambda invoke, both
in-process through the registry) and HTTP.

An AWS integration calls the service the way a client would, without the network: the
mapped body is parsed, validated and dispatched by the service's own wire model, and
its answer (success or AWS's error shape, e.g. DynamoDB's 400 `{"__type", "message"}`)
is the integration response.
https://docs.aws.amazon.com/apigateway/latest/developerguide/integrating-api-with-aws-services-dynamodb.html
"""

from __future__ import annotations

import inspect
import logging
import re
import uuid
from typing import Any
from urllib.parse import urlencode

import orjson

from lenticular.context import RequestContext
from lenticular.errors import NotImplementedOperation, ServiceError
from lenticular.protocol.codec import codec_for
from lenticular.protocol.http import HttpRequest, HttpResponse
from lenticular.protocol.model import service_model
from lenticular.protocol.validate import validate, validation_error_code
from lenticular.services.apigateway.apis import lambda_function_arn
from lenticular.services.apigateway.content_handling import map_request, method_response
from lenticular.services.apigateway.integrations import (
    Invocation,
    bounded,
    call_backend,
    error_response,
    fill_uri,
    integration_method,
    internal_error,
    timed_out,
    with_stage_variables,
)
from lenticular.services.apigateway.mapping import BackendResponse, MappingFailed
from lenticular.services.awslambda.configuration import parse_function
from lenticular.services.registry import method_name

log = logging.getLogger(__name__)

_SERVICE_ACTION = re.compile(
    r"^arn:aws[a-zA-Z-]*:apigateway:(?P<region>[a-z0-9-]+):(?P<service>[a-z0-9-]+):"
    r"action/(?P<action>[A-Za-z0-9]+)$"
)
_STATUS_IN_BODY = re.compile(rb'"statusCode"\s*:\s*"?(\d{3})')
# Services an AWS integration can reach, by the URI's service name: (botocore name, target prefix).
_ACTION_SERVICES = {"dynamodb": ("dynamodb", "DynamoDB_20120810")}


def not_implemented(what: str) -> HttpResponse:
    return error_response(
        500, f"{what} are not implemented by lenticular yet", "InternalServerErrorException"
    )


# -- MOCK ---------------------------------------------------------------------------------


def _mock_status(body: bytes) -> int:
    """The status a MOCK integration answers: the `statusCode` of the mapped request."""
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError:
        document = None
    if isinstance(document, dict):
        status = document.get("statusCode")
        if isinstance(status, int) and not isinstance(status, bool):
            return status
        if isinstance(status, str) and status.isdigit():
            return int(status)
    found = _STATUS_IN_BODY.search(body)
    return int(found.group(1)) if found else 200


def mock(call: Invocation) -> HttpResponse:
    try:
        mapped = map_request(call)
    except MappingFailed as failed:
        return failed.response
    status = _mock_status(mapped.body)
    return method_response(call, BackendResponse(status, [], b""), str(status))


# -- AWS ----------------------------------------------------------------------------------


async def aws(call: Invocation, registry: Any) -> HttpResponse:
    uri = with_stage_variables(call.integration.get("uri", ""), call.stage_variables)
    function_arn = lambda_function_arn(uri)
    action = _SERVICE_ACTION.match(uri)
    if function_arn is None and (action is None or action["service"] not in _ACTION_SERVICES):
        return not_implemented("AWS integrations with this URI")
    try:
        mapped = map_request(call)
    except MappingFailed as failed:
        return failed.response
    if function_arn is not None:
        return await _lambda(call, registry.get("lambda").engine, function_arn, mapped.body)
    assert action is not None
    backend = _service_action(
        registry, call, action["service"], action["action"], action["region"], mapped.body
    )
    return method_response(call, backend, str(backend.status))


def _service_action(
    registry: Any, call: Invocation, service_name: str, action: str, region: str, body: bytes
) -> BackendResponse:
    """One action of an AWS service, in-process, through the service's wire model."""
    service, target_prefix = _ACTION_SERVICES[service_name]
    model = service_model(service)
    request = HttpRequest(
        "POST", "/", "/", "",
        {"content-type": "application/x-amz-json-1.0", "x-amz-target": f"{target_prefix}.{action}"},
        body, "",
    )  # fmt: skip
    codec = codec_for(model, request)
    request_id = str(uuid.uuid4())
    operation = None
    try:
        if action not in model.operation_names:
            raise ServiceError(
                f"Unknown operation {action}", code="UnknownOperationException", status=400
            )
        operation = model.operation_model(action)
        params = codec.parse(operation, request, {})
        validate(operation, params, code=validation_error_code(model))
        ctx = RequestContext(
            request=request, request_id=request_id, service=service, region=region,
            account_id=call.account_id, service_model=model, codec=codec,
            operation=operation, params=params,
        )  # fmt: skip
        provider = registry.get(service)
        handler = getattr(provider, method_name(action), None)
        if handler is None:
            raise NotImplementedOperation(service, action)
        result = handler(ctx, params)
        if inspect.isawaitable(result):  # pragma: no cover - DynamoDB's are synchronous
            raise NotImplementedOperation(service, action)
        response = codec.serialize(operation, result or {}, request_id)
    except ServiceError as error:
        response = codec.serialize_error(model, operation, error, request_id)
    return BackendResponse(response.status, response.headers, response.body)


async def _lambda(call: Invocation, engine: Any, function_arn: str, body: bytes) -> HttpResponse:
    """Lambda's Invoke with the mapped body as the event; a function error selects the
    integration response by its errorMessage."""
    try:
        ref = parse_function(function_arn, call.account_id, call.region)
        finished, outcome = await bounded(
            engine.invoke(ref, body or b"{}", request_id=str(uuid.uuid4())),
            call.integration.get("timeoutInMillis", 29000),
        )
    except ServiceError as error:  # no such function, throttled, ...
        log.info("Lambda integration %s failed: %s", function_arn, error)
        return internal_error()
    if not finished:
        return timed_out()
    result, _ = outcome
    backend = BackendResponse(200, [("Content-Type", "application/json")], result.payload)
    key = None
    if result.function_error:
        try:
            error = orjson.loads(result.payload)
        except orjson.JSONDecodeError:
            error = None
        message = error.get("errorMessage") if isinstance(error, dict) else None
        key = backend.error_message = message if isinstance(message, str) else ""
    return method_response(call, backend, key)


# -- HTTP ---------------------------------------------------------------------------------


async def http_integration(call: Invocation) -> HttpResponse:
    """HTTP (non-proxy): only the mapped headers, query string and body are sent."""
    try:
        mapped = map_request(call)
    except MappingFailed as failed:
        return failed.response
    url = fill_uri(call, {**call.path_parameters, **mapped.path})
    if mapped.query:
        url += ("&" if "?" in url else "?") + urlencode(mapped.query)
    headers = dict(mapped.headers)
    if mapped.body:
        headers.setdefault("Content-Type", mapped.content_type)
    answer = await call_backend(call, integration_method(call), url, headers, mapped.body, "HTTP")
    if isinstance(answer, HttpResponse):
        return answer  # API Gateway's own 500/504: no backend response to map
    status, kept, body = answer
    return method_response(call, BackendResponse(status, kept, body), str(status))
