"""Real-world handlers run unmodified: a FastAPI app behind Mangum and a handler using
aws-lambda-powertools (Logger, Tracer, event source data classes, event parser).

Their packages are not lenticular dependencies: the first test session installs them
with pip into a folder under pytest's temp root (`/tmp/pytest-of-<user>/`), which later
sessions reuse, and ships them to the server as a Lambda layer (`python/...`), as users
do on AWS. Without the package registry the tests skip, saying so. A first install takes
about half a minute; with the folder cached the module runs in a few seconds.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.services.awslambda.conftest import ROLE, make_zip, unique
from tests.services.awslambda.test_invoke import invoke_json, wait_for_log

# Tracer needs the X-Ray SDK, on AWS too (the `tracer` extra installs it).
REQUIREMENTS = ["fastapi", "mangum", "aws-lambda-powertools[tracer]", "pydantic"]
PIP_TIMEOUT_S = 300

FASTAPI_APP = """
from fastapi import FastAPI, Header
from mangum import Mangum
from pydantic import BaseModel

app = FastAPI()


class Item(BaseModel):
    name: str
    price: float


@app.get("/items/{item_id}")
def read_item(item_id: int, q: str | None = None, user_agent: str | None = Header(None)):
    return {"item_id": item_id, "q": q, "user_agent": user_agent}


@app.post("/items", status_code=201)
def create_item(item: Item):
    return {"name": item.name, "price_with_tax": round(item.price * 1.2, 2)}


handler = Mangum(app, lifespan="off")
"""

POWERTOOLS_APP = """
import json

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent, event_source
from aws_lambda_powertools.utilities.parser import BaseModel, envelopes, event_parser

logger = Logger(service="orders")
tracer = Tracer(service="orders")


class Order(BaseModel):
    id: int
    items: list[str]


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler
@event_source(data_class=APIGatewayProxyEvent)
def handler(event: APIGatewayProxyEvent, context):
    order_id = event.path_parameters["order_id"]
    logger.info("order received", extra={"order_id": order_id, "method": event.http_method})
    return {"statusCode": 200, "body": json.dumps({"order_id": order_id, "path": event.path})}


@event_parser(model=Order, envelope=envelopes.ApiGatewayEnvelope)
def parse(order: Order, context):
    return {"id": order.id, "count": len(order.items)}
"""


def api_gateway_v1_event(method: str, path: str, body: str | None = None, **extra) -> dict:
    """An API Gateway REST (v1) proxy event as AWS sends it to a function."""
    resource = extra.pop("resource", path)
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": {
            "Accept": "application/json",
            "Content-Type": "application/json",
            "Host": "abc123.execute-api.us-east-1.amazonaws.com",
            "User-Agent": "test-agent/1.0",
        },
        "multiValueHeaders": {
            "Accept": ["application/json"],
            "Content-Type": ["application/json"],
            "Host": ["abc123.execute-api.us-east-1.amazonaws.com"],
            "User-Agent": ["test-agent/1.0"],
        },
        "queryStringParameters": extra.pop("query", None),
        "multiValueQueryStringParameters": extra.pop("multi_query", None),
        "pathParameters": extra.pop("path_parameters", None),
        "stageVariables": None,
        "requestContext": {
            "accountId": "000000000000",
            "apiId": "abc123",
            "httpMethod": method,
            "identity": {"sourceIp": "127.0.0.1", "userAgent": "test-agent/1.0"},
            "path": f"/prod{path}",
            "protocol": "HTTP/1.1",
            "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
            "requestTime": "09/Apr/2015:12:34:56 +0000",
            "requestTimeEpoch": 1428582896000,
            "resourceId": "123456",
            "resourcePath": resource,
            "stage": "prod",
        },
        "body": body,
        "isBase64Encoded": False,
    }


def _install(folder: Path) -> None:
    """pip install REQUIREMENTS into `folder`, or skip the tests saying why."""
    staging = folder.with_name(folder.name + f".partial-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    try:
        subprocess.run(
            [*command, "--target", str(staging / "python"), *REQUIREMENTS],
            check=True,
            capture_output=True,
            text=True,
            timeout=PIP_TIMEOUT_S,
        )
    except subprocess.CalledProcessError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        pytest.skip(f"pip could not install {REQUIREMENTS}: {exc.stderr.strip()[-500:]}")
    except subprocess.TimeoutExpired:
        shutil.rmtree(staging, ignore_errors=True)
        pytest.skip(f"pip did not install {REQUIREMENTS} within {PIP_TIMEOUT_S} s")
    try:
        staging.rename(folder)  # whole or not at all
    except OSError:  # another session won the race
        shutil.rmtree(staging, ignore_errors=True)


def _zip_folder(root: Path) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for path in sorted(root.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                archive.write(path, path.relative_to(root).as_posix())
    return buf.getvalue()


@pytest.fixture(scope="session")
def layer_zip(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A layer zip (`python/...`) of REQUIREMENTS, built once and cached across sessions."""
    key = hashlib.sha256(f"{sys.version}|{REQUIREMENTS}".encode()).hexdigest()[:12]
    cache = tmp_path_factory.getbasetemp().parent / f"lenticular-real-world-{key}"
    if not (cache / "python").is_dir():
        _install(cache)
    cached_zip = cache / "layer.zip"
    if not cached_zip.exists():
        partial = cache / f"layer.zip.partial-{os.getpid()}"
        partial.write_bytes(_zip_folder(cache))
        partial.replace(cached_zip)
    return cached_zip.read_bytes()


