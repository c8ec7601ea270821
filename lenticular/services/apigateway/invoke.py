"""The execute-api data plane: a request to `/{stage}/{path}` of a REST API is matched to
the stage's deployment and handed to the method's integration.

Order of work, as on AWS (the parts built so far): API and stage -> route match (greedy
paths, ANY) -> the gates (API key, authorizers, request validation (`request_validation`),
throttling; `gates`) -> the stage's
response cache (`cache`) -> integration request mapping (non-proxy) -> integration (MOCK, AWS_PROXY to
Lambda, HTTP_PROXY, AWS to DynamoDB or Lambda, HTTP) -> integration response mapping ->
response with API Gateway's headers; an error API Gateway made itself goes through the
deployed gateway responses (`gateway_responses`). Deployments are immutable, so each stage's route table is built once
and kept until a stage or deployment of that API changes.
"""

from __future__ import annotations

import base64
import os
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from lenticular.protocol.http import HttpRequest, HttpResponse
from lenticular.services.apigateway import (
    access_log,
    cache,
    custom_integrations,
    execution_log,
    gateway_responses,
    integrations,
    metrics,
)
from lenticular.services.apigateway.gates import Gates
from lenticular.services.apigateway.integrations import Invocation, error_response
from lenticular.services.apigateway.request_validation import RequestChecks
from lenticular.services.apigateway.routing import RouteTable
from lenticular.services.apigateway.store import ApiGatewayStore

Doc = dict[str, Any]
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_NULL_IDENTITY_FIELDS = (
    "cognitoIdentityPoolId", "accountId", "cognitoIdentityId", "caller", "principalOrgId",
    "accessKey", "cognitoAuthenticationType", "cognitoAuthenticationProvider", "userArn",
    "user",
)  # fmt: skip


@dataclass(slots=True)
class ServedStage:
    """What one stage of one API serves, resolved once per deployment."""

    account_id: str
    region: str
    stage: Doc  # the Stage document (variables, deploymentId)
    binary_media_types: list[str]
    table: RouteTable
    authorizers: dict[str, Doc]  # the deployed authorizers by id
    api_key_source: str  # HEADER or AUTHORIZER
    api_name: str = ""  # the ApiName dimension of its metrics
    checks: RequestChecks | None = None  # request validators and models, as deployed
    gateway_responses: dict[str, Doc] = field(default_factory=dict)  # deployed, by type


def request_time(epoch_ms: int) -> str:
    """CLF-style time, "09/Apr/2015:12:34:56 +0000", without the locale's month names."""
    t = time.gmtime(epoch_ms / 1000)
    return (
        f"{t.tm_mday:02d}/{_MONTHS[t.tm_mon - 1]}/{t.tm_year}:"
        f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} +0000"
    )


def missing_authentication_token() -> HttpResponse:
    return error_response(
        403, "Missing Authentication Token", "MissingAuthenticationTokenException"
    )


def _apigw_id() -> str:
    """x-amz-apigw-id / extendedRequestId: 12 random bytes in base64, like AWS's."""
    return base64.b64encode(os.urandom(12)).decode("ascii")


def _trace_id(now_s: float) -> str:
    return f"Root=1-{int(now_s):08x}-{os.urandom(12).hex()}"


