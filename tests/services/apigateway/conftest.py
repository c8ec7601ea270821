"""Helpers for the API Gateway tests: REST APIs with unique names on the shared server,
Lambda functions from source (`function`, also used by the HTTP API tests) and plain HTTP
calls to stage URLs (path form and host form)."""

from __future__ import annotations

import http.client
import json
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.services.awslambda.conftest import ROLE, make_zip


def unique(prefix: str = "api") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@dataclass
class Reply:
    status: int
    headers: dict[str, str]  # lower-cased names (the last value of a repeated header)
    body: bytes
    header_list: list[tuple[str, str]]  # every header as received

    def json(self) -> Any:
        return json.loads(self.body)


class QuietHandler(BaseHTTPRequestHandler):
    """A test backend's request handler that does not log each request."""

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def http_backend(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """A threaded HTTP server on a free loopback port answering with `handler`; yields its
    base URL ("http://127.0.0.1:PORT") and stops it afterwards."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def call(
    server: Any,
    api_id: str,
    path: str,
    *,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    host_form: bool = False,
) -> Reply:
    """`path` starts with the stage: "/dev/items/1?x=1"."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    try:
        headers = dict(headers or {})
        if host_form:
            headers["Host"] = f"{api_id}.execute-api.localhost:{server.port}"
            target = path
        else:
            target = f"/_aws/execute-api/{api_id}{path}"
        connection.request(method, target, body=body, headers=headers)
        response = connection.getresponse()
        raw = response.getheaders()
        return Reply(response.status, {k.lower(): v for k, v in raw}, response.read(), raw)
    finally:
        connection.close()


@pytest.fixture
def function(aws_client: Callable[..., Any]) -> Callable[[str], str]:
    """function(source) -> the ARN of a new python3.12 function `app.handler`."""
    lam = aws_client("lambda")
    names: list[str] = []

    def create(source: str, **params: Any) -> str:
        name = unique("fn")
        lam.create_function(
            FunctionName=name, Runtime="python3.12", Role=ROLE, Handler="app.handler",
            Code={"ZipFile": make_zip({"app.py": source})}, **params,
        )  # fmt: skip
        names.append(name)
        return lam.get_function(FunctionName=name)["Configuration"]["FunctionArn"]

    yield create
    for name in names:
        lam.delete_function(FunctionName=name)


@pytest.fixture
def apigw(aws_client: Callable[..., Any]) -> Any:
    return aws_client("apigateway")


@pytest.fixture
def rest_api(apigw: Any) -> Callable[..., dict[str, Any]]:
    """rest_api(**params) -> a new API (deleted after the test)."""
    created: list[str] = []

    def create(**params: Any) -> dict[str, Any]:
        params.setdefault("name", unique())
        api = apigw.create_rest_api(**params)
        created.append(api["id"])
        return api

    yield create
    for api_id in created:
        try:
            apigw.delete_rest_api(restApiId=api_id)
        except Exception:  # noqa: BLE001 - already deleted by the test
            pass


def add_resource(apigw: Any, api: dict[str, Any], path: str) -> str:
    """Create every part of `path` under the root; returns the last resource's id."""
    parent = api["rootResourceId"]
    existing = {
        r["path"]: r["id"] for r in apigw.get_resources(restApiId=api["id"], limit=500)["items"]
    }
    current = ""
    for part in [p for p in path.split("/") if p]:
        current += "/" + part
        if current in existing:
            parent = existing[current]
            continue
        parent = apigw.create_resource(restApiId=api["id"], parentId=parent, pathPart=part)["id"]
        existing[current] = parent
    return parent


def set_access_log(apigw: Any, api_id: str, arn: str, fmt: str, stage: str = "dev") -> None:
    """Log the stage's requests to the log group `arn`, one `fmt` line each."""
    apigw.update_stage(
        restApiId=api_id, stageName=stage,
        patchOperations=[
            {"op": "replace", "path": "/accessLogSettings/destinationArn", "value": arn},
            {"op": "replace", "path": "/accessLogSettings/format", "value": fmt},
        ],
    )  # fmt: skip


def add_mock(
    apigw: Any,
    api: dict[str, Any],
    resource_id: str,
    http_method: str = "GET",
    *,
    status: int = 200,
    body: str = '{"mock": true}',
    headers: dict[str, str] | None = None,
    api_key_required: bool = False,
) -> None:
    api_id = api["id"]
    apigw.put_method(
        restApiId=api_id, resourceId=resource_id, httpMethod=http_method,
        authorizationType="NONE", apiKeyRequired=api_key_required,
    )  # fmt: skip
    apigw.put_integration(
        restApiId=api_id, resourceId=resource_id, httpMethod=http_method, type="MOCK",
        requestTemplates={"application/json": f'{{"statusCode": {status}}}'},
    )  # fmt: skip
    apigw.put_method_response(
        restApiId=api_id, resourceId=resource_id, httpMethod=http_method, statusCode=str(status)
    )
    apigw.put_integration_response(
        restApiId=api_id, resourceId=resource_id, httpMethod=http_method,
        statusCode=str(status), selectionPattern="" if status == 200 else str(status),
        responseTemplates={"application/json": body},
        responseParameters={f"method.response.header.{k}": f"'{v}'" for k, v in (headers or {}).items()},
    )  # fmt: skip
