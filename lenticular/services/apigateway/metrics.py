"""The CloudWatch metrics a REST API stage reports (namespace AWS/ApiGateway): Count,
4XXError, 5XXError, Latency, IntegrationLatency, and CacheHitCount/CacheMissCount when the
method's response cache was consulted.

Dimension sets as AWS publishes them: ApiName (the name's ASCII characters, else the API
id), ApiName+Stage, and, when detailed metrics are on for the method (the stage's method
setting `metricsEnabled`, `*/*` or the method's own), ApiName+Method+Resource+Stage
(Resource is the resource path, `/items/{id}`).
4XXError and 5XXError are 0 or 1 per request, so their Average is the error rate, as on
AWS; Latency is the whole request in milliseconds, IntegrationLatency the backend call
(none for MOCK or a request that never reached the integration).

Each request costs a few dict updates: values are merged per route and whole second
(counts, and each latency value with its count) and written as merged CloudWatch datums
in one transaction about once a second, from the event loop, through the metrics
engine's `put_batch` (AWS publishes every minute). Reporting each value through
CloudWatch's `MetricBuffer` instead cost ~30 us a request (ten values a request). Up to
a second of datapoints is lost when the server stops. A request that matched no route
reports only the API and stage dimension sets.
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-metrics-and-dimensions.html
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from lenticular.services.cloudwatch.buffer import WriteBehind, merged_datum
from lenticular.services.cloudwatch.models import MetricKey, canonical_dimensions

Doc = dict[str, Any]
NAMESPACE = "AWS/ApiGateway"
log = logging.getLogger(__name__)


def api_name_dimension(name: str | None, api_id: str) -> str:
    """The ApiName dimension: the API's name without its non-ASCII characters, or the API
    id when none are left, as AWS publishes it."""
    ascii_name = (name or "").encode("ascii", "ignore").decode()
    return ascii_name or api_id


def method_setting(stage: Doc, resource_path: str | None, http_method: str | None) -> Doc:
    """The stage's method settings that apply to one method: `*/*`, overridden by the
    method's own `{resourcePath}/{METHOD}` entry (`/` escaped as `~1` or not)."""
    settings = stage.get("methodSettings") or {}
    if not settings:
        return {}
    merged = dict(settings.get("*/*") or {})
    if resource_path is not None and http_method is not None:
        wanted = f"{resource_path.lstrip('/')}/{http_method}"
        for key, value in settings.items():
            if key != "*/*" and key.replace("~1", "/").lstrip("/") == wanted:
                merged.update(value or {})
                break
    return merged


class _Route:
    """One route's requests within one second, as they arrive."""

    __slots__ = ("count", "client_errors", "server_errors", "latency", "integration",
                 "hits", "misses")  # fmt: skip

    def __init__(self) -> None:
        self.count = 0
        self.client_errors = 0
        self.server_errors = 0
        self.latency: dict[float, int] = {}  # value -> how many requests had it
        self.integration: dict[float, int] = {}
        self.hits = 0
        self.misses = 0


def _datum_values(agg: _Route) -> list[tuple[str, str, list[tuple[float, float]]]]:
    """(metric, unit, [(value, count)]) of one route-second."""
    n = agg.count
    out = [
        ("Count", "Count", [(1.0, float(n))]),
        ("4XXError", "Count", _split(agg.client_errors, n)),
        ("5XXError", "Count", _split(agg.server_errors, n)),
        ("Latency", "Milliseconds", [(float(v), float(c)) for v, c in agg.latency.items()]),
    ]
    if agg.integration:
        pairs = [(float(v), float(c)) for v, c in agg.integration.items()]
        out.append(("IntegrationLatency", "Milliseconds", pairs))
    if agg.hits or agg.misses:
        total = agg.hits + agg.misses
        out.append(("CacheHitCount", "Count", _split(agg.hits, total)))
        out.append(("CacheMissCount", "Count", _split(agg.misses, total)))
    return out


def _split(ones: int, total: int) -> list[tuple[float, float]]:
    """A 0-or-1 metric's values: `ones` ones and the rest zeros."""
    return [(v, float(c)) for v, c in ((1.0, ones), (0.0, total - ones)) if c]


class ApiMetrics(WriteBehind):
    """Merges each request's datapoints per route and second; writes them about once a
    second to CloudWatch's metrics engine."""

    _pending: dict[tuple[Any, ...], _Route]

    def __init__(self, engine: Callable[[], Any], interval: float = 1.0) -> None:
        super().__init__(interval)
        self._get_engine = engine  # CloudWatch's MetricsEngine, loaded on first write

    def record(
        self,
        account_id: str,
        region: str,
        api_name: str,
        stage_name: str,
        resource_path: str | None,
        http_method: str | None,
        detailed: bool,
        status: int,
        latency_ms: int,
        integration_latency_ms: int | None,
        cache_hit: bool | None,
        timestamp: float,
    ) -> None:
        """One request's metrics. `resource_path` is None when no route matched;
        `detailed` adds the per-method dimension set; `cache_hit` is None when no response
        cache was consulted."""
        key = (account_id, region, api_name, stage_name, resource_path, http_method,
               detailed, int(timestamp))  # fmt: skip
        agg = self._pending.get(key)
        if agg is None:
            agg = self._pending[key] = _Route()
        agg.count += 1
        if status >= 500:
            agg.server_errors += 1
        elif status >= 400:
            agg.client_errors += 1
        agg.latency[latency_ms] = agg.latency.get(latency_ms, 0) + 1
        if integration_latency_ms is not None:
            values = agg.integration
            values[integration_latency_ms] = values.get(integration_latency_ms, 0) + 1
        if cache_hit is not None:
            if cache_hit:
                agg.hits += 1
            else:
                agg.misses += 1
        self._schedule_flush()

    def _write(self, pending: dict[tuple[Any, ...], _Route]) -> None:
        merged: dict[tuple[Any, ...], dict[float, float]] = {}
        for key, agg in pending.items():
            account, region, api_name, stage_name, resource, method, detailed, second = key
            sets: list[dict[str, str]] = [
                {"ApiName": api_name},
                {"ApiName": api_name, "Stage": stage_name},
            ]
            if detailed and resource is not None:
                sets.append({"ApiName": api_name, "Method": method or "",
                             "Resource": resource, "Stage": stage_name})  # fmt: skip
            for name, unit, pairs in _datum_values(agg):
                for dims in sets:
                    slot = merged.setdefault(
                        (account, region, name, canonical_dimensions(dims), unit, second), {}
                    )
                    for value, count in pairs:
                        slot[value] = slot.get(value, 0.0) + count
        data = [
            merged_datum(account, region, MetricKey(NAMESPACE, name, dims), second, counts, unit)
            for (account, region, name, dims, unit, second), counts in merged.items()
        ]
        try:
            self._get_engine().put_batch(data)
        except Exception:  # noqa: BLE001 - metrics never fail the server
            log.warning("dropped %d AWS/ApiGateway datapoints", len(data), exc_info=True)
