"""A fork server ("zygote") for Python execution environments.

Starting a Python interpreter and importing boto3 costs ~0.4 s on a small machine; forking
a process that already did costs a few milliseconds. The zygote is started once per
RuntimeManager with boto3 and the built-in runtime preloaded; each new environment is a
fork of it, given its own environment variables, working directory, fds and limits. The
zygote reaps its children and reports their exit statuses (the manager is not their
parent, so it cannot wait for them itself).

Run as `python -c "from <this module> import main; main()" <control fd>`.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import os
import selectors
import signal
import socket
import sys
from typing import Any

# Third-party modules the zygote preloads; a function that bundles its own copy gets
# those modules evicted in its environment so that its copy is the one imported.
PRELOADED = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six")
MAX_MESSAGE = 1 << 20


def _preload() -> None:
    import lenticular.services.awslambda.runtime.bootstrap  # noqa: F401

    with contextlib.suppress(Exception):
        import boto3  # noqa: F401  (pulls in the rest of PRELOADED)


def _evict_shadowed(paths: list[str]) -> None:
    """Forget preloaded packages that the function's code or layers ship themselves."""
    shipped: set[str] = set()
    for path in paths:
        with contextlib.suppress(OSError):
            shipped.update(name.removesuffix(".py") for name in os.listdir(path))
    for top in shipped.intersection(PRELOADED):
        for name in [n for n in sys.modules if n == top or n.startswith(top + ".")]:
            del sys.modules[name]


def _vm_size() -> int:
    with open("/proc/self/status", "rb") as f:
        for line in f:
            if line.startswith(b"VmSize:"):
                return int(line.split()[1]) * 1024
    raise ValueError("no VmSize")


def _run_child(request: dict[str, Any], channel_fd: int, log_fd: int) -> int:
    """In the forked child: become the environment, then serve it. Returns the exit code."""
    import resource
    import tempfile
    import time

    from lenticular.services.awslambda.runtime import bootstrap
    from lenticular.services.awslambda.runtime.channel import BlockingChannel

    os.setsid()
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(log_fd, 1)
    os.dup2(log_fd, 2)
    os.close(devnull)
    os.close(log_fd)
    env: dict[str, str] = request["env"]
    os.environ.clear()
    os.environ.update(env)
    time.tzset()
    tempfile.tempdir = None  # re-read TMPDIR
    os.chdir(request["cwd"])
    extra = [p for p in env.get("PYTHONPATH", "").split(":") if p]
    paths: list[str] = request["sys_path"] + extra
    base = [p for p in sys.path if p not in ("", os.getcwd(), request["zygote_cwd"])]
    sys.path[:] = paths + [p for p in base if p not in paths]
    _evict_shadowed(paths)
    if request.get("as_extra"):
        # A backstop against runaway allocation: the current address space plus an
        # allowance (the memory watchdog enforces MemorySize on resident memory).
        with contextlib.suppress(ValueError, OSError):
            limit = _vm_size() + request["as_extra"]
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    if request.get("fsize"):
        # EphemeralStorage, as a limit on any one file (see environment.py).
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_FSIZE, (request["fsize"], request["fsize"]))
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    sys.stderr.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    channel = BlockingChannel(socket.socket(fileno=channel_fd))
    bootstrap.serve(channel, request["handler"])
    return 0


def _child_main(request: dict[str, Any], channel_fd: int, log_fd: int) -> None:
    code = 1
    try:
        code = _run_child(request, channel_fd, log_fd)
    except SystemExit as e:
        if e.code is None:
            code = 0
        elif isinstance(e.code, int):
            code = e.code & 0xFF
        else:
            print(e.code, file=sys.stderr)
            code = 1
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


def serve_forever(control: socket.socket) -> None:
    """The zygote's loop: fork on request, report exits, stop when the manager goes."""
    wake_r, wake_w = socket.socketpair()
    wake_r.setblocking(False)
    wake_w.setblocking(False)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    # Ctrl-C in lenticular's terminal reaches the zygote too; it stops when lenticular's
    # end of the control socket closes instead.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.set_wakeup_fd(wake_w.fileno())
    selector = selectors.DefaultSelector()
    selector.register(control, selectors.EVENT_READ, "control")
    selector.register(wake_r, selectors.EVENT_READ, "child")
    zygote_cwd = os.getcwd()
    gc.freeze()  # keep preloaded objects' pages shared with the children
    while True:
        for key, _ in selector.select():
            if key.data == "child":
                with contextlib.suppress(BlockingIOError):
                    wake_r.recv(4096)
                _reap(control)
                continue
            try:
                raw, fds, _flags, _addr = socket.recv_fds(control, MAX_MESSAGE, 2)
            except (ConnectionError, OSError):
                raw, fds = b"", []
            if not raw:
                return
            request = json.loads(raw)
            request["zygote_cwd"] = zygote_cwd
            pid = os.fork()
            if pid == 0:
                signal.set_wakeup_fd(-1)
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                signal.signal(signal.SIGINT, signal.default_int_handler)
                selector.close()
                control.close()
                wake_r.close()
                wake_w.close()
                _child_main(request, fds[0], fds[1])
            for fd in fds:
                os.close(fd)
            control.send(json.dumps({"op": "spawned", "id": request["id"], "pid": pid}).encode())
        _reap(control)


