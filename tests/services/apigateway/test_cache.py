"""The stage response cache: hits and misses by cache key, GET only by default, 2xx only,
TTL expiry, Cache-Control: max-age=0 per the unauthorized strategy, FlushStageCache, and a
stage update disabling the cache."""

from __future__ import annotations

import time

import pytest
from botocore.exceptions import ClientError

from tests.services.apigateway.conftest import add_resource, call, unique
from tests.services.apigateway.test_lambda_proxy import lambda_uri
from tests.services.awslambda.conftest import ROLE, make_zip

COUNTER = """
import json

COUNT = 0

def handler(event, context):
    global COUNT
    COUNT += 1
    status = int((event.get("queryStringParameters") or {}).get("status", 200))
    return {"statusCode": status, "body": json.dumps({"count": COUNT})}
"""


@pytest.fixture
def counter_fn(aws_client):
    lam = aws_client("lambda")
    name = unique("fn")
    lam.create_function(
        FunctionName=name, Runtime="python3.12", Role=ROLE, Handler="app.handler",
        Code={"ZipFile": make_zip({"app.py": COUNTER})},
    )  # fmt: skip
    yield lam.get_function(FunctionName=name)["Configuration"]["FunctionArn"]
    lam.delete_function(FunctionName=name)


def _cached_api(apigw, rest_api, fn, *, ttl=300, extra_ops=(), post_ops=()):
    """GET and POST /items/{id} proxied to `fn`, cache key `q`, stage `dev` caching `*/*`."""
    api = rest_api()
    rid = add_resource(apigw, api, "/items/{id}")
    for verb in ("GET", "POST"):
        apigw.put_method(restApiId=api["id"], resourceId=rid, httpMethod=verb,
                         authorizationType="NONE",
                         requestParameters={"method.request.querystring.q": False})  # fmt: skip
        apigw.put_integration(restApiId=api["id"], resourceId=rid, httpMethod=verb,
                              type="AWS_PROXY", integrationHttpMethod="POST",
                              uri=lambda_uri(fn),
                              cacheKeyParameters=["method.request.querystring.q"])  # fmt: skip
    apigw.create_deployment(restApiId=api["id"], stageName="dev", cacheClusterEnabled=True,
                            cacheClusterSize="0.5")  # fmt: skip
    ops = [
        {"op": "replace", "path": "/*/*/caching/enabled", "value": "true"},
        {"op": "replace", "path": "/*/*/caching/ttlInSeconds", "value": str(ttl)},
        *extra_ops,
        *post_ops,
    ]
    apigw.update_stage(restApiId=api["id"], stageName="dev", patchOperations=ops)
    return api


def _count(server, api, path, **kwargs):
    reply = call(server, api["id"], path, **kwargs)
    assert reply.status == 200, reply.body
    return reply.json()["count"], reply


def test_get_is_cached_by_path_and_key_parameters(lenticular_server, apigw, rest_api, counter_fn):
    api = _cached_api(apigw, rest_api, counter_fn)
    stage = apigw.get_stage(restApiId=api["id"], stageName="dev")
    assert stage["cacheClusterEnabled"] and stage["cacheClusterStatus"] == "AVAILABLE"
    assert stage["methodSettings"]["*/*"]["cachingEnabled"] is True
    first, _ = _count(lenticular_server, api, "/dev/items/1?q=a")
    assert _count(lenticular_server, api, "/dev/items/1?q=a")[0] == first  # a hit
    # Not in the cache key: another query parameter shares the entry.
    assert _count(lenticular_server, api, "/dev/items/1?q=a&other=1")[0] == first
    other_key = _count(lenticular_server, api, "/dev/items/1?q=b")[0]
    assert other_key > first  # a different cache key parameter value misses
    other_path = _count(lenticular_server, api, "/dev/items/2?q=a")[0]
    assert other_path > other_key  # a different path parameter misses
    # POST is not cached by `*/*`.
    posts = [_count(lenticular_server, api, "/dev/items/1?q=a", method="POST")[0]
             for _ in range(2)]  # fmt: skip
    assert posts[1] == posts[0] + 1
    # Errors are not cached.
    replies = [call(lenticular_server, api["id"], "/dev/items/9?status=500") for _ in range(2)]
    assert [r.status for r in replies] == [500, 500]
    assert replies[1].json()["count"] == replies[0].json()["count"] + 1


def test_post_cached_only_by_its_own_setting(lenticular_server, apigw, rest_api, counter_fn):
    api = _cached_api(apigw, rest_api, counter_fn, extra_ops=[
        {"op": "replace", "path": "/~1items~1{id}/POST/caching/enabled", "value": "true"},
    ])  # fmt: skip
    first = _count(lenticular_server, api, "/dev/items/1", method="POST")[0]
    assert _count(lenticular_server, api, "/dev/items/1", method="POST")[0] == first


def test_ttl_expiry_and_zero_ttl(lenticular_server, apigw, rest_api, counter_fn):
    api = _cached_api(apigw, rest_api, counter_fn, ttl=1)
    first = _count(lenticular_server, api, "/dev/items/1")[0]
    assert _count(lenticular_server, api, "/dev/items/1")[0] == first
    time.sleep(1.2)
    assert _count(lenticular_server, api, "/dev/items/1")[0] == first + 1
    apigw.update_stage(restApiId=api["id"], stageName="dev", patchOperations=[
        {"op": "replace", "path": "/*/*/caching/ttlInSeconds", "value": "0"},
    ])  # fmt: skip
    counts = [_count(lenticular_server, api, "/dev/items/1")[0] for _ in range(2)]
    assert counts[1] == counts[0] + 1


