"""Templates we did not write: the SAM apps `sam init` generates (fixtures under
real_templates/, each saying where its structure comes from), deployed with
`lenticular deploy` as a user would, then called over HTTP."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent / "real_templates"


def deploy(server, folder: Path, stack: str) -> dict[str, str]:
    done = subprocess.run(
        [sys.executable, "-m", "lenticular", "deploy", str(folder / "template.yaml"),
         "--stack-name", stack, "--endpoint-url", server.endpoint],
        capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return dict(line.strip().split(" = ", 1) for line in done.stdout.splitlines() if " = " in line)


def local_url(server, aws_url: str) -> str:
    """The stage URL an output names on AWS, on this server's path form."""
    host, _, rest = aws_url.removeprefix("https://").partition("/")
    return f"{server.endpoint}/_aws/execute-api/{host.split('.')[0]}/{rest}"


def call(url: str, method: str = "GET", body: dict | None = None) -> tuple[int, object]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


@pytest.fixture
def project(tmp_path):
    """A fresh copy of a fixture app (as `sam init` would leave it in a new folder)."""

    def copy(name: str) -> Path:
        return Path(shutil.copytree(FIXTURES / name, tmp_path / name))

    return copy


def test_sam_init_hello_world(fresh_lenticular, project):
    outputs = deploy(fresh_lenticular, project("sam_init_hello_world"), "sam-app")
    assert outputs["HelloWorldApi"].endswith(".execute-api.us-east-1.amazonaws.com/Prod/hello/")
    assert outputs["HelloWorldFunction"].startswith("arn:aws:lambda:us-east-1:000000000000:")
    assert outputs["HelloWorldFunctionIamRole"].startswith("arn:aws:iam::000000000000:role/")
    # what the app's own integration test checks (tests/integration/test_api_gateway.py)
    assert call(local_url(fresh_lenticular, outputs["HelloWorldApi"])) == (
        200,
        {"message": "hello world"},
    )


def test_sam_init_web_backend_crud(fresh_lenticular, project):
    outputs = deploy(fresh_lenticular, project("sam_init_web_backend"), "web-backend")
    url = local_url(fresh_lenticular, outputs["WebEndpoint"])
    assert call(url) == (200, [])
    assert call(url, "POST", {"id": "1", "name": "pen"}) == (200, {"id": "1", "name": "pen"})
    assert call(url, "POST", {"id": "2", "name": "cup"})[0] == 200
    assert call(f"{url}1") == (200, {"id": "1", "name": "pen"})
    assert call(url) == (200, [{"id": "1", "name": "pen"}, {"id": "2", "name": "cup"}])
    # the connectors became IAM policies on the functions' roles (recorded, not enforced)
    cfn = fresh_lenticular.client("cloudformation")
    resources = cfn.describe_stack_resources(StackName="web-backend")["StackResources"]
    types = {r["LogicalResourceId"]: r["ResourceType"] for r in resources}
    assert types["SampleTable"] == "AWS::DynamoDB::Table"
    assert sum(t.startswith("AWS::IAM::") for t in types.values()) >= 6
