"""Summaries of benchmark runs: medians per target, a console table, a Markdown table.

Each run is a dict written by the harness (see `harness.measure`); this module only
reduces and formats them, so a results JSON can be re-rendered later with `summarize`.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from statistics import median
from typing import Any

BASELINE = "hello"


@dataclass(frozen=True)
class TargetSummary:
    target: str
    runs: int  # measured runs (rounds) behind the medians
    ops_per_s: float  # median requests per second
    p50_ms: float  # median of the per-run 50th percentile latency
    p99_ms: float  # median of the per-run 99th percentile latency
    server_cpu_pct: float  # median server CPU, % of one core
    client_cpu_pct: float  # median wrk CPU, % of one core
    ops_per_server_cpu_s: float | None  # median requests per server CPU-second
    server_core_pct: float | None  # median busy share of the server's core (softirq included)
    client_core_pct: float | None  # median busy share of wrk's core
    socket_errors: int  # connect + read + write + timeout errors, all runs
    http_errors: int  # responses with status > 399, all runs
    ratio: float | None  # ops_per_s / the baseline's ops_per_s
    bottleneck: str  # "server", "client", "contended" or "neither" (by the CPU medians)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def summarize(runs: list[dict[str, Any]]) -> list[TargetSummary]:
    """Reduce runs to one summary per target, in first-seen order."""
    by_target: dict[str, list[dict[str, Any]]] = {}
    for run in runs:
        by_target.setdefault(run["target"], []).append(run)
    medians = {name: median(r["ops_per_s"] for r in rs) for name, rs in by_target.items()}
    base = medians.get(BASELINE)
    out = []
    for name, rs in by_target.items():
        server = median(r["server_cpu_pct"] for r in rs)
        client = median(r["client_cpu_pct"] for r in rs)
        server_core = _median_or_none([r.get("server_core_busy_pct") for r in rs])
        client_core = _median_or_none([r.get("client_core_busy_pct") for r in rs])
        out.append(
            TargetSummary(
                target=name,
                runs=len(rs),
                ops_per_s=medians[name],
                p50_ms=median(r["latency_us"]["p50"] for r in rs) / 1000,
                p99_ms=median(r["latency_us"]["p99"] for r in rs) / 1000,
                server_cpu_pct=server,
                client_cpu_pct=client,
                ops_per_server_cpu_s=_median_or_none([r.get("ops_per_server_cpu_s") for r in rs]),
                server_core_pct=server_core,
                client_core_pct=client_core,
                socket_errors=sum(
                    sum(v for k, v in r["errors"].items() if k != "status") for r in rs
                ),
                http_errors=sum(r["errors"]["status"] for r in rs),
                ratio=medians[name] / base if base else None,
                bottleneck=_bottleneck(server, client, server_core, client_core),
            )
        )
    return out


def _median_or_none(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return median(present) if present else None


def _bottleneck(
    server_pct: float, client_pct: float, server_core: float | None, client_core: float | None
) -> str:
    """Which side limited throughput: the one whose core is (nearly) saturated.

    A saturated core whose process shows little CPU is "contended": something else
    (another job on the machine) was using it, so the run says little about either side.
    """
    for side, proc_pct, core_pct in (
        ("server", server_pct, server_core),
        ("client", client_pct, client_core),
    ):
        busy = proc_pct if core_pct is None else core_pct
        if busy >= 90:
            return side if proc_pct >= 70 else "contended"
    return "neither"


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def console_table(summaries: list[TargetSummary]) -> str:
    """A fixed-width table for the terminal."""
    header = (
        f"{'target':<12} {'ops/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'srv CPU%':>9} "
        f"{'cli CPU%':>9} {'ops/cpu-s':>10} {'srv core%':>10} {'cli core%':>10} {'errors':>7} {'>399':>6} "
        f"{'ratio':>6}  bottleneck"
    )
    lines = [header, "-" * len(header)]
    for s in summaries:
        lines.append(
            f"{s.target:<12} {s.ops_per_s:>9.0f} {s.p50_ms:>8.2f} {s.p99_ms:>8.2f} "
            f"{s.server_cpu_pct:>9.0f} {s.client_cpu_pct:>9.0f} {_pct(s.ops_per_server_cpu_s):>10} "
            f"{_pct(s.server_core_pct):>10} "
            f"{_pct(s.client_core_pct):>10} {s.socket_errors:>7} {s.http_errors:>6} "
            f"{_ratio(s.ratio):>6}  {s.bottleneck}"
        )
    return "\n".join(lines)


def markdown_table(summaries: list[TargetSummary]) -> str:
    """The README-ready table."""
    lines = [
        f"| target | ops/s (median) | p50 ms | p99 ms | server CPU % | client CPU % "
        f"| ratio to {BASELINE} |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for s in summaries:
        lines.append(
            f"| {s.target} | {s.ops_per_s:,.0f} | {s.p50_ms:.2f} | {s.p99_ms:.2f} "
            f"| {s.server_cpu_pct:.0f} | {s.client_cpu_pct:.0f} | {_ratio(s.ratio)} |"
        )
    return "\n".join(lines)


def matrix_table(records: list[dict[str, Any]]) -> str:
    """One Markdown row per (workload, connections, target) over several results files.

    `ops/cpu-s` is the figure to trust when `other %` (CPU charged to neither side) is
    high: it moves less than ops/s when the machine is shared.
    """
    lines = [
        "| workload | conns | target | ops/s (median) | p50 ms | p99 ms | ops/cpu-s "
        "| other % | >399 |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for record in records:
        others: dict[str, list[float]] = {}
        for run in record["runs"]:
            others.setdefault(run["target"], []).append(run.get("other_cpu_pct", 0.0))
        conns = record["settings"]["connections"]
        for s in summarize(record["runs"]):
            lines.append(
                f"| {record['workload']} | {conns} | {s.target} | {s.ops_per_s:,.0f} "
                f"| {s.p50_ms:.2f} | {s.p99_ms:.2f} | {_pct(s.ops_per_server_cpu_s)} "
                f"| {median(others[s.target]):.0f} | {s.http_errors} |"
            )
        for target, reason in record.get("skipped", {}).items():
            lines.append(
                f"| {record['workload']} | {conns} | {target} | skipped: "
                f"{reason[:80].replace('|', '/')} | | | | | |"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Re-render results: `python -m benchmarks.report FILE... [--markdown | --matrix]`."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.report", description=main.__doc__)
    parser.add_argument("results", type=Path, nargs="+", help="JSON files written by the harness")
    parser.add_argument("--markdown", action="store_true", help="print the README table")
    parser.add_argument(
        "--matrix",
        action="store_true",
        help="one Markdown table over all files: a row per workload, connections and target",
    )
    args = parser.parse_args(argv)
    records = [json.loads(path.read_text()) for path in args.results]
    if args.matrix:
        print(matrix_table(records))
        return 0
    for record in records:
        summaries = summarize(record["runs"])
        if len(records) > 1:
            print(f"\n{record['workload']}, {record['settings']['connections']} connections")
        print(markdown_table(summaries) if args.markdown else console_table(summaries))
    return 0


if __name__ == "__main__":
    sys.exit(main())
