"""Lambda authorizers on the data plane: the identity sources a request must carry, the
event the authorizer function receives (TOKEN or REQUEST), its IAM policy output, the
result cache keyed by identity source values, and the evaluation of the policy against
the request's method ARN, which happens on every request, cached result or not, since one
cached policy may allow some methods and not others.
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-input.html
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-output.html
"""

from __future__ import annotations

import re
import time
import uuid
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import orjson

from lenticular.errors import ServiceError
from lenticular.protocol.http import HttpResponse
from lenticular.services.apigateway import response_types
from lenticular.services.apigateway.apis import lambda_function_arn
from lenticular.services.apigateway.authorizers import DEFAULT_TTL, identity_sources
from lenticular.services.apigateway.integrations import (
    Invocation,
    bounded,
    context_value,
    with_stage_variables,
)
from lenticular.services.apigateway.proxy_event import build_event
from lenticular.services.apigateway.response_types import GatewayError
from lenticular.services.awslambda.configuration import parse_function

Doc = dict[str, Any]
AUTHORIZER_TIMEOUT_MS = 30000  # not configurable on AWS
_CACHE_LIMIT = 10000


def unauthorized() -> HttpResponse:
    return _answer(401, {"message": "Unauthorized"}, "UnauthorizedException")


def explicit_deny() -> HttpResponse:
    return _answer(
        403, {"Message": "User is not authorized to access this resource with an explicit deny"},
        "AccessDeniedException",
    )  # fmt: skip


def implicit_deny() -> HttpResponse:
    return _answer(
        403, {"Message": "User is not authorized to access this resource"}, "AccessDeniedException"
    )


def configuration_error() -> HttpResponse:
    """AWS's AUTHORIZER_CONFIGURATION_ERROR: the function failed or answered nonsense."""
    return _answer(500, {"message": None}, "AuthorizerConfigurationException")


def _answer(status: int, body: Doc, error_type: str) -> HttpResponse:
    return GatewayError(
        status=status,
        headers=[("Content-Type", "application/json"), ("x-amzn-ErrorType", error_type)],
        body=orjson.dumps(body),
        response_type=response_types.infer(status, error_type),
    )


def method_arn(call: Invocation) -> str:
    """arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{METHOD}/{path}"""
    return (
        f"arn:aws:execute-api:{call.region}:{call.account_id}:{call.api_id}/{call.stage}/"
        f"{call.request.method}/{call.path.lstrip('/')}"
    )


@dataclass(slots=True, frozen=True)
class AuthorizerOutput:
    """What an authorizer function answered, once checked."""

    principal_id: str | None
    statements: tuple[
        tuple[bool, tuple[str, ...], tuple[str, ...]], ...
    ]  # (allow, actions, resources)
    context: dict[str, str]  # stringified values, as REST APIs pass them on
    usage_identifier_key: str | None


class MalformedOutput(ValueError):
    """The authorizer's answer is not a valid output (AWS answers 500)."""


