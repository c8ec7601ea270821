"""examples/rest-microservice deployed with `lenticular deploy` and driven over HTTP."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from lenticular.testing.server import free_port

TEMPLATE = Path(__file__).resolve().parents[2] / "examples" / "rest-microservice" / "template.yaml"
TOKEN = {"Authorization": "Bearer letmein"}


def call(url: str, method: str = "GET", body: Any = None, headers: dict | None = None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as resp:
            status, raw = resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read()
    return status, json.loads(raw) if raw.strip() else None


def test_the_example_deploys_and_serves_its_routes(fresh_lenticular):
    result = subprocess.run(
        [sys.executable, "-m", "lenticular", "deploy", str(TEMPLATE),
         "--endpoint-url", fresh_lenticular.endpoint],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    outputs = dict(
        line.strip().split(" = ") for line in result.stdout.splitlines() if " = " in line
    )
    assert outputs["TableName"].startswith("rest-microservice-ItemsTable-")
    api = f"{fresh_lenticular.endpoint}/_aws/execute-api/{outputs['ApiId']}/Prod"
    assert outputs["ApiUrl"].endswith(f"/_aws/execute-api/{outputs['ApiId']}/Prod")

    # the stage caches GET /catalog (30 s) and writes access logs to the log group
    stage = fresh_lenticular.client("apigateway").get_stage(
        restApiId=outputs["ApiId"], stageName="Prod"
    )
    assert stage["cacheClusterEnabled"] is True
    assert stage["methodSettings"]["~1catalog/GET"]["cachingEnabled"] is True
    assert (
        stage["accessLogSettings"]["destinationArn"].split(":")[6] == outputs["AccessLogGroupName"]
    )
    key = {"x-api-key": outputs["ApiKeyValue"]}
    assert call(f"{api}/catalog", headers=key) == (200, {"items": [], "count": 0})

    # writes go through the TOKEN authorizer
    pen = {"name": "pen", "price": 1.5, "quantity": 3}
    assert call(f"{api}/items", "POST", pen) == (401, {"message": "Unauthorized"})
    status, body = call(f"{api}/items", "POST", pen, {"Authorization": "Bearer wrong"})
    assert status == 403 and "explicit deny" in body["Message"]
    status, body = call(f"{api}/items", "POST", {"name": "", "price": 1}, TOKEN)
    assert status == 400 and "name" in body["message"]
    status, created = call(f"{api}/items", "POST", pen, TOKEN)
    assert status == 201
    assert created["total"] == 4.5 and created["createdAt"] == created["updatedAt"]
    item_id = created["id"]

    # a plain read goes straight to DynamoDB through VTL
    assert call(f"{api}/items/{item_id}") == (200, created)
    assert call(f"{api}/items/nope") == (404, {"message": "item not found"})
    # list through Lambda
    status, listing = call(f"{api}/items")
    assert status == 200 and listing["count"] == 1 and listing["items"][0]["id"] == item_id
    # the catalog still answers from the stage cache: no DynamoDB Scan behind it
    time.sleep(1.1)  # a token for the usage plan's 1 request/s
    assert call(f"{api}/catalog", headers=key) == (200, {"items": [], "count": 0})

    status, updated = call(f"{api}/items/{item_id}", "PUT",
                           {"name": "pen", "price": 2, "quantity": 4}, TOKEN)  # fmt: skip
    assert status == 200 and updated["total"] == 8 and updated["createdAt"] == created["createdAt"]
    assert call(f"{api}/items/{item_id}")[1]["total"] == 8
    assert call(f"{api}/items/nope", "PUT", pen, TOKEN)[0] == 404
    assert call(f"{api}/items/{item_id}", "DELETE", headers=TOKEN) == (204, None)
    assert call(f"{api}/items/{item_id}")[0] == 404
    assert call(f"{api}/items/{item_id}", "DELETE")[0] == 401

    # the catalog needs the API key; its usage plan allows 1 request/s, burst 2
    assert call(f"{api}/catalog") == (403, {"message": "Forbidden"})
    time.sleep(2.1)  # a full burst again
    answers = [call(f"{api}/catalog", headers=key) for _ in range(4)]
    assert answers[0] == (200, {"items": [], "count": 0})
    assert (429, {"message": "Too Many Requests"}) in answers[1:]

    # every request left one access-log line in the stage's log group
    lines = access_log_lines(fresh_lenticular.client("logs"), outputs["AccessLogGroupName"])
    catalog = [line for line in lines if line["resourcePath"] == "/catalog"]
    assert {line["status"] for line in catalog} >= {"200", "403", "429"}
    created_line = next(line for line in lines if line["method"] == "POST"
                        and line["status"] == "201")  # fmt: skip
    assert created_line["path"] == "/Prod/items" and created_line["ip"] == "127.0.0.1"
    assert int(created_line["latencyMs"]) >= 0 and created_line["requestId"]
    assert {line["apiKeyId"] for line in catalog if line["status"] == "200"} != {"-"}


def access_log_lines(logs: Any, group: str, timeout: float = 10) -> list[dict]:
    """The group's access-log lines, once the 429 line (the last request) is written."""
    deadline = time.monotonic() + timeout
    lines: list[dict] = []
    while time.monotonic() < deadline:
        events = logs.filter_log_events(logGroupName=group)["events"]
        lines = [json.loads(e["message"]) for e in events]
        if any(line["status"] == "429" for line in lines):
            return lines
        time.sleep(0.1)
    raise AssertionError(f"no 429 line in the access log: {lines}")


def test_aws_cloudformation_deploy_deploys_the_example(tmp_path):
    """The AWS CLI's own `aws cloudformation deploy` (change sets over the wire), with
    lenticular serving from the example's folder, so `CodeUri: src/` resolves there."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "lenticular", "up", "--no-deploy", "--quiet", "--port", str(port),
         "--data-dir", str(tmp_path / "data")],
        cwd=TEMPLATE.parent, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        endpoint = f"http://127.0.0.1:{port}"
        wait_for_health(endpoint)
        env = {**os.environ, "AWS_ENDPOINT_URL": endpoint, "AWS_DEFAULT_REGION": "us-east-1",
               "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}  # fmt: skip
        aws = str(Path(sys.executable).parent / "aws")
        relative = (
            TEMPLATE.relative_to(Path.cwd()) if TEMPLATE.is_relative_to(Path.cwd()) else TEMPLATE
        )
        deployed = subprocess.run(
            [aws, "cloudformation", "deploy", "--template-file", str(relative),
             "--stack-name", "shop", "--capabilities", "CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"],
            env=env, capture_output=True, text=True, timeout=180,
        )  # fmt: skip
        assert deployed.returncode == 0, deployed.stdout + deployed.stderr
        assert "Successfully created/updated stack - shop" in deployed.stdout
        described = subprocess.run(
            [aws, "cloudformation", "describe-stacks", "--stack-name", "shop"],
            env=env, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        stack = json.loads(described.stdout)["Stacks"][0]
        assert stack["StackStatus"] == "CREATE_COMPLETE"
        outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
        api = f"{endpoint}/_aws/execute-api/{outputs['ApiId']}/Prod"
        assert call(f"{api}/items") == (200, {"items": [], "count": 0})
        status, created = call(f"{api}/items", "POST", {"name": "cup", "price": 2}, TOKEN)
        assert status == 201 and created["total"] == 2
        assert call(f"{api}/items/{created['id']}") == (200, created)
    finally:
        server.terminate()
        server.wait(timeout=30)


def wait_for_health(endpoint: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{endpoint}/_lenticular/health", timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"no server at {endpoint}")
