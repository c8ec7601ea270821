"""A write-behind batch for in-process metric emitters (Lambda's per-invoke metrics):
`add` costs a dict update on the hot path, and the batch is written in one transaction
about once a second, from the event loop, or at once when there is no running loop.

Values of one metric (same account, region, dimensions and unit) within the same whole
second are merged into one datum (count, sum, minimum, maximum and every value with its
count), stamped with that second. Every statistic of every query reads the same: queries'
start times are whole minutes and periods whole seconds, so a second never straddles a
period. Writing one row per value instead cost a long write each second under load
(~16,000 rows, ~85 ms on the event loop at 2,000 invokes/s), the p99 of warm invokes."""

from __future__ import annotations

import asyncio
import logging
import math
from typing import TYPE_CHECKING, Any

from lenticular.services.cloudwatch.models import Datum, MetricKey, canonical_dimensions

if TYPE_CHECKING:
    from lenticular.services.cloudwatch.engine import MetricsEngine

log = logging.getLogger(__name__)


def merged_datum(
    account_id: str, region: str, metric: MetricKey, second: int, counts: dict[float, float],
    unit: str,
) -> Datum:  # fmt: skip
    """One datum of a metric's values within one whole second (`counts`: value -> how many
    times it was seen)."""
    return Datum(
        account_id, region, metric, float(second),
        float(sum(counts.values())), float(sum(v * n for v, n in counts.items())),
        min(counts), max(counts), list(counts.items()), unit,
    )  # fmt: skip


class WriteBehind:
    """A buffer (`_pending`, keyed as the subclass likes) handed to `_write` `interval`
    seconds after its first unwritten value, from the event loop, or at once when there is
    no running loop."""

    def __init__(self, interval: float = 1.0) -> None:
        self.interval = interval  # seconds between writes while data keeps coming
        self._timer: asyncio.TimerHandle | None = None
        self._pending: dict[Any, Any] = {}

    def _schedule_flush(self) -> None:
        if self._timer is not None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.flush()
            return
        self._timer = loop.call_later(self.interval, self.flush)

    def flush(self) -> None:
        self._timer = None
        pending, self._pending = self._pending, {}
        if pending:
            self._write(pending)

    def _write(self, pending: dict[Any, Any]) -> None:
        raise NotImplementedError


class _Values:
    """The values of one metric within one second, as they arrive."""

    __slots__ = ("account_id", "region", "metric", "unit", "second", "counts")

    def __init__(
        self, account_id: str, region: str, metric: MetricKey, unit: str, second: int
    ) -> None:
        self.account_id = account_id
        self.region = region
        self.metric = metric
        self.unit = unit
        self.second = second
        self.counts: dict[float, float] = {}

    def datum(self) -> Datum:
        return merged_datum(
            self.account_id, self.region, self.metric, self.second, self.counts, self.unit
        )


class MetricBuffer(WriteBehind):
    _pending: dict[tuple, _Values]

    def __init__(self, engine: MetricsEngine, interval: float = 1.0) -> None:
        super().__init__(interval)
        self.engine = engine

    def add(
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
        second = math.floor(timestamp)
        key = (account_id, region, namespace, name, tuple(dimensions.items()), unit, second)
        values = self._pending.get(key)
        if values is None:
            metric = MetricKey(namespace, name, canonical_dimensions(dimensions))
            values = self._pending[key] = _Values(account_id, region, metric, unit, second)
        counts = values.counts
        counts[value] = counts.get(value, 0.0) + 1.0
        self._schedule_flush()

    def _write(self, pending: dict[tuple, _Values]) -> None:
        try:
            self.engine.put_batch([values.datum() for values in pending.values()])
        except Exception:  # metrics must never break the caller (e.g. at shutdown)
            log.warning("dropped %d metric datapoints", len(pending), exc_info=True)

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self.flush()
