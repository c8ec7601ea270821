"""Benchmark harness: lenticular against a raw ASGI floor (and moto), driven by wrk.

Each target runs pinned to one core, wrk to the other; targets are measured interleaved
(A B A B ...) so drift on the machine hits them alike, and medians are reported with
each side's CPU use so a reader sees which side was the bottleneck.

    .venv/bin/python -m benchmarks.harness --workload sts-get-caller-identity \\
        --rounds 5 --duration 10
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.cpu import busy_seconds, core_busy_pct, core_ticks, idle_check
from benchmarks.report import console_table, markdown_table, summarize
from benchmarks.targets import TARGETS, ServerProcess
from benchmarks.workloads import WORKLOADS, Workload, sign
from benchmarks.wrk import INSTALL_HINT, WrkError, WrkSettings, find_wrk, run_wrk

HOST = "127.0.0.1"  # loopback only
RESULTS_DIR = Path(__file__).parent / "results"
BUSY_MACHINE_PCT = 10.0  # idle-machine CPU share above which results are flagged as disturbed
DISTURBED_OTHER_PCT = 35.0  # per-run CPU charged to neither side above which a run is flagged


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.harness",
        description="Measure lenticular's throughput against a raw ASGI app with wrk.",
    )
    p.add_argument("--workload", default="sts-get-caller-identity", choices=sorted(WORKLOADS))
    p.add_argument(
        "--targets",
        default="lenticular,hello,moto",
        help="comma-separated, measured in this order each round (default: %(default)s)",
    )
    p.add_argument("--rounds", type=int, default=5, help="interleaved rounds (default: 5)")
    p.add_argument("--duration", type=int, default=10, help="seconds per run (default: 10)")
    p.add_argument("--connections", type=int, default=16, help="wrk connections (default: 16)")
    p.add_argument("--threads", type=int, default=1, help="wrk threads (default: 1)")
    p.add_argument(
        "--warmup", type=int, default=2, help="unrecorded seconds per target first (default: 2)"
    )
    p.add_argument("--timeout", type=int, default=5, help="wrk request timeout, seconds")
    p.add_argument(
        "--startup-timeout", type=float, default=60.0, help="seconds to wait for a server"
    )
    p.add_argument("--server-cpu", type=int, default=1, help="core for the server (default: 1)")
    p.add_argument("--client-cpu", type=int, default=0, help="core for wrk (default: 0)")
    p.add_argument("--no-pin", action="store_true", help="do not pin with taskset")
    p.add_argument(
        "--count-status",
        action="store_true",
        help="tally every status code in wrk (exact, but costs client CPU)",
    )
    p.add_argument("--markdown", action="store_true", help="also print the README table")
    p.add_argument("--output", type=Path, help="results JSON (default: benchmarks/results/...)")
    p.add_argument("--list", action="store_true", help="list workloads and targets, then exit")
    args = p.parse_args(argv)
    if args.rounds < 1 or args.duration < 1 or args.connections < 1 or args.threads < 1:
        p.error("--rounds, --duration, --connections and --threads must be at least 1")
    if args.connections < args.threads:
        p.error("--connections must be at least --threads")
    return args


def list_choices() -> None:
    print("workloads:")
    for w in WORKLOADS.values():
        print(f"  {w.name:<28} {w.description}")
    print("targets:")
    for t in TARGETS.values():
        reason = t.missing()
        print(f"  {t.name:<28} {'available' if reason is None else 'unavailable: ' + reason}")


def check_pinning(server_cpu: int, client_cpu: int) -> str | None:
    """Why pinning cannot work here, or None."""
    if shutil.which("taskset") is None:
        return "taskset is not installed (util-linux); use --no-pin"
    allowed = os.sched_getaffinity(0)
    if server_cpu == client_cpu:
        return "--server-cpu and --client-cpu must differ"
    missing = {server_cpu, client_cpu} - allowed
    if missing:
        return (
            f"cores {sorted(missing)} are not available (allowed: {sorted(allowed)}); use --no-pin"
        )
    return None


def preflight(server: ServerProcess, workload: Workload) -> str | None:
    """Send the signed request once; the problem with the answer, or None."""
    request = sign(workload, server.host, server.port)
    conn = http.client.HTTPConnection(server.host, server.port, timeout=10)
    try:
        conn.request(
            request.method, request.path, body=request.with_key("0"), headers=request.headers
        )
        response = conn.getresponse()
        body = response.read()
    except OSError as exc:
        return f"request failed: {exc}"
    finally:
        conn.close()
    if server.target.baseline:
        return None
    if response.status != workload.expected_status:
        return (
            f"answered {response.status}, expected {workload.expected_status}: "
            f"{body[:300].decode(errors='replace')}"
        )
    if workload.check is not None and (problem := workload.check(body)):
        return f"answered {response.status} with the wrong content: {problem}"
    return None


def prepare(server: ServerProcess, workload: Workload) -> str | None:
    """Run the workload's set-up on `server` (not on the floor); the problem, or None."""
    if workload.prepare is None or server.target.baseline:
        return None
    started = time.monotonic()
    try:
        workload.prepare(server.url)
    except Exception as exc:  # any failure means: cannot measure this target
        return f"set-up failed: {exc}"
    print(f"prepared {server.target.name} in {time.monotonic() - started:.1f}s", file=sys.stderr)
    return None


