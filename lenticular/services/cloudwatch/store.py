"""Where CloudWatch keeps metrics and their datapoints (SQLite, keyed by account and
region). A batch of data is one transaction: the metrics it names are created or touched
and its datapoints added together."""

from __future__ import annotations

import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import orjson

from lenticular.services.cloudwatch.models import (
    Datum,
    MetricKey,
    Sample,
    dimensions_from_json,
    dimensions_json,
)
from lenticular.state.sqlite import Database

MIGRATIONS = Path(__file__).parent / "migrations"


class MetricsStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def add(self, data: Iterable[Datum]) -> int:
        """Store `data` in one transaction; returns the number of datapoints added."""
        ids: dict[tuple[str, str, MetricKey], int] = {}
        added = 0
        with self.db.write() as conn:
            for datum in data:
                key = (datum.account_id, datum.region, datum.metric)
                metric_id = ids.get(key)
                if metric_id is None:
                    metric_id = ids[key] = _touch_metric(conn, datum)
                counts = datum.value_counts
                conn.execute(
                    "INSERT INTO datapoints (metric_id, timestamp, sample_count, sum, minimum,"
                    " maximum, value_counts, unit, storage_resolution)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        metric_id,
                        datum.timestamp,
                        datum.sample_count,
                        datum.sum,
                        datum.minimum,
                        datum.maximum,
                        orjson.dumps(counts).decode() if counts is not None else None,
                        datum.unit,
                        datum.storage_resolution,
                    ),
                )
                added += 1
        return added

    def samples(
        self,
        account_id: str,
        region: str,
        metric: MetricKey,
        start: float,
        end: float,
        unit: str | None = None,
    ) -> list[Sample]:
        """The datapoints of `metric` with start <= timestamp < end, oldest first."""
        sql = (
            "SELECT d.timestamp, d.sample_count, d.sum, d.minimum, d.maximum, d.value_counts,"
            " d.unit FROM datapoints d JOIN metrics m ON m.id = d.metric_id"
            " WHERE m.account_id = ? AND m.region = ? AND m.namespace = ? AND m.metric_name = ?"
            " AND m.dimensions = ? AND d.timestamp >= ? AND d.timestamp < ?"
        )
        args: list[Any] = [
            account_id, region, metric.namespace, metric.name,
            dimensions_json(metric.dimensions), start, end,
        ]  # fmt: skip
        if unit is not None:
            sql += " AND d.unit = ?"
            args.append(unit)
        rows = self.db.query(sql + " ORDER BY d.timestamp, d.id", args)
        return [
            Sample(
                row[0],
                row[1],
                row[2],
                row[3],
                row[4],
                [tuple(pair) for pair in orjson.loads(row[5])] if row[5] is not None else None,
                row[6],
            )  # fmt: skip
            for row in rows
        ]

    def metrics(
        self,
        account_id: str,
        region: str,
        *,
        namespace: str | None,
        name: str | None,
        active_since: float,
        after: tuple[str, str, str] | None,
    ) -> Iterable[MetricKey]:
        """Metrics put to since `active_since`, ordered by (namespace, name, dimensions),
        after the key `after`; read lazily so callers can stop at a page's end."""
        sql = (
            "SELECT namespace, metric_name, dimensions FROM metrics"
            " WHERE account_id = ? AND region = ? AND last_put >= ?"
        )
        args: list[Any] = [account_id, region, active_since]
        if namespace is not None:
            sql += " AND namespace = ?"
            args.append(namespace)
        if name is not None:
            sql += " AND metric_name = ?"
            args.append(name)
        if after is not None:
            sql += " AND (namespace, metric_name, dimensions) > (?, ?, ?)"
            args.extend(after)
        sql += " ORDER BY namespace, metric_name, dimensions LIMIT ? OFFSET ?"
        offset = 0
        while True:
            rows = self.db.query(sql, [*args, 1000, offset])
            for row in rows:
                yield MetricKey(row[0], row[1], dimensions_from_json(row[2]))
            if len(rows) < 1000:
                return
            offset += len(rows)

    def sweep(self, datapoints_before: float, metrics_before: float) -> int:
        """Delete datapoints older than `datapoints_before` and metrics not put to since
        `metrics_before`; returns the datapoints deleted."""
        with self.db.write() as conn:
            deleted = conn.execute(
                "DELETE FROM datapoints WHERE timestamp < ?", (datapoints_before,)
            ).rowcount
            conn.execute("DELETE FROM metrics WHERE last_put < ?", (metrics_before,))
        return deleted


def _touch_metric(conn: Any, datum: Datum) -> int:
    metric = datum.metric
    dims = dimensions_json(metric.dimensions)
    key = (datum.account_id, datum.region, metric.namespace, metric.name, dims)
    now = time.time()
    row = conn.execute(
        "INSERT INTO metrics (account_id, region, namespace, metric_name, dimensions, last_put)"
        " VALUES (?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (account_id, region, namespace, metric_name, dimensions)"
        " DO UPDATE SET last_put = excluded.last_put RETURNING id",
        (*key, now),
    ).fetchone()
    return int(row[0])
