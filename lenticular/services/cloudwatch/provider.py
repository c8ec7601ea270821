"""Amazon CloudWatch metrics over the wire (smithy-rpc-v2-cbor, json and query alike: the
edge picks the codec per request). The behaviour lives in `engine.MetricsEngine`, which
Lambda feeds in-process through `buffer` (a `MetricBuffer` written about once a second).

Limitations versus AWS:
- Implemented: PutMetricData, GetMetricData, GetMetricStatistics, ListMetrics. Alarms,
  dashboards, anomaly detectors, insight rules, metric streams, Metrics Insights queries
  and tags answer NotImplemented.
- Statistics: SampleCount, Average, Sum, Minimum, Maximum and percentiles `pNN(.NN)`.
  Percentiles are exact (nearest rank), AWS's are approximations; datapoints put as
  StatisticValues take no part in them. Trimmed means, winsorized means, `TC`/`PR` and
  the other extended statistics answer InvalidParameterValue/ValidationError.
- Metric math (GetMetricData Expression): + - * /, parentheses, numbers, query ids,
  SUM/AVG/MIN/MAX of a series or of METRICS()/METRICS("prefix"); an expression must return
  one time series. Other functions and Metrics Insights SQL answer ValidationError.
- Retention: raw datapoints are kept 15 months and then swept (hourly); AWS's roll-ups
  to 1/5/60-minute resolution are not simulated, so any period reads data of any age.
  Start times are rounded down by age as AWS does (1, 5 or 60 minutes).
- Datapoint timestamps are not limited to AWS's window (two weeks past, two hours
  ahead). Metrics appear in ListMetrics at once (AWS: up to 15 minutes). Units are
  recorded per datapoint and filter reads, but values are never converted between units.
- EntityMetricData is accepted: its MetricData is stored, its entities are ignored.
  StrictEntityValidation, LabelOptions, AccountId, IncludeLinkedAccounts and OwningAccount
  are ignored (no cross-account observability).
- "AWS/" namespaces are refused to callers, as on AWS; lenticular's services put metrics
  there in-process (Lambda: AWS/Lambda).
"""

from __future__ import annotations

import base64
import math
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import orjson

from lenticular.services.cloudwatch.buffer import MetricBuffer
from lenticular.services.cloudwatch.engine import DimensionFilter, MetricsEngine
from lenticular.services.cloudwatch.errors import (
    InvalidParameterCombinationException,
    InvalidParameterValueException,
    MissingRequiredParameterException,
    invalid_value,
)
from lenticular.services.cloudwatch.models import (
    Datum,
    MetricKey,
    dimensions_from_json,
    dimensions_json,
)
from lenticular.services.cloudwatch.queries import get_metric_data, metric_key
from lenticular.services.cloudwatch.statistics import (
    is_percentile,
    rounded_start,
    statistic,
    valid_period,
)
from lenticular.services.cloudwatch.store import MIGRATIONS, MetricsStore
from lenticular.state.sweeper import PeriodicSweeper

if TYPE_CHECKING:
    from lenticular.context import RequestContext
    from lenticular.services.registry import ServiceRegistry

Params = dict[str, Any]
MAX_METRICS_PER_PUT = 1000
MAX_VALUES = 150
MAX_STATISTICS_DATAPOINTS = 1440
LIST_PAGE = 500
VALUE_LIMIT = 2.0**360
SWEEP_INTERVAL_SECONDS = 3600.0


