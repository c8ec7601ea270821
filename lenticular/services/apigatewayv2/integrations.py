"""The integrations an HTTP API route can call: AWS_PROXY to Lambda (payload format 1.0 or
2.0, in-process through Lambda's engine) and HTTP_PROXY (through REST's `call_backend`,
with HTTP APIs' parameter mapping of headers, query strings, path and status code).
https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations.html
https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-parameter-mapping.html
"""

from __future__ import annotations

import logging
import re
import uuid
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote, urlencode

import orjson

from lenticular.errors import ServiceError
from lenticular.protocol.http import HttpResponse
from lenticular.services.apigateway.integrations import bounded, call_backend, context_value
from lenticular.services.apigateway.proxy_event import (
    HOP_BY_HOP,
    MalformedReply,
    build_event,
    parse_reply,
)
from lenticular.services.apigatewayv2 import payload, responses
from lenticular.services.apigatewayv2.definitions import lambda_arn_of
from lenticular.services.apigatewayv2.matched import MatchedRequest
from lenticular.services.awslambda.configuration import parse_function

log = logging.getLogger(__name__)
Doc = dict[str, Any]
_VARIABLE = re.compile(
    r"\$\{?(request\.(?:header|querystring|path)\.[A-Za-z0-9_.\-]+|request\.path"
    r"|response\.header\.[A-Za-z0-9_\-]+|context\.[A-Za-z0-9_.]+|stageVariables\.[A-Za-z0-9_]+)\}?"
)


def context_v1(call: MatchedRequest) -> Doc:
    """requestContext of a 1.0 event sent by an HTTP API."""
    ctx = call.context
    http = ctx["http"]
    identity = dict.fromkeys(("accessKey", "accountId", "caller", "cognitoAmr",
                              "cognitoAuthenticationProvider", "cognitoAuthenticationType",
                              "cognitoIdentityId", "cognitoIdentityPoolId", "principalOrgId",
                              "user", "userArn"))  # fmt: skip
    identity.update(call.identity_v1, sourceIp=http["sourceIp"], userAgent=http["userAgent"])
    out: Doc = {
        "accountId": ctx["accountId"], "apiId": ctx["apiId"], "domainName": ctx["domainName"],
        "domainPrefix": ctx["domainPrefix"], "extendedRequestId": call.extended_id,
        "httpMethod": http["method"], "identity": identity, "path": http["path"],
        "protocol": http["protocol"], "requestId": ctx["requestId"], "requestTime": ctx["time"],
        "requestTimeEpoch": ctx["timeEpoch"], "resourceId": call.route_key,
        "resourcePath": call.route_key.partition(" ")[2] or call.route_key,
        "stage": ctx["stage"],
    }  # fmt: skip
    if call.authorizer_v1:
        out["authorizer"] = call.authorizer_v1
    return out


def lambda_event(call: MatchedRequest, version: str) -> Doc:
    request = call.request
    content_type = request.headers.get("content-type")
    if version == "2.0":
        return payload.event_v2(
            route_key=call.route_key, raw_path=call.raw_path, raw_query=request.query_string,
            headers=call.headers, query=request.query, path_parameters=call.path_parameters,
            stage_variables=call.stage_variables, request_context=call.context,
            body=request.body, content_type=content_type,
        )  # fmt: skip
    body, is_base64 = payload.event_body(request.body, content_type)
    event = build_event(
        resource=call.route_key.partition(" ")[2] or call.route_key, path=call.raw_path,
        http_method=request.method, headers=call.headers, query=request.query,
        path_parameters=call.path_parameters, stage_variables=call.stage_variables,
        request_context=context_v1(call), body=body, is_base64=is_base64,
    )  # fmt: skip
    return {"version": "1.0", **event}


async def lambda_proxy(call: MatchedRequest, integration: Doc, lambda_engine: Any) -> HttpResponse:
    function_arn = lambda_arn_of(substitute(integration.get("IntegrationUri", ""), call))
    if function_arn is None:
        return responses.internal_error()
    version = integration.get("PayloadFormatVersion", "1.0")
    event = lambda_event(call, version)
    try:
        ref = parse_function(function_arn, call.account_id, call.region)
        finished, outcome = await bounded(
            lambda_engine.invoke(ref, orjson.dumps(event), request_id=str(uuid.uuid4())),
            integration.get("TimeoutInMillis", 30000),
        )
    except ServiceError as error:  # no such function, throttled, ...
        log.info("Lambda integration %s failed: %s", function_arn, error)
        return responses.internal_error()
    if not finished:
        return responses.service_unavailable()
    result, _ = outcome
    if result.function_error:
        return responses.internal_error()
    try:
        if version == "2.0":
            reply = payload.parse_reply_v2(result.payload)
        else:
            reply = parse_reply(result.payload, ["*/*"], None)
    except MalformedReply as problem:
        log.info("Malformed Lambda proxy response from %s: %s", function_arn, problem)
        return responses.internal_error()
    return HttpResponse(status=reply.status, headers=reply.headers, body=reply.body)


