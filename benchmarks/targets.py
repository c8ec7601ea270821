"""Benchmark targets: servers the harness starts, pins to a core, measures and stops.

A target is a command line (built from host, port and a scratch directory) plus a
readiness path. `ServerProcess` runs one in its own process group, waits until it
answers, reads its CPU time from /proc, and kills the whole group on the way out.

To add a target, append a `Target` to `TARGETS`.
"""

from __future__ import annotations

import http.client
import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from benchmarks.cpu import process_tree_cpu_seconds

REPO_ROOT = Path(__file__).resolve().parent.parent

CommandBuilder = Callable[[str, int, Path], list[str]]


@dataclass(frozen=True)
class Target:
    name: str  # command-line name
    command: CommandBuilder  # (host, port, scratch dir) -> argv
    ready_path: str  # GET this until it answers below 500
    missing: Callable[[], str | None]  # why the target cannot run here, or None
    baseline: bool = False  # answers 200 to anything, so its status is not checked


def _venv_bin(name: str) -> str | None:
    """`name` beside the running interpreter, else on PATH."""
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else shutil.which(name)


def _lenticular_command(host: str, port: int, scratch: Path) -> list[str]:
    script = _venv_bin("lenticular")
    launcher = [script] if script else [sys.executable, "-m", "lenticular"]
    data_dir = scratch / "data"
    data_dir.mkdir(exist_ok=True)
    return [*launcher, "up", "--host", host, "--port", str(port), "--data-dir", str(data_dir)]


def _lenticular_missing() -> str | None:
    if importlib.util.find_spec("lenticular") is None:
        return "lenticular is not importable from this interpreter"
    if importlib.util.find_spec("lenticular.cli") is None:
        return "lenticular.cli does not exist yet (no `lenticular up`)"
    return None


def _hello_command(host: str, port: int, scratch: Path) -> list[str]:
    return [sys.executable, "-m", "benchmarks.hello_app", "--host", host, "--port", str(port)]


def _moto_command(host: str, port: int, scratch: Path) -> list[str]:
    return [_venv_bin("moto_server") or "moto_server", "-H", host, "-p", str(port)]


def _moto_missing() -> str | None:
    if _venv_bin("moto_server") is None:
        return "moto_server is not installed (pip install 'moto[server]' to include it)"
    return None


TARGETS: dict[str, Target] = {
    t.name: t
    for t in [
        Target("lenticular", _lenticular_command, "/_lenticular/health", _lenticular_missing),
        Target("hello", _hello_command, "/", lambda: None, baseline=True),
        Target("moto", _moto_command, "/moto-api/", _moto_missing),
    ]
}


def free_port(host: str) -> int:
    """A port on `host` that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class ServerProcess:
    """One running target, pinned to `cpu`, in its own process group."""

    def __init__(
        self, target: Target, host: str, scratch: Path, cpu: int | None, startup_s: float
    ) -> None:
        self.target = target
        self.host = host
        self.port = free_port(host)
        self.scratch = scratch
        self.cpu = cpu
        self.startup_s = startup_s
        self.log_path = scratch / "server.log"
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def __enter__(self) -> ServerProcess:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> None:
        """Spawn the server and wait until it answers its readiness path."""
        command = self.target.command(self.host, self.port, self.scratch)
        if self.cpu is not None:
            command = ["taskset", "-c", str(self.cpu), *command]
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(
                command,
                cwd=REPO_ROOT,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self._wait_ready()

    def _wait_ready(self) -> None:
        assert self.proc is not None
        give_up = time.monotonic() + self.startup_s
        while time.monotonic() < give_up:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"{self.target.name} exited with {self.proc.returncode} before answering:\n"
                    + self.log_tail()
                )
            try:
                conn = http.client.HTTPConnection(self.host, self.port, timeout=2)
                try:
                    conn.request("GET", self.target.ready_path)
                    if conn.getresponse().status < 500:
                        return
                finally:
                    conn.close()
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(
            f"{self.target.name} did not answer {self.target.ready_path} within "
            f"{self.startup_s:.0f}s:\n" + self.log_tail()
        )

    def cpu_seconds(self) -> float:
        """CPU time the server's process tree has used so far."""
        assert self.proc is not None
        return process_tree_cpu_seconds(self.proc.pid)

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        """SIGTERM the process group, then SIGKILL it if it lingers."""
        proc, self.proc = self.proc, None
        if proc is None:
            return
        for sig, grace_s in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                break
            try:
                proc.wait(timeout=grace_s)
                break
            except subprocess.TimeoutExpired:
                continue
        # The leader may be gone while children linger in its group.
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        if proc.returncode is None:
            try:
                proc.wait(timeout=5.0)
            except subprocess.TimeoutExpired:
                pass
