"""The records CloudWatch metrics keep: a metric's identity and one datum put to it."""

from __future__ import annotations

from dataclasses import dataclass

import orjson

Dimensions = tuple[tuple[str, str], ...]  # sorted (name, value) pairs


def canonical_dimensions(dimensions: dict[str, str] | Dimensions) -> Dimensions:
    items = dimensions.items() if isinstance(dimensions, dict) else dimensions
    return tuple(sorted((str(k), str(v)) for k, v in items))


def dimensions_json(dimensions: Dimensions) -> str:
    return orjson.dumps([list(pair) for pair in dimensions]).decode()


def dimensions_from_json(text: str) -> Dimensions:
    return tuple((name, value) for name, value in orjson.loads(text))


@dataclass(frozen=True, slots=True)
class MetricKey:
    """One metric: what ListMetrics lists and a MetricStat names."""

    namespace: str
    name: str
    dimensions: Dimensions  # canonical: sorted by name


@dataclass(slots=True)
class Datum:
    """One datum as put: a value, a Values/Counts array or a statistic set."""

    account_id: str
    region: str
    metric: MetricKey
    timestamp: float  # epoch seconds
    sample_count: float
    sum: float
    minimum: float
    maximum: float
    value_counts: list[tuple[float, float]] | None  # None for a statistic set
    unit: str = "None"
    storage_resolution: int = 60

    @classmethod
    def single(
        cls,
        account_id: str,
        region: str,
        metric: MetricKey,
        value: float,
        unit: str,
        timestamp: float,
        storage_resolution: int = 60,
    ) -> Datum:
        return cls(
            account_id, region, metric, timestamp, 1.0, value, value, value,
            [(value, 1.0)], unit, storage_resolution,
        )  # fmt: skip


@dataclass(slots=True)
class Sample:
    """A datum read back for aggregation."""

    timestamp: float
    sample_count: float
    sum: float
    minimum: float
    maximum: float
    value_counts: list[tuple[float, float]] | None
    unit: str
