"""examples/rest-microservice deployed with `lenticular deploy` and driven over HTTP."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

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
    key = {"x-api-key": outputs["ApiKeyValue"]}
    answers = [call(f"{api}/catalog", headers=key) for _ in range(4)]
    assert answers[0] == (200, {"items": [], "count": 0})
    assert (429, {"message": "Too Many Requests"}) in answers[1:]