def _reap(control: socket.socket) -> None:
    for _ in range(10_000):
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        code = os.waitstatus_to_exitcode(status)
        with contextlib.suppress(OSError):
            control.send(json.dumps({"op": "exit", "pid": pid, "status": code}).encode())


class ForkServer:
    """lenticular's handle on the zygote: spawn environments, learn how they ended."""

    def __init__(self) -> None:
        self._process: asyncio.subprocess.Process | None = None
        self._control: socket.socket | None = None
        self._next_id = 0
        self._spawns: dict[int, asyncio.Future[tuple[int, asyncio.Future[int]]]] = {}
        self._exits: dict[int, asyncio.Future[int]] = {}
        self._starting: asyncio.Future[socket.socket] | None = None

    def prestart(self) -> None:
        """Start the zygote now (when an event loop runs) so the first cold start is fast."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return
        self._starting = asyncio.ensure_future(self._launch())

    async def _ensure_started(self) -> socket.socket:
        if self._control is not None:
            return self._control
        if self._starting is not None and not self._starting.done():
            return await asyncio.shield(self._starting)
        return await self._launch()

    async def _launch(self) -> socket.socket:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self._process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            f"from {__name__} import main; main()",
            str(theirs.fileno()),
            pass_fds=[theirs.fileno()],
            stdin=asyncio.subprocess.DEVNULL,
        )
        theirs.close()
        ours.setblocking(False)
        asyncio.get_running_loop().add_reader(ours.fileno(), self._on_message)
        self._control = ours
        return ours

    def _on_message(self) -> None:
        assert self._control is not None
        for _ in range(1000):
            try:
                raw = self._control.recv(MAX_MESSAGE)
            except BlockingIOError:
                return
            except OSError:
                raw = b""
            if not raw:
                self._lost()
                return
            message = json.loads(raw)
            if message["op"] == "spawned":
                future = self._spawns.pop(message["id"], None)
                exited: asyncio.Future[int] = asyncio.get_running_loop().create_future()
                self._exits[message["pid"]] = exited
                if future is not None and not future.done():
                    future.set_result((message["pid"], exited))
            else:
                exited = self._exits.pop(message["pid"], None)
                if exited is not None and not exited.done():
                    exited.set_result(message["status"])

    def _lost(self) -> None:
        """The zygote died: fail what waits on it; the next spawn starts a new one."""
        if self._control is not None:
            asyncio.get_running_loop().remove_reader(self._control.fileno())
            self._control.close()
        self._control = None
        for future in [*self._spawns.values(), *self._exits.values()]:
            if not future.done():
                future.set_exception(ConnectionError("the Lambda fork server stopped"))
        self._spawns.clear()
        self._exits.clear()

    async def spawn(
        self, request: dict[str, Any], channel_fd: int, log_fd: int
    ) -> tuple[int, asyncio.Future[int]]:
        """Fork an environment; returns its pid and a future of its exit code (negative:
        the signal that ended it). `request`: env, cwd, sys_path, handler, as_extra, fsize."""
        control = await self._ensure_started()
        self._next_id += 1
        request = {**request, "id": self._next_id}
        future: asyncio.Future[tuple[int, asyncio.Future[int]]]
        future = asyncio.get_running_loop().create_future()
        self._spawns[self._next_id] = future
        socket.send_fds(control, [json.dumps(request).encode()], [channel_fd, log_fd])
        return await future

    async def close(self) -> None:
        if self._control is not None:
            asyncio.get_running_loop().remove_reader(self._control.fileno())
            self._control.close()
            self._control = None
        if self._process is not None:
            with contextlib.suppress(ProcessLookupError):
                self._process.kill()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._process.wait(), 5)
            self._process = None


def main() -> None:
    control = socket.socket(fileno=int(sys.argv[-1]))
    control.setblocking(True)
    _preload()
    serve_forever(control)


if __name__ == "__main__":
    main()
