"""CloudWatch metrics without the wire: storing datapoints, reading them back as
statistics per period, listing metrics, and the retention sweep. Other services (Lambda)
call `MetricsEngine.put`/`put_batch` in-process, usually through a `MetricBuffer`.

Retention, kept simple: AWS rolls data up (sub-minute data for 3 hours, 1-minute for 15
days, 5-minute for 63 days, 1-hour for 455 days). lenticular keeps every raw datapoint for
455 days (15 months) and then deletes it, so any period can read data of any age up to
then. ListMetrics hides metrics without data in the past two weeks, as AWS does.
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_concepts.html#metrics-retention
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from lenticular.services.cloudwatch.models import (
    Datum,
    MetricKey,
    canonical_dimensions,
    dimensions_json,
)
from lenticular.services.cloudwatch.statistics import Bucket, bucketize, statistic
from lenticular.services.cloudwatch.store import MetricsStore

RETENTION_SECONDS = 455 * 86400.0  # 15 months: AWS's longest retention (1-hour data)
LIST_WINDOW_SECONDS = 14 * 86400.0  # ListMetrics shows metrics with data in two weeks
RECENTLY_ACTIVE_SECONDS = 3 * 3600.0  # RecentlyActive=PT3H


@dataclass(frozen=True, slots=True)
class DimensionFilter:
    name: str
    value: str | None  # None: any value


class MetricsEngine:
    def __init__(self, store: MetricsStore) -> None:
        self.store = store

    # -- writing -------------------------------------------------------------------------

    def put(
        self,
        account_id: str,
        region: str,
        namespace: str,
        name: str,
        dimensions: dict[str, str],
        value: float,
        unit: str,
        timestamp: float,
    ) -> None:
        """One value, as a service's own metric (no checks: in-process callers only)."""
        metric = MetricKey(namespace, name, canonical_dimensions(dimensions))
        self.store.add([Datum.single(account_id, region, metric, value, unit, timestamp)])

    def put_batch(self, data: Iterable[Datum]) -> int:
        """Many datapoints in one transaction; returns how many were stored."""
        return self.store.add(data)

    # -- reading -------------------------------------------------------------------------

    def buckets(
        self,
        account_id: str,
        region: str,
        metric: MetricKey,
        start: float,
        end: float,
        period: int,
        unit: str | None = None,
    ) -> dict[float, Bucket]:
        """Period start -> the datapoints of that period combined (periods from `start`)."""
        samples = self.store.samples(account_id, region, metric, start, end, unit)
        return bucketize(samples, start, period)

    def series(
        self,
        account_id: str,
        region: str,
        metric: MetricKey,
        start: float,
        end: float,
        period: int,
        stat: str,
        unit: str | None = None,
    ) -> list[tuple[float, float]]:
        """(period start, value of `stat`) for the periods with data, oldest first."""
        buckets = self.buckets(account_id, region, metric, start, end, period, unit)
        out = []
        for begin in sorted(buckets):
            value = statistic(buckets[begin], stat)
            if value is not None:
                out.append((begin, value))
        return out

    def list_metrics(
        self,
        account_id: str,
        region: str,
        *,
        namespace: str | None = None,
        name: str | None = None,
        filters: list[DimensionFilter] | None = None,
        recently_active: bool = False,
        after: MetricKey | None = None,
        now: float | None = None,
    ) -> Iterator[MetricKey]:
        """Metrics matching the filters, in a stable order, after the key `after`."""
        now = time.time() if now is None else now
        window = RECENTLY_ACTIVE_SECONDS if recently_active else LIST_WINDOW_SECONDS
        cursor = None
        if after is not None:
            cursor = (after.namespace, after.name, dimensions_json(after.dimensions))
        for metric in self.store.metrics(
            account_id, region, namespace=namespace, name=name,
            active_since=now - window, after=cursor,
        ):  # fmt: skip
            if filters and not _matches(metric, filters):
                continue
            yield metric

    # -- retention -----------------------------------------------------------------------

    def sweep_expired(self, now: float | None = None) -> int:
        now = time.time() if now is None else now
        return self.store.sweep(now - RETENTION_SECONDS, now - RETENTION_SECONDS)


def _matches(metric: MetricKey, filters: list[DimensionFilter]) -> bool:
    dims = dict(metric.dimensions)
    for wanted in filters:
        if wanted.name not in dims:
            return False
        if wanted.value is not None and dims[wanted.name] != wanted.value:
            return False
    return True
