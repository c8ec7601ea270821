"""API keys and usage plans (a key opens a method only through a plan bound to the API
stage), usage plan rate, burst and quota, stage method-setting throttling, and the
management API's errors."""

from __future__ import annotations

import datetime
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from botocore.exceptions import ClientError

from tests.services.apigateway.conftest import add_mock, add_resource, call


def _keyed_api(apigw, rest_api, *, key_required=True):
    api = rest_api()
    rid = add_resource(apigw, api, "/things")
    if key_required:
        add_mock(apigw, api, rid, body='{"ok": 1}', api_key_required=True)
    else:
        add_mock(apigw, api, rid)
    apigw.create_deployment(restApiId=api["id"], stageName="dev")
    return api


@pytest.fixture
def plans(apigw):
    created: list[tuple[str, str]] = []
    yield created
    for kind, ident in reversed(created):
        try:
            if kind == "plan":
                apigw.delete_usage_plan(usagePlanId=ident)
            else:
                apigw.delete_api_key(apiKey=ident)
        except ClientError:
            pass


def _key_and_plan(apigw, plans, api, **plan_params):
    key = apigw.create_api_key(name="k", enabled=True)
    plans.append(("key", key["id"]))
    plan = apigw.create_usage_plan(
        name="p", apiStages=[{"apiId": api["id"], "stage": "dev"}], **plan_params
    )
    plans.append(("plan", plan["id"]))
    apigw.create_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"], keyType="API_KEY")
    return key, plan


def test_api_key_needs_a_plan_bound_to_the_stage(lenticular_server, apigw, rest_api, plans):
    api = _keyed_api(apigw, rest_api)
    key = apigw.create_api_key(name="lonely", enabled=True)
    plans.append(("key", key["id"]))
    headers = {"x-api-key": key["value"]}
    for reply in (
        call(lenticular_server, api["id"], "/dev/things"),
        call(lenticular_server, api["id"], "/dev/things", headers=headers),
    ):
        assert (reply.status, reply.json()) == (403, {"message": "Forbidden"})
    other = rest_api()
    apigw.put_method(restApiId=other["id"], resourceId=other["rootResourceId"],
                     httpMethod="GET", authorizationType="NONE")  # fmt: skip
    apigw.put_integration(restApiId=other["id"], resourceId=other["rootResourceId"],
                          httpMethod="GET", type="MOCK")  # fmt: skip
    apigw.create_deployment(restApiId=other["id"], stageName="dev")
    wrong = apigw.create_usage_plan(
        name="wrong", apiStages=[{"apiId": other["id"], "stage": "dev"}]
    )
    plans.append(("plan", wrong["id"]))
    apigw.create_usage_plan_key(usagePlanId=wrong["id"], keyId=key["id"], keyType="API_KEY")
    assert call(lenticular_server, api["id"], "/dev/things", headers=headers).status == 403
    right = apigw.create_usage_plan(name="right", apiStages=[{"apiId": api["id"], "stage": "dev"}])
    plans.append(("plan", right["id"]))
    apigw.create_usage_plan_key(usagePlanId=right["id"], keyId=key["id"], keyType="API_KEY")
    reply = call(lenticular_server, api["id"], "/dev/things", headers=headers)
    assert (reply.status, reply.json()) == (200, {"ok": 1})
    apigw.update_api_key(
        apiKey=key["id"], patchOperations=[{"op": "replace", "path": "/enabled", "value": "false"}]
    )
    assert call(lenticular_server, api["id"], "/dev/things", headers=headers).status == 403


def test_usage_plan_burst_gives_429(lenticular_server, apigw, rest_api, plans):
    api = _keyed_api(apigw, rest_api)
    key, _ = _key_and_plan(apigw, plans, api, throttle={"burstLimit": 2, "rateLimit": 1.0})
    headers = {"x-api-key": key["value"]}
    statuses = [
        call(lenticular_server, api["id"], "/dev/things", headers=headers) for _ in range(5)
    ]
    assert [r.status for r in statuses] == [200, 200, 429, 429, 429]
    assert statuses[-1].json() == {"message": "Too Many Requests"}


def test_quota_exhaustion_and_usage(lenticular_server, apigw, rest_api, plans):
    api = _keyed_api(apigw, rest_api)
    key, plan = _key_and_plan(apigw, plans, api, quota={"limit": 3, "period": "DAY"})
    headers = {"x-api-key": key["value"]}
    replies = [call(lenticular_server, api["id"], "/dev/things", headers=headers) for _ in range(4)]
    assert [r.status for r in replies] == [200, 200, 200, 429]
    assert replies[-1].json() == {"message": "Limit Exceeded"}
    today = datetime.datetime.now(datetime.UTC).date().isoformat()
    usage = apigw.get_usage(usagePlanId=plan["id"], startDate=today, endDate=today)
    assert usage["items"] == {key["id"]: [[3, 0]]}