class Gateway:
    def __init__(self, store: ApiGatewayStore, registry: Any, gates: Gates) -> None:
        self.store = store
        self._registry = registry
        self.gates = gates
        self._served: dict[str, dict[str, ServedStage | None]] = {}  # api -> stage -> served
        self.access_logs = access_log.AccessLogWriter(lambda: registry.get("logs").engine)
        self.execution_logs = execution_log.ExecutionLogWriter(lambda: registry.get("logs").engine)
        self.metrics = metrics.ApiMetrics(lambda: registry.get("cloudwatch").engine)
        self._caches: dict[tuple[str, str], cache.StageCache] = {}  # (api, stage) -> cache

    def forget(self, api_id: str) -> None:
        """Drop what is cached for an API (its stages or deployments changed), and the
        response caches of its stages that are gone or no longer have a cache cluster."""
        self._served.pop(api_id, None)
        self.gates.forget(api_id)
        for api, stage_name in [k for k in self._caches if k[0] == api_id]:
            stage = self.store.get_stage(api, stage_name)
            if stage is None or not stage.stage.get("cacheClusterEnabled"):
                del self._caches[(api, stage_name)]

    def knows(self, api_id: str) -> bool:
        """Whether `api_id` is a REST API (a stage already served answers from memory)."""
        return api_id in self._served or self.store.get_api(api_id) is not None

    def flush_cache(self, api_id: str, stage_name: str) -> None:
        """FlushStageCache: empty the stage's response cache."""
        found = self._caches.get((api_id, stage_name))
        if found is not None:
            found.clear()

    def stage_cache(self, api_id: str, stage_name: str, stage: Doc) -> cache.StageCache:
        capacity = cache.size_bytes(stage.get("cacheClusterSize"))
        found = self._caches.get((api_id, stage_name))
        if found is None:
            found = self._caches[(api_id, stage_name)] = cache.StageCache(capacity)
        found.capacity = capacity
        return found

    def served_stage(self, api_id: str, stage_name: str) -> ServedStage | None | bool:
        """The stage's serving state; None if the stage does not exist, False if the API
        does not."""
        stages = self._served.get(api_id)
        if stages is not None and stage_name in stages:
            return stages[stage_name]
        api = self.store.get_api(api_id)
        if api is None:
            return False
        served = None
        stage = self.store.get_stage(api_id, stage_name)
        if stage is not None:
            deployment = self.store.get_deployment(api_id, stage.stage["deploymentId"])
            if deployment is not None:
                snapshot = deployment.snapshot
                served = ServedStage(
                    api.account_id,
                    api.region,
                    stage.stage,
                    list(snapshot["api"].get("binaryMediaTypes") or []),
                    RouteTable(snapshot["resources"]),
                    snapshot.get("authorizers") or {},
                    snapshot["api"].get("apiKeySource") or "HEADER",
                    metrics.api_name_dimension(api.api.get("name"), api_id),
                    checks=RequestChecks(
                        api_id,
                        snapshot.get("models") or {},
                        snapshot.get("requestValidators") or {},
                    ),
                    gateway_responses=snapshot.get("gatewayResponses") or {},
                )
        if served is not None:  # a miss is not kept: probing stage names must not grow this
            self._served.setdefault(api_id, {})[stage_name] = served
        return served

    def _lambda_engine(self) -> Any:
        """Lambda's engine, loaded only when an API first needs it."""
        return LazyLambda(self._registry)

    async def handle(self, request: HttpRequest, api_id: str, path: str) -> HttpResponse:
        now = time.time()
        request_id = str(uuid.uuid4())
        apigw_id = _apigw_id()
        trace_id = _trace_id(now)
        seen: Doc = {}
        response = await self._answer(
            request, api_id, path, now, request_id, apigw_id, trace_id, seen
        )
        if "responses" in seen:  # errors API Gateway made go through its gateway responses
            response = gateway_responses.render(
                response, seen["responses"], request, seen.get("path_parameters") or {},
                seen["context"], seen["stage"].get("variables") or {},
            )  # fmt: skip
        response.headers.extend(
            (("x-amzn-RequestId", request_id), ("x-amz-apigw-id", apigw_id),
             ("X-Amzn-Trace-Id", trace_id))
        )  # fmt: skip
        if "stage" in seen:
            self._log_access(seen, api_id, response, now)
            self._report(seen, api_id, request, response, now)
        return response

    def _report(
        self, seen: Doc, api_id: str, request: HttpRequest, response: HttpResponse, now: float
    ) -> None:
        """The request's AWS/ApiGateway metrics and, when the method's loggingLevel asks for
        them, its execution log lines (both written after the response is sent)."""
        stage, context = seen["stage"], seen["context"]
        served = self.served_stage(api_id, stage["stageName"])
        if not isinstance(served, ServedStage):
            return
        integration = seen.get("integration") or {}
        resource_path = context.get("resourcePath")
        setting = (
            metrics.method_setting(stage, resource_path, request.method)
            if stage.get("methodSettings") else {}
        )  # fmt: skip
        self.metrics.record(
            served.account_id, served.region, served.api_name, stage["stageName"],
            resource_path, request.method, bool(setting.get("metricsEnabled")), response.status,
            int((time.time() - now) * 1000), integration.get("latency"), seen.get("cache_hit"),
            now,
        )  # fmt: skip
        level = setting.get("loggingLevel")
        if level in execution_log.LEVELS and "resourcePath" in context:
            lines = execution_log.execution_lines(
                level, bool(setting.get("dataTraceEnabled")), context, request,
                seen.get("call"), integration, response,
            )  # fmt: skip
            self.execution_logs.add(
                served.account_id, served.region, api_id, stage["stageName"],
                context["requestId"], lines, int(time.time() * 1000),
            )  # fmt: skip

    def _log_access(self, seen: Doc, api_id: str, response: HttpResponse, now: float) -> None:
        """Queue the stage's access log line for this request (written after it is sent)."""
        stage = seen["stage"]
        if not (stage.get("accessLogSettings") or {}).get("destinationArn"):
            return
        context = dict(seen["context"])
        integration = seen.get("integration") or {}
        length = len(response.body) if response.stream is None else None
        context.update(
            status=response.status,
            responseLength=length,
            responseLatency=int((time.time() - now) * 1000),
            integrationLatency=integration.get("latency"),
            integrationStatus=integration.get("status"),
            integration=integration,
            error=context.get("error")
            or access_log.error_fields(response.status, response.headers, response.body),
        )
        self.access_logs.add(stage, api_id, context, context["requestTimeEpoch"])

    async def _answer(
        self,
        request: HttpRequest,
        api_id: str,
        path: str,
        now: float,
        request_id: str,
        apigw_id: str,
        trace_id: str,
        seen: Doc,
    ) -> HttpResponse:
        _, _, rest = path.partition("/")
        stage_name, slash, rest = rest.partition("/")
        resource_path = "/" + rest if slash else "/"
        if not stage_name:
            return missing_authentication_token()
        served = self.served_stage(api_id, stage_name)
        if served is False:
            # No such API: AWS answers a host it does not know with a bare Forbidden.
            return error_response(403, "Forbidden", "ForbiddenException")
        if served is None:
            return missing_authentication_token()
        assert isinstance(served, ServedStage)
        stage_variables = dict(served.stage.get("variables") or {})
        epoch_ms = int(now * 1000)
        host_header = request.headers.get("host", "")
        domain = request.host or host_header
        forwarded_for = request.headers.get("x-forwarded-for", "")
        source_ip = forwarded_for.split(",", 1)[0].strip() or "127.0.0.1"
        identity: Doc = dict.fromkeys(_NULL_IDENTITY_FIELDS)
        identity["sourceIp"] = source_ip
        identity["userAgent"] = request.headers.get("user-agent")
        context: Doc = {
            "httpMethod": request.method,
            "extendedRequestId": apigw_id,
            "requestTime": request_time(epoch_ms),
            "path": f"/{stage_name}{resource_path}",
            "accountId": served.account_id,
            "protocol": "HTTP/1.1",
            "stage": stage_name,
            "domainPrefix": domain.split(".", 1)[0],
            "requestTimeEpoch": epoch_ms,
            "requestId": request_id,
            "identity": identity,
            "domainName": domain,
            "apiId": api_id,
        }
        seen.update(stage=served.stage, context=context, responses=served.gateway_responses)
        match = served.table.match(request.method, resource_path)
        if match is None:
            return missing_authentication_token()
        seen["path_parameters"] = match.path_parameters
        integration = match.method.get("methodIntegration") or {}
        context["resourceId"] = match.resource["id"]
        context["resourcePath"] = match.resource["path"]
        if match.method.get("operationName"):
            context["operationName"] = match.method["operationName"]
        port = host_header.rsplit(":", 1)[1] if ":" in host_header.lstrip("[") else "80"
        event_headers = dict(request.headers)
        event_headers["x-amzn-trace-id"] = trace_id
        event_headers["x-forwarded-for"] = (
            f"{forwarded_for}, 127.0.0.1" if forwarded_for else source_ip
        )
        event_headers.setdefault("x-forwarded-port", port)
        event_headers.setdefault("x-forwarded-proto", "http")
        call = Invocation(
            request=request,
            api_id=api_id,
            account_id=served.account_id,
            region=served.region,
            stage=stage_name,
            path=resource_path,
            resource=match.resource,
            method=match.method,
            integration=integration,
            path_parameters=match.path_parameters,
            stage_variables=stage_variables,
            binary_media_types=served.binary_media_types,
            request_context=context,
            event_headers=event_headers,
        )
        admitted = await self.gates.admit(
            call, served.authorizers, served.api_key_source, self._lambda_engine(), served.stage,
            served.checks.check if served.checks is not None else None,
        )  # fmt: skip
        if isinstance(admitted, HttpResponse):
            return admitted
        policy = cache.method_policy(served.stage, match.resource["path"], request.method)
        if policy is None:
            return await self._integrate_seen(call, integration, seen)
        key = cache.cache_key(
            request.method, match.resource["path"], match.path_parameters, integration,
            request.query_dict(), request.headers,
        )  # fmt: skip
        invalidate = cache.wants_invalidation(request.headers)
        warn = False
        if invalidate and policy.require_authorization and not _signed(request):
            # No IAM here: a signed caller may invalidate, an unsigned one may not.
            if policy.unauthorized_strategy == "FAIL_WITH_403":
                return error_response(403, "Forbidden", "ForbiddenException")
            invalidate = False
            warn = policy.unauthorized_strategy == "SUCCEED_WITH_RESPONSE_HEADER"
        stage_cache = self.stage_cache(api_id, stage_name, served.stage)
        response = None if invalidate else stage_cache.get(key)
        seen["cache_hit"] = response is not None  # CacheHitCount / CacheMissCount
        if response is None:
            response = await self._integrate_seen(call, integration, seen)
            stage_cache.put(key, response, policy.ttl_s)
        if warn:
            response.headers.append(cache.WARNING_HEADER)
        return response

    async def _integrate_seen(self, call: Invocation, integration: Doc, seen: Doc) -> HttpResponse:
        started = time.monotonic()
        seen["call"] = call  # for the execution log
        response = await self._integrate(call, integration.get("type"))
        seen["integration"] = _integration_fields(
            integration.get("type"), response, int((time.monotonic() - started) * 1000)
        )
        return response

    async def _integrate(self, call: Invocation, kind: str | None) -> HttpResponse:
        if kind == "MOCK":
            return custom_integrations.mock(call)
        if kind == "AWS_PROXY":
            return await integrations.lambda_proxy(call, self._lambda_engine())
        if kind == "HTTP_PROXY":
            return await integrations.http_proxy(call)
        if kind == "AWS":
            return await custom_integrations.aws(call, self._registry)
        if kind == "HTTP":
            return await custom_integrations.http_integration(call)
        return error_response(
            500,
            f"Integrations of type {kind} are not implemented by lenticular yet",
            "InternalServerErrorException",
        )


def _signed(request: HttpRequest) -> bool:
    return request.headers.get("authorization", "").startswith("AWS4-HMAC-SHA256")


def _integration_fields(kind: str | None, response: HttpResponse, latency_ms: int) -> Doc:
    """`$context.integration` (and integrationStatus/Latency): the backend's own status for
    HTTP integrations, 200 for a Lambda or AWS call that answered, none for MOCK."""
    if kind == "MOCK":
        return {}
    fields: Doc = {"latency": latency_ms}
    if kind in ("HTTP", "HTTP_PROXY"):
        if response.header("x-amzn-ErrorType") is None:
            fields["status"] = response.status
    elif response.header("x-amzn-ErrorType") is None or response.status == 502:
        fields["status"] = 200
    return fields


class LazyLambda:
    """Lambda's engine, looked up from the registry when an integration or authorizer first
    calls it."""

    __slots__ = ("_registry",)

    def __init__(self, registry: Any) -> None:
        self._registry = registry

    def invoke(self, *args: Any, **kwargs: Any) -> Any:
        return self._registry.get("lambda").engine.invoke(*args, **kwargs)
