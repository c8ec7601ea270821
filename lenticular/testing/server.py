"""Start a real lenticular for tests: a subprocess on a free port with its own data dir.

    with LenticularServer() as server:
        sts = server.client("sts")
        sts.get_caller_identity()

Usable from any test suite (the pytest fixtures in `lenticular.testing.plugin` wrap it).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LenticularServer:
    def __init__(
        self,
        data_dir: Path | None = None,
        *,
        port: int | None = None,
        verify_signatures: bool = False,
        env: dict[str, str] | None = None,
        startup_timeout: float = 20.0,
    ) -> None:
        self._own_dir = data_dir is None
        self.data_dir = data_dir or Path(tempfile.mkdtemp(prefix="lenticular-test-"))
        self.port = port or free_port()
        self.verify_signatures = verify_signatures
        self.env = env or {}
        self.startup_timeout = startup_timeout
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = self.data_dir.parent / f"{self.data_dir.name}.log"

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # -- lifecycle -------------------------------------------------------------------

    def start(self) -> LenticularServer:
        cmd = [
            sys.executable, "-m", "lenticular", "up",
            "--host", "127.0.0.1",
            "--port", str(self.port),
            "--data-dir", str(self.data_dir),
            "--quiet",
        ]  # fmt: skip
        if self.verify_signatures:
            cmd.append("--verify-signatures")
        # Test servers are many and short-lived: no background warm-up (lenticular.warmup)
        # unless the caller asks for it.
        env = {**os.environ, "LENTICULAR_WARMUP": "0", **self.env}
        log = open(self.log_path, "ab")  # noqa: SIM115 - handed to the child process
        self.process = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
        log.close()
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"lenticular exited at start:\n{self.log()}")
            try:
                self.health()
                return self
            except OSError:
                time.sleep(0.02)
        self.stop()
        raise RuntimeError(
            f"lenticular did not start within {self.startup_timeout}s:\n{self.log()}"
        )

    def stop(self, timeout: float = 10.0) -> int | None:
        """SIGTERM and wait (a clean shutdown); returns the exit code."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        code = self.process.returncode
        self.process = None
        return code

    def kill(self) -> None:
        """SIGKILL: the process gets no chance to flush or clean up."""
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None

    def restart(self) -> LenticularServer:
        self.stop()
        return self.start()

    def close(self) -> None:
        self.stop()
        if self._own_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)
            Path(self.log_path).unlink(missing_ok=True)

    def __enter__(self) -> LenticularServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- talking to it ---------------------------------------------------------------

    def health(self) -> dict[str, Any]:
        with urllib.request.urlopen(f"{self.endpoint}/_lenticular/health", timeout=2) as r:
            return json.load(r)

    def log(self) -> str:
        try:
            return Path(self.log_path).read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def client(self, service: str, *, region: str = "us-east-1", **kwargs: Any) -> Any:
        """A boto3 client for `service` pointed at this server (credentials test/test)."""
        import boto3
        from botocore.config import Config

        kwargs.setdefault("aws_access_key_id", "test")
        kwargs.setdefault("aws_secret_access_key", "test")
        kwargs.setdefault(
            "config", Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=60)
        )
        return boto3.client(service, endpoint_url=self.endpoint, region_name=region, **kwargs)
