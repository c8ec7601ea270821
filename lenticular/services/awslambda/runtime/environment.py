"""Execution environments: one OS process each, with AWS's variables, a private /tmp, a log
pipe and the Runtime API.

`PythonEnvironment` forks the zygote and talks to the built-in runtime over the private
channel; `CustomEnvironment` starts a `provided` runtime's `bootstrap` executable, which
talks to its Runtime API server. Both report init (ok / error payload) and each
invocation's outcome, or raise `EnvironmentDied` with the process's exit status.
Variables: https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html

Limitations versus AWS: /tmp is a private folder on the host's disk, not a file system of
EphemeralStorage.Size; the size is enforced per file (RLIMIT_FSIZE: a write past it fails
with EFBIG "File too large", where AWS fails with ENOSPC "No space left on device"), the
total of all files is not. Memory: see memory.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import resource
import shutil
import socket
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lenticular.services.awslambda.runtime import memory
from lenticular.services.awslambda.runtime.channel import FrameProtocol
from lenticular.services.awslambda.runtime.forkserver import ForkServer
from lenticular.services.awslambda.runtime.logs import LogCollector, LogShipper
from lenticular.services.awslambda.runtime.models import FunctionSpec
from lenticular.services.awslambda.runtime.runtime_api import Invocation, RuntimeApi

RUNTIME_DIR = str(Path(__file__).parent)
STATUS_WAIT_S = 2.0  # how long to wait for a dead process's exit status


class EnvironmentDied(Exception):
    """The environment's process ended; `status` as from waitstatus_to_exitcode (None:
    unknown)."""

    def __init__(self, status: int | None) -> None:
        super().__init__(f"environment exited with {status}")
        self.status = status


def log_stream_name(version: str) -> str:
    """e.g. 2026/11/26/[$LATEST]0123456789abcdef0123456789abcdef"""
    return f"{datetime.now(UTC):%Y/%m/%d}/[{version}]{uuid.uuid4().hex}"


def build_variables(
    spec: FunctionSpec, stream: str, tmpdir: str, runtime_api: str, endpoint_url: str
) -> dict[str, str]:
    """AWS's defined variables; the function's own may extend the unreserved ones (PATH,
    LANG, TZ, ...) but never replace the reserved ones."""
    layer_bins = [str(d / "bin") for d in spec.layer_dirs]
    layer_libs = [str(d / "lib") for d in spec.layer_dirs]
    host_path = os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin")
    lib_path = [RUNTIME_DIR, str(spec.code_dir), str(spec.code_dir / "lib"), *layer_libs]
    if os.environ.get("LD_LIBRARY_PATH"):
        lib_path.append(os.environ["LD_LIBRARY_PATH"])
    variables = {
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        "PATH": ":".join([host_path, *layer_bins]),
        "LD_LIBRARY_PATH": ":".join(lib_path),
        "TMPDIR": tmpdir,
        "AWS_ENDPOINT_URL": endpoint_url,
        "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
    }
    variables.update(spec.environment)
    reserved = {
        "_HANDLER": spec.handler,
        "AWS_REGION": spec.region,
        "AWS_DEFAULT_REGION": spec.region,
        "AWS_LAMBDA_FUNCTION_NAME": spec.function_name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
        "AWS_LAMBDA_FUNCTION_VERSION": spec.version,
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_LAMBDA_LOG_GROUP_NAME": spec.log_group,
        "AWS_LAMBDA_LOG_STREAM_NAME": stream,
        "AWS_LAMBDA_RUNTIME_API": runtime_api,
        "LAMBDA_TASK_ROOT": str(spec.code_dir),
        "LAMBDA_RUNTIME_DIR": RUNTIME_DIR,
    }
    access_key, secret_key, token = spec.credentials or (spec.account_id, "test", "test")
    reserved.update(
        AWS_ACCESS_KEY_ID=access_key,
        AWS_ACCESS_KEY=access_key,
        AWS_SECRET_ACCESS_KEY=secret_key,
        AWS_SESSION_TOKEN=token,
    )
    if spec.is_python:
        reserved["AWS_EXECUTION_ENV"] = f"AWS_Lambda_{spec.runtime}"
    variables.update(reserved)
    return variables


class Environment:
    """What the pool sees of an environment, whatever its runtime."""

    def __init__(self, spec: FunctionSpec, endpoint_url: str, shipper: LogShipper) -> None:
        self.spec = spec
        self.stream = log_stream_name(spec.version)
        self.endpoint_url = endpoint_url
        self.shipper = shipper
        self.tmpdir = tempfile.mkdtemp(prefix="lenticular-lambda-")
        self.pid: int | None = None
        self.init_ms: float | None = None
        self.init_error: bytes | None = None  # the runtime's init error payload, if any
        self.last_used = time.monotonic()
        self.busy = False
        self.retired = False  # stop after the current invocation
        self.dead = False
        self.oom_killed = False
        self.tree_peak_kb = 0  # the most the process tree was seen holding
        self.api: RuntimeApi | None = None
        self.logs: LogCollector | None = None

    async def _open_common(self) -> tuple[int, dict[str, str]]:
        """Runtime API server, log pipe and variables; returns the pipe's write end."""
        self.api = RuntimeApi()
        port = await self.api.start()
        read_fd, write_fd = os.pipe()
        where = (self.spec.account_id, self.spec.region, self.spec.log_group, self.stream)
        self.logs = LogCollector(read_fd, self.shipper, where)
        variables = build_variables(
            self.spec, self.stream, self.tmpdir, f"127.0.0.1:{port}", self.endpoint_url
        )
        return write_fd, variables

    async def start(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    async def invoke(self, invocation: Invocation) -> tuple[bool, bytes, int]:
        """(ok, payload, max RSS in KB); raises EnvironmentDied."""
        raise NotImplementedError  # pragma: no cover

    def tree_kb(self, *, fresh: bool = False) -> int:
        """The memory of the environment's whole process tree (for the watchdog), also
        kept as the tree's peak for Max Memory Used."""
        if self.pid is None:
            return 0
        used = memory.tree_kb(self.pid, fresh=fresh)
        self.tree_peak_kb = max(self.tree_peak_kb, used)
        return used

    def peak_rss_kb(self) -> int:
        """The environment process's own peak resident set."""
        if self.pid is None:
            return 0
        try:
            with open(f"/proc/{self.pid}/status", "rb") as f:
                for line in f:
                    if line.startswith(b"VmHWM:"):
                        return int(line.split()[1])
        except (OSError, ValueError, IndexError):
            pass
        return 0

    def kill(self) -> None:
        """Stop the process (and anything it started) and free the environment's /tmp."""
        if self.pid is not None and not self.dead:
            memory.kill_session(self.pid)
        self.dead = True
        self._close_channels()
        if self.logs is not None:
            self.logs.drain()
            self.logs.close()
        if self.api is not None:
            self.api.close()
        shutil.rmtree(self.tmpdir, ignore_errors=True)

    def _close_channels(self) -> None:
        pass

    async def exit_status(self) -> int | None:
        raise NotImplementedError  # pragma: no cover


class PythonEnvironment(Environment):
    """The built-in Python runtime, forked from the zygote, on the private channel."""

    def __init__(
        self, spec: FunctionSpec, endpoint_url: str, shipper: LogShipper, forks: ForkServer
    ) -> None:
        super().__init__(spec, endpoint_url, shipper)
        self._forks = forks
        self._protocol: FrameProtocol | None = None
        self._waiting: asyncio.Future[tuple[dict[str, Any], bytes]] | None = None
        self._exited: asyncio.Future[int] | None = None
        self._closed = False

    async def start(self) -> None:
        started = time.perf_counter()
        write_fd, variables = await self._open_common()
        ours, theirs = socket.socketpair()
        loop = asyncio.get_running_loop()
        self._waiting = loop.create_future()
        try:
            sys_path = [str(self.spec.code_dir)]
            for layer in self.spec.layer_dirs:
                sys_path += [str(layer / "python"), *_site_packages(layer)]
            # The address-space limit is only a backstop against runaway allocation; the
            # watchdog enforces MemorySize on resident memory.
            as_extra = max(2 * self.spec.memory_mb, self.spec.memory_mb + 1024) << 20
            request = {
                "env": variables,
                "cwd": str(self.spec.code_dir),
                "sys_path": sys_path,
                "handler": self.spec.handler,
                "as_extra": as_extra,
                "fsize": self.spec.ephemeral_storage_mb << 20,
            }
            self.pid, self._exited = await self._forks.spawn(request, theirs.fileno(), write_fd)
            _, self._protocol = await loop.create_unix_connection(
                lambda: FrameProtocol(self._on_frame, self._on_close), sock=ours
            )
        except BaseException:
            ours.close()  # a forked child then sees the channel close and exits
            raise
        finally:
            theirs.close()
            os.close(write_fd)
        meta, body = await self._wait()
        self.init_ms = (time.perf_counter() - started) * 1000
        if not meta.get("ok"):
            self.init_error = body

    def _on_frame(self, meta: dict[str, Any], body: bytes) -> None:
        if self._waiting is not None and not self._waiting.done():
            self._waiting.set_result((meta, body))

    def _on_close(self) -> None:
        self._closed = True
        if self._waiting is not None and not self._waiting.done():
            self._waiting.set_exception(EnvironmentDied(None))

    async def _wait(self) -> tuple[dict[str, Any], bytes]:
        assert self._waiting is not None
        try:
            return await self._waiting
        except EnvironmentDied:
            raise EnvironmentDied(await self.exit_status()) from None

    async def invoke(self, invocation: Invocation) -> tuple[bool, bytes, int]:
        if self._closed or self._protocol is None:
            raise EnvironmentDied(await self.exit_status())
        self._waiting = asyncio.get_running_loop().create_future()
        meta = {
            "id": invocation.request_id,
            "deadline": invocation.deadline_ms,
            "arn": invocation.function_arn,
            "cc": invocation.client_context,
            "ci": invocation.cognito_identity,
            "trace": invocation.trace_id,
        }
        self._protocol.send(meta, invocation.payload)
        result, body = await self._wait()
        return bool(result.get("ok")), body, int(result.get("rss", 0))

    def _close_channels(self) -> None:
        if self._protocol is not None and self._protocol.transport is not None:
            self._protocol.transport.close()

    async def exit_status(self) -> int | None:
        if self._exited is None:
            return None
        try:
            return await asyncio.wait_for(asyncio.shield(self._exited), STATUS_WAIT_S)
        except (TimeoutError, ConnectionError):
            return None


class CustomEnvironment(Environment):
    """A `provided` runtime: the function's `bootstrap` against the Runtime API."""

    def __init__(self, spec: FunctionSpec, endpoint_url: str, shipper: LogShipper) -> None:
        super().__init__(spec, endpoint_url, shipper)
        self._process: asyncio.subprocess.Process | None = None

    def bootstrap_path(self) -> Path | None:
        for folder in (self.spec.code_dir, *self.spec.layer_dirs):
            candidate = folder / "bootstrap"
            if candidate.is_file() and os.access(candidate, os.X_OK):
                return candidate
        return None

    async def start(self) -> None:
        write_fd, variables = await self._open_common()
        assert self.api is not None
        try:
            started = time.perf_counter()
            bootstrap = self.bootstrap_path()
            if bootstrap is None:
                raise FileNotFoundError("bootstrap")
            self._process = await asyncio.create_subprocess_exec(
                str(bootstrap),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=write_fd,
                stderr=write_fd,
                env=variables,
                cwd=str(self.spec.code_dir),
                start_new_session=True,
            )
            self.pid = self._process.pid
            limit = self.spec.ephemeral_storage_mb << 20
            with contextlib.suppress(OSError, ValueError):
                resource.prlimit(self.pid, resource.RLIMIT_FSIZE, (limit, limit))
        finally:
            os.close(write_fd)
        exited = asyncio.ensure_future(self._process.wait())
        try:
            done, _ = await asyncio.wait(
                {self.api.ready, exited}, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            if not exited.done():
                exited.cancel()
        if self.api.ready.done():
            self.init_ms = (time.perf_counter() - started) * 1000
            self.init_error = self.api.ready.result()
            return
        raise EnvironmentDied(self._process.returncode)

    async def invoke(self, invocation: Invocation) -> tuple[bool, bytes, int]:
        assert self.api is not None and self._process is not None
        result = self.api.submit(invocation)
        exited = asyncio.ensure_future(self._process.wait())
        try:
            await asyncio.wait({result, exited}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            if not exited.done():
                exited.cancel()
        if result.done():
            ok, body = result.result()
            # The bootstrap is often a shell whose child does the work: count the tree.
            return ok, body, max(self.peak_rss_kb(), self.tree_kb())
        raise EnvironmentDied(self._process.returncode)

    async def exit_status(self) -> int | None:
        if self._process is None:
            return None
        try:
            return await asyncio.wait_for(self._process.wait(), STATUS_WAIT_S)
        except TimeoutError:
            return None


def _site_packages(layer: Path) -> list[str]:
    """/opt/python/lib/python3.x/site-packages, as AWS puts layers on sys.path."""
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    return [str(layer / "python" / "lib" / version / "site-packages")]
