"""Real-world apps behind a REST API, unmodified: a FastAPI app wrapped with Mangum and
an aws-lambda-powertools `APIGatewayRestResolver` app, each on a greedy `{proxy+}`
resource with an AWS_PROXY integration, called over plain HTTP. They use the layer that
tests/services/awslambda/test_real_world.py builds (skipped when pip cannot install it)."""

from __future__ import annotations

import json

import pytest

from tests.services.apigateway.conftest import call
from tests.services.apigateway.test_lambda_proxy import proxy_api
from tests.services.awslambda.conftest import ROLE, make_zip, unique
from tests.services.awslambda.test_real_world import (  # noqa: F401
    FASTAPI_APP,
    layer_arn,
    layer_zip,
)

REST_RESOLVER_APP = """
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types

app = APIGatewayRestResolver()


@app.get("/orders/<order_id>")
def get_order(order_id: str):
    event = app.current_event
    return {"id": order_id, "q": event.get_query_string_value("q"),
            "stage": event.request_context.stage, "resource": event.resource,
            "method": event.http_method}


@app.post("/orders")
def create_order():
    return Response(status_code=201, content_type=content_types.APPLICATION_JSON,
                    body={"created": app.current_event.json_body})


def handler(event, context):
    return app.resolve(event, context)
"""


@pytest.fixture(scope="module")
def functions(lenticular_server, layer_arn: str):  # noqa: F811
    lam = lenticular_server.client("lambda")
    arns = {}
    for kind, source in (("fastapi", FASTAPI_APP), ("powertools", REST_RESOLVER_APP)):
        name = unique(f"rw-{kind}")
        lam.create_function(
            FunctionName=name, Runtime="python3.12", Role=ROLE, Handler="app.handler",
            Code={"ZipFile": make_zip({"app.py": source})}, Layers=[layer_arn],
            Timeout=30, MemorySize=512,
        )  # fmt: skip
        arns[kind] = lam.get_function(FunctionName=name)["Configuration"]["FunctionArn"]
    yield arns
    for arn in arns.values():
        lam.delete_function(FunctionName=arn)


def test_fastapi_behind_mangum(lenticular_server, apigw, rest_api, functions):
    api, _ = proxy_api(apigw, rest_api, functions["fastapi"], ["/{proxy+}"])
    got = call(lenticular_server, api["id"], "/test/items/42?q=tea",
               headers={"User-Agent": "rw-test"})  # fmt: skip
    assert got.status == 200, got.body
    assert got.json() == {"item_id": 42, "q": "tea", "user_agent": "rw-test"}
    assert got.headers["content-type"] == "application/json"
    created = call(lenticular_server, api["id"], "/test/items", method="POST",
                   body=json.dumps({"name": "pen", "price": 2.5}).encode(),
                   headers={"Content-Type": "application/json"})  # fmt: skip
    assert created.status == 201, created.body
    assert created.json() == {"name": "pen", "price_with_tax": 3.0}
    invalid = call(lenticular_server, api["id"], "/test/items", method="POST",
                   body=b'{"name": "pen"}', headers={"Content-Type": "application/json"})  # fmt: skip
    assert invalid.status == 422  # FastAPI's own validation answer, passed through
    assert invalid.json()["detail"][0]["loc"] == ["body", "price"]
    missing = call(lenticular_server, api["id"], "/test/nothing")
    assert missing.status == 404 and missing.json() == {"detail": "Not Found"}


def test_powertools_rest_resolver(lenticular_server, apigw, rest_api, functions):
    api, _ = proxy_api(apigw, rest_api, functions["powertools"], ["/{proxy+}"])
    got = call(lenticular_server, api["id"], "/test/orders/7?q=milk")
    assert got.status == 200, got.body
    assert got.json() == {"id": "7", "q": "milk", "stage": "test", "resource": "/{proxy+}",
                          "method": "GET"}  # fmt: skip
    created = call(lenticular_server, api["id"], "/test/orders", method="POST",
                   body=json.dumps({"sku": "x"}).encode(),
                   headers={"Content-Type": "application/json"})  # fmt: skip
    assert created.status == 201, created.body
    assert created.json() == {"created": {"sku": "x"}}
    missing = call(lenticular_server, api["id"], "/test/nothing")
    assert missing.status == 404  # powertools' own not-found answer