class CloudWatchProvider:
    def __init__(self, registry: ServiceRegistry) -> None:
        store = MetricsStore(registry.data_dir.database("cloudwatch", MIGRATIONS))
        self.engine = MetricsEngine(store)  # the in-process interface other services use
        self.buffer = MetricBuffer(self.engine)  # batched writes for per-request emitters
        self._sweeper = PeriodicSweeper(
            "metrics-retention", self.engine.sweep_expired, SWEEP_INTERVAL_SECONDS
        ).start()

    def close(self) -> None:
        self.buffer.close()
        self._sweeper.stop()

    # -- PutMetricData -------------------------------------------------------------------

    def put_metric_data(self, ctx: RequestContext, params: Params) -> Params:
        namespace = params["Namespace"]
        if namespace.startswith("AWS/"):
            raise invalid_value(namespace, "Namespace")
        data = list(params.get("MetricData") or [])
        for entity in params.get("EntityMetricData") or []:
            data.extend(entity.get("MetricData") or [])
        if not data:
            raise MissingRequiredParameterException("The parameter MetricData is required.")
        if len(data) > MAX_METRICS_PER_PUT:
            raise InvalidParameterValueException(
                f"The collection MetricData must not have a size greater than {MAX_METRICS_PER_PUT}."
            )
        now = time.time()
        datums = [
            _datum(ctx.account_id, ctx.region, namespace, item, f"MetricData.member.{n}", now)
            for n, item in enumerate(data, 1)
        ]
        self.engine.put_batch(datums)
        return {}

    # -- reading -------------------------------------------------------------------------

    def get_metric_data(self, ctx: RequestContext, params: Params) -> Params:
        return get_metric_data(self.engine, ctx.account_id, ctx.region, params, time.time())

    def get_metric_statistics(self, ctx: RequestContext, params: Params) -> Params:
        statistics = params.get("Statistics") or []
        extended = params.get("ExtendedStatistics") or []
        if not statistics and not extended:
            raise InvalidParameterCombinationException(
                "At least one of the parameters Statistics and ExtendedStatistics must be"
                " specified."
            )
        for n, stat in enumerate(extended, 1):
            if not is_percentile(stat):
                raise invalid_value(stat, f"ExtendedStatistics.member.{n}")
        period = params["Period"]
        if not valid_period(period):
            raise InvalidParameterValueException("The parameter Period must be a multiple of 60.")
        start, end = params["StartTime"].timestamp(), params["EndTime"].timestamp()
        if start >= end:
            raise InvalidParameterValueException(
                "The parameter StartTime must be less than the parameter EndTime."
            )
        start = rounded_start(start, time.time())
        requested = math.ceil((end - start) / period)
        if requested > MAX_STATISTICS_DATAPOINTS:
            raise InvalidParameterCombinationException(
                f"You have requested up to {requested} datapoints, which exceeds the limit of"
                f" {MAX_STATISTICS_DATAPOINTS}. You may reduce the datapoints requested by"
                " increasing Period, or decreasing the time range."
            )
        metric = metric_key(params)
        unit = params.get("Unit")
        buckets = self.engine.buckets(ctx.account_id, ctx.region, metric, start, end, period, unit)
        datapoints = []
        for bucket in buckets.values():  # in no particular order, as AWS says
            point: Params = {
                "Timestamp": datetime.fromtimestamp(bucket.start, UTC),
                "Unit": unit or bucket.unit or "None",
            }
            for stat in statistics:
                point[stat] = statistic(bucket, stat)
            values = {s: v for s in extended if (v := statistic(bucket, s)) is not None}
            if extended:
                point["ExtendedStatistics"] = values
            datapoints.append(point)
        return {"Label": metric.name, "Datapoints": datapoints}

    def list_metrics(self, ctx: RequestContext, params: Params) -> Params:
        filters = [
            DimensionFilter(f["Name"], f.get("Value")) for f in params.get("Dimensions") or []
        ]
        after = _decode_list_token(params.get("NextToken"))
        found: list[MetricKey] = []
        more = False
        for metric in self.engine.list_metrics(
            ctx.account_id, ctx.region,
            namespace=params.get("Namespace"), name=params.get("MetricName"),
            filters=filters, recently_active=params.get("RecentlyActive") == "PT3H",
            after=after,
        ):  # fmt: skip
            if len(found) == LIST_PAGE:
                more = True
                break
            found.append(metric)
        out: Params = {"Metrics": [_metric(m) for m in found]}
        if more:
            out["NextToken"] = _list_token(found[-1])
        return out


# -- PutMetricData's datum checks -----------------------------------------------------