@pytest.fixture(scope="session")
def layer_arn(lenticular_server, layer_zip: bytes) -> str:
    lam = lenticular_server.client("lambda")
    published = lam.publish_layer_version(
        LayerName=unique("real-world"),
        Content={"ZipFile": layer_zip},
        CompatibleRuntimes=["python3.11", "python3.12"],
    )
    return published["LayerVersionArn"]


def _create(lam, layer_arn: str, source: str, handler: str, **params) -> str:
    name = unique("real")
    lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=ROLE,
        Handler=handler,
        Code={"ZipFile": make_zip({"app.py": source})},
        Layers=[layer_arn],
        Timeout=30,
        MemorySize=512,
        **params,
    )
    return name


@pytest.fixture(scope="session")
def fastapi_function(lenticular_server, layer_arn: str) -> str:
    return _create(lenticular_server.client("lambda"), layer_arn, FASTAPI_APP, "app.handler")


def _ok(lam, name: str, event: dict) -> dict:
    response, body = invoke_json(lam, name, event)
    assert "FunctionError" not in response, body
    return body


def test_fastapi_mangum_get(lam, fastapi_function):
    event = api_gateway_v1_event(
        "GET",
        "/items/42",
        resource="/items/{item_id}",
        query={"q": "shoes"},
        multi_query={"q": ["shoes"]},
        path_parameters={"item_id": "42"},
    )
    body = _ok(lam, fastapi_function, event)
    assert body["statusCode"] == 200
    assert body["isBase64Encoded"] is False
    headers = {k.lower(): v for k, v in body.get("headers", {}).items()}
    assert headers["content-type"] == "application/json"
    assert json.loads(body["body"]) == {"item_id": 42, "q": "shoes", "user_agent": "test-agent/1.0"}


def test_fastapi_mangum_post_and_validation(lam, fastapi_function):
    created = _ok(
        lam,
        fastapi_function,
        api_gateway_v1_event("POST", "/items", '{"name": "hat", "price": 10}'),
    )
    assert created["statusCode"] == 201
    assert json.loads(created["body"]) == {"name": "hat", "price_with_tax": 12.0}
    invalid = _ok(lam, fastapi_function, api_gateway_v1_event("POST", "/items", '{"name": "x"}'))
    assert invalid["statusCode"] == 422
    assert json.loads(invalid["body"])["detail"][0]["loc"] == ["body", "price"]
    missing = _ok(lam, fastapi_function, api_gateway_v1_event("GET", "/nowhere"))
    assert missing["statusCode"] == 404


def test_powertools_logger_tracer_and_data_classes(lam, aws_client, layer_arn):
    name = _create(lam, layer_arn, POWERTOOLS_APP, "app.handler")
    event = api_gateway_v1_event(
        "GET", "/orders/7", resource="/orders/{order_id}", path_parameters={"order_id": "7"}
    )
    response, body = invoke_json(lam, name, event)
    assert "FunctionError" not in response, body
    assert body == {"statusCode": 200, "body": json.dumps({"order_id": "7", "path": "/orders/7"})}
    request_id = response["ResponseMetadata"]["RequestId"]

    messages = wait_for_log(aws_client("logs"), f"/aws/lambda/{name}", "order received")
    records = [json.loads(m) for m in messages if m.startswith("{") and "order received" in m]
    assert len(records) == 1
    record = records[0]
    assert record["level"] == "INFO"
    assert record["service"] == "orders"
    assert record["order_id"] == "7" and record["method"] == "GET"
    assert record["function_name"] == name
    assert record["function_request_id"] == request_id
    assert record["function_memory_size"] == "512"
    assert record["function_arn"] == f"arn:aws:lambda:us-east-1:000000000000:function:{name}"
    assert record["cold_start"] is True


def test_powertools_event_parser(lam, layer_arn):
    name = _create(lam, layer_arn, POWERTOOLS_APP, "app.parse")
    order = api_gateway_v1_event("POST", "/orders", '{"id": 3, "items": ["a", "b"]}')
    assert _ok(lam, name, order) == {"id": 3, "count": 2}
    response, body = invoke_json(lam, name, api_gateway_v1_event("POST", "/orders", '{"id": 3}'))
    assert response["FunctionError"] == "Unhandled"
    assert body["errorType"] == "ValidationError"
    assert "items" in body["errorMessage"]