def test_flush_stage_cache(lenticular_server, apigw, rest_api, counter_fn):
    api = _cached_api(apigw, rest_api, counter_fn)
    first = _count(lenticular_server, api, "/dev/items/1")[0]
    assert _count(lenticular_server, api, "/dev/items/1")[0] == first
    response = apigw.flush_stage_cache(restApiId=api["id"], stageName="dev")
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 202
    second = _count(lenticular_server, api, "/dev/items/1")[0]
    assert second == first + 1
    assert _count(lenticular_server, api, "/dev/items/1")[0] == second
    with pytest.raises(ClientError) as raised:
        apigw.flush_stage_cache(restApiId=api["id"], stageName="nope")
    assert raised.value.response["Error"]["Code"] == "NotFoundException"


def test_disabling_the_cluster_drops_the_cache(lenticular_server, apigw, rest_api, counter_fn):
    api = _cached_api(apigw, rest_api, counter_fn)
    first = _count(lenticular_server, api, "/dev/items/1")[0]
    apigw.update_stage(restApiId=api["id"], stageName="dev", patchOperations=[
        {"op": "replace", "path": "/cacheClusterEnabled", "value": "false"},
    ])  # fmt: skip
    assert apigw.get_stage(restApiId=api["id"], stageName="dev")["cacheClusterStatus"] == (
        "NOT_AVAILABLE"
    )
    second = _count(lenticular_server, api, "/dev/items/1")[0]
    assert second == first + 1  # no cache: the function answers
    assert _count(lenticular_server, api, "/dev/items/1")[0] == second + 1
    apigw.update_stage(restApiId=api["id"], stageName="dev", patchOperations=[
        {"op": "replace", "path": "/cacheClusterEnabled", "value": "true"},
    ])  # fmt: skip
    third = _count(lenticular_server, api, "/dev/items/1")[0]
    assert third == second + 2  # the old entry did not survive
    assert _count(lenticular_server, api, "/dev/items/1")[0] == third


def _strategy_ops(strategy, require="true"):
    return [
        {"op": "replace", "path": "/*/*/caching/requireAuthorizationForCacheControl",
         "value": require},
        {"op": "replace", "path": "/*/*/caching/unauthorizedCacheControlHeaderStrategy",
         "value": strategy},
    ]  # fmt: skip


MAX_AGE_0 = {"Cache-Control": "max-age=0"}


def test_max_age_0_unauthorized_succeeds_with_warning(
    lenticular_server, apigw, rest_api, counter_fn
):
    api = _cached_api(apigw, rest_api, counter_fn,
                      post_ops=_strategy_ops("SUCCEED_WITH_RESPONSE_HEADER"))  # fmt: skip
    first, plain = _count(lenticular_server, api, "/dev/items/1")
    assert "warning" not in plain.headers
    count, reply = _count(lenticular_server, api, "/dev/items/1", headers=MAX_AGE_0)
    assert count == first  # the header is ignored: served from the cache
    assert reply.headers["warning"].startswith("199 ")
    # A signed caller (lenticular has no IAM) may invalidate.
    signed = {**MAX_AGE_0, "Authorization": "AWS4-HMAC-SHA256 Credential=test/x, Signature=y"}
    refreshed, reply = _count(lenticular_server, api, "/dev/items/1", headers=signed)
    assert refreshed == first + 1 and "warning" not in reply.headers
    assert _count(lenticular_server, api, "/dev/items/1")[0] == refreshed  # entry replaced


def test_max_age_0_unauthorized_silently_ignored(lenticular_server, apigw, rest_api, counter_fn):
    api = _cached_api(apigw, rest_api, counter_fn,
                      post_ops=_strategy_ops("SUCCEED_WITHOUT_RESPONSE_HEADER"))  # fmt: skip
    first = _count(lenticular_server, api, "/dev/items/1")[0]
    count, reply = _count(lenticular_server, api, "/dev/items/1", headers=MAX_AGE_0)
    assert count == first and "warning" not in reply.headers


def test_max_age_0_unauthorized_fails_with_403(lenticular_server, apigw, rest_api, counter_fn):
    api = _cached_api(apigw, rest_api, counter_fn, post_ops=_strategy_ops("FAIL_WITH_403"))
    first = _count(lenticular_server, api, "/dev/items/1")[0]
    reply = call(lenticular_server, api["id"], "/dev/items/1", headers=MAX_AGE_0)
    assert reply.status == 403
    assert _count(lenticular_server, api, "/dev/items/1")[0] == first


def test_max_age_0_without_required_authorization_refreshes(
    lenticular_server, apigw, rest_api, counter_fn
):
    api = _cached_api(apigw, rest_api, counter_fn,
                      post_ops=_strategy_ops("FAIL_WITH_403", require="false"))  # fmt: skip
    first = _count(lenticular_server, api, "/dev/items/1")[0]
    refreshed = _count(lenticular_server, api, "/dev/items/1", headers=MAX_AGE_0)[0]
    assert refreshed == first + 1
    assert _count(lenticular_server, api, "/dev/items/1")[0] == refreshed
