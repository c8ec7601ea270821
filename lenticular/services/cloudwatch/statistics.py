"""Aggregating datapoints into periods and computing CloudWatch statistics over them.

Buckets start at the query's (rounded) start time and are `period` seconds long; a
statistic is SampleCount, Average, Sum, Minimum, Maximum or a percentile `pNN(.NN)`.
Percentiles are exact (nearest rank over the values and counts put), where AWS uses an
approximation; datapoints put as statistic sets carry no values, so they take no part in
percentiles (AWS does the same).
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_concepts.html#Percentiles
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from lenticular.services.cloudwatch.models import Sample

BASIC_STATISTICS = ("SampleCount", "Average", "Sum", "Minimum", "Maximum")
_PERCENTILE = re.compile(r"p(\d{1,2}(?:\.\d{1,2})?|100(?:\.0{1,2})?)")
DAY = 86400.0


@dataclass(slots=True)
class Bucket:
    """Every datapoint of one period, combined."""

    start: float
    sample_count: float = 0.0
    sum: float = 0.0
    minimum: float = math.inf
    maximum: float = -math.inf
    value_counts: list[tuple[float, float]] = field(default_factory=list)
    unit: str | None = None

    def add(self, sample: Sample) -> None:
        self.sample_count += sample.sample_count
        self.sum += sample.sum
        self.minimum = min(self.minimum, sample.minimum)
        self.maximum = max(self.maximum, sample.maximum)
        if sample.value_counts:
            self.value_counts.extend(sample.value_counts)
        if self.unit is None:
            self.unit = sample.unit


def is_percentile(stat: str) -> bool:
    return _PERCENTILE.fullmatch(stat) is not None


def is_supported(stat: str) -> bool:
    return stat in BASIC_STATISTICS or is_percentile(stat)


def valid_period(period: int) -> bool:
    """1, 5, 10, 20, 30, 60 or any multiple of 60 (AWS's rule for every period)."""
    return period in (1, 5, 10, 20, 30) or (period > 0 and period % 60 == 0)


def rounded_start(start: float, now: float) -> float:
    """AWS rounds a query's start down by its age: to the minute within 15 days, to five
    minutes within 63 days, to the hour beyond that.
    https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html
    """
    age = now - start
    step = 60.0 if age <= 15 * DAY else 300.0 if age <= 63 * DAY else 3600.0
    return math.floor(start / step) * step


def bucketize(samples: Iterable[Sample], start: float, period: int) -> dict[float, Bucket]:
    """Period start -> bucket, for the periods that hold at least one datapoint."""
    buckets: dict[float, Bucket] = {}
    for sample in samples:
        begin = start + math.floor((sample.timestamp - start) / period) * period
        bucket = buckets.get(begin)
        if bucket is None:
            bucket = buckets[begin] = Bucket(begin)
        bucket.add(sample)
    return buckets


def statistic(bucket: Bucket, stat: str) -> float | None:
    """`stat` of the bucket; None when it has no value (a percentile without values)."""
    if stat == "SampleCount":
        return bucket.sample_count
    if stat == "Sum":
        return bucket.sum
    if stat == "Average":
        return bucket.sum / bucket.sample_count if bucket.sample_count else None
    if stat == "Minimum":
        return bucket.minimum
    if stat == "Maximum":
        return bucket.maximum
    match = _PERCENTILE.fullmatch(stat)
    if match is None:
        return None
    return percentile(bucket.value_counts, float(match.group(1)))


def percentile(value_counts: list[tuple[float, float]], rank: float) -> float | None:
    """The nearest-rank percentile of values weighted by their counts."""
    pairs = sorted(pair for pair in value_counts if pair[1] > 0)
    total = sum(count for _, count in pairs)
    if not pairs or total <= 0:
        return None
    target = max(1.0, math.ceil(rank / 100.0 * total))
    seen = 0.0
    for value, count in pairs:
        seen += count
        if seen >= target:
            return value
    return pairs[-1][0]
