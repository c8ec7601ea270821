"""Lambda's AWS/Lambda metrics, read back through GetMetricData after real invokes."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from tests.services.awslambda.conftest import ROLE, make_zip, unique

HANDLER = """
def handler(event, context):
    if event.get("fail"):
        raise ValueError("boom")
    return {"ok": True}
"""


def test_invocations_errors_and_duration(aws_client):
    lam, cw = aws_client("lambda"), aws_client("cloudwatch")
    name = unique("metrics")
    lam.create_function(
        FunctionName=name, Runtime="python3.12", Role=ROLE, Handler="app.handler",
        Code={"ZipFile": make_zip({"app.py": HANDLER})},
    )  # fmt: skip
    start = datetime.fromtimestamp(int(time.time()) // 60 * 60 - 60, UTC)
    for payload in (b"{}", b"{}", b"{}", b'{"fail": true}'):
        response = lam.invoke(FunctionName=name, Payload=payload)
        assert response["StatusCode"] == 200
    end = datetime.now(UTC) + timedelta(minutes=2)
    dims = [{"Name": "FunctionName", "Value": name}]

    def query(qid: str, metric: str, stat: str) -> dict:
        return {"Id": qid, "MetricStat": {
            "Metric": {"Namespace": "AWS/Lambda", "MetricName": metric, "Dimensions": dims},
            "Period": 3600, "Stat": stat}}  # fmt: skip

    queries = [
        query("inv", "Invocations", "Sum"),
        query("err", "Errors", "Sum"),
        query("dur", "Duration", "SampleCount"),
        query("conc", "ConcurrentExecutions", "Maximum"),
    ]
    deadline = time.monotonic() + 5
    while True:  # the metrics are written about once a second
        response = cw.get_metric_data(MetricDataQueries=queries, StartTime=start, EndTime=end)
        sums = {r["Id"]: sum(r["Values"]) for r in response["MetricDataResults"]}
        if sums["inv"] >= 4 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert sums == {"inv": 4.0, "err": 1.0, "dur": 4.0, "conc": 1.0}
    listed = cw.list_metrics(Namespace="AWS/Lambda", Dimensions=[{"Name": "FunctionName",
                                                                  "Value": name}])  # fmt: skip
    assert {m["MetricName"] for m in listed["Metrics"]} >= {
        "Invocations", "Errors", "Duration", "ConcurrentExecutions",
    }  # fmt: skip
    stats = cw.get_metric_statistics(
        Namespace="AWS/Lambda", MetricName="Duration", Dimensions=dims,
        StartTime=start, EndTime=end, Period=3600, Statistics=["Maximum"], Unit="Milliseconds",
    )  # fmt: skip
    assert stats["Datapoints"] and stats["Datapoints"][0]["Maximum"] > 0
