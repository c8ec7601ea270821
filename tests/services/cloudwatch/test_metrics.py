"""PutMetricData / GetMetricData / GetMetricStatistics / ListMetrics through boto3 against
a real server, on each of CloudWatch's three wire protocols."""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.services.cloudwatch.conftest import PROTOCOLS


def minute_start(offset_minutes: int = 0) -> datetime:
    """The start of the minute `offset_minutes` from the current one (UTC)."""
    now = int(time.time()) // 60 * 60
    return datetime.fromtimestamp(now + offset_minutes * 60, UTC)


def get(
    cw: Any,
    namespace: str,
    name: str,
    stat: str,
    start: datetime,
    end: datetime,
    period: int = 60,
    dims: list[dict[str, str]] | None = None,
    **extra: Any,
) -> dict:
    response = cw.get_metric_data(
        MetricDataQueries=[{
            "Id": "m1",
            "MetricStat": {
                "Metric": {"Namespace": namespace, "MetricName": name, "Dimensions": dims or []},
                "Period": period,
                "Stat": stat,
            },
        }],
        StartTime=start, EndTime=end, **extra,
    )  # fmt: skip
    return response["MetricDataResults"][0]


def error_of(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    err = excinfo.value.response["Error"]
    return err["Code"], err["Message"]


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_round_trip_each_protocol(cw_with, namespace, protocol):
    cw = cw_with(protocol)
    t0 = minute_start(-5)
    cw.put_metric_data(
        Namespace=namespace,
        MetricData=[
            {"MetricName": "Latency", "Value": v, "Unit": "Milliseconds",
             "Timestamp": t0 + timedelta(seconds=5 * i)}
            for i, v in enumerate([10.0, 20.0, 30.0, 40.0])
        ],
    )  # fmt: skip
    result = get(cw, namespace, "Latency", "Average", t0, t0 + timedelta(minutes=2))
    assert result["Id"] == "m1"
    assert result["Label"] == "Latency"
    assert result["StatusCode"] == "Complete"
    assert result["Timestamps"] == [t0]
    assert result["Values"] == [25.0]
    stats = cw.get_metric_statistics(
        Namespace=namespace, MetricName="Latency", StartTime=t0,
        EndTime=t0 + timedelta(minutes=1), Period=60,
        Statistics=["Sum", "SampleCount", "Minimum", "Maximum", "Average"],
        ExtendedStatistics=["p50"],
    )  # fmt: skip
    assert stats["Label"] == "Latency"
    [point] = stats["Datapoints"]
    assert point["Timestamp"] == t0
    assert (point["Sum"], point["SampleCount"], point["Minimum"], point["Maximum"]) == (
        100.0, 4.0, 10.0, 40.0,
    )  # fmt: skip
    assert point["Average"] == 25.0
    assert point["Unit"] == "Milliseconds"
    assert point["ExtendedStatistics"] == {"p50": 20.0}
    listed = cw.list_metrics(Namespace=namespace)["Metrics"]
    assert listed == [{"Namespace": namespace, "MetricName": "Latency", "Dimensions": []}]


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_errors_have_query_codes_in_each_protocol(cw_with, protocol):
    cw = cw_with(protocol)
    with pytest.raises(ClientError) as excinfo:
        cw.put_metric_data(Namespace="AWS/Lambda", MetricData=[{"MetricName": "x", "Value": 1}])
    assert error_of(excinfo) == (
        "InvalidParameterValue",
        "The value AWS/Lambda for parameter Namespace is invalid.",
    )
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_every_statistic_and_percentiles(cw, namespace):
    t0 = minute_start(-10)
    values = [float(v) for v in range(1, 101)]  # 1..100
    cw.put_metric_data(
        Namespace=namespace,
        MetricData=[{"MetricName": "Size", "Values": values, "Counts": [1.0] * 100,
                     "Timestamp": t0, "Unit": "Bytes"}],
    )  # fmt: skip
    end = t0 + timedelta(minutes=1)
    expected = {
        "SampleCount": 100.0, "Sum": 5050.0, "Average": 50.5, "Minimum": 1.0, "Maximum": 100.0,
        "p50": 50.0, "p90": 90.0, "p99": 99.0, "p99.9": 100.0, "p100": 100.0,
    }  # fmt: skip
    for stat, value in expected.items():
        assert get(cw, namespace, "Size", stat, t0, end)["Values"] == [value], stat


def test_values_with_counts_and_statistic_sets(cw, namespace):
    t0 = minute_start(-10)
    cw.put_metric_data(
        Namespace=namespace,
        MetricData=[
            {"MetricName": "M", "Values": [1.0, 10.0], "Counts": [3.0, 1.0], "Timestamp": t0},
            {"MetricName": "M", "Timestamp": t0 + timedelta(seconds=1),
             "StatisticValues": {"SampleCount": 2, "Sum": 30, "Minimum": 5, "Maximum": 25}},
        ],
    )  # fmt: skip
    end = t0 + timedelta(minutes=1)
    assert get(cw, namespace, "M", "SampleCount", t0, end)["Values"] == [6.0]
    assert get(cw, namespace, "M", "Sum", t0, end)["Values"] == [43.0]
    assert get(cw, namespace, "M", "Maximum", t0, end)["Values"] == [25.0]
    # Statistic sets carry no values: percentiles come from the Values/Counts only.
    assert get(cw, namespace, "M", "p50", t0, end)["Values"] == [1.0]


def test_periods_align_and_scan_order(cw, namespace):
    t0 = minute_start(-30)
    data = [{"MetricName": "Hits", "Value": 1.0, "Timestamp": t0 + timedelta(seconds=s)}
            for s in (0, 59, 60, 299, 300, 301, 899)]  # fmt: skip
    cw.put_metric_data(Namespace=namespace, MetricData=data)
    start = t0 + timedelta(seconds=17)  # rounded down to the minute, as AWS does
    end = t0 + timedelta(minutes=15)
    result = get(cw, namespace, "Hits", "Sum", start, end, period=300)
    assert result["Timestamps"] == [t0 + timedelta(minutes=10), t0 + timedelta(minutes=5), t0]
    assert result["Values"] == [1.0, 2.0, 4.0]
    ascending = get(cw, namespace, "Hits", "Sum", start, end, period=300,
                    ScanBy="TimestampAscending")  # fmt: skip
    assert ascending["Values"] == [4.0, 2.0, 1.0]
    minute = get(cw, namespace, "Hits", "SampleCount", t0, t0 + timedelta(minutes=2))
    assert minute["Timestamps"] == [t0 + timedelta(minutes=1), t0]
    assert minute["Values"] == [1.0, 2.0]


def test_high_resolution_periods(cw, namespace):
    t0 = minute_start(-3)
    cw.put_metric_data(
        Namespace=namespace,
        MetricData=[{"MetricName": "Fast", "Value": float(s), "StorageResolution": 1,
                     "Timestamp": t0 + timedelta(seconds=s)} for s in (0, 4, 5, 12)],
    )  # fmt: skip
    result = get(cw, namespace, "Fast", "Sum", t0, t0 + timedelta(seconds=30), period=5,
                 ScanBy="TimestampAscending")  # fmt: skip
    assert result["Timestamps"] == [t0, t0 + timedelta(seconds=5), t0 + timedelta(seconds=10)]
    assert result["Values"] == [4.0, 5.0, 12.0]


def test_dimensions_select_the_metric(cw, namespace):
    t0 = minute_start(-5)
    cw.put_metric_data(
        Namespace=namespace,
        MetricData=[
            {"MetricName": "Req", "Value": 1.0, "Timestamp": t0,
             "Dimensions": [{"Name": "Stage", "Value": "prod"}, {"Name": "Api", "Value": "a"}]},
            {"MetricName": "Req", "Value": 5.0, "Timestamp": t0,
             "Dimensions": [{"Name": "Stage", "Value": "dev"}]},
            {"MetricName": "Other", "Value": 7.0, "Timestamp": t0},
        ],
    )  # fmt: skip
    end = t0 + timedelta(minutes=1)
    # Dimension order does not matter; the set must match exactly.
    prod = [{"Name": "Api", "Value": "a"}, {"Name": "Stage", "Value": "prod"}]
    assert get(cw, namespace, "Req", "Sum", t0, end, dims=prod)["Values"] == [1.0]
    assert get(cw, namespace, "Req", "Sum", t0, end)["Values"] == []
    by_stage = cw.list_metrics(Namespace=namespace, Dimensions=[{"Name": "Stage"}])["Metrics"]
    assert len(by_stage) == 2
    dev = cw.list_metrics(Namespace=namespace, Dimensions=[{"Name": "Stage", "Value": "dev"}])
    assert dev["Metrics"] == [{"Namespace": namespace, "MetricName": "Req",
                               "Dimensions": [{"Name": "Stage", "Value": "dev"}]}]  # fmt: skip
    named = cw.list_metrics(Namespace=namespace, MetricName="Other", RecentlyActive="PT3H")
    assert [m["MetricName"] for m in named["Metrics"]] == ["Other"]


def test_get_metric_data_pages_by_max_datapoints(cw, namespace):
    t0 = minute_start(-20)
    cw.put_metric_data(
        Namespace=namespace,
        MetricData=[{"MetricName": "P", "Value": float(i), "Timestamp": t0 + timedelta(minutes=i)}
                    for i in range(5)],
    )  # fmt: skip
    end = t0 + timedelta(minutes=5)
    seen, token, pages = [], None, 0
    while True:
        extra = {"NextToken": token} if token else {}
        response = cw.get_metric_data(
            MetricDataQueries=[{"Id": "p", "MetricStat": {
                "Metric": {"Namespace": namespace, "MetricName": "P"},
                "Period": 60, "Stat": "Maximum"}}],
            StartTime=t0, EndTime=end, MaxDatapoints=2, ScanBy="TimestampAscending", **extra,
        )  # fmt: skip
        result = response["MetricDataResults"][0]
        seen += result["Values"]
        pages += 1
        token = response.get("NextToken")
        assert result["StatusCode"] == ("PartialData" if token else "Complete")
        if not token:
            break
    assert seen == [0.0, 1.0, 2.0, 3.0, 4.0]
    assert pages == 3
    with pytest.raises(ClientError) as excinfo:
        cw.get_metric_data(
            MetricDataQueries=[{"Id": "p", "MetricStat": {
                "Metric": {"Namespace": namespace, "MetricName": "P"},
                "Period": 60, "Stat": "Maximum"}}],
            StartTime=t0, EndTime=end, NextToken="not-a-token",
        )  # fmt: skip
    assert error_of(excinfo)[0] == "InvalidNextToken"


def test_list_metrics_pages(aws_client, namespace):
    # A plain (uncompressed) large body here; test_gzip_compressed_put covers gzip.
    cw = aws_client("cloudwatch", config=Config(disable_request_compression=True))
    data = [{"MetricName": f"n{i:03d}", "Value": 1.0} for i in range(510)]
    cw.put_metric_data(Namespace=namespace, MetricData=data[:500])
    cw.put_metric_data(Namespace=namespace, MetricData=data[500:])
    first = cw.list_metrics(Namespace=namespace)
    assert len(first["Metrics"]) == 500
    second = cw.list_metrics(Namespace=namespace, NextToken=first["NextToken"])
    assert len(second["Metrics"]) == 10
    assert "NextToken" not in second
    names = [m["MetricName"] for m in first["Metrics"] + second["Metrics"]]
    assert sorted(names) == sorted(set(names)) and len(names) == 510


def test_gzip_compressed_put(cw, namespace):
    """botocore gzips PutMetricData bodies over 10 KB (requestcompression in the model)."""
    data = [{"MetricName": f"long-metric-name-{i:04d}", "Value": 1.0} for i in range(300)]
    cw.put_metric_data(Namespace=namespace, MetricData=data)
    assert len(cw.list_metrics(Namespace=namespace)["Metrics"]) == 300


def test_expressions(cw, namespace):
    t0 = minute_start(-10)
    cw.put_metric_data(
        Namespace=namespace,
        MetricData=[
            {"MetricName": "A", "Value": 6.0, "Timestamp": t0},
            {"MetricName": "B", "Value": 2.0, "Timestamp": t0},
        ],
    )  # fmt: skip

    def stat(qid: str, name: str) -> dict:
        return {
            "Id": qid,
            "ReturnData": False,
            "MetricStat": {
                "Metric": {"Namespace": namespace, "MetricName": name},
                "Period": 60,
                "Stat": "Sum",
            },
        }

    response = cw.get_metric_data(
        MetricDataQueries=[
            stat("a", "A"), stat("b", "B"),
            {"Id": "ratio", "Expression": "(a + b) / b * 10", "Label": "Ratio"},
            {"Id": "total", "Expression": "SUM(METRICS())"},
        ],
        StartTime=t0, EndTime=t0 + timedelta(minutes=1),
    )  # fmt: skip
    results = {r["Id"]: r for r in response["MetricDataResults"]}
    assert set(results) == {"ratio", "total"}
    assert results["ratio"]["Label"] == "Ratio"
    assert results["ratio"]["Values"] == [40.0]
    assert results["total"]["Values"] == [8.0]
    with pytest.raises(ClientError) as excinfo:
        cw.get_metric_data(
            MetricDataQueries=[stat("a", "A"), {"Id": "e", "Expression": "RATE(a)"}],
            StartTime=t0, EndTime=t0 + timedelta(minutes=1),
        )  # fmt: skip
    code, message = error_of(excinfo)
    assert code == "ValidationError"
    assert message.startswith("Error in expression 'e': Unsupported function RATE")


def _put_error(cw: Any, namespace: str, datum: dict) -> tuple[str, str]:
    with pytest.raises(ClientError) as excinfo:
        cw.put_metric_data(Namespace=namespace, MetricData=[{"MetricName": "x", **datum}])
    return error_of(excinfo)


def test_put_metric_data_errors(cw, aws_client, namespace):
    assert _put_error(cw, namespace, {}) == (
        "InvalidParameterCombination",
        "At least one of the parameters MetricData.member.1.Value and"
        " MetricData.member.1.StatisticValues must be specified.",
    )
    stats = {"SampleCount": 1, "Sum": 1, "Minimum": 1, "Maximum": 1}
    assert _put_error(cw, namespace, {"Value": 1.0, "StatisticValues": stats}) == (
        "InvalidParameterCombination",
        "The parameters MetricData.member.1.Value and MetricData.member.1.StatisticValues are"
        " mutually exclusive and you have specified both.",
    )
    assert _put_error(cw, namespace, {"Values": [1.0, 2.0], "Counts": [1.0]}) == (
        "InvalidParameterValue",
        "The parameters MetricData.member.1.Values and MetricData.member.1.Counts must be of"
        " the same size.",
    )
    assert _put_error(cw, namespace, {"Values": [1.0] * 151}) == (
        "InvalidParameterValue",
        "The collection MetricData.member.1.Values must not have a size greater than 150.",
    )
    assert _put_error(cw, namespace, {"Value": 1.0, "StorageResolution": 5}) == (
        "InvalidParameterValue",
        "The value 5 for parameter MetricData.member.1.StorageResolution is invalid.",
    )
    assert _put_error(cw, namespace, {"Value": math.inf}) == (
        "InvalidParameterValue",
        "The value Infinity for parameter MetricData.member.1.Value is invalid.",
    )
    plain = aws_client("cloudwatch", config=Config(disable_request_compression=True))
    with pytest.raises(ClientError) as excinfo:
        plain.put_metric_data(
            Namespace=namespace, MetricData=[{"MetricName": "x", "Value": 1.0}] * 1001
        )
    assert error_of(excinfo) == (
        "InvalidParameterValue",
        "The collection MetricData must not have a size greater than 1000.",
    )


def test_get_metric_statistics_errors(cw, namespace):
    now = minute_start()
    base = {"Namespace": namespace, "MetricName": "x", "Statistics": ["Sum"]}
    with pytest.raises(ClientError) as excinfo:
        cw.get_metric_statistics(**base, StartTime=now - timedelta(days=2), EndTime=now, Period=60)
    assert error_of(excinfo) == (
        "InvalidParameterCombination",
        "You have requested up to 2880 datapoints, which exceeds the limit of 1440. You may"
        " reduce the datapoints requested by increasing Period, or decreasing the time range.",
    )
    with pytest.raises(ClientError) as excinfo:
        cw.get_metric_statistics(**base, StartTime=now - timedelta(hours=1), EndTime=now, Period=90)
    assert error_of(excinfo) == (
        "InvalidParameterValue",
        "The parameter Period must be a multiple of 60.",
    )
    with pytest.raises(ClientError) as excinfo:
        cw.get_metric_statistics(**base, StartTime=now, EndTime=now - timedelta(hours=1), Period=60)
    assert error_of(excinfo) == (
        "InvalidParameterValue",
        "The parameter StartTime must be less than the parameter EndTime.",
    )


def test_get_metric_data_errors(cw, namespace):
    now = minute_start()
    metric = {"Metric": {"Namespace": namespace, "MetricName": "x"}, "Period": 60, "Stat": "Sum"}
    with pytest.raises(ClientError) as excinfo:
        cw.get_metric_data(
            MetricDataQueries=[{"Id": "Bad", "MetricStat": metric}],
            StartTime=now - timedelta(hours=1), EndTime=now,
        )  # fmt: skip
    assert error_of(excinfo) == (
        "ValidationError",
        "The value Bad for parameter MetricDataQueries.member.1.Id is not matching the"
        " expected pattern ^[a-z][a-zA-Z0-9_]*$.",
    )
    with pytest.raises(ClientError) as excinfo:
        cw.get_metric_data(
            MetricDataQueries=[{"Id": "m", "MetricStat": metric}],
            StartTime=now, EndTime=now - timedelta(hours=1),
        )  # fmt: skip
    assert error_of(excinfo) == (
        "ValidationError",
        "The parameter StartTime must be less than the parameter EndTime.",
    )
