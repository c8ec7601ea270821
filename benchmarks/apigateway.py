"""API Gateway benchmark: a REST API stage in front of Lambda and DynamoDB, measured in the
same run as the Lambda Invoke API, DynamoDB GetItem and the raw ASGI floor.

    .venv/bin/python -m benchmarks.apigateway --rounds 3 --duration 5 --connections 16

Five measurements, interleaved round by round (A B C D E A B C D E ...) after a warm-up:

- `apigw-lambda`: GET `/_aws/execute-api/{api}/bench/hello`, an AWS_PROXY integration to
  `bench-proxy-hello` (a hello handler answering in the proxy shape, statusCode and body),
  so API Gateway's request path, the proxy event, the invoke and the proxy reply;
- `apigw-dynamodb`: GET `.../bench/item`, an AWS integration to DynamoDB GetItem with a
  VTL request template and a response template reshaping the item;
- `lambda-invoke`: the Invoke API on the same function (as the `lambda-invoke` workload
  does on `bench-hello`) with a small payload, `{"n":1}` (the proxy event API Gateway
  builds is larger, about 1.5 KB);
- `dynamodb-get-item`: GetItem on the same item (the `dynamodb-get-item` workload);
- `hello`: the raw ASGI app (the floor).

lenticular serves the first four from one server (one data dir, set up once by `prepare`);
the floor runs beside it. The API's id is only known after set-up, so these workloads
are built here rather than listed in `workloads.WORKLOADS`. Requests are signed like the
others (SigV4, `execute-api` for the stage URLs); the methods use no authorization, so
the signature is only carried along, as a client of an IAM-protected API would send it.
The summary reports medians like the harness, then the API Gateway overhead: p50 over the
direct call, and server CPU per request (1 / ops per CPU-second) over the direct call,
which is the steadier figure when the machine is shared.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks import awslambda, dynamodb
from benchmarks.cpu import idle_check
from benchmarks.dynamodb import ACCESS_KEY, REGION, SECRET_KEY, PrepareError
from benchmarks.harness import HOST, measure, preflight, write_results, wrk_for
from benchmarks.report import console_table, markdown_table, summarize
from benchmarks.targets import TARGETS, ServerProcess
from benchmarks.workloads import WORKLOADS, Workload
from benchmarks.wrk import WrkError, WrkSettings

API_NAME = "bench-apigw"
STAGE = "bench"
GET_ITEM_TEMPLATE = json.dumps(
    {"TableName": dynamodb.TABLE, "Key": {"pk": {"S": "get"}, "sk": {"S": "0"}}}
)
ITEM_RESPONSE_TEMPLATE = (
    "#set($item = $input.path('$.Item'))\n"
    '{"pk": "$item.pk.S", "sk": "$item.sk.S", "bytes": $item.data.S.length()}'
)
INVOKE_ROLE = "arn:aws:iam::000000000000:role/bench-apigw"
FUNCTION = "bench-proxy-hello"
PROXY_REPLY = {"statusCode": 200, "headers": {"Content-Type": "application/json"},
               "body": '{"hello":"world"}'}  # fmt: skip
HANDLER_SOURCE = f"REPLY = {PROXY_REPLY!r}\n\ndef handler(event, context):\n    return REPLY\n"


def check_hello(body: bytes) -> str | None:
    return awslambda.check_invoke(body)


def check_proxy_reply(body: bytes) -> str | None:
    return awslambda.check_json_answer(body, PROXY_REPLY)


def _prepare_function(endpoint: str) -> None:
    """Create `bench-proxy-hello` if needed and start warm environments for it."""
    from concurrent.futures import ThreadPoolExecutor

    from botocore.exceptions import ClientError

    lam = awslambda.client(endpoint)
    try:
        lam.create_function(
            FunctionName=FUNCTION, Runtime="python3.12", Role=awslambda.ROLE,
            Handler="app.handler", Code={"ZipFile": awslambda.handler_zip(HANDLER_SOURCE)},
            Timeout=30,
        )  # fmt: skip
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "ResourceConflictException":
            raise
    give_up = time.monotonic() + awslambda.PREPARE_DEADLINE_S
    while lam.get_function(FunctionName=FUNCTION)["Configuration"].get("State") != "Active":
        if time.monotonic() > give_up:
            raise PrepareError(f"{FUNCTION} not Active in time")
        time.sleep(0.1)
    with ThreadPoolExecutor(awslambda.WARM_ENVIRONMENTS) as pool:
        answers = list(pool.map(
            lambda _: lam.invoke(FunctionName=FUNCTION, Payload=b"{}")["Payload"].read(),
            range(awslambda.WARM_ENVIRONMENTS),
        ))  # fmt: skip
    for answer in answers:
        if problem := check_proxy_reply(answer):
            raise PrepareError(f"{FUNCTION}: {problem}")


def check_item(body: bytes) -> str | None:
    try:
        value = json.loads(body)
    except ValueError:
        return f"not JSON: {body[:200]!r}"
    if value.get("pk") != "get" or not isinstance(value.get("bytes"), int):
        return f"unexpected answer: {body[:200]!r}"
    return None


def _client(endpoint: str) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.session.Session().client(
        "apigateway", endpoint_url=endpoint, region_name=REGION,
        aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
        config=Config(connect_timeout=5, read_timeout=20, retries={"max_attempts": 2}),
    )  # fmt: skip


def prepare(endpoint: str) -> str:
    """Set up the function, the table and the REST API on `endpoint`; the API's id."""
    from botocore.exceptions import BotoCoreError, ClientError

    dynamodb.prepare(endpoint)
    apigw = _client(endpoint)
    try:
        _prepare_function(endpoint)
        for api in apigw.get_rest_apis(limit=500)["items"]:
            if api["name"] == API_NAME:
                return api["id"]
        api = apigw.create_rest_api(name=API_NAME)
        api_id, root = api["id"], api["rootResourceId"]
        hello = apigw.create_resource(restApiId=api_id, parentId=root, pathPart="hello")["id"]
        item = apigw.create_resource(restApiId=api_id, parentId=root, pathPart="item")["id"]
        function_arn = f"arn:aws:lambda:{REGION}:000000000000:function:{FUNCTION}"
        for rid in (hello, item):
            apigw.put_method(
                restApiId=api_id, resourceId=rid, httpMethod="GET", authorizationType="NONE"
            )
        apigw.put_integration(
            restApiId=api_id, resourceId=hello, httpMethod="GET", type="AWS_PROXY",
            integrationHttpMethod="POST",
            uri=f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/"
            f"{function_arn}/invocations",
        )  # fmt: skip
        apigw.put_integration(
            restApiId=api_id, resourceId=item, httpMethod="GET", type="AWS",
            integrationHttpMethod="POST", credentials=INVOKE_ROLE,
            uri=f"arn:aws:apigateway:{REGION}:dynamodb:action/GetItem",
            requestTemplates={"application/json": GET_ITEM_TEMPLATE},
        )  # fmt: skip
        apigw.put_method_response(
            restApiId=api_id, resourceId=item, httpMethod="GET", statusCode="200"
        )
        apigw.put_integration_response(
            restApiId=api_id, resourceId=item, httpMethod="GET", statusCode="200",
            selectionPattern="",
            responseTemplates={"application/json": ITEM_RESPONSE_TEMPLATE},
        )  # fmt: skip
        apigw.create_deployment(restApiId=api_id, stageName=STAGE)
    except (ClientError, BotoCoreError) as exc:
        raise PrepareError(f"API Gateway set-up failed: {exc}") from exc
    return api_id


