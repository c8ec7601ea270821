"""The checks a matched request passes before its integration runs, in AWS's order:
AWS_IAM signature (`iam_auth`) or Cognito user pool token (`user_pool_auth`), API
key (from the x-api-key header), Lambda authorizer, API key again when the API takes
keys from the authorizer (`apiKeySource` AUTHORIZER), request validation (the caller's
`validate`, `request_validation`), then throttling (account, stage,
method, and the key's usage plan rate and quota). Each answers None to let the request
on, or the response the client gets.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lenticular.protocol.http import HttpResponse
from lenticular.services.apigateway import iam_auth, lambda_authorizer, throttling, user_pool_auth
from lenticular.services.apigateway.integrations import Invocation, error_response
from lenticular.services.apigateway.lambda_authorizer import AuthorizerCache, AuthorizerOutput
from lenticular.services.apigateway.usage_plans import UsagePlanEngine

Doc = dict[str, Any]


def forbidden() -> HttpResponse:
    return error_response(403, "Forbidden", "ForbiddenException", "INVALID_API_KEY")


def too_many_requests() -> HttpResponse:
    return error_response(429, "Too Many Requests", "TooManyRequestsException")


def limit_exceeded() -> HttpResponse:
    return error_response(429, "Limit Exceeded", "LimitExceededException")


@dataclass(slots=True)
class Admission:
    """What the gates learnt about a request that passed them."""

    key: Doc | None = None  # the API key used
    plan: Doc | None = None  # its usage plan for this stage


class Gates:
    def __init__(self, plans: UsagePlanEngine, registry: Any = None) -> None:
        self.plans = plans
        self.registry = registry  # accounts for AWS_IAM, "cognito-idp" for user pools
        self.authorizer_cache = AuthorizerCache()
        self.throttles = throttling.Throttles()

    def forget(self, api_id: str) -> None:
        self.authorizer_cache.forget(api_id)
        self.throttles.forget(api_id)

    async def admit(
        self, call: Invocation, authorizers: dict[str, Doc], key_source: str, lambda_engine: Any,
        stage: Doc, validate: Callable[[Invocation], HttpResponse | None] | None = None,
    ) -> HttpResponse | Admission:  # fmt: skip
        admission = Admission()
        method = call.method
        needs_key = bool(method.get("apiKeyRequired"))
        refused = self._iam_or_user_pool(call, authorizers)
        if refused is not None:
            return refused
        if needs_key and key_source != "AUTHORIZER":
            refused = self._api_key(call, call.request.headers.get("x-api-key"), admission)
            if refused is not None:
                return refused
        if method.get("authorizationType") == "CUSTOM":
            authorizer = authorizers.get(method.get("authorizerId", ""))
            if authorizer is None or authorizer.get("type") not in ("TOKEN", "REQUEST"):
                return lambda_authorizer.configuration_error()
            started = time.monotonic()
            outcome = await lambda_authorizer.authorize(
                authorizer, call, self.authorizer_cache, lambda_engine
            )
            if isinstance(outcome, HttpResponse):
                return outcome
            latency = int((time.monotonic() - started) * 1000)
            call.request_context["authorizer"] = lambda_authorizer.context_for(outcome, latency)
            if outcome.principal_id is not None:
                call.request_context["identity"]["principalId"] = outcome.principal_id
            if needs_key and key_source == "AUTHORIZER":
                refused = self._api_key(call, _usage_key(outcome), admission)
                if refused is not None:
                    return refused
        elif needs_key and key_source == "AUTHORIZER":
            return forbidden()
        refused = validate(call) if validate is not None else None  # request validation
        if refused is not None:
            return refused
        refused = self._throttle(call, stage, admission)
        return refused if refused is not None else admission

    def _iam_or_user_pool(self, call: Invocation, authorizers: dict[str, Doc]
                          ) -> HttpResponse | None:  # fmt: skip
        """AWS_IAM (`iam_auth`) and COGNITO_USER_POOLS (`user_pool_auth`) authorization."""
        kind = call.method.get("authorizationType")
        if kind == "AWS_IAM":
            identity = iam_auth.authenticate(call.request, self.registry.accounts, call.region)
            if isinstance(identity, HttpResponse):
                return identity
            call.request_context["identity"].update(iam_auth.identity_fields(identity))
        elif kind == "COGNITO_USER_POOLS":
            authorizer = authorizers.get(call.method.get("authorizerId", ""))
            if authorizer is None or authorizer.get("type") != "COGNITO_USER_POOLS":
                return lambda_authorizer.configuration_error()
            return user_pool_auth.authorize(call, authorizer, self.registry)
        return None

    def _api_key(self, call: Invocation, value: str | None, admission: Admission
                 ) -> HttpResponse | None:  # fmt: skip
        """The key must exist, be enabled and belong to a usage plan bound to this API
        stage; otherwise AWS answers a bare 403 Forbidden."""
        key = self.plans.key_by_value(value) if value else None
        if key is None or not key.get("enabled"):
            return forbidden()
        plan = self.plans.plan_for(key["id"], call.api_id, call.stage)
        if plan is None:
            return forbidden()
        admission.key, admission.plan = key, plan
        identity = call.request_context["identity"]
        identity["apiKey"], identity["apiKeyId"] = key["value"], key["id"]
        return None

    def _throttle(self, call: Invocation, stage: Doc, admission: Admission) -> HttpResponse | None:
        now = time.monotonic()
        throttles = self.throttles
        account = (call.account_id, call.region)
        if not throttles.admit(
            ("account", *account), throttling.ACCOUNT_RATE, throttling.ACCOUNT_BURST, now
        ):
            return too_many_requests()
        resource_path = call.resource["path"]
        for scope, rate, burst in throttling.stage_limits(
            stage, resource_path, call.request.method
        ):
            if not throttles.admit((call.api_id, call.stage, scope), rate, burst, now):
                return too_many_requests()
        plan, key = admission.plan, admission.key
        if plan is None or key is None:
            return None
        throttle = plan.get("throttle") or {}
        if throttle and not throttles.admit(
            ("plan", plan["id"], key["id"]),
            float(throttle.get("rateLimit", throttling.ACCOUNT_RATE)),
            int(throttle.get("burstLimit", throttling.ACCOUNT_BURST)), now,
        ):  # fmt: skip
            return too_many_requests()
        today = datetime.datetime.now(datetime.UTC).date()
        quota = plan.get("quota")
        if quota and not throttles.spend_quota(plan["id"], key["id"], quota, today):
            return limit_exceeded()
        self.plans.record(plan["id"], key["id"], today)
        return None


def _usage_key(output: AuthorizerOutput) -> str | None:
    return output.usage_identifier_key
