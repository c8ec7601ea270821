"""The data plane of HTTP APIs: a request to `{apiId}.execute-api.localhost` is matched to
a stage (named by the first path segment, else `$default`) and a route, then goes
through CORS preflight, the route's authorizer (JWT or Lambda) and throttling to its
integration; the response gets CORS headers and `apigw-requestid`, and the stage's
access log gets a line. Each stage's deployed definition is resolved once and kept until
something of that API changes.
"""

from __future__ import annotations

import base64
import os
import time
from dataclasses import dataclass
from typing import Any

from lenticular.protocol.http import HttpRequest, HttpResponse
from lenticular.services.apigateway import access_log, iam_auth, throttling
from lenticular.services.apigateway.invoke import LazyLambda, request_time
from lenticular.services.apigatewayv2 import cors, integrations, responses
from lenticular.services.apigatewayv2.jwt_authorizer import JwtResult, JwtVerifier
from lenticular.services.apigatewayv2.lambda_authorizer import LambdaAuthorizers, identity_value
from lenticular.services.apigatewayv2.matched import MatchedRequest
from lenticular.services.apigatewayv2.routing import RouteTable
from lenticular.services.apigatewayv2.store import HttpApiStore

Doc = dict[str, Any]


@dataclass(slots=True)
class ServedStage:
    """What one stage of one API serves, resolved once per deployment."""

    name: str
    stage: Doc  # the Stage document (variables, route settings, access logs)
    table: RouteTable
    integrations: dict[str, Doc]
    authorizers: dict[str, Doc]
    cors: Doc | None


@dataclass(slots=True)
class ServedApi:
    account_id: str
    region: str
    stages: dict[str, ServedStage]  # deployed stages by name
    endpoint_disabled: bool  # DisableExecuteApiEndpoint


def _request_id() -> str:
    """An id shaped like HTTP APIs' (`apigw-requestid`): 11 random bytes in base64."""
    return base64.b64encode(os.urandom(11)).decode("ascii")