# -- HTTP_PROXY ---------------------------------------------------------------------------


def _value(call: MatchedRequest, name: str, backend_headers: dict[str, str] | None) -> str:
    request = call.request
    if name == "request.path":
        return call.path
    kind, _, key = (
        name.partition(".")[2].partition(".") if name.startswith("request.") else ("", "", "")
    )
    if kind == "header":
        return request.headers.get(key.lower(), "")
    if kind == "querystring":
        return ",".join(v for k, v in request.query if k == key)
    if kind == "path":
        return call.path_parameters.get(key, "")
    if name.startswith("response.header."):
        return (backend_headers or {}).get(name[len("response.header.") :].lower(), "")
    if name.startswith("stageVariables."):
        return call.stage_variables.get(name[len("stageVariables.") :], "")
    if name.startswith("context."):
        value = context_value(call.context, name[len("context.") :])
        return "" if value is None else str(value)
    return ""


def substitute(text: str, call: MatchedRequest, backend_headers: dict[str, str] | None = None
               ) -> str:  # fmt: skip
    """`text` with its `$request...`, `$context...`, `$stageVariables...` values filled in."""
    return _VARIABLE.sub(lambda m: _value(call, m.group(1), backend_headers), text)


def _target(call: MatchedRequest, integration: Doc) -> tuple[str, dict[str, str]]:
    """The backend URL and headers after the integration's request parameters."""
    request = call.request
    uri = substitute(integration.get("IntegrationUri", ""), call)

    def fill(found: re.Match[str]) -> str:
        return quote(call.path_parameters.get(found.group(1).rstrip("+"), ""), safe="/")

    uri = re.sub(r"\{([A-Za-z0-9._+-]+)\}", fill, uri)
    headers = {k: v for k, v in call.headers.items() if k not in HOP_BY_HOP and k != "host"}
    query = list(request.query)
    path: str | None = call.path if call.route_key == "$default" else None
    for target, source in (integration.get("RequestParameters") or {}).items():
        action, _, place = target.partition(":")
        value = substitute(source, call)
        if place == "path":
            path = value
            continue
        kind, _, name = place.partition(".")
        if kind == "header":
            name = name.lower()
            if action == "remove":
                headers.pop(name, None)
            elif action == "append" and name in headers:
                headers[name] = f"{headers[name]},{value}"
            else:
                headers[name] = value
        elif kind == "querystring":
            if action in ("remove", "overwrite"):
                query = [(k, v) for k, v in query if k != name]
            if action != "remove":
                query.append((name, value))
    if path is not None:
        base = uri.split("?", 1)[0].rstrip("/")
        uri = base + "/" + quote(path.lstrip("/"), safe="/")
    if query:
        uri += ("&" if "?" in uri else "?") + urlencode(query)
    return uri, headers


def _map_response(call: MatchedRequest, integration: Doc, status: int,
                  headers: list[tuple[str, str]]) -> tuple[int, list[tuple[str, str]]]:  # fmt: skip
    mapping = (integration.get("ResponseParameters") or {}).get(str(status)) or {}
    if not mapping:
        return status, headers
    backend = {k.lower(): v for k, v in headers}
    for target, source in mapping.items():
        action, _, place = target.partition(":")
        value = substitute(source, call, backend)
        if place == "statuscode":
            if value.isdigit():
                status = int(value)
            continue
        name = place.partition(".")[2]
        if action in ("remove", "overwrite"):
            headers = [(k, v) for k, v in headers if k.lower() != name.lower()]
        if action != "remove":
            headers.append((name, value))
    return status, headers


async def http_proxy(call: MatchedRequest, integration: Doc) -> HttpResponse:
    url, headers = _target(call, integration)
    method = integration.get("IntegrationMethod") or call.request.method
    if method == "ANY":
        method = call.request.method
    shim = SimpleNamespace(
        integration={"timeoutInMillis": integration.get("TimeoutInMillis", 30000)}
    )
    answer = await call_backend(shim, method, url, headers, call.request.body, "HTTP_PROXY")  # type: ignore[arg-type]
    if isinstance(answer, HttpResponse):  # REST's own answer: a timeout or a failure
        return (
            responses.service_unavailable() if answer.status == 504 else responses.internal_error()
        )
    status, kept, body = answer
    status, kept = _map_response(call, integration, status, kept)
    return HttpResponse(status=status, headers=kept, body=body)
