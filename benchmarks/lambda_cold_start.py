"""Lambda cold start: create a fresh function, time until its first invoke has returned.

Against a running lenticular (`--endpoint`), or one this script starts (pinned to
`--server-cpu` like the harness's targets), it creates `--count` new functions, each a
hello handler that imports boto3, and times CreateFunction -> first Invoke returned, as
a user of `aws lambda create-function && aws lambda invoke` sees it. Each function's
REPORT line's Init Duration is recorded too, and its second invoke (warm) next to a
GetFunctionConfiguration round trip on the same client: the difference is what running
the handler adds to an API call (the warm overhead).

Interleaved with the cold starts, in the same run and on the same machine, it measures
the floors a process-per-environment runtime cannot beat:

- spawning `python -c pass` (an interpreter start),
- spawning `python -c "import boto3"` (what a naive runtime pays per cold start),
- forking a warm parent that already imported boto3 (the child exits at once),
- a pipe round trip to a running worker process (write a line, read it back).

`python` is this interpreter, the one lenticular's environments run on.

    .venv/bin/python -m benchmarks.lambda_cold_start --count 30
    .venv/bin/python -m benchmarks.lambda_cold_start --endpoint http://127.0.0.1:4566

Results go to stdout (add `--markdown` for the README table) and to
`benchmarks/results/<time>-lambda-cold-start.json`.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.awslambda import ROLE, client, handler_zip
from benchmarks.targets import TARGETS, ServerProcess

HOST = "127.0.0.1"  # loopback only
RESULTS_DIR = Path(__file__).parent / "results"
HELLO_BOTO3 = (
    "import boto3\n\n"
    "def handler(event, context):\n"
    '    return {"hello": "world", "boto3": boto3.__version__}\n'
)
PIPE_ROUND_TRIPS = 2000
ECHO_WORKER = (
    "import sys\nfor line in sys.stdin:\n    sys.stdout.write(line)\n    sys.stdout.flush()\n"
)
INIT_DURATION = re.compile(r"Init Duration: ([0-9.]+) ms")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.lambda_cold_start", description=__doc__.splitlines()[0]
    )
    p.add_argument("--endpoint", help="a running lenticular (default: start one here)")
    p.add_argument("--count", type=int, default=30, help="fresh functions (default: 30)")
    p.add_argument("--server-cpu", type=int, default=1, help="core for a started server")
    p.add_argument("--client-cpu", type=int, default=0, help="core for this script")
    p.add_argument("--no-pin", action="store_true", help="do not pin to cores")
    p.add_argument("--keep", action="store_true", help="do not delete the functions")
    p.add_argument("--markdown", action="store_true", help="also print the README table")
    p.add_argument("--output", type=Path, help="results JSON (default: benchmarks/results/...)")
    args = p.parse_args(argv)
    if not 1 <= args.count <= 1000:
        p.error("--count must be between 1 and 1000")
    return args


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0..100) by nearest rank."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def _ms(start: float) -> float:
    return (time.perf_counter() - start) * 1000


def spawn_ms(code: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
    return _ms(start)


def fork_ms() -> float:
    """Fork this process (which imported boto3), the child exits at once, wait for it."""
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
    return _ms(start)


def pipe_round_trips_us(count: int) -> list[float]:
    worker = subprocess.Popen(
        [sys.executable, "-c", ECHO_WORKER],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        bufsize=0,
    )
    assert worker.stdin is not None and worker.stdout is not None
    samples = []
    try:
        for _ in range(count):
            start = time.perf_counter()
            worker.stdin.write(b"ping\n")
            if worker.stdout.readline() != b"ping\n":
                raise RuntimeError("the echo worker answered something else")
            samples.append(_ms(start) * 1000)
    finally:
        worker.stdin.close()
        worker.wait(timeout=10)
    return samples


def cold_start(lam: Any, name: str, package: bytes) -> dict[str, float | None]:
    """Create `name`, invoke it (cold), invoke again (warm); milliseconds of each step."""
    start = time.perf_counter()
    lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=ROLE,
        Handler="app.handler",
        Code={"ZipFile": package},
        Timeout=30,
    )
    created = time.perf_counter()
    first = lam.invoke(FunctionName=name, Payload=b"{}", LogType="Tail")
    body = json.loads(first["Payload"].read())
    returned = time.perf_counter()
    if first.get("FunctionError") or body.get("hello") != "world":
        raise RuntimeError(f"{name} failed its first invoke: {body}")
    tail = base64.b64decode(first.get("LogResult", "")).decode(errors="replace")
    init = INIT_DURATION.search(tail)
    warm_start = time.perf_counter()
    lam.invoke(FunctionName=name, Payload=b"{}")["Payload"].read()
    warm_ms = _ms(warm_start)
    api_start = time.perf_counter()
    lam.get_function_configuration(FunctionName=name)
    api_ms = _ms(api_start)
    return {
        "create_ms": (created - start) * 1000,
        "first_invoke_ms": (returned - created) * 1000,
        "cold_start_ms": (returned - start) * 1000,
        "init_duration_ms": float(init.group(1)) if init else None,
        "warm_invoke_ms": warm_ms,
        "api_call_ms": api_ms,
        "warm_overhead_ms": warm_ms - api_ms,
    }


def summarize(samples: dict[str, list[float]]) -> dict[str, dict[str, float]]:
    return {
        key: {
            "n": len(values),
            "p50": percentile(values, 50),
            "p90": percentile(values, 90),
            "min": min(values),
            "max": max(values),
        }
        for key, values in samples.items()
        if values
    }


LABELS = {
    "cold_start_ms": ("lenticular: create -> first invoke returned", "ms"),
    "create_ms": ("  of which CreateFunction", "ms"),
    "first_invoke_ms": ("  of which the first (cold) Invoke", "ms"),
    "init_duration_ms": ("  Init Duration in the REPORT line", "ms"),
    "warm_invoke_ms": ("lenticular: second (warm) Invoke, boto3 round trip", "ms"),
    "api_call_ms": ("lenticular: GetFunctionConfiguration, boto3 round trip", "ms"),
    "warm_overhead_ms": ("  warm Invoke minus that API call (per pair)", "ms"),
    "spawn_pass_ms": ("floor: spawn `python -c pass`", "ms"),
    "spawn_boto3_ms": ('floor: spawn `python -c "import boto3"`', "ms"),
    "fork_ms": ("floor: fork a warm parent (boto3 imported), child exits", "ms"),
    "pipe_us": ("floor: pipe round trip to a running worker", "us"),
}


def render(summary: dict[str, dict[str, float]], markdown: bool) -> str:
    rows = [(LABELS[k][0], LABELS[k][1], summary[k]) for k in LABELS if k in summary]
    if markdown:
        lines = ["| what | n | p50 | p90 | min | max |", "|---|---:|---:|---:|---:|---:|"]
        for label, unit, s in rows:
            cells = " | ".join(f"{s[k]:.2f} {unit}" for k in ("p50", "p90", "min", "max"))
            lines.append(f"| {label} | {s['n']} | {cells} |")
        return "\n".join(lines)
    lines = [f"{'what':<58} {'n':>5} {'p50':>10} {'p90':>10} {'min':>10} {'max':>10}"]
    for label, unit, s in rows:
        cells = " ".join(f"{s[k]:>7.2f} {unit}" for k in ("p50", "p90", "min", "max"))
        lines.append(f"{label:<58} {s['n']:>5} {cells}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    import boto3  # noqa: F401  (the fork floor forks a parent that imported it)

    samples: dict[str, list[float]] = {key: [] for key in LABELS}
    names: list[str] = []
    with ExitStack() as stack:
        endpoint = args.endpoint
        server = None
        server_cpu = None
        if endpoint is None:
            scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="cold-")))
            cpu = None if args.no_pin else args.server_cpu
            server = stack.enter_context(
                ServerProcess(TARGETS["lenticular"], HOST, scratch, cpu, startup_s=60)
            )
            endpoint = server.url
            print(f"started lenticular on {endpoint}", file=sys.stderr)
        if not args.no_pin:
            os.sched_setaffinity(0, {args.client_cpu})
        lam = client(endpoint, read_timeout=60)
        lam.list_functions(MaxItems=1)  # connect, and load the Lambda provider, before timing
        package = handler_zip(HELLO_BOTO3)
        server_cpu_start = server.cpu_seconds() if server else None
        run = uuid.uuid4().hex[:8]
        try:
            for i in range(args.count):  # interleaved: each round measures everything once
                name = f"cold-{run}-{i:03d}"
                names.append(name)
                for key, value in cold_start(lam, name, package).items():
                    if value is not None:
                        samples[key].append(value)
                samples["spawn_pass_ms"].append(spawn_ms("pass"))
                samples["spawn_boto3_ms"].append(spawn_ms("import boto3"))
                samples["fork_ms"].append(fork_ms())
                print(
                    f"{i + 1}/{args.count}: {samples['cold_start_ms'][-1]:.1f} ms", file=sys.stderr
                )
            server_cpu = server.cpu_seconds() - server_cpu_start if server else None
            samples["pipe_us"] = pipe_round_trips_us(PIPE_ROUND_TRIPS)
        finally:
            if not args.keep:
                for name in names:
                    try:
                        lam.delete_function(FunctionName=name)
                    except Exception as exc:  # noqa: BLE001  (best effort clean-up)
                        print(f"could not delete {name}: {exc}", file=sys.stderr)

    summary = summarize(samples)
    print(render(summary, markdown=False))
    if server_cpu is not None:
        print(
            f"server CPU per cold start (create + 2 invokes): "
            f"{server_cpu / args.count * 1000:.1f} ms"
        )
    if args.markdown:
        print()
        print(render(summary, markdown=True))
    RESULTS_DIR.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    output = args.output or RESULTS_DIR / f"{stamp}-lambda-cold-start.json"
    output.write_text(
        json.dumps(
            {
                "endpoint": endpoint,
                "count": args.count,
                "python": sys.version.split()[0],
                "server_cpu_s_per_cold_start": server_cpu / args.count if server_cpu else None,
                "summary": summary,
                "samples": samples,
            },
            indent=2,
        )
    )
    print(f"\nresults written to {output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
