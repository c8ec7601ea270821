"""The `lenticular` command as a user runs it: up, status, reset, and the AWS CLI against it."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lenticular.testing.server import free_port


def run_cli(
    *args: str, env: dict[str, str] | None = None, timeout: float = 30
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lenticular", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def start_up(
    data_dir: Path, port: int, *extra: str, env: dict[str, str] | None = None
) -> tuple[subprocess.Popen[str], str]:
    """Start `lenticular up`, return the process and its banner once it says ready."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "lenticular",
            "up",
            "--port",
            str(port),
            "--data-dir",
            str(data_dir),
            *extra,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, **(env or {})},
    )
    banner = []
    deadline = time.monotonic() + 20
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        banner.append(line)
        if line.strip().startswith("export AWS_ENDPOINT_URL"):
            return proc, "".join(banner)
    proc.kill()
    raise AssertionError("lenticular up never said it was ready:\n" + "".join(banner))


def stop(proc: subprocess.Popen[str], sig: int = signal.SIGINT) -> int:
    proc.send_signal(sig)
    try:
        return proc.wait(15)
    finally:
        if proc.poll() is None:
            proc.kill()


def test_up_prints_endpoint_data_dir_services_and_stops_on_ctrl_c(tmp_path):
    port = free_port()
    proc, banner = start_up(tmp_path / "state", port)
    try:
        assert f"http://localhost:{port}" in banner
        assert str((tmp_path / "state").resolve()) in banner
        assert "services: " in banner and "sts" in banner
        assert "ready in" in banner
    finally:
        assert stop(proc, signal.SIGINT) == 0


def test_up_stops_on_sigterm_and_status_follows(tmp_path):
    port = free_port()
    data_dir = tmp_path / "state"
    proc, _ = start_up(data_dir, port)
    try:
        status = run_cli("status", "--data-dir", str(data_dir))
        assert status.returncode == 0, status.stdout + status.stderr
        assert f"running at http://localhost:{port}" in status.stdout
        assert "sts" in status.stdout
    finally:
        assert stop(proc, signal.SIGTERM) == 0
    status = run_cli("status", "--data-dir", str(data_dir), "--port", str(port))
    assert status.returncode == 1
    assert "not running" in status.stdout


def test_environment_variables_configure_up(tmp_path):
    port = free_port()
    env = {"LENTICULAR_PORT": str(port), "LENTICULAR_DATA_DIR": str(tmp_path / "envdir")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "lenticular", "up"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, **env},
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert f"http://localhost:{port} ready" in first
        assert (tmp_path / "envdir" / "server.json").exists()
    finally:
        stop(proc)


def test_second_server_on_same_data_dir_is_refused(tmp_path):
    proc, _ = start_up(tmp_path / "state", free_port())
    try:
        second = run_cli("up", "--port", str(free_port()), "--data-dir", str(tmp_path / "state"))
        assert second.returncode == 1
        assert "another lenticular server" in second.stderr
    finally:
        stop(proc)


def test_reset_wipes_state_and_refuses_while_running(tmp_path):
    data_dir = tmp_path / "state"
    proc, _ = start_up(data_dir, free_port())
    try:
        refused = run_cli("reset", "--data-dir", str(data_dir))
        assert refused.returncode == 1
        assert "stop it before reset" in refused.stderr
    finally:
        stop(proc)
    assert (data_dir / "sts.sqlite").exists() or any(data_dir.iterdir())
    done = run_cli("reset", "--data-dir", str(data_dir))
    assert done.returncode == 0, done.stderr
    assert [p.name for p in data_dir.iterdir()] == ["server.lock"]


@pytest.mark.skipif(
    shutil.which("aws") is None and not (Path(sys.executable).parent / "aws").exists(),
    reason="awscli not installed",
)
def test_aws_cli_get_caller_identity(lenticular_server):
    aws = shutil.which("aws", path=str(Path(sys.executable).parent)) or "aws"
    env = {
        **os.environ,
        "AWS_ENDPOINT_URL": lenticular_server.endpoint,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    out = subprocess.run(
        [aws, "sts", "get-caller-identity"], capture_output=True, text=True, env=env, timeout=60
    )
    assert out.returncode == 0, out.stderr
    identity = json.loads(out.stdout)
    assert identity["Account"] == "000000000000"
    assert identity["Arn"] == "arn:aws:iam::000000000000:root"


def test_logs_prints_a_groups_events(lenticular_server):
    logs = lenticular_server.client("logs")
    group = f"/aws/lambda/cli-logs-{time.time_ns()}"
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="s1")
    now = int(time.time() * 1000)
    logs.put_log_events(
        logGroupName=group,
        logStreamName="s1",
        logEvents=[{"timestamp": now, "message": "hello from the function"}],
    )
    out = run_cli("logs", group.rsplit("/", 1)[1], "--endpoint-url", lenticular_server.endpoint)
    assert out.returncode == 0, out.stderr
    assert "s1 hello from the function" in out.stdout