def _datum(
    account_id: str, region: str, namespace: str, item: Params, where: str, now: float
) -> Datum:
    value, stats, values = item.get("Value"), item.get("StatisticValues"), item.get("Values")
    given = [name for name, v in (("Value", value), ("StatisticValues", stats), ("Values", values))
             if v is not None]  # fmt: skip
    if not given:
        raise InvalidParameterCombinationException(
            f"At least one of the parameters {where}.Value and {where}.StatisticValues must be"
            " specified."
        )
    if len(given) > 1:
        raise InvalidParameterCombinationException(
            f"The parameters {where}.{given[0]} and {where}.{given[1]} are mutually exclusive"
            " and you have specified both."
        )
    resolution = item.get("StorageResolution", 60)
    if resolution not in (1, 60):
        raise invalid_value(resolution, f"{where}.StorageResolution")
    names = [d["Name"] for d in item.get("Dimensions") or []]
    if len(set(names)) != len(names):
        raise InvalidParameterValueException(
            f"The parameter {where}.Dimensions contains duplicate dimension names."
        )
    timestamp = item["Timestamp"].timestamp() if item.get("Timestamp") else now
    metric = MetricKey(
        namespace,
        item["MetricName"],
        tuple(sorted((d["Name"], d["Value"]) for d in item.get("Dimensions") or [])),
    )
    unit = item.get("Unit") or "None"
    if value is not None:
        _check_number(value, f"{where}.Value")
        return Datum.single(account_id, region, metric, value, unit, timestamp, resolution)
    if stats is not None:
        for key in ("SampleCount", "Sum", "Minimum", "Maximum"):
            _check_number(stats[key], f"{where}.StatisticValues.{key}")
        if stats["SampleCount"] <= 0:
            raise invalid_value(stats["SampleCount"], f"{where}.StatisticValues.SampleCount")
        if stats["Minimum"] > stats["Maximum"]:
            raise InvalidParameterValueException(
                f"The parameter {where}.StatisticValues.Maximum must be greater than or equal"
                f" to {where}.StatisticValues.Minimum."
            )
        return Datum(
            account_id, region, metric, timestamp, stats["SampleCount"], stats["Sum"],
            stats["Minimum"], stats["Maximum"], None, unit, resolution,
        )  # fmt: skip
    counts = item.get("Counts")
    if len(values) > MAX_VALUES:
        raise InvalidParameterValueException(
            f"The collection {where}.Values must not have a size greater than {MAX_VALUES}."
        )
    if counts is not None and len(counts) != len(values):
        raise InvalidParameterValueException(
            f"The parameters {where}.Values and {where}.Counts must be of the same size."
        )
    if not values:
        raise invalid_value("[]", f"{where}.Values")
    pairs = list(zip(values, counts if counts is not None else [1.0] * len(values), strict=True))
    for n, (v, c) in enumerate(pairs, 1):
        _check_number(v, f"{where}.Values.member.{n}")
        _check_number(c, f"{where}.Counts.member.{n}")
        if c < 0:
            raise invalid_value(c, f"{where}.Counts.member.{n}")
    total = sum(c for _, c in pairs)
    weighted = [v for v, c in pairs if c > 0] or [v for v, _ in pairs]
    return Datum(
        account_id, region, metric, timestamp, total, sum(v * c for v, c in pairs),
        min(weighted), max(weighted), pairs, unit, resolution,
    )  # fmt: skip


def _check_number(value: float, parameter: str) -> None:
    if math.isnan(value) or math.isinf(value) or abs(value) > VALUE_LIMIT:
        raise invalid_value(_number_text(value), parameter)


def _number_text(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return repr(value)


# -- ListMetrics ----------------------------------------------------------------------


def _metric(metric: MetricKey) -> Params:
    return {
        "Namespace": metric.namespace,
        "MetricName": metric.name,
        "Dimensions": [{"Name": n, "Value": v} for n, v in metric.dimensions],
    }


def _list_token(metric: MetricKey) -> str:
    raw = orjson.dumps([metric.namespace, metric.name, dimensions_json(metric.dimensions)])
    return base64.urlsafe_b64encode(raw).decode()


def _decode_list_token(token: str | None) -> MetricKey | None:
    if not token:
        return None
    try:
        namespace, name, dims = orjson.loads(base64.urlsafe_b64decode(token.encode()))
        return MetricKey(namespace, name, dimensions_from_json(dims))
    except (ValueError, TypeError, orjson.JSONDecodeError):
        raise invalid_value(token, "NextToken") from None
