"""CPU accounting from /proc: per process tree, and per core.

A process's user+sys time (from /proc/PID/stat) misses the kernel's softirq work for
loopback TCP, which lands on the cores but is charged to no process. So the harness also
samples each pinned core's busy share (from /proc/stat): a core near 100% busy is the
bottleneck even when its process shows 85%.
"""

from __future__ import annotations

import os
import time

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def process_tree_cpu_seconds(root: int) -> float:
    """User + sys CPU seconds of `root` and its live descendants (and reaped children)."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                raw = f.read().decode(errors="replace")
        except OSError:
            continue  # exited while we looked
        # Fields after the parenthesised command name; see proc(5).
        fields = raw[raw.rindex(")") + 2 :].split()
        pid = int(entry.name)
        parents[pid] = int(fields[1])
        utime, stime, cutime, cstime = (int(x) for x in fields[11:15])
        times[pid] = (utime + stime + cutime + cstime) / CLOCK_TICKS
    tree = {root}
    for _ in range(64):  # deep enough for any launcher chain
        grown = tree | {pid for pid, ppid in parents.items() if ppid in tree}
        if grown == tree:
            break
        tree = grown
    return sum(times.get(pid, 0.0) for pid in tree)


def core_ticks() -> dict[int, tuple[int, int]]:
    """Per core: (busy ticks, total ticks) since boot; idle and iowait are not busy."""
    out: dict[int, tuple[int, int]] = {}
    with open("/proc/stat") as f:
        for line in f:
            name, *values = line.split()
            if not (name.startswith("cpu") and name[3:].isdigit()):
                continue
            # user nice system idle iowait irq softirq steal [guest guest_nice]
            ticks = [int(v) for v in values[:8]]
            total = sum(ticks)
            out[int(name[3:])] = (total - ticks[3] - ticks[4], total)
    return out


def core_busy_pct(
    before: dict[int, tuple[int, int]], after: dict[int, tuple[int, int]], core: int | None
) -> float | None:
    """Busy share of `core` between two `core_ticks` samples, in percent."""
    if core is None or core not in before or core not in after:
        return None
    busy = after[core][0] - before[core][0]
    total = after[core][1] - before[core][1]
    return 100 * busy / total if total else None


def busy_seconds(before: dict[int, tuple[int, int]], after: dict[int, tuple[int, int]]) -> float:
    """CPU seconds all cores spent busy between two `core_ticks` samples."""
    ticks = sum(after[c][0] - before[c][0] for c in after if c in before)
    return ticks / CLOCK_TICKS


def idle_check(seconds: float = 1.0) -> float:
    """Busy share of the whole machine over `seconds`, in percent of all cores."""
    before = core_ticks()
    time.sleep(seconds)
    after = core_ticks()
    total = sum(after[c][1] - before[c][1] for c in after if c in before)
    busy = sum(after[c][0] - before[c][0] for c in after if c in before)
    return 100 * busy / total if total else 0.0
