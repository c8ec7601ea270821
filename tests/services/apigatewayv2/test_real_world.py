"""A real-world handler behind an HTTP API: an aws-lambda-powertools
`APIGatewayHttpResolver` app (payload 2.0) on a named stage, using the layer that
tests/services/awslambda/test_real_world.py builds (skipped when pip cannot install it)."""

from __future__ import annotations

import json

import pytest

from tests.services.apigatewayv2.conftest import call
from tests.services.awslambda.conftest import ROLE, make_zip, unique
from tests.services.awslambda.test_real_world import layer_arn, layer_zip  # noqa: F401

POWERTOOLS_APP = """
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types

app = APIGatewayHttpResolver()


@app.get("/todos/<todo_id>")
def get_todo(todo_id: str):
    event = app.current_event
    return {"id": todo_id, "q": event.get_query_string_value("q"),
            "stage": event.request_context.stage, "cookies": event.cookies,
            "agent": event.request_context.http.user_agent}


@app.post("/todos")
def create_todo():
    return Response(status_code=201, content_type=content_types.APPLICATION_JSON,
                    body={"created": app.current_event.json_body}, cookies=["session=abc"])


def handler(event, context):
    return app.resolve(event, context)
"""


@pytest.fixture(scope="module")
def powertools_function(lenticular_server, layer_arn: str):  # noqa: F811
    lam = lenticular_server.client("lambda")
    name = unique("pt-http")
    lam.create_function(
        FunctionName=name, Runtime="python3.12", Role=ROLE, Handler="app.handler",
        Code={"ZipFile": make_zip({"app.py": POWERTOOLS_APP})}, Layers=[layer_arn],
        Timeout=30, MemorySize=512,
    )  # fmt: skip
    yield lam.get_function(FunctionName=name)["Configuration"]["FunctionArn"]
    lam.delete_function(FunctionName=name)


def test_powertools_http_resolver(lenticular_server, v2, http_api, powertools_function):
    api_id = http_api(Target=powertools_function, RouteKey="ANY /{proxy+}")["ApiId"]
    v2.create_stage(ApiId=api_id, StageName="prod", AutoDeploy=True)
    got = call(lenticular_server, api_id, "/prod/todos/7?q=milk",
               headers={"Cookie": "a=1", "User-Agent": "pt-test"})  # fmt: skip
    assert got.status == 200, got.body
    assert got.json() == {"id": "7", "q": "milk", "stage": "prod", "cookies": ["a=1"],
                          "agent": "pt-test"}  # fmt: skip
    created = call(lenticular_server, api_id, "/todos", method="POST",
                   body=json.dumps({"title": "x"}).encode(),
                   headers={"Content-Type": "application/json"})  # fmt: skip
    assert created.status == 201, created.body
    assert created.json() == {"created": {"title": "x"}}
    assert created.headers["set-cookie"] == "session=abc"
    missing = call(lenticular_server, api_id, "/prod/nothing")
    assert missing.status == 404  # powertools' own not-found answer
