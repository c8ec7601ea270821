"""AWS/ApiGateway metrics, read back with GetMetricData, GetMetricStatistics and ListMetrics
after real requests to a stage."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.services.apigateway.conftest import add_mock, add_resource, call
from tests.services.apigateway.test_dynamodb_integration import aws_method, dynamodb_uri


@pytest.fixture
def cw(aws_client):
    return aws_client("cloudwatch")


def _window() -> tuple[datetime, datetime]:
    start = datetime.fromtimestamp(int(time.time()) // 60 * 60 - 60, UTC)
    return start, datetime.now(UTC) + timedelta(minutes=2)


def _sums(cw: Any, dims: list[dict[str, str]], metrics: dict[str, str], start, end,
          wait_for: tuple[str, float]) -> dict[str, float]:  # fmt: skip
    """{metric: statistic value over the hour} for `metrics` ({name: stat}), polled until
    `wait_for` (metric, value) is reached (datapoints are written about once a second)."""
    queries = [
        {"Id": f"m{i}", "Label": name, "MetricStat": {
            "Metric": {"Namespace": "AWS/ApiGateway", "MetricName": name, "Dimensions": dims},
            "Period": 3600, "Stat": stat}}
        for i, (name, stat) in enumerate(metrics.items())
    ]  # fmt: skip
    deadline = time.monotonic() + 5
    while True:
        response = cw.get_metric_data(MetricDataQueries=queries, StartTime=start, EndTime=end)
        found = {r["Label"]: sum(r["Values"]) for r in response["MetricDataResults"]}
        if found.get(wait_for[0], 0) >= wait_for[1] or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def test_count_errors_and_latency_by_api_and_stage(lenticular_server, apigw, rest_api, cw):
    api = rest_api()
    add_mock(apigw, api, add_resource(apigw, api, "/ok"))
    add_mock(apigw, api, add_resource(apigw, api, "/gone"), status=404, body='{"gone": 1}')
    apigw.create_deployment(restApiId=api["id"], stageName="dev")
    start, end = _window()
    for path, status in (("/dev/ok", 200), ("/dev/ok", 200), ("/dev/gone", 404),
                         ("/dev/nowhere", 403)):  # fmt: skip
        assert call(lenticular_server, api["id"], path).status == status

    stats = {"Count": "Sum", "4XXError": "Sum", "5XXError": "Sum", "Latency": "SampleCount"}
    for dims in ([{"Name": "ApiName", "Value": api["name"]}],
                 [{"Name": "ApiName", "Value": api["name"]}, {"Name": "Stage", "Value": "dev"}]):  # fmt: skip
        found = _sums(cw, dims, {**stats, "IntegrationLatency": "SampleCount"}, start, end,
                      ("Count", 4))  # fmt: skip
        # MOCK integrations have no integration latency, as on AWS.
        assert found == {"Count": 4.0, "4XXError": 2.0, "5XXError": 0.0, "Latency": 4.0,
                         "IntegrationLatency": 0.0}  # fmt: skip

    average = cw.get_metric_statistics(
        Namespace="AWS/ApiGateway", MetricName="4XXError",
        Dimensions=[{"Name": "ApiName", "Value": api["name"]}, {"Name": "Stage", "Value": "dev"}],
        StartTime=start, EndTime=end, Period=3600, Statistics=["Average", "SampleCount"],
    )["Datapoints"]  # fmt: skip
    assert average[0]["Average"] == 0.5 and average[0]["SampleCount"] == 4.0
    assert average[0]["Unit"] == "Count"
    listed = cw.list_metrics(
        Namespace="AWS/ApiGateway", Dimensions=[{"Name": "ApiName", "Value": api["name"]}]
    )["Metrics"]
    names = {(m["MetricName"], tuple(sorted(d["Name"] for d in m["Dimensions"]))) for m in listed}
    assert ("Count", ("ApiName",)) in names and ("Latency", ("ApiName", "Stage")) in names
    # Without detailed metrics there are no per-method dimensions.
    assert not [m for m in listed if len(m["Dimensions"]) > 2]


def test_detailed_metrics_and_integration_latency(
    lenticular_server, apigw, rest_api, cw, aws_client
):
    api = rest_api()
    rid = add_resource(apigw, api, "/tables")
    aws_method(
        apigw, api["id"], rid, "GET", dynamodb_uri("ListTables"),
        {"application/json": '{"Limit": 1}'},
        [{"statusCode": "200", "selectionPattern": "",
          "responseTemplates": {"application/json": '{"ok": true}'}}],
    )  # fmt: skip
    apigw.create_deployment(restApiId=api["id"], stageName="prod")
    apigw.update_stage(
        restApiId=api["id"], stageName="prod",
        patchOperations=[{"op": "replace", "path": "/*/*/metrics/enabled", "value": "true"}],
    )  # fmt: skip
    start, end = _window()
    for _ in range(3):
        reply = call(lenticular_server, api["id"], "/prod/tables")
        assert reply.status == 200, reply.body

    dims = [
        {"Name": "ApiName", "Value": api["name"]}, {"Name": "Method", "Value": "GET"},
        {"Name": "Resource", "Value": "/tables"}, {"Name": "Stage", "Value": "prod"},
    ]  # fmt: skip
    found = _sums(cw, dims, {"Count": "Sum", "IntegrationLatency": "SampleCount",
                             "5XXError": "Sum"}, start, end, ("Count", 3))  # fmt: skip
    assert found == {"Count": 3.0, "IntegrationLatency": 3.0, "5XXError": 0.0}
    latency = cw.get_metric_statistics(
        Namespace="AWS/ApiGateway", MetricName="Latency", Dimensions=dims, StartTime=start,
        EndTime=end, Period=3600, Statistics=["Maximum"], Unit="Milliseconds",
    )["Datapoints"]  # fmt: skip
    assert latency and latency[0]["Maximum"] >= 0


def test_cache_hit_and_miss_counts(lenticular_server, apigw, rest_api, cw):
    api = rest_api()
    add_mock(apigw, api, add_resource(apigw, api, "/cached"))
    apigw.create_deployment(
        restApiId=api["id"], stageName="dev", cacheClusterEnabled=True, cacheClusterSize="0.5"
    )
    apigw.update_stage(
        restApiId=api["id"], stageName="dev",
        patchOperations=[{"op": "replace", "path": "/*/*/caching/enabled", "value": "true"}],
    )  # fmt: skip
    start, end = _window()
    for _ in range(3):
        assert call(lenticular_server, api["id"], "/dev/cached").status == 200
    dims = [{"Name": "ApiName", "Value": api["name"]}, {"Name": "Stage", "Value": "dev"}]
    found = _sums(cw, dims, {"Count": "Sum", "CacheHitCount": "Sum", "CacheMissCount": "Sum"},
                  start, end, ("Count", 3))  # fmt: skip
    assert found == {"Count": 3.0, "CacheHitCount": 2.0, "CacheMissCount": 1.0}


def test_values_merge_per_route_and_second():
    """Engine tier: requests of one route within one second become one datum per metric
    and dimension set, each value with its count."""
    from lenticular.services.apigateway.metrics import ApiMetrics

    class Engine:
        def put_batch(self, data):
            self.data = data

    engine = Engine()
    metrics = ApiMetrics(lambda: engine)
    metrics._timer = object()  # hold the write (no event loop here)
    for status, latency in ((200, 3), (200, 3), (404, 5), (502, 9)):
        metrics.record("1", "r", "api", "dev", "/a", "GET", True, status, latency, 2, False, 10.4)
    metrics.flush()
    by = {(d.metric.name, len(d.metric.dimensions)): d for d in engine.data}
    assert len(engine.data) == 3 * 7 and {d.timestamp for d in engine.data} == {10.0}
    assert by[("Count", 4)].sample_count == 4 and by[("Count", 4)].sum == 4
    assert by[("4XXError", 2)].sum == 1 and by[("5XXError", 1)].sum == 1
    assert sorted(by[("Latency", 2)].value_counts) == [(3.0, 2.0), (5.0, 1.0), (9.0, 1.0)]
    assert by[("CacheMissCount", 1)].sum == 4 and by[("CacheHitCount", 1)].sum == 0
    assert by[("IntegrationLatency", 4)].metric.dimensions == (
        ("ApiName", "api"), ("Method", "GET"), ("Resource", "/a"), ("Stage", "dev"),
    )  # fmt: skip


def test_method_setting_overrides_the_stage_wide_one():
    from lenticular.services.apigateway.metrics import method_setting

    stage = {"methodSettings": {
        "*/*": {"metricsEnabled": False, "loggingLevel": "ERROR"},
        "~1items~1{id}/GET": {"metricsEnabled": True, "loggingLevel": "INFO"},
    }}  # fmt: skip
    assert method_setting(stage, "/items/{id}", "GET")["loggingLevel"] == "INFO"
    assert method_setting(stage, "/items/{id}", "GET")["metricsEnabled"] is True
    assert method_setting(stage, "/items/{id}", "POST")["loggingLevel"] == "ERROR"
    assert method_setting(stage, None, "GET") == {"metricsEnabled": False, "loggingLevel": "ERROR"}
    assert method_setting({}, "/a", "GET") == {}


def test_api_name_dimension_drops_non_ascii():
    from lenticular.services.apigateway.metrics import api_name_dimension

    assert api_name_dimension("café-api", "abc123") == "caf-api"
    assert api_name_dimension("日本", "abc123") == "abc123"
