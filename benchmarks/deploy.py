"""The dev loop: deploy time of the REST microservice example and watch-mode reload latency.

Deploy: from starting `lenticular deploy examples/rest-microservice/template.yaml` (a new
stack each run, on one running server) to the first 200 from `GET /items`, the Lambda
route, as a user at a shell sees it. The first deploy to a fresh server is reported apart
(it also loads the server's deploy code, the SAM translator above all). Side by side, in the same run and on the same
server: the AWS CLI's `aws cloudformation deploy` of the same template (the server runs
in the example's folder, so its `CodeUri: src/` resolves there), which is what a user
without lenticular's CLI runs.

Start: `lenticular up --watch` in a copy of the example with a new data dir, to the
first answer (server start, first deploy, first Lambda environment).

Reload: with `lenticular up --watch` serving a copy of the example, from writing an
edited `src/items.py` to the first `GET /items` answered by the new code. Side by side:
the same edit under plain `lenticular up`, where only the Lambda provider's own re-scan
of a local code folder (about once a second) notices it.

    .venv/bin/python -m benchmarks.deploy --runs 5

Goal (issue 5): deploy under 2 s, reload under 1 s. Results go to stdout (`--markdown`
for the README table) and to `benchmarks/results/<time>-deploy.json`.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lenticular.testing.server import free_port

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "rest-microservice"
RESULTS_DIR = Path(__file__).parent / "results"
POLL_S = 0.01
TIMEOUT_S = 60.0
# Appended to the copied handler: each run rewrites MARK, and every answer carries it.
WRAPPER = """

MARK = "0"
_handle = handler


def handler(event, context):
    response = _handle(event, context)
    response.setdefault("headers", {})["x-reload-mark"] = MARK
    return response
"""


def get(url: str) -> tuple[int, dict[str, str]]:
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            resp.read()
            return resp.status, {k.lower(): v for k, v in resp.headers.items()}
    except urllib.error.HTTPError as exc:
        return exc.code, {}
    except OSError:
        return 0, {}


def wait_until(check: Any, timeout: float = TIMEOUT_S) -> float:
    """Seconds until `check()` is true (polled every 10 ms); raises after `timeout`."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if check():
            return time.perf_counter() - started
        time.sleep(POLL_S)
    raise TimeoutError("no answer in time")


class Server:
    """`lenticular up` in `folder` (with --watch, or --no-deploy), output collected."""

    def __init__(self, folder: Path, data_dir: Path, watch: bool) -> None:
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        mode = "--watch" if watch else "--no-deploy"
        command = [sys.executable, "-m", "lenticular", "up", mode, "--port", str(self.port),
                   "--data-dir", str(data_dir)]  # fmt: skip
        self.lines: list[str] = []
        self.proc = subprocess.Popen(
            command, cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )  # fmt: skip
        threading.Thread(target=self._read, daemon=True).start()
        wait_until(lambda: get(f"{self.endpoint}/_lenticular/health")[0] == 200)

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line)

    def output(self, prefix: str) -> str:
        wait_until(lambda: any(line.strip().startswith(prefix) for line in self.lines))
        line = next(line for line in self.lines if line.strip().startswith(prefix))
        return line.split(" = ", 1)[1].strip()

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)


def items_url(endpoint: str, api_id: str) -> str:
    return f"{endpoint}/_aws/execute-api/{api_id}/Prod/items"