def measure(
    server: ServerProcess, workload: Workload, settings: WrkSettings, wrk: str
) -> dict[str, Any]:
    """One wrk run against `server`, with both sides' CPU use."""
    request = sign(workload, server.host, server.port)
    cpu_before, cores_before = server.cpu_seconds(), core_ticks()
    result = run_wrk(wrk, server.url, request, settings)
    server_cpu_s, cores_after = server.cpu_seconds() - cpu_before, core_ticks()
    r = result.result
    return {
        "target": server.target.name,
        "ops_per_s": r["requests"] / (r["duration_us"] / 1e6),
        "requests": r["requests"],
        "response_bytes": r["bytes"],  # all responses, headers included (sanity check of sizes)
        "duration_s": r["duration_us"] / 1e6,
        "wall_s": result.wall_s,
        "latency_us": r["latency_us"],
        "errors": r["errors"],
        "statuses": r["statuses"],
        "server_cpu_s": server_cpu_s,
        "client_cpu_s": result.client_cpu_s,
        "server_cpu_pct": 100 * server_cpu_s / result.wall_s,
        # Requests per second of server CPU: steadier than ops/s when the machine is shared.
        "ops_per_server_cpu_s": r["requests"] / server_cpu_s if server_cpu_s else None,
        "client_cpu_pct": 100 * result.client_cpu_s / result.wall_s,
        # Whole-core busy share, softirq included; None when not pinned.
        "server_core_busy_pct": core_busy_pct(cores_before, cores_after, server.cpu),
        "client_core_busy_pct": core_busy_pct(cores_before, cores_after, settings.cpu),
        # Busy CPU charged to neither side: loopback softirq (~10-15%) plus anything else
        # running on the machine. Much more than that means the figures are disturbed.
        "other_cpu_pct": 100
        * (busy_seconds(cores_before, cores_after) - server_cpu_s - result.client_cpu_s)
        / result.wall_s,
    }


def tool_version(command: list[str]) -> str:
    try:
        out = subprocess.run(command, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    text = (out.stdout or out.stderr).strip()
    return text.splitlines()[0] if text else "unknown"


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # so SIGTERM unwinds through the same finally blocks as Ctrl-C


def wrk_for(args: argparse.Namespace) -> str | None:
    """wrk's path, or None after saying why the benchmark cannot run (no wrk, or the
    requested CPU pinning is impossible)."""
    wrk = find_wrk()
    if wrk is None:
        print(INSTALL_HINT, file=sys.stderr)
        return None
    if not args.no_pin and (problem := check_pinning(args.server_cpu, args.client_cpu)):
        print(f"cannot pin: {problem}", file=sys.stderr)
        return None
    return wrk


def write_results(
    args: argparse.Namespace,
    name: str,
    wrk: str,
    background: float,
    started_at: datetime,
    summaries: list[Any],
    runs: list[dict[str, Any]],
    skipped: dict[str, str] | None = None,
) -> None:
    """The run's JSON record, to `--output` or results/{start}-{name}.json."""
    output = args.output or RESULTS_DIR / f"{started_at.strftime('%Y%m%dT%H%M%SZ')}-{name}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    record = {
        "workload": name,
        "settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "wrk": tool_version([wrk, "--version"]),
            "busy_before_pct": background,
        },
        "started_at": started_at.isoformat(),
        **({} if skipped is None else {"skipped": skipped}),
        "summary": [s.as_dict() for s in summaries],
        "runs": runs,
    }
    output.write_text(json.dumps(record, indent=2) + "\n")
    print(f"\nresults written to {output}")