class HttpGateway:
    def __init__(self, store: HttpApiStore, registry: Any) -> None:
        self.store = store
        self._lambda = LazyLambda(registry)
        self._apis: dict[str, ServedApi] = {}
        self.access_logs = access_log.AccessLogWriter(lambda: registry.get("logs").engine)
        self.throttles = throttling.Throttles()
        self.jwt = JwtVerifier()
        self.lambda_authorizers = LambdaAuthorizers(self._lambda)
        self._accounts = registry.accounts  # who may sign requests to AWS_IAM routes

    def forget(self, api_id: str) -> None:
        """Drop what is held for an API (its definition, stages or settings changed)."""
        self._apis.pop(api_id, None)
        self.throttles.forget(api_id)
        self.lambda_authorizers.cache.forget(api_id)

    def reset_authorizer_cache(self, api_id: str) -> None:
        self.lambda_authorizers.cache.forget(api_id)

    def knows(self, api_id: str) -> bool:
        """Whether `api_id` is an HTTP API (for the shared execute-api endpoint)."""
        return self._served(api_id) is not None

    def _served(self, api_id: str) -> ServedApi | None:
        served = self._apis.get(api_id)
        if served is not None:
            return served
        found = self.store.get_api(api_id)
        if found is None:
            return None
        stages: dict[str, ServedStage] = {}
        for stage in self.store.list_parts(api_id, "stage"):
            snapshot = stage.get("DeploymentId") and self.store.get_snapshot(
                api_id, stage["DeploymentId"]
            )
            if snapshot:
                stages[stage["StageName"]] = ServedStage(
                    stage["StageName"], stage, RouteTable(snapshot["routes"]),
                    snapshot["integrations"], snapshot["authorizers"], snapshot.get("cors"),
                )  # fmt: skip
        disabled = bool(found[2].get("DisableExecuteApiEndpoint"))
        served = self._apis[api_id] = ServedApi(found[0], found[1], stages, disabled)
        return served

    async def handle(self, request: HttpRequest, api_id: str, path: str) -> HttpResponse:
        now = time.time()
        request_id = _request_id()
        seen: Doc = {}
        response = await self._answer(request, api_id, path, now, request_id, seen)
        response.headers.append(("apigw-requestid", request_id))
        served_stage = seen.get("stage")
        if served_stage is not None:
            if served_stage.cors and not cors.is_preflight(request):
                cors.decorate(served_stage.cors, request, response)
            self._log_access(seen, api_id, response, now)
        return response

    def _stage_for(self, api: ServedApi, path: str) -> tuple[ServedStage, str] | None:
        first, _, rest = path.lstrip("/").partition("/")
        named = api.stages.get(first) if first and first != "$default" else None
        if named is not None:
            return named, "/" + rest
        default = api.stages.get("$default")
        return (default, path or "/") if default is not None else None

    async def _answer(self, request: HttpRequest, api_id: str, path: str, now: float,
                      request_id: str, seen: Doc) -> HttpResponse:  # fmt: skip
        api = self._served(api_id)
        if api is None:
            return responses.not_found()
        if api.endpoint_disabled:
            return responses.forbidden()
        raw_path = _raw_path(request, api_id, path)
        chosen = self._stage_for(api, path)
        if chosen is None:
            return responses.not_found()  # no stage: no log line either, as on AWS
        served, stage_path = chosen
        seen["stage"] = served
        epoch_ms = int(now * 1000)
        host = request.headers.get("host", "")
        domain = request.host or host
        forwarded = request.headers.get("x-forwarded-for", "")
        source_ip = forwarded.split(",", 1)[0].strip() or "127.0.0.1"
        context: Doc = {
            "accountId": api.account_id, "apiId": api_id, "domainName": domain,
            "domainPrefix": domain.split(".", 1)[0],
            "http": {"method": request.method, "path": raw_path, "protocol": "HTTP/1.1",
                     "sourceIp": source_ip, "userAgent": request.headers.get("user-agent", "")},
            "requestId": request_id, "routeKey": "-", "stage": served.name,
            "time": request_time(epoch_ms), "timeEpoch": epoch_ms,
        }  # fmt: skip
        seen["context"] = context
        if served.cors and cors.is_preflight(request):
            return cors.preflight(served.cors, request)
        match = served.table.match(request.method, stage_path)
        if match is None:
            return responses.not_found()
        context["routeKey"] = match.route["RouteKey"]
        headers = dict(request.headers)
        headers["x-forwarded-for"] = f"{forwarded}, 127.0.0.1" if forwarded else source_ip
        headers.setdefault("x-forwarded-port", host.rsplit(":", 1)[1] if ":" in host else "80")
        headers.setdefault("x-forwarded-proto", "http")
        headers["x-amzn-trace-id"] = f"Root=1-{int(now):08x}-{os.urandom(12).hex()}"
        call = MatchedRequest(
            request=request, api_id=api_id, account_id=api.account_id, region=api.region,
            stage=served.name, raw_path=raw_path, path=stage_path, route=match.route,
            path_parameters=match.path_parameters,
            stage_variables=dict(served.stage.get("StageVariables") or {}), headers=headers,
            context=context, epoch_ms=epoch_ms, extended_id=request_id,
        )  # fmt: skip
        refused = await self._authorize(call, served)
        if refused is not None:
            return refused
        refused = self._throttle(call, served)
        if refused is not None:
            return refused
        target = match.route.get("Target") or ""
        integration = served.integrations.get(target.removeprefix("integrations/"))
        if integration is None:
            return responses.internal_error()
        started = time.monotonic()
        response = await self._integrate(call, integration)
        seen["integration"] = {
            "latency": int((time.monotonic() - started) * 1000),
            "status": response.status if integration["IntegrationType"] == "HTTP_PROXY" else 200,
        }
        return response

    async def _integrate(self, call: MatchedRequest, integration: Doc) -> HttpResponse:
        if integration.get("IntegrationSubtype"):
            return responses.message(
                500, "AWS service integrations are not implemented by lenticular yet"
            )
        if integration["IntegrationType"] == "AWS_PROXY":
            return await integrations.lambda_proxy(call, integration, self._lambda)
        return await integrations.http_proxy(call, integration)

    async def _authorize(self, call: MatchedRequest, served: ServedStage) -> HttpResponse | None:
        route = call.route
        kind = route.get("AuthorizationType") or "NONE"
        if kind == "AWS_IAM":
            return self._authorize_iam(call)
        if kind not in ("JWT", "CUSTOM"):
            return None
        authorizer = served.authorizers.get(route.get("AuthorizerId") or "")
        if authorizer is None:
            return responses.internal_error()
        if kind == "JWT":
            sources = authorizer.get("IdentitySource") or ["$request.header.Authorization"]
            token = identity_value(call, sources[0])
            outcome = await self.jwt.authorize(
                authorizer, token, list(route.get("AuthorizationScopes") or [])
            )
            if isinstance(outcome, HttpResponse):
                return outcome
            assert isinstance(outcome, JwtResult)
            jwt = {"claims": outcome.claims, "scopes": outcome.scopes}
            call.context["authorizer"] = {"jwt": jwt}
            call.authorizer_v1 = dict(jwt)
            return None
        result = await self.lambda_authorizers.authorize(authorizer, call)
        if isinstance(result, HttpResponse):
            return result
        call.context["authorizer"] = {"lambda": result}
        call.authorizer_v1 = {"lambda": result}
        return None

    def _authorize_iam(self, call: MatchedRequest) -> HttpResponse | None:
        """AWS_IAM routes: a SigV4 signature for execute-api from a known principal (IAM
        policies are not evaluated). The caller goes to requestContext.authorizer.iam (2.0)
        and requestContext.identity (1.0)."""
        if not iam_auth.is_signed(call.request):
            return responses.forbidden()
        identity = iam_auth.authenticate(call.request, self._accounts, call.region)
        if isinstance(identity, HttpResponse):
            return identity
        fields = iam_auth.identity_fields(identity)
        call.context["authorizer"] = {"iam": {
            "accessKey": identity.access_key, "accountId": identity.account_id,
            "callerId": identity.user_id, "cognitoIdentity": None, "principalOrgId": None,
            "userArn": identity.arn, "userId": identity.user_id,
        }}  # fmt: skip
        call.identity_v1 = fields
        return None

    def _throttle(self, call: MatchedRequest, served: ServedStage) -> HttpResponse | None:
        now = time.monotonic()
        if not self.throttles.admit(
            ("account", call.account_id, call.region), throttling.ACCOUNT_RATE,
            throttling.ACCOUNT_BURST, now,
        ):  # fmt: skip
            return responses.too_many_requests()
        # DefaultRouteSettings are each route's defaults (a bucket per route), which the
        # route's own RouteSettings override field by field
        stage = served.stage
        settings = {
            **(stage.get("DefaultRouteSettings") or {}),
            **((stage.get("RouteSettings") or {}).get(call.route_key) or {}),
        }
        rate = settings.get("ThrottlingRateLimit")
        burst = settings.get("ThrottlingBurstLimit")
        if rate is None and burst is None:
            return None
        limits = (
            float(throttling.ACCOUNT_RATE if rate is None else rate),
            int(throttling.ACCOUNT_BURST if burst is None else burst),
        )
        if not self.throttles.admit((call.api_id, call.stage, call.route_key), *limits, now):
            return responses.too_many_requests()
        return None

    def _log_access(self, seen: Doc, api_id: str, response: HttpResponse, now: float) -> None:
        served: ServedStage = seen["stage"]
        settings = served.stage.get("AccessLogSettings") or {}
        if not settings.get("DestinationArn") or not settings.get("Format"):
            return
        ctx = seen["context"]
        http = ctx["http"]
        integration = seen.get("integration") or {}
        authorizer = ctx.get("authorizer") or {}
        variables: Doc = {
            **{k: v for k, v in ctx.items() if k not in ("http", "authorizer")},
            "httpMethod": http["method"], "path": http["path"], "protocol": http["protocol"],
            "identity": {"sourceIp": http["sourceIp"], "userAgent": http["userAgent"]},
            "requestTime": ctx["time"], "requestTimeEpoch": ctx["timeEpoch"],
            "extendedRequestId": ctx["requestId"], "status": response.status,
            "responseLength": len(response.body) if response.stream is None else None,
            "responseLatency": int((time.time() - now) * 1000),
            "integrationLatency": integration.get("latency"),
            "integrationStatus": integration.get("status"),
            "integration": integration,
            "authorizer": {**(authorizer.get("jwt") or {}), **(authorizer.get("lambda") or {})},
            "error": _error_fields(response, "integration" in seen),
        }  # fmt: skip
        stage = {"stageName": served.name,
                 "accessLogSettings": {"format": settings["Format"],
                                       "destinationArn": settings["DestinationArn"]}}  # fmt: skip
        self.access_logs.add(stage, api_id, variables, ctx["timeEpoch"])


def _raw_path(request: HttpRequest, api_id: str, path: str) -> str:
    """The path as the client sent it (still percent-encoded), without the
    `/_aws/execute-api/{apiId}` prefix of the path form."""
    raw = request.raw_path or path
    prefix = f"/_aws/execute-api/{api_id}"
    if raw.startswith(prefix + "/") or raw == prefix:
        raw = raw[len(prefix) :] or "/"
    return raw


def _error_fields(response: HttpResponse, integrated: bool) -> Doc:
    """`$context.error.message` and responseType for the answers API Gateway made itself
    (before the integration, or for an integration that failed or timed out)."""
    if response.status < 400 or (integrated and response.status not in (500, 503)):
        return {}
    if not response.body.startswith(b'{"message":'):
        return {}
    return access_log.error_fields(
        response.status, [("x-amzn-ErrorType", "HttpApi")], response.body
    )
