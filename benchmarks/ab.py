"""A/B of two servers sharing one core at the same time: CPU per request, drift-proof.

The harness measures targets one after the other; on a shared VM whose speed drifts by
40% within minutes, a 10% change between two checkouts then hides in the noise. Here both
servers run at once, pinned to the same core, each loaded by its own wrk on the other
core: whatever slows the core slows both alike, and the figure is each server's CPU
seconds (its whole process) per answered request, so the scheduler's share does not
matter either. Each round prints both and their ratio; the summary is the median ratio.

    LENTICULAR_BASELINE_SRC=/tmp/baseline LENTICULAR_BASELINE_PYTHON=/tmp/basevenv/bin/python \\
        .venv/bin/python -m benchmarks.ab --workload dynamodb-put-item --rounds 7

(benchmarks/README.md says how to give the baseline its own compiled build.)
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path
from typing import Any

from benchmarks.harness import HOST, preflight, prepare
from benchmarks.targets import TARGETS, ServerProcess
from benchmarks.workloads import WORKLOADS, Workload, sign
from benchmarks.wrk import WrkError, WrkSettings, find_wrk, run_wrk


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--workload", default="dynamodb-put-item", choices=sorted(WORKLOADS))
    p.add_argument("--targets", default="lenticular,lenticular-baseline", help="A,B")
    p.add_argument("--rounds", type=int, default=7)
    p.add_argument("--duration", type=float, default=5, help="seconds per round")
    p.add_argument("--connections", type=int, default=16, help="per server")
    p.add_argument("--server-cpu", type=int, default=1)
    p.add_argument("--client-cpu", type=int, default=0)
    return p.parse_args(argv)


def load_all(
    servers: list[ServerProcess], workload: Workload, settings: WrkSettings, wrk: str
) -> list[Any]:
    """Run one wrk per server at the same time; (requests, server CPU s) of each."""
    results: list[Any] = [None] * len(servers)
    before = [server.cpu_seconds() for server in servers]

    def drive(index: int) -> None:
        server = servers[index]
        request = sign(workload, server.host, server.port)
        try:
            results[index] = run_wrk(wrk, server.url, request, settings).result["requests"]
        except WrkError as exc:
            results[index] = exc

    threads = [threading.Thread(target=drive, args=(i,)) for i in range(len(servers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    spent = [server.cpu_seconds() - b for server, b in zip(servers, before, strict=True)]
    return list(zip(results, spent, strict=True))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    wrk = find_wrk()
    if wrk is None:
        print("wrk is not installed", file=sys.stderr)
        return 2
    names = [n.strip() for n in args.targets.split(",")]
    if len(names) != 2 or any(n not in TARGETS for n in names):
        print(f"--targets: two of {sorted(TARGETS)}", file=sys.stderr)
        return 2
    workload = WORKLOADS[args.workload]
    settings = WrkSettings(
        duration_s=args.duration, connections=args.connections, threads=1,
        timeout_s=5, cpu=args.client_cpu, count_status=False,
    )  # fmt: skip
    with ExitStack() as stack:
        servers = []
        for name in names:
            target = TARGETS[name]
            if reason := target.missing():
                print(f"cannot run {name}: {reason}", file=sys.stderr)
                return 1
            scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix=f"ab-{name}-")))
            server = stack.enter_context(ServerProcess(target, HOST, scratch, args.server_cpu, 30))
            if problem := prepare(server, workload) or preflight(server, workload):
                print(f"cannot run {name}: {problem}", file=sys.stderr)
                return 1
            servers.append(server)
        load_all(servers, workload, replace(settings, duration_s=2), wrk)  # warm-up
        ratios = []
        for round_no in range(1, args.rounds + 1):
            measured = load_all(servers, workload, settings, wrk)
            failed = [r for r, _ in measured if isinstance(r, Exception)]
            if failed:
                print(f"round {round_no}: {failed[0]}", file=sys.stderr)
                continue
            micros = [1e6 * cpu / requests for requests, cpu in measured]
            ratios.append(micros[0] / micros[1])
            print(
                f"round {round_no}/{args.rounds}  "
                + "  ".join(
                    f"{name} {us:6.1f} us/req ({requests / args.duration:6.0f}/s)"
                    for name, us, (requests, _) in zip(names, micros, measured, strict=True)
                )
                + f"  ratio {ratios[-1]:.3f}"
            )
    if not ratios:
        return 1
    print(
        f"{args.workload}: CPU per request {names[0]} / {names[1]} = median "
        f"{statistics.median(ratios):.3f} (rounds {min(ratios):.3f}-{max(ratios):.3f})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