def run(args: argparse.Namespace) -> int:
    wrk = wrk_for(args)
    if wrk is None:
        return 2
    workload = WORKLOADS[args.workload]
    names = [n.strip() for n in args.targets.split(",") if n.strip()]
    unknown = [n for n in names if n not in TARGETS]
    if unknown:
        print(f"unknown targets {unknown}; known: {sorted(TARGETS)}", file=sys.stderr)
        return 2
    settings = WrkSettings(
        duration_s=args.duration,
        connections=args.connections,
        threads=args.threads,
        timeout_s=args.timeout,
        cpu=None if args.no_pin else args.client_cpu,
        count_status=args.count_status,
    )
    server_cpu = None if args.no_pin else args.server_cpu
    started_at = datetime.now(UTC)
    background = idle_check()
    if background > BUSY_MACHINE_PCT:
        print(
            f"warning: the machine is already {background:.0f}% busy before the benchmark; "
            "figures will be low and noisy",
            file=sys.stderr,
        )
    skipped: dict[str, str] = {}
    runs: list[dict[str, Any]] = []

    with ExitStack() as stack:
        servers: list[ServerProcess] = []
        for name in names:
            target = TARGETS[name]
            if reason := target.missing():
                skipped[name] = reason
                print(f"skipping {name}: {reason}", file=sys.stderr)
                continue
            scratch = Path(
                stack.enter_context(tempfile.TemporaryDirectory(prefix=f"bench-{name}-"))
            )
            server = ServerProcess(target, HOST, scratch, server_cpu, args.startup_timeout)
            try:
                stack.enter_context(server)
            except RuntimeError as exc:
                skipped[name] = f"did not start: {exc}"
                print(f"skipping {name}: {exc}", file=sys.stderr)
                continue
            if problem := prepare(server, workload) or preflight(server, workload):
                skipped[name] = problem
                print(f"skipping {name}: {problem}", file=sys.stderr)
                server.stop()
                continue
            print(f"started {name} on {server.url}", file=sys.stderr)
            servers.append(server)
        if not servers:
            print("no target could run", file=sys.stderr)
            return 1

        if args.warmup > 0:
            warm = replace(settings, duration_s=args.warmup)
            for server in servers:
                print(f"warming up {server.target.name} ({args.warmup}s)", file=sys.stderr)
                try:
                    measure(server, workload, warm, wrk)
                except WrkError as exc:
                    print(f"warm-up of {server.target.name} failed: {exc}", file=sys.stderr)

        for round_no in range(1, args.rounds + 1):
            for server in servers:
                try:
                    run_ = measure(server, workload, settings, wrk)
                except WrkError as exc:
                    print(f"round {round_no} {server.target.name}: {exc}", file=sys.stderr)
                    continue
                run_["round"] = round_no
                runs.append(run_)
                print(
                    f"round {round_no}/{args.rounds} {server.target.name:<11} "
                    f"{run_['ops_per_s']:>8.0f} ops/s  p50 {run_['latency_us']['p50'] / 1000:.2f} ms  "
                    f"p99 {run_['latency_us']['p99'] / 1000:.2f} ms  "
                    f"server {run_['server_cpu_pct']:.0f}%  client {run_['client_cpu_pct']:.0f}%  "
                    f"other {run_['other_cpu_pct']:.0f}%",
                    file=sys.stderr,
                )

    if not runs:
        print("no run completed", file=sys.stderr)
        return 1
    summaries = summarize(runs)
    print()
    print(
        f"workload {workload.name}: {args.rounds} rounds x {args.duration}s, "
        f"{args.connections} connections, {args.threads} wrk thread(s)"
    )
    print(console_table(summaries))
    for name, reason in skipped.items():
        print(f"skipped {name}: {reason}")
    disturbed = [r for r in runs if r["other_cpu_pct"] > DISTURBED_OTHER_PCT]
    if disturbed:
        print(
            f"warning: {len(disturbed)} of {len(runs)} runs saw over {DISTURBED_OTHER_PCT:.0f}% "
            "of a core busy outside server and wrk (other work on the machine?)"
        )
    if args.markdown:
        print()
        print(markdown_table(summaries))

    write_results(args, workload.name, wrk, background, started_at, summaries, runs, skipped)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.list:
        list_choices()
        return 0
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    started = time.monotonic()
    try:
        return run(args)
    except KeyboardInterrupt:
        print(
            f"\ninterrupted after {time.monotonic() - started:.0f}s; servers stopped",
            file=sys.stderr,
        )
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    sys.exit(main())