def stage_workloads(api_id: str) -> list[Workload]:
    base = f"/_aws/execute-api/{api_id}/{STAGE}"
    return [
        Workload(
            name="apigw-lambda", service="execute-api", method="GET", path=f"{base}/hello",
            body=b"", description=f"API Gateway -> Lambda (AWS_PROXY, {FUNCTION})",
            check=check_hello,
        ),
        Workload(
            name="lambda-invoke", service="lambda", method="POST",
            path=f"/2015-03-31/functions/{FUNCTION}/invocations", body=b'{"n":1}',
            headers={"Content-Type": "application/json"},
            description=f"Lambda Invoke of {FUNCTION}", check=check_proxy_reply,
        ),
        Workload(
            name="apigw-dynamodb", service="execute-api", method="GET", path=f"{base}/item",
            body=b"", description="API Gateway -> DynamoDB GetItem (AWS integration, VTL)",
            check=check_item,
        ),
    ]  # fmt: skip


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m benchmarks.apigateway", description=__doc__)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--duration", type=int, default=5, help="seconds per run (default: 5)")
    p.add_argument("--connections", type=int, default=16)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--timeout", type=int, default=5, help="wrk request timeout, seconds")
    p.add_argument("--server-cpu", type=int, default=1)
    p.add_argument("--client-cpu", type=int, default=0)
    p.add_argument("--no-pin", action="store_true")
    p.add_argument("--markdown", action="store_true", help="also print the README table")
    p.add_argument("--output", type=Path, help="results JSON (default: benchmarks/results/...)")
    args = p.parse_args(argv)
    if min(args.rounds, args.duration, args.connections) < 1:
        p.error("--rounds, --duration and --connections must be at least 1")
    return args


