"""The memory an execution environment uses: its whole process tree, read from /proc.

On AWS an environment runs in a cgroup whose memory limit covers every process the
runtime starts (a handler running `subprocess` or `multiprocessing` included); past the
limit the sandbox is killed. lenticular runs unprivileged and has no cgroup to give, so the
pool's watchdog measures the tree itself while an invocation runs:

- the environment's own process counts its resident set (VmRSS);
- each other process of the environment counts its private memory (Private_Clean +
  Private_Dirty of /proc/<pid>/smaps_rollup), so that pages a forked child still shares
  with its parent count once, as in the cgroup.

"The environment's processes" are those in its session: the environment's process calls
setsid and its children inherit the session, whatever process group they move to, and
orphans keep it when they are re-parented. One scan of /proc (about 1 ms per 100
processes on the machine) finds them for every environment at once, at most every
RESCAN_S and only when some process was created since the last scan (the last pid in
/proc/loadavg moved); a handler that starts nothing costs one small read per tick. A
process is killed only after a fresh scan confirms it is still the environment's.

Limitations versus AWS: a process that starts its own session (`setsid`,
`start_new_session=True`) leaves the environment's accounting and is not killed with it;
a child that allocates and exits between two watchdog ticks, or within RESCAN_S of its
start, is not seen (neither in the limit nor in Max Memory Used); memory is checked only
while an invocation runs (AWS freezes the environment between invocations); the page cache
of files the function writes is not counted.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Iterable

PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024
RESCAN_S = 0.2  # at most this often a full /proc scan (~1 ms with 100 processes)
MAX_PROCESSES = 100_000  # bound on one scan


class SessionScanner:
    """Which processes belong to which session (other than the session's leader)."""

    def __init__(self) -> None:
        self._last_pid = b""
        self._scanned_at = -RESCAN_S
        self._members: dict[int, list[int]] = {}

    def members(self, session: int, *, fresh: bool = False) -> list[int]:
        """The processes of `session` other than its leader; `fresh`: scan now if anything
        was created since the last scan, however recent."""
        now = time.monotonic()
        if fresh or now - self._scanned_at >= RESCAN_S:
            last_pid = _last_pid()
            if last_pid != self._last_pid or not last_pid:
                self._members = _scan_sessions()
                self._last_pid = last_pid
                self._scanned_at = now
        return self._members.get(session, [])


def _last_pid() -> bytes:
    try:
        with open("/proc/loadavg", "rb") as f:
            return f.read().rsplit(b" ", 1)[-1]
    except OSError:
        return b""


def _scan_sessions() -> dict[int, list[int]]:
    sessions: dict[int, list[int]] = {}
    try:
        names = os.listdir("/proc")
    except OSError:
        return sessions
    for name in names[:MAX_PROCESSES]:
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                stat = f.read()
            # after "pid (comm) ": state ppid pgrp session ...
            fields = stat[stat.rfind(b")") + 2 :].split(b" ", 4)
            session, pid = int(fields[3]), int(name)
        except (OSError, ValueError, IndexError):
            continue
        if session != pid:
            sessions.setdefault(session, []).append(pid)
    return sessions


SCANNER = SessionScanner()


def resident_kb(pid: int) -> int:
    """A process's resident set in KB (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as f:
            return int(f.read().split()[1]) * PAGE_KB
    except (OSError, ValueError, IndexError):
        return 0


def private_kb(pid: int) -> int:
    """Memory only this process maps (0 when it is gone or a zombie)."""
    total = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as f:
            for line in f:
                if line.startswith((b"Private_Clean:", b"Private_Dirty:")):
                    total += int(line.split()[1])
    except FileNotFoundError:
        return resident_kb(pid)  # kernels before 4.14 have no smaps_rollup
    except (OSError, ValueError, IndexError):
        return 0
    return total


def tree_kb(leader: int, *, fresh: bool = False) -> int:
    """The environment's memory: its leader's resident set plus what the rest of its
    session holds privately."""
    used = resident_kb(leader)
    for pid in SCANNER.members(leader, fresh=fresh):
        used += private_kb(pid)
    return used


def kill_session(leader: int, *, fresh: bool = True) -> None:
    """SIGKILL the environment's process group and every other process of its session."""
    pids: Iterable[int] = SCANNER.members(leader, fresh=fresh)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(leader, signal.SIGKILL)
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
