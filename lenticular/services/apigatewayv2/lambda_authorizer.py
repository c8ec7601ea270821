"""Lambda REQUEST authorizers of HTTP APIs: identity sources, the event of payload format
1.0 or 2.0, simple responses (`{isAuthorized, context}`, 2.0 with EnableSimpleResponses)
or IAM policies (checked against the route ARN on every request, as REST's are, through
`apigateway.lambda_authorizer`), and the result cache by identity values.
https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-lambda-authorizer.html
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import orjson

from lenticular.errors import ServiceError
from lenticular.protocol.http import HttpResponse
from lenticular.services.apigateway import lambda_authorizer as rest_authorizer
from lenticular.services.apigateway.integrations import bounded, context_value
from lenticular.services.apigateway.proxy_event import build_event
from lenticular.services.apigatewayv2 import payload, responses
from lenticular.services.apigatewayv2.definitions import lambda_arn_of
from lenticular.services.apigatewayv2.matched import MatchedRequest
from lenticular.services.awslambda.configuration import parse_function

Doc = dict[str, Any]
TIMEOUT_MS = 10000  # AWS's limit for HTTP API Lambda authorizers


def identity_value(call: MatchedRequest, source: str) -> str | None:
    """The value of one identity source expression (`$request.header.X`, ...)."""
    if source.startswith("$request.header."):
        return call.request.headers.get(source[len("$request.header.") :].lower())
    if source.startswith("$request.querystring."):
        name = source[len("$request.querystring.") :]
        values = [v for k, v in call.request.query if k == name]
        return ",".join(values) if values else None
    if source.startswith("$stageVariables."):
        return call.stage_variables.get(source[len("$stageVariables.") :])
    if source.startswith("$context."):
        value = context_value(call.context, source[len("$context.") :])
        return None if value is None else str(value)
    return None


def _event(authorizer: Doc, call: MatchedRequest, values: list[str]) -> Doc:
    request = call.request
    if authorizer.get("AuthorizerPayloadFormatVersion") == "2.0":
        event = payload.event_v2(
            route_key=call.route_key, raw_path=call.raw_path, raw_query=request.query_string,
            headers=call.headers, query=request.query, path_parameters=call.path_parameters,
            stage_variables=call.stage_variables, request_context=call.context, body=b"",
            content_type=None,
        )  # fmt: skip
        event.pop("body", None)
        event.pop("isBase64Encoded", None)
        return {"version": "2.0", "type": "REQUEST", "routeArn": call.route_arn(),
                "identitySource": values, **{k: v for k, v in event.items() if k != "version"}}  # fmt: skip
    event = build_event(
        resource=call.route_key.partition(" ")[2] or call.route_key, path=call.raw_path,
        http_method=request.method, headers=call.headers, query=request.query,
        path_parameters=call.path_parameters, stage_variables=call.stage_variables,
        request_context=call.context, body=None, is_base64=False,
    )  # fmt: skip
    del event["body"], event["isBase64Encoded"]
    joined = ",".join(values)
    return {"version": "1.0", "type": "REQUEST", "methodArn": call.route_arn(),
            "identitySource": joined, "authorizationToken": joined, **event}  # fmt: skip


def _decide(authorizer: Doc, result: bytes, arn: str) -> Doc | HttpResponse:
    """The authorizer context when the function allows the request, else 403/500."""
    if authorizer.get("EnableSimpleResponses"):
        try:
            answer = orjson.loads(result)
        except orjson.JSONDecodeError:
            return responses.internal_error()
        if not isinstance(answer, dict) or not isinstance(answer.get("isAuthorized"), bool):
            return responses.internal_error()
        if not answer["isAuthorized"]:
            return responses.forbidden()
        context = answer.get("context") or {}
        return context if isinstance(context, dict) else {}
    try:
        output = rest_authorizer.parse_output(result)
    except rest_authorizer.MalformedOutput:
        return responses.internal_error()
    if rest_authorizer.evaluate(output, arn) is not None:
        return responses.forbidden()
    context: Doc = dict(output.context)
    if output.principal_id is not None:
        context["principalId"] = output.principal_id
    return context


class LambdaAuthorizers:
    def __init__(self, lambda_engine: Any) -> None:
        self.lambda_engine = lambda_engine  # Lambda's engine (resolved on first invoke)
        # (api, authorizer, identity values) -> (expiry, raw output): REST's bounded cache,
        # which keeps whatever it is given
        self.cache: Any = rest_authorizer.AuthorizerCache()

    async def authorize(self, authorizer: Doc, call: MatchedRequest) -> Doc | HttpResponse:
        """The context the function returned (requestContext.authorizer.lambda), or the
        client's 401 (identity missing), 403 (denied) or 500 (the function failed)."""
        sources = authorizer.get("IdentitySource") or []
        found = [identity_value(call, s) for s in sources]
        values = [v for v in found if v]
        if len(values) != len(found):
            return responses.message(401, "Unauthorized")
        ttl = authorizer.get("AuthorizerResultTtlInSeconds") or 0
        key = (call.api_id, authorizer["AuthorizerId"], *values)
        now = time.monotonic()
        raw = self.cache.get(key, now) if ttl and sources else None
        if raw is None:
            invoked = await self._invoke(authorizer, _event(authorizer, call, values), call)
            if isinstance(invoked, HttpResponse):
                return invoked
            raw = invoked
            if ttl and sources:
                self.cache.put(key, raw, now + ttl)
        return _decide(authorizer, raw, call.route_arn())

    async def _invoke(self, authorizer: Doc, event: Doc, call: MatchedRequest
                      ) -> bytes | HttpResponse:  # fmt: skip
        function_arn = lambda_arn_of(authorizer.get("AuthorizerUri", ""))
        if function_arn is None:
            return responses.internal_error()
        try:
            ref = parse_function(function_arn, call.account_id, call.region)
            invocation = self.lambda_engine.invoke(
                ref, orjson.dumps(event), request_id=str(uuid.uuid4())
            )
            finished, outcome = await bounded(invocation, TIMEOUT_MS)
        except ServiceError:
            return responses.internal_error()
        if not finished:
            return responses.internal_error()
        result, _ = outcome
        if result.function_error:
            return responses.internal_error()
        return bytes(result.payload)
