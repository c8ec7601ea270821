"""GetMetricData: validating MetricDataQueries, evaluating them (MetricStat through the
engine, Expression through `expressions`), ordering by ScanBy and paging by MaxDatapoints.

A NextToken carries how many datapoints of each result were already returned; the
results are computed again for the next page (new data may shift a page, as on AWS).
"""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime
from typing import Any

import orjson

from lenticular.services.cloudwatch import expressions
from lenticular.services.cloudwatch.engine import MetricsEngine
from lenticular.services.cloudwatch.errors import (
    InvalidNextToken,
    ValidationException,
)
from lenticular.services.cloudwatch.models import MetricKey, canonical_dimensions
from lenticular.services.cloudwatch.statistics import is_supported, rounded_start, valid_period

Params = dict[str, Any]
MAX_QUERIES = 500
DEFAULT_MAX_DATAPOINTS = 100_800
_ID = re.compile(r"[a-z][a-zA-Z0-9_]*")


def metric_key(metric: Params) -> MetricKey:
    dims = canonical_dimensions([(d["Name"], d["Value"]) for d in metric.get("Dimensions") or []])
    return MetricKey(metric["Namespace"], metric["MetricName"], dims)


def check_queries(queries: list[Params]) -> None:
    """AWS's checks on MetricDataQueries, before anything is read."""
    if len(queries) > MAX_QUERIES:
        raise ValidationException(
            f"The collection MetricDataQueries must not have a size greater than {MAX_QUERIES}."
        )
    seen: set[str] = set()
    for n, query in enumerate(queries, 1):
        where = f"MetricDataQueries.member.{n}"
        qid = query["Id"]
        if _ID.fullmatch(qid) is None:
            raise ValidationException(
                f"The value {qid} for parameter {where}.Id is not matching the expected"
                " pattern ^[a-z][a-zA-Z0-9_]*$."
            )
        if qid in seen:
            raise ValidationException(f"The value {qid} for parameter {where}.Id is duplicated.")
        seen.add(qid)
        stat, expression = query.get("MetricStat"), query.get("Expression")
        if (stat is None) == (expression is None):
            raise ValidationException(
                f"Exactly one element of {where}.MetricStat and {where}.Expression must be"
                " specified."
            )
        if stat is not None:
            if not valid_period(stat["Period"]):
                raise ValidationException(
                    f"The value {stat['Period']} for parameter {where}.MetricStat.Period is"
                    " invalid: it must be 1, 5, 10, 20, 30, 60 or a multiple of 60."
                )
            if not is_supported(stat["Stat"]):
                raise ValidationException(
                    f"The value {stat['Stat']} for parameter {where}.MetricStat.Stat is not"
                    " supported by lenticular (SampleCount, Average, Sum, Minimum, Maximum"
                    " and pNN percentiles are)."
                )


class MetricDataQuery:
    """Evaluates one GetMetricData request's queries against the engine."""

    def __init__(
        self, engine: MetricsEngine, account_id: str, region: str, queries: list[Params],
        start: float, end: float,
    ) -> None:  # fmt: skip
        self.engine = engine
        self.account_id = account_id
        self.region = region
        self.queries = {q["Id"]: q for q in queries}
        self.order = [q["Id"] for q in queries]
        self.start = start
        self.end = end
        self._series: dict[str, dict[float, float]] = {}
        self._busy: set[str] = set()

    def series(self, qid: str) -> dict[float, float]:
        found = self._series.get(qid)
        if found is not None:
            return found
        query = self.queries.get(qid)
        if query is None:
            raise expressions.ExpressionError(f"Unknown metric id {qid}")
        if qid in self._busy:
            raise expressions.ExpressionError(f"Circular reference to {qid}")
        self._busy.add(qid)
        try:
            stat = query.get("MetricStat")
            if stat is not None:
                points = self.engine.series(
                    self.account_id, self.region, metric_key(stat["Metric"]),
                    self.start, self.end, stat["Period"], stat["Stat"], stat.get("Unit"),
                )  # fmt: skip
                found = dict(points)
            else:
                found = self._expression(qid, query["Expression"])
        finally:
            self._busy.discard(qid)
        self._series[qid] = found
        return found

    def _expression(self, qid: str, text: str) -> dict[float, float]:
        try:
            node = expressions.parse(text)
            value = expressions.evaluate(node, self.series, self._metrics)
        except expressions.ExpressionError as error:
            raise ValidationException(f"Error in expression '{qid}': {error}") from None
        if isinstance(value, dict):
            return value
        if isinstance(value, list):
            raise ValidationException(
                f"Error in expression '{qid}': it returns {len(value)} time series; lenticular"
                " supports expressions that return one."
            )
        # A number: the value at every period any other query has data for.
        stamps = {t for other in self.order if other != qid for t in self._safe(other)}
        return dict.fromkeys(stamps, value)

    def _safe(self, qid: str) -> dict[float, float]:
        query = self.queries[qid]
        return self.series(qid) if query.get("MetricStat") is not None else {}

    def _metrics(self, prefix: str) -> list[dict[float, float]]:
        return [
            self.series(qid)
            for qid in self.order
            if self.queries[qid].get("MetricStat") is not None and qid.startswith(prefix)
        ]

    def label(self, qid: str) -> str:
        query = self.queries[qid]
        if query.get("Label"):
            return query["Label"]
        stat = query.get("MetricStat")
        return stat["Metric"]["MetricName"] if stat is not None else qid


def get_metric_data(
    engine: MetricsEngine, account_id: str, region: str, params: Params, now: float
) -> Params:
    queries = params["MetricDataQueries"]
    check_queries(queries)
    start, end = params["StartTime"].timestamp(), params["EndTime"].timestamp()
    if start >= end:
        raise ValidationException(
            "The parameter StartTime must be less than the parameter EndTime."
        )
    evaluation = MetricDataQuery(
        engine, account_id, region, queries, rounded_start(start, now), end
    )
    shown = [q["Id"] for q in queries if q.get("ReturnData", True)]
    offsets = _offsets(params.get("NextToken"), len(shown))
    descending = (params.get("ScanBy") or "TimestampDescending") == "TimestampDescending"
    budget = params.get("MaxDatapoints") or DEFAULT_MAX_DATAPOINTS
    results, more = [], False
    for index, qid in enumerate(shown):
        points = sorted(evaluation.series(qid).items(), reverse=descending)
        skip = offsets[index]
        page = points[skip : skip + budget]
        budget -= len(page)
        offsets[index] = skip + len(page)
        partial = offsets[index] < len(points)
        more = more or partial
        results.append({
            "Id": qid,
            "Label": evaluation.label(qid),
            "Timestamps": [datetime.fromtimestamp(t, UTC) for t, _ in page],
            "Values": [v for _, v in page],
            "StatusCode": "PartialData" if partial else "Complete",
        })  # fmt: skip
    out: Params = {"MetricDataResults": results, "Messages": []}
    if more:
        out["NextToken"] = _token(offsets)
    return out


def _token(offsets: list[int]) -> str:
    return base64.urlsafe_b64encode(orjson.dumps({"o": offsets})).decode()


def _offsets(token: str | None, count: int) -> list[int]:
    if not token:
        return [0] * count
    try:
        offsets = orjson.loads(base64.urlsafe_b64decode(token.encode()))["o"]
    except (ValueError, KeyError, TypeError, orjson.JSONDecodeError):
        raise InvalidNextToken("The service couldn't process the NextToken.") from None
    if not isinstance(offsets, list) or len(offsets) != count:
        raise InvalidNextToken("The service couldn't process the NextToken.")
    return [int(o) for o in offsets]