def test_stage_and_method_throttling(lenticular_server, apigw, rest_api):
    api = _keyed_api(apigw, rest_api, key_required=False)
    apigw.update_stage(restApiId=api["id"], stageName="dev", patchOperations=[
        {"op": "replace", "path": "/~1things/GET/throttling/burstLimit", "value": "2"},
        {"op": "replace", "path": "/~1things/GET/throttling/rateLimit", "value": "1"},
    ])  # fmt: skip
    statuses = [call(lenticular_server, api["id"], "/dev/things").status for _ in range(5)]
    assert statuses == [200, 200, 429, 429, 429]


def test_key_and_plan_management(apigw, rest_api, plans):
    api = _keyed_api(apigw, rest_api, key_required=False)
    key = apigw.create_api_key(name="mgmt", value="v" * 25)
    plans.append(("key", key["id"]))
    assert key["value"] == "v" * 25 and key["enabled"] is False
    assert "value" not in apigw.get_api_key(apiKey=key["id"])
    assert apigw.get_api_key(apiKey=key["id"], includeValue=True)["value"] == "v" * 25
    listed = apigw.get_api_keys(includeValues=True)["items"]
    assert any(k["id"] == key["id"] and k["value"] == "v" * 25 for k in listed)
    plan = apigw.create_usage_plan(name="mp", throttle={"rateLimit": 5.0, "burstLimit": 10},
                                   quota={"limit": 100, "period": "WEEK", "offset": 0})  # fmt: skip
    plans.append(("plan", plan["id"]))
    updated = apigw.update_usage_plan(usagePlanId=plan["id"], patchOperations=[
        {"op": "add", "path": "/apiStages", "value": f"{api['id']}:dev"},
        {"op": "replace", "path": "/throttle/burstLimit", "value": "20"},
    ])  # fmt: skip
    assert updated["apiStages"] == [{"apiId": api["id"], "stage": "dev"}]
    assert updated["throttle"]["burstLimit"] == 20
    plan_key = apigw.create_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"],
                                           keyType="API_KEY")  # fmt: skip
    plan_key.pop("ResponseMetadata")
    assert plan_key == {"id": key["id"], "type": "API_KEY", "value": "v" * 25, "name": "mgmt"}
    assert apigw.get_usage_plan_keys(usagePlanId=plan["id"])["items"] == [plan_key]
    apigw.delete_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"])
    assert apigw.get_usage_plan_keys(usagePlanId=plan["id"])["items"] == []


@pytest.mark.parametrize(
    ("operation", "kwargs", "code", "message"),
    [
        ("get_api_key", {"apiKey": "missing"}, "NotFoundException",
         "Invalid API Key identifier specified"),
        ("get_usage_plan", {"usagePlanId": "missing"}, "NotFoundException",
         "Invalid Usage Plan ID specified"),
        ("create_api_key", {"value": "short"}, "BadRequestException",
         "API Key value should be at least 20 characters"),
        ("create_usage_plan", {"name": "bad", "apiStages": [{"apiId": "nope", "stage": "dev"}]},
         "BadRequestException", "Invalid API Stage {api: nope, stage: dev} specified for usageplan bad"),
    ],
)  # fmt: skip
def test_management_errors(apigw, operation, kwargs, code, message):
    with pytest.raises(ClientError) as error:
        getattr(apigw, operation)(**kwargs)
    assert error.value.response["Error"]["Code"] == code
    assert error.value.response["Error"]["Message"] == message


def test_throttling_accuracy_under_fourfold_overload(lenticular_server, apigw, rest_api):
    """A 10 req/s method limit (burst 10) under 40 req/s for 3 s admits the burst plus
    10 +- 1 req/s and answers the rest 429, while the server keeps answering others."""
    api = _keyed_api(apigw, rest_api, key_required=False)
    apigw.update_stage(restApiId=api["id"], stageName="dev", patchOperations=[
        {"op": "replace", "path": "/~1things/GET/throttling/burstLimit", "value": "10"},
        {"op": "replace", "path": "/~1things/GET/throttling/rateLimit", "value": "10"},
    ])  # fmt: skip
    seconds, senders, per_sender_rate = 3.0, 4, 10.0
    start = time.monotonic() + 0.2

    def send(offset: int) -> list[int]:
        statuses = []
        for n in range(int(seconds * per_sender_rate)):  # bounded: 30 requests each
            due = start + (n + offset / senders) / per_sender_rate
            time.sleep(max(0.0, due - time.monotonic()))
            statuses.append(call(lenticular_server, api["id"], "/dev/things").status)
        return statuses

    with ThreadPoolExecutor(senders) as pool:
        results = [s for batch in pool.map(send, range(senders)) for s in batch]
    elapsed = time.monotonic() - start
    admitted = results.count(200)
    assert results.count(200) + results.count(429) == len(results) == 120
    expected = 10 + 10 * elapsed  # the full bucket, then the rate over the run
    assert abs(admitted - expected) <= 1 * elapsed + 1, (admitted, expected, elapsed)
    health = call(lenticular_server, api["id"], "/dev/nothing-here")
    assert health.status == 403  # still answering promptly, and not throttled