def deploy_once(server: Server, template: Path, stack: str, with_aws_cli: bool) -> float:
    """Seconds from starting the deploy command to the first 200 from GET /items."""
    env = {**os.environ, "AWS_ENDPOINT_URL": server.endpoint, "AWS_DEFAULT_REGION": "us-east-1",
           "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}  # fmt: skip
    if with_aws_cli:
        command = [str(Path(sys.executable).parent / "aws"), "cloudformation", "deploy",
                   "--template-file", str(template), "--stack-name", stack,
                   "--capabilities", "CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"]  # fmt: skip
    else:
        command = [sys.executable, "-m", "lenticular", "deploy", str(template),
                   "--stack-name", stack]  # fmt: skip
    # API key values are unique per account: each stack gets its own
    command += ["--parameter-overrides", f"ApiKeyValue=benchmark-key-for-{stack}"]
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise RuntimeError(f"{command[0]} failed: {done.stdout}{done.stderr}")
    import boto3

    cfn = boto3.client("cloudformation", endpoint_url=server.endpoint, region_name="us-east-1",
                       aws_access_key_id="test", aws_secret_access_key="test")  # fmt: skip
    outputs = cfn.describe_stacks(StackName=stack)["Stacks"][0]["Outputs"]
    api_id = next(o["OutputValue"] for o in outputs if o["OutputKey"] == "ApiId")
    url = items_url(server.endpoint, api_id)
    wait_until(lambda: get(url)[0] == 200)
    return time.perf_counter() - started


def reload_once(handler: Path, url: str, mark: str) -> float:
    """Seconds from writing the edited handler to the first answer from the new code."""
    source = handler.read_text()
    head, _, _ = source.rpartition('MARK = "')
    rest = source[len(head) + len('MARK = "') :].split('"', 1)[1]
    started = time.perf_counter()
    handler.write_text(f'{head}MARK = "{mark}"{rest}')
    wait_until(lambda: get(url)[1].get("x-reload-mark") == mark)
    return time.perf_counter() - started


def summary(samples: list[float]) -> dict[str, Any]:
    return {"median_s": statistics.median(samples), "min_s": min(samples),
            "max_s": max(samples), "runs": len(samples), "samples_s": samples}  # fmt: skip


def measure(runs: int, cli_runs: int) -> dict[str, Any]:
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="lenticular-bench-deploy-") as scratch:
        root = Path(scratch)
        app = Path(shutil.copytree(EXAMPLE, root / "app"))
        (app / "src" / "items.py").write_text((app / "src" / "items.py").read_text() + WRAPPER)

        server = Server(app, root / "data-deploy", watch=False)
        try:
            template = app / "template.yaml"
            # the first deploy also loads the server's CloudFormation, SAM translator (about
            # a second of imports), API Gateway, Lambda and DynamoDB code: reported apart
            deploys = [deploy_once(server, template, f"bench-{i}", False) for i in range(runs + 1)]
            cli = [deploy_once(server, template, f"bench-cli-{i}", True) for i in range(cli_runs)]
            results["lenticular deploy -> first answer, fresh server"] = summary(deploys[:1])
            results["lenticular deploy -> first answer"] = summary(deploys[1:])
            results["aws cloudformation deploy -> first answer"] = summary(cli)
            # the same folder under plain `lenticular up`: Lambda's own local-folder re-scan
            api_id = server_api(server, "bench-0")
            url = items_url(server.endpoint, api_id)
            get(url)  # a warm environment holds the old code
            plain = [reload_once(app / "src" / "items.py", url, f"p{i}") for i in range(runs)]
            results["edit -> new answer, plain up"] = summary(plain)
        finally:
            server.stop()

        started = time.perf_counter()
        watched = Server(app, root / "data-watch", watch=True)
        try:
            url = items_url(watched.endpoint, watched.output("ApiId = "))
            wait_until(lambda: get(url)[0] == 200)
            results["lenticular up --watch (fresh data dir) -> first answer"] = summary(
                [time.perf_counter() - started]
            )
            wait_until(lambda: any("watching" in line for line in watched.lines))
            reloads = []
            for i in range(runs):
                get(url)
                reloads.append(reload_once(app / "src" / "items.py", url, f"w{i}"))
                time.sleep(0.3)  # let the watcher finish its poll before the next edit
            results["edit -> new answer, up --watch"] = summary(reloads)
            results["watcher's own reports"] = [
                line.strip() for line in watched.lines if "reloaded" in line
            ]
        finally:
            watched.stop()
    return results


def server_api(server: Server, stack: str) -> str:
    import boto3

    cfn = boto3.client("cloudformation", endpoint_url=server.endpoint, region_name="us-east-1",
                       aws_access_key_id="test", aws_secret_access_key="test")  # fmt: skip
    outputs = cfn.describe_stacks(StackName=stack)["Stacks"][0]["Outputs"]
    return next(o["OutputValue"] for o in outputs if o["OutputKey"] == "ApiId")


def markdown(results: dict[str, Any]) -> str:
    rows = ["| measurement | median | min | max | runs | goal |", "|---|---|---|---|---|---|"]
    goals = {"lenticular deploy -> first answer": "< 2 s",
             "edit -> new answer, up --watch": "< 1 s"}  # fmt: skip
    for name, value in results.items():
        if isinstance(value, dict):
            rows.append(
                f"| {name} | {value['median_s']:.2f} s | {value['min_s']:.2f} s"
                f" | {value['max_s']:.2f} s | {value['runs']} | {goals.get(name, '')} |"
            )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="deploys and reloads (default 5)")
    parser.add_argument("--cli-runs", type=int, default=3, help="AWS CLI deploys (default 3)")
    parser.add_argument("--markdown", action="store_true", help="print the README table")
    args = parser.parse_args(argv)
    results = measure(max(1, args.runs), max(1, args.cli_runs))
    RESULTS_DIR.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS_DIR / f"{stamp}-deploy.json"
    path.write_text(json.dumps({"time": stamp, "results": results}, indent=2))
    for name, value in results.items():
        if isinstance(value, dict):
            print(f"{name:<45} median {value['median_s']:.3f} s  "
                  f"(min {value['min_s']:.3f}, max {value['max_s']:.3f}, n={value['runs']})")  # fmt: skip
    for line in results.get("watcher's own reports", []):
        print(f"  {line}")
    if args.markdown:
        print()
        print(markdown(results))
    print(f"results: {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
