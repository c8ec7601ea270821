"""A write-behind batch for in-process metric emitters (Lambda's per-invoke metrics):
`add` costs a list append on the hot path, and the batch is written in one transaction
about once a second, from the event loop, or at once when there is no running loop."""

from __future__ import annotations

import asyncio
import logging

from lenticular.services.cloudwatch.engine import MetricsEngine
from lenticular.services.cloudwatch.models import Datum, MetricKey, canonical_dimensions

log = logging.getLogger(__name__)


class MetricBuffer:
    def __init__(self, engine: MetricsEngine, interval: float = 1.0) -> None:
        self.engine = engine
        self.interval = interval  # seconds between writes while data keeps coming
        self._pending: list[Datum] = []
        self._timer: asyncio.TimerHandle | None = None

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
        metric = MetricKey(namespace, name, canonical_dimensions(dimensions))
        self._pending.append(Datum.single(account_id, region, metric, value, unit, timestamp))
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
        pending, self._pending = self._pending, []
        if not pending:
            return
        try:
            self.engine.put_batch(pending)
        except Exception:  # metrics must never break the caller (e.g. at shutdown)
            log.warning("dropped %d metric datapoints", len(pending), exc_info=True)

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self.flush()