def _strings(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise MalformedOutput("Action and Resource must be strings or lists of strings")


def _stringify(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    raise MalformedOutput("context values must be strings, numbers or booleans")


def parse_output(payload: bytes) -> AuthorizerOutput:
    try:
        output = orjson.loads(payload)
    except orjson.JSONDecodeError:
        raise MalformedOutput("not JSON") from None
    if not isinstance(output, dict) or not isinstance(output.get("policyDocument"), dict):
        raise MalformedOutput("no policyDocument")
    raw = output["policyDocument"].get("Statement")
    raw = [raw] if isinstance(raw, dict) else raw
    if not isinstance(raw, list) or not raw:
        raise MalformedOutput("policyDocument.Statement must be a non-empty list")
    statements = []
    for statement in raw:
        if not isinstance(statement, dict):
            raise MalformedOutput("a statement is not an object")
        effect = str(statement.get("Effect", "")).lower()
        if effect not in ("allow", "deny"):
            raise MalformedOutput("Effect must be Allow or Deny")
        statements.append(
            (
                effect == "allow",
                _strings(statement.get("Action")),
                _strings(statement.get("Resource")),
            )
        )
    context = output.get("context") or {}
    if not isinstance(context, dict):
        raise MalformedOutput("context must be an object")
    principal = output.get("principalId")
    key = output.get("usageIdentifierKey")
    return AuthorizerOutput(
        None if principal is None else _stringify(principal),
        tuple(statements),
        {name: _stringify(value) for name, value in context.items() if value is not None},
        key if isinstance(key, str) else None,
    )


@lru_cache(maxsize=1024)
def _glob(pattern: str) -> re.Pattern[str]:
    """An IAM wildcard pattern: `*` any run of characters, `?` any one."""
    return re.compile(
        "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern),
        re.IGNORECASE | re.DOTALL,
    )


def _matches(patterns: tuple[str, ...], value: str) -> bool:
    return any(_glob(p).fullmatch(value) for p in patterns)


def evaluate(output: AuthorizerOutput, arn: str) -> HttpResponse | None:
    """None if the policy lets this method ARN be invoked, else the 403 AWS answers: an
    explicit Deny wins over any Allow; no matching Allow is an implicit deny."""
    allowed = False
    for allow, actions, resources in output.statements:
        if not _matches(actions, "execute-api:Invoke") or not _matches(resources, arn):
            continue
        if not allow:
            return explicit_deny()
        allowed = True
    return None if allowed else implicit_deny()


# -- identity sources and the event -------------------------------------------------------


def _header(headers: dict[str, str], name: str) -> str | None:
    lowered = name.lower()
    return next((v for k, v in headers.items() if k.lower() == lowered), None)


def source_value(call: Invocation, source: str) -> str | None:
    """The value of one identity source expression in this request."""
    kind, _, name = source.removeprefix("method.request.").partition(".")
    if source.startswith("method.request."):
        if kind in ("header", "multivalueheader"):
            return _header(call.request.headers, name)
        values = [v for k, v in call.request.query if k == name]
        if not values:
            return None
        return values[-1] if kind == "querystring" else ",".join(values)
    if source.startswith("stageVariables."):
        return call.stage_variables.get(source[len("stageVariables.") :])
    value = context_value(call.request_context, source.removeprefix("context."))
    return None if value is None else str(value)


def authorizer_event(authorizer: Doc, call: Invocation, arn: str, token: str | None) -> Doc:
    if authorizer["type"] == "TOKEN":
        return {"type": "TOKEN", "authorizationToken": token, "methodArn": arn}
    event = build_event(
        resource=call.resource["path"], path=call.request_context["path"],
        http_method=call.request.method, headers=call.event_headers, query=call.request.query,
        path_parameters=call.path_parameters, stage_variables=call.stage_variables,
        request_context=call.request_context, body=None, is_base64=False,
    )  # fmt: skip
    del event["body"], event["isBase64Encoded"]
    return {"type": "REQUEST", "methodArn": arn, **event}


async def invoke_function(
    authorizer: Doc, event: Doc, account_id: str, region: str, lambda_engine: Any,
    stage_variables: dict[str, str],
) -> AuthorizerOutput | HttpResponse:  # fmt: skip
    """Call the authorizer function: its checked output, or the answer to give the client
    (401 when it raised "Unauthorized", 500 for any other failure)."""
    uri = with_stage_variables(authorizer.get("authorizerUri", ""), stage_variables)
    function_arn = lambda_function_arn(uri)
    if function_arn is None:
        return configuration_error()
    try:
        ref = parse_function(function_arn, account_id, region)
        finished, outcome = await bounded(
            lambda_engine.invoke(ref, orjson.dumps(event), request_id=str(uuid.uuid4())),
            AUTHORIZER_TIMEOUT_MS,
        )
    except ServiceError:
        return configuration_error()
    if not finished:
        return configuration_error()
    result, _ = outcome
    if result.function_error:
        try:
            error = orjson.loads(result.payload)
        except orjson.JSONDecodeError:
            error = None
        if isinstance(error, dict) and error.get("errorMessage") == "Unauthorized":
            return unauthorized()
        return configuration_error()
    try:
        return parse_output(result.payload)
    except MalformedOutput:
        return configuration_error()


class AuthorizerCache:
    """Authorizer outputs by (API, stage, authorizer, identity source values), kept for the
    authorizer's authorizerResultTtlInSeconds."""

    def __init__(self) -> None:
        self._entries: dict[tuple[Any, ...], tuple[float, AuthorizerOutput]] = {}

    def get(self, key: tuple[Any, ...], now: float) -> AuthorizerOutput | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry[0] <= now:
            del self._entries[key]
            return None
        return entry[1]

    def put(self, key: tuple[Any, ...], output: AuthorizerOutput, expires: float) -> None:
        if len(self._entries) >= _CACHE_LIMIT:
            now = time.monotonic()
            self._entries = {k: v for k, v in self._entries.items() if v[0] > now}
            if len(self._entries) >= _CACHE_LIMIT:
                self._entries.clear()
        self._entries[key] = (expires, output)

    def forget(self, api_id: str) -> None:
        self._entries = {k: v for k, v in self._entries.items() if k[0] != api_id}


async def authorize(
    authorizer: Doc, call: Invocation, cache: AuthorizerCache, lambda_engine: Any
) -> AuthorizerOutput | HttpResponse:
    """Run a TOKEN or REQUEST authorizer for this request: its output when the policy lets
    the request through, else the client's 401/403/500."""
    sources = identity_sources(authorizer)
    values = [source_value(call, source) for source in sources]
    if any(not value for value in values):
        return unauthorized()
    token = values[0] if authorizer["type"] == "TOKEN" and values else None
    expression = authorizer.get("identityValidationExpression")
    if token is not None and expression and not re.fullmatch(expression, token):
        return unauthorized()
    arn = method_arn(call)
    ttl = authorizer.get("authorizerResultTtlInSeconds", DEFAULT_TTL)
    key = (call.api_id, call.stage, authorizer["id"], *values)
    now = time.monotonic()
    output = cache.get(key, now) if ttl else None
    if output is None:
        event = authorizer_event(authorizer, call, arn, token)
        answer = await invoke_function(
            authorizer, event, call.account_id, call.region, lambda_engine, call.stage_variables
        )
        if isinstance(answer, HttpResponse):
            return answer
        output = answer
        if ttl:
            cache.put(key, output, now + ttl)
    denied = evaluate(output, arn)  # against THIS request's ARN, cached output or not
    return denied if denied is not None else output


def context_for(output: AuthorizerOutput, latency_ms: int) -> Doc:
    """requestContext.authorizer (and `$context.authorizer`) for an authorized request."""
    return {**output.context, "principalId": output.principal_id, "integrationLatency": latency_ms}


async def test_invoke(
    authorizer: Doc, params: Doc, account_id: str, region: str, lambda_engine: Any
) -> Doc:
    """TestInvokeAuthorizer: call the function with an event built from the given
    headers, query string and stage variables (the method ARN names a test stage)."""
    headers = dict(params.get("headers") or {})
    path, _, query_string = (params.get("pathWithQueryString") or "/").partition("?")
    query = [tuple(p.split("=", 1)) if "=" in p else (p, "") for p in query_string.split("&") if p]
    stage_variables = dict(params.get("stageVariables") or {})
    arn = f"arn:aws:execute-api:{region}:{account_id}:{params['restApiId']}/test-invoke-stage/GET{path}"
    if authorizer.get("type") == "TOKEN":
        name = identity_sources(authorizer)[0].rsplit(".", 1)[1]
        token = _header(headers, name)
        if not token:
            return {
                "clientStatus": 401,
                "log": "Unauthorized: identity source missing",
                "latency": 0,
            }
        event: Doc = {"type": "TOKEN", "authorizationToken": token, "methodArn": arn}
    else:
        event = {"type": "REQUEST", "methodArn": arn, "resource": path, "path": path,
                 "httpMethod": "GET", "headers": headers or None,
                 "queryStringParameters": dict(query) or None,  # type: ignore[arg-type]
                 "stageVariables": stage_variables or None}  # fmt: skip
    started = time.monotonic()
    answer = await invoke_function(
        authorizer, event, account_id, region, lambda_engine, stage_variables
    )
    latency = int((time.monotonic() - started) * 1000)
    if isinstance(answer, HttpResponse):
        return {"clientStatus": answer.status, "log": answer.body.decode(), "latency": latency}
    statements = [
        {"Effect": "Allow" if allow else "Deny", "Action": list(actions), "Resource": list(res)}
        for allow, actions, res in answer.statements
    ]
    policy = {"Version": "2012-10-17", "Statement": statements}
    out: Doc = {"clientStatus": 200, "log": "", "latency": latency,
                "policy": orjson.dumps(policy).decode(), "authorization": {}}  # fmt: skip
    if answer.principal_id is not None:
        out["principalId"] = answer.principal_id
    return out