def overhead(summaries: list[Any], over: str, base: str) -> str | None:
    by_name = {s.target: s for s in summaries}
    a, b = by_name.get(over), by_name.get(base)
    if a is None or b is None:
        return None
    line = (
        f"{over} vs {base}: p50 {a.p50_ms - b.p50_ms:+.2f} ms, "
        f"p99 {a.p99_ms - b.p99_ms:+.2f} ms, ops/s ratio {a.ops_per_s / b.ops_per_s:.2f}"
    )
    if a.ops_per_server_cpu_s and b.ops_per_server_cpu_s:
        extra_us = 1e6 / a.ops_per_server_cpu_s - 1e6 / b.ops_per_server_cpu_s
        line += f", server CPU per request {extra_us:+.0f} us"
    return line


def run(args: argparse.Namespace) -> int:
    wrk = wrk_for(args)
    if wrk is None:
        return 2
    settings = WrkSettings(
        duration_s=args.duration, connections=args.connections, threads=1,
        timeout_s=args.timeout, cpu=None if args.no_pin else args.client_cpu, count_status=False,
    )  # fmt: skip
    server_cpu = None if args.no_pin else args.server_cpu
    started_at = datetime.now(UTC)
    background = idle_check()
    runs: list[dict[str, Any]] = []
    with ExitStack() as stack:
        servers = {}
        for name in ("lenticular", "hello"):
            scratch = Path(
                stack.enter_context(tempfile.TemporaryDirectory(prefix=f"bench-{name}-"))
            )
            server = ServerProcess(TARGETS[name], HOST, scratch, server_cpu, 60.0)
            stack.enter_context(server)
            servers[name] = server
        lenticular = servers["lenticular"]
        api_id = prepare(lenticular.url)
        plan = [(w, lenticular) for w in stage_workloads(api_id)]
        plan.append((WORKLOADS["dynamodb-get-item"], lenticular))
        plan.append((WORKLOADS["lambda-invoke"], servers["hello"]))
        for workload, server in plan:
            if problem := preflight(server, workload):
                print(f"{workload.name}: {problem}", file=sys.stderr)
                return 1
        labels = [w.name if not s.target.baseline else "hello" for w, s in plan]
        warm = replace(settings, duration_s=args.warmup)
        for (workload, server), label in zip(plan, labels, strict=True):
            if args.warmup > 0:
                print(f"warming up {label} ({args.warmup}s)", file=sys.stderr)
                measure(server, workload, warm, wrk)
        for round_no in range(1, args.rounds + 1):
            for (workload, server), label in zip(plan, labels, strict=True):
                try:
                    one = measure(server, workload, settings, wrk)
                except WrkError as exc:
                    print(f"round {round_no} {label}: {exc}", file=sys.stderr)
                    continue
                one.update(target=label, round=round_no)
                runs.append(one)
                print(
                    f"round {round_no}/{args.rounds} {label:<18} {one['ops_per_s']:>8.0f} ops/s"
                    f"  p50 {one['latency_us']['p50'] / 1000:.2f} ms"
                    f"  p99 {one['latency_us']['p99'] / 1000:.2f} ms"
                    f"  other {one['other_cpu_pct']:.0f}%",
                    file=sys.stderr,
                )
    if not runs:
        print("no run completed", file=sys.stderr)
        return 1
    summaries = summarize(runs)
    print(f"\napigateway: {args.rounds} rounds x {args.duration}s, {args.connections} connections")
    print(console_table(summaries))
    for over, base in (("apigw-lambda", "lambda-invoke"), ("apigw-dynamodb", "dynamodb-get-item")):
        if line := overhead(summaries, over, base):
            print(line)
    others = [r["other_cpu_pct"] for r in runs]
    print(f"CPU busy outside server and wrk: {min(others):.0f}-{max(others):.0f}% of a core "
          f"(idle machine: ~10-20%); machine busy before the run: {background:.0f}%")  # fmt: skip
    if args.markdown:
        print()
        print(markdown_table(summaries))
    write_results(args, "apigateway", wrk, background, started_at, summaries, runs)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    try:
        return run(args)
    except KeyboardInterrupt:
        print(f"\ninterrupted after {time.monotonic() - started:.0f}s; servers stopped",
              file=sys.stderr)  # fmt: skip
        return 130
    except PrepareError as exc:
        print(f"set-up failed: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
