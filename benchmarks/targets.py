"""Benchmark targets: servers the harness starts, pins to a core, measures and stops.

A target is a command line (built from host, port and a scratch directory) plus a
readiness path. `ServerProcess` runs one in its own process group, waits until it
answers, reads its CPU time from /proc, and kills the whole group on the way out.

To add a target, append a `Target` to `TARGETS`.

Peers (dynalite, MiniStack, moto) are installed outside the repo, by default under
`../peers` beside it (`LENTICULAR_PEERS` overrides that); each one's `missing()` prints
the command that installs it there.
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

PEERS_DIR = Path(os.environ.get("LENTICULAR_PEERS", REPO_ROOT.parent / "peers"))

CommandBuilder = Callable[[str, int, Path], list[str]]
EnvBuilder = Callable[[str, int, Path], dict[str, str]]


@dataclass(frozen=True)
class Target:
    name: str  # command-line name
    command: CommandBuilder  # (host, port, scratch dir) -> argv
    ready_path: str  # GET this until it answers below 500
    missing: Callable[[], str | None]  # why the target cannot run here, or None
    baseline: bool = False  # answers 200 to anything, so its status is not checked
    env: EnvBuilder | None = None  # extra environment variables for the server


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


def _baseline_src() -> Path | None:
    src = os.environ.get("LENTICULAR_BASELINE_SRC")
    return Path(src) if src else None


def _baseline_command(host: str, port: int, scratch: Path) -> list[str]:
    data_dir = scratch / "data"
    data_dir.mkdir(exist_ok=True)
    up = ["up", "--host", host, "--port", str(port), "--data-dir", str(data_dir)]
    # LENTICULAR_BASELINE_PYTHON: another virtualenv's interpreter, so that the baseline
    # runs with compiled modules built from its own sources (see benchmarks/README.md).
    python = os.environ.get("LENTICULAR_BASELINE_PYTHON") or sys.executable
    return [python, "-P", "-m", "lenticular", *up]  # -P: not this checkout


def _baseline_env(host: str, port: int, scratch: Path) -> dict[str, str]:
    return {"PYTHONPATH": str(_baseline_src())}


def _baseline_missing() -> str | None:
    src = _baseline_src()
    if src is None:
        return (
            "set LENTICULAR_BASELINE_SRC to another checkout of lenticular, e.g. "
            "git worktree add /tmp/baseline HEAD~1"
        )
    if not (src / "lenticular" / "cli.py").exists():
        return f"{src} has no lenticular/cli.py"
    return None


def _hello_command(host: str, port: int, scratch: Path) -> list[str]:
    return [sys.executable, "-m", "benchmarks.hello_app", "--host", host, "--port", str(port)]


def _peer_bin(env_var: str, *candidates: Path | str) -> str | None:
    """The peer's executable: $env_var, else the first candidate that exists (a bare name
    is looked up on PATH)."""
    if explicit := os.environ.get(env_var):
        return explicit if Path(explicit).exists() else None
    for candidate in candidates:
        if isinstance(candidate, Path):
            if candidate.exists():
                return str(candidate)
        elif found := shutil.which(candidate):
            return found
    return None


def _moto_bin() -> str | None:
    beside = Path(sys.executable).parent / "moto_server"
    return _peer_bin("MOTO_SERVER", beside, PEERS_DIR / "moto-venv/bin/moto_server", "moto_server")


def _moto_command(host: str, port: int, scratch: Path) -> list[str]:
    return [_moto_bin() or "moto_server", "-H", host, "-p", str(port)]


def _moto_missing() -> str | None:
    if _moto_bin() is None:
        return (
            "moto_server not found (beside this Python, in $MOTO_SERVER, on PATH or in "
            f"{PEERS_DIR}/moto-venv); install: python3 -m venv {PEERS_DIR}/moto-venv && "
            f"{PEERS_DIR}/moto-venv/bin/pip install 'moto[server]'"
        )
    return None


def _dynalite_bin() -> str | None:
    return _peer_bin("DYNALITE_BIN", PEERS_DIR / "dynalite/node_modules/.bin/dynalite", "dynalite")


def _dynalite_missing() -> str | None:
    if shutil.which("node") is None:
        return "node is not installed (dynalite is a Node.js server; apt-get install nodejs)"
    if _dynalite_bin() is None:
        return (
            "dynalite not found (in $DYNALITE_BIN, on PATH or under "
            f"{PEERS_DIR}/dynalite); install: mkdir -p {PEERS_DIR}/dynalite && "
            f"npm install --prefix {PEERS_DIR}/dynalite dynalite"
        )
    return None


def _dynalite_command(host: str, port: int, scratch: Path) -> list[str]:
    # --path: LevelDB on disk in the scratch dir, durable like lenticular's data dir.
    db = scratch / "leveldb"
    db.mkdir(exist_ok=True)
    return [_dynalite_bin() or "dynalite", "--host", host, "--port", str(port), "--path", str(db)]


def _dynalite_memory_command(host: str, port: int, scratch: Path) -> list[str]:
    return [_dynalite_bin() or "dynalite", "--host", host, "--port", str(port)]


def _ministack_bin() -> str | None:
    return _peer_bin("MINISTACK_BIN", PEERS_DIR / "ministack-venv/bin/ministack", "ministack")


def _ministack_missing() -> str | None:
    if _ministack_bin() is None:
        return (
            "ministack not found (in $MINISTACK_BIN, on PATH or in "
            f"{PEERS_DIR}/ministack-venv); install: python3.12 -m venv "
            f"{PEERS_DIR}/ministack-venv && {PEERS_DIR}/ministack-venv/bin/pip install ministack"
        )
    return None


def _ministack_command(host: str, port: int, scratch: Path) -> list[str]:
    return [_ministack_bin() or "ministack"]


def _ministack_env(host: str, port: int, scratch: Path) -> dict[str, str]:
    # In-memory state (MiniStack's default); WARNING drops its per-request access log,
    # as lenticular and the floor run without one.
    return {
        "GATEWAY_PORT": str(port),
        "BIND_HOST": host,
        "TMPDIR": str(scratch),
        "LOG_LEVEL": "WARNING",
    }


TARGETS: dict[str, Target] = {
    t.name: t
    for t in [
        Target("lenticular", _lenticular_command, "/_lenticular/health", _lenticular_missing),
        # The same server from another checkout (A/B of a change, same run and machine).
        Target(
            "lenticular-baseline",
            _baseline_command,
            "/_lenticular/health",
            _baseline_missing,
            env=_baseline_env,
        ),
        Target("hello", _hello_command, "/", lambda: None, baseline=True),
        Target("moto", _moto_command, "/moto-api/", _moto_missing),
        Target("dynalite", _dynalite_command, "/", _dynalite_missing),
        Target("dynalite-memory", _dynalite_memory_command, "/", _dynalite_missing),
        Target(
            "ministack",
            _ministack_command,
            "/_ministack/health",
            _ministack_missing,
            env=_ministack_env,
        ),
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
        env = None
        if self.target.env is not None:
            env = {**os.environ, **self.target.env(self.host, self.port, self.scratch)}
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(
                command,
                cwd=REPO_ROOT,
                env=env,
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
