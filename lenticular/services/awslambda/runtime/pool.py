"""The warm pool: which environment serves an invocation, limits, faults, and logs.

Environments are kept per (function ARN, version) and reused warm, one invocation at a
time each, so N concurrent invocations of a function run in N environments (PITFALLS 21).
Concurrency limits throttle as AWS does
(https://docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html); a timeout, a crash,
an exit or running out of memory (the environment's whole process tree past MemorySize,
see memory.py) ends the environment and returns Lambda's error payload;
idle environments are reaped; new code or configuration retires old environments.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import os
import sys
import time
from dataclasses import dataclass, field

from lenticular.services.awslambda import errors
from lenticular.services.awslambda.runtime import memory
from lenticular.services.awslambda.runtime.environment import (
    CustomEnvironment,
    Environment,
    EnvironmentDied,
    PythonEnvironment,
)
from lenticular.services.awslambda.runtime.forkserver import ForkServer
from lenticular.services.awslambda.runtime.logs import LogShipper, report_line
from lenticular.services.awslambda.runtime.models import (
    FunctionSpec,
    InvocationResult,
    LogSink,
    environment_error_payload,
    exit_reason,
)
from lenticular.services.awslambda.runtime.runtime_api import Invocation

logger = logging.getLogger(__name__)

INIT_TIMEOUT_S = 10.0  # AWS's limit on an on-demand environment's init phase
MEMORY_CHECK_S = 0.05
MAX_RESPONSE_BYTES = 6291556  # synchronous response limit, as AWS words it
HOST_PYTHON = f"python{sys.version_info.major}.{sys.version_info.minor}"


@dataclass
class FunctionPool:
    spec: FunctionSpec
    idle: list[Environment] = field(default_factory=list)  # most recently used last
    environments: set[Environment] = field(default_factory=set)


@dataclass
class _Outcome:
    payload: bytes
    error_type: str | None = None  # set for failures; "Unhandled" goes to the caller
    status_note: str = ""  # REPORT's "Status: ..." suffix for platform faults
    notices: tuple[str, ...] = ()  # lines Lambda logs about a fault
    rss_kb: int = 0


class RuntimeManager:
    """Runs invocations in warm execution environments (see the module docstring)."""

    def __init__(
        self,
        endpoint_url: str,
        log_sink: LogSink,
        *,
        idle_timeout_s: float = 300,
        account_concurrency: int = 1000,
    ) -> None:
        self.endpoint_url = endpoint_url
        self.idle_timeout_s = idle_timeout_s
        self.account_concurrency = account_concurrency
        self._shipper = LogShipper(log_sink)
        self._forks = ForkServer()
        self._forks.prestart()
        self._pools: dict[tuple[str, str], FunctionPool] = {}
        self._inflight = 0
        self._inflight_by_function: dict[tuple[str, str, str], int] = {}
        self._busy: set[Environment] = set()
        self._busy_changed: asyncio.Event | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._warned: set[str] = set()
        self._closed = False

    # -- the public surface --------------------------------------------------------------

    async def invoke(
        self,
        spec: FunctionSpec,
        payload: bytes,
        *,
        request_id: str,
        client_context: str | None = None,
        cognito_identity: dict | None = None,
        tail_logs: bool = False,
        reserved_concurrency: int | None = None,
    ) -> InvocationResult:
        self._start_background()
        self._warn_version(spec)
        function = (spec.account_id, spec.region, spec.function_name)
        running = self._inflight_by_function.get(function, 0)
        if reserved_concurrency is not None and running >= reserved_concurrency:
            raise _throttle("ReservedFunctionConcurrentInvocationLimitExceeded")
        if self._inflight >= self.account_concurrency:
            raise _throttle("ConcurrentInvocationLimitExceeded")
        self._inflight += 1
        self._inflight_by_function[function] = running + 1
        try:
            invocation = Invocation(
                request_id=request_id,
                deadline_ms=0,  # set when the invoke phase begins
                function_arn=spec.function_arn,
                payload=payload,
                client_context=client_context,
                cognito_identity=_json_or_none(cognito_identity),
                trace_id=_trace_id(),
            )
            return await self._run(spec, invocation, tail_logs)
        finally:
            self._inflight -= 1
            left = self._inflight_by_function[function] - 1
            if left:
                self._inflight_by_function[function] = left
            else:
                del self._inflight_by_function[function]

    def invalidate(self, function_arn: str) -> None:
        """Retire the function's environments: idle ones now, busy ones when they finish."""
        for key, pool in list(self._pools.items()):
            arn = pool.spec.function_arn
            if arn == function_arn or arn.startswith(function_arn + ":"):
                self._retire(pool)
                del self._pools[key]

    async def close(self) -> None:
        self._closed = True
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()
        envs = {env for pool in self._pools.values() for env in pool.environments} | self._busy
        for env in envs:
            env.kill()
        self._pools.clear()
        # Let the zygote reap them (an orphan may never be reaped inside a container).
        statuses = [env.exit_status() for env in envs if env.pid is not None]
        if statuses:
            await asyncio.gather(*statuses, return_exceptions=True)
        await self._forks.close()
        self._shipper.flush()

    # -- one invocation ------------------------------------------------------------------

    async def _run(
        self, spec: FunctionSpec, invocation: Invocation, tail: bool
    ) -> InvocationResult:
        pool = self._pool_for(spec)
        env = pool.idle.pop() if pool.idle else None
        cold = env is None
        if env is None:
            env = self._new_environment(spec)
            pool.environments.add(env)
        env.busy = True
        self._busy.add(env)
        if self._busy_changed is not None:
            self._busy_changed.set()
        request_id = invocation.request_id
        outcome: _Outcome | None = None
        duration_ms = 0.0
        try:
            if cold:
                outcome = await self._start(env, request_id)
            assert env.logs is not None
            env.logs.begin_invocation(
                f"START RequestId: {request_id} Version: {spec.version}",
                tail=tail,
                with_init=outcome is not None,
            )
            if outcome is None:
                # The timeout counts from the invoke phase, after any init.
                invocation.deadline_ms = int((time.time() + spec.timeout_s) * 1000)
                started = time.perf_counter()
                outcome = await self._call(env, invocation)
                duration_ms = (time.perf_counter() - started) * 1000
            return self._finish(env, spec, request_id, outcome, duration_ms, cold)
        finally:
            env.busy = False
            env.last_used = time.monotonic()
            self._busy.discard(env)
            if env.dead or env.retired or outcome is None:  # None: cancelled mid-way
                self._discard(pool, env)
            elif self._pools.get((spec.function_arn, spec.version)) is pool:
                pool.idle.append(env)
            else:
                self._discard(pool, env)

    async def _start(self, env: Environment, request_id: str) -> _Outcome | None:
        """Cold start; an outcome when init failed (the environment is then discarded)."""
        try:
            await asyncio.wait_for(env.start(), INIT_TIMEOUT_S)
        except TimeoutError:
            env.kill()
            message = f"Task timed out after {INIT_TIMEOUT_S:.2f} seconds"
            return _Outcome(
                environment_error_payload(request_id, "Sandbox.Timedout", message),
                "Sandbox.Timedout",
                "Status: timeout",
            )
        except EnvironmentDied as died:
            return self._died(env, request_id, died.status)
        except FileNotFoundError:
            env.kill()
            message = (
                "Couldn't find valid bootstrap(s): "
                f"[{env.spec.code_dir}/bootstrap {' '.join(f'{d}/bootstrap' for d in env.spec.layer_dirs)}]"
            )
            return _Outcome(
                environment_error_payload(request_id, "Runtime.InvalidEntrypoint", message),
                "Runtime.InvalidEntrypoint",
                "Status: error\tError Type: Runtime.InvalidEntrypoint",
            )
        except (ConnectionError, OSError) as e:  # the fork server or a spawn failed
            env.kill()
            raise errors.ServiceException(f"Could not start an execution environment: {e}") from e
        if env.init_error is not None:
            env.kill()
            return _Outcome(env.init_error, _error_type(env.init_error))
        return None

    async def _call(self, env: Environment, invocation: Invocation) -> _Outcome:
        spec = env.spec
        try:
            ok, body, rss_kb = await asyncio.wait_for(env.invoke(invocation), spec.timeout_s)
        except TimeoutError:
            env.kill()
            message = f"Task timed out after {spec.timeout_s:.2f} seconds"
            stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())
            return _Outcome(
                environment_error_payload(invocation.request_id, "Sandbox.Timedout", message),
                "Sandbox.Timedout",
                "Status: timeout",
                (
                    f"{stamp}.{int(time.time() * 1000) % 1000:03d}Z {invocation.request_id} {message}",
                ),
            )
        except EnvironmentDied as died:
            return self._died(env, invocation.request_id, died.status)
        if ok and len(body) > MAX_RESPONSE_BYTES:
            message = (
                "Response payload size exceeded maximum allowed payload size "
                f"({MAX_RESPONSE_BYTES} bytes)."
            )
            body = json.dumps(
                {"errorMessage": message, "errorType": "Function.ResponseSizeTooLarge"}
            ).encode()
            return _Outcome(body, "Function.ResponseSizeTooLarge", rss_kb=rss_kb)
        if ok:
            return _Outcome(body, rss_kb=rss_kb)
        return _Outcome(body, _error_type(body), rss_kb=rss_kb)

    def _died(self, env: Environment, request_id: str, status: int | None) -> _Outcome:
        oom = env.oom_killed
        env.kill()
        if status == 0 and not oom:  # a clean exit mid-invocation
            message = "Runtime exited without providing a reason"
        else:
            message = (
                f"Runtime exited with error: {'signal: killed' if oom else exit_reason(status)}"
            )
        detail = "Runtime.OutOfMemory" if oom else "Runtime.ExitError"
        return _Outcome(
            environment_error_payload(request_id, "Runtime.ExitError", message),
            "Runtime.ExitError",
            f"Status: error\tError Type: {detail}",
            (f"RequestId: {request_id} Error: {message}", "Runtime.ExitError"),
            rss_kb=env.spec.memory_mb * 1024 if oom else 0,
        )

    def _finish(
        self,
        env: Environment,
        spec: FunctionSpec,
        request_id: str,
        outcome: _Outcome,
        duration_ms: float,
        cold: bool,
    ) -> InvocationResult:
        logs = env.logs
        assert logs is not None
        logs.drain()  # the handler flushed before answering: its lines are in the pipe
        init_ms = env.init_ms if cold else None
        billed = max(1, math.ceil(duration_ms))
        used_kb = max(outcome.rss_kb or env.peak_rss_kb(), env.tree_peak_kb)
        used_mb = max(1, math.ceil(min(used_kb, spec.memory_mb * 1024) / 1024))
        report = report_line(request_id, duration_ms, billed, spec.memory_mb, used_mb, init_ms)
        if outcome.status_note:
            report += outcome.status_note
        logs.platform(*outcome.notices, f"END RequestId: {request_id}", report)
        return InvocationResult(
            payload=outcome.payload,
            function_error="Unhandled" if outcome.error_type else None,
            log_tail=logs.end_invocation(),
            duration_ms=duration_ms,
            billed_duration_ms=billed,
            init_duration_ms=init_ms,
            max_memory_used_mb=used_mb,
        )

    # -- environments --------------------------------------------------------------------

    def _new_environment(self, spec: FunctionSpec) -> Environment:
        if spec.is_python:
            return PythonEnvironment(spec, self.endpoint_url, self._shipper, self._forks)
        return CustomEnvironment(spec, self.endpoint_url, self._shipper)

    def _pool_for(self, spec: FunctionSpec) -> FunctionPool:
        key = (spec.function_arn, spec.version)
        pool = self._pools.get(key)
        if pool is not None and pool.spec != spec:  # new code or configuration
            self._retire(pool)
            pool = None
        if pool is None:
            pool = self._pools[key] = FunctionPool(spec)
        return pool

    def _retire(self, pool: FunctionPool) -> None:
        for env in list(pool.environments):
            if env.busy:
                env.retired = True
            else:
                self._discard(pool, env)
        pool.idle.clear()

    def _discard(self, pool: FunctionPool, env: Environment) -> None:
        env.kill()
        pool.environments.discard(env)
        with contextlib.suppress(ValueError):
            pool.idle.remove(env)

    # -- background: idle reaping and the memory watchdog --------------------------------

    def _start_background(self) -> None:
        if self._tasks or self._closed:
            return
        self._busy_changed = asyncio.Event()
        self._tasks = [
            asyncio.ensure_future(self._reap_idle()),
            asyncio.ensure_future(self._watch_memory()),
        ]

    async def _reap_idle(self) -> None:
        interval = max(0.05, min(self.idle_timeout_s / 4, 30.0))
        while not self._closed:
            await asyncio.sleep(interval)
            cutoff = time.monotonic() - self.idle_timeout_s
            for pool in list(self._pools.values()):
                for env in [e for e in pool.idle if e.last_used < cutoff]:
                    self._discard(pool, env)

    async def _watch_memory(self) -> None:
        """Kill an environment whose process tree holds more than its MemorySize (AWS's
        cgroup limit does the same; see runtime/memory.py for how the tree is measured)."""
        assert self._busy_changed is not None
        while not self._closed:
            if not self._busy:
                self._busy_changed.clear()
                await self._busy_changed.wait()
                continue
            await asyncio.sleep(MEMORY_CHECK_S)
            for env in list(self._busy):
                if env.pid is None or env.dead:
                    continue
                limit_kb = env.spec.memory_mb * 1024
                if env.tree_kb() > limit_kb and env.tree_kb(fresh=True) > limit_kb:
                    env.oom_killed = True
                    memory.kill_session(env.pid)

    def _warn_version(self, spec: FunctionSpec) -> None:
        if spec.is_python and spec.runtime != HOST_PYTHON and spec.runtime not in self._warned:
            self._warned.add(spec.runtime)
            logger.warning(
                "Lambda runtime %s runs on this host's %s (%s)",
                spec.runtime,
                HOST_PYTHON,
                sys.executable,
            )


def _throttle(reason: str) -> errors.TooManyRequestsException:
    return errors.TooManyRequestsException(
        "Rate Exceeded.", fields={"Type": "User", "Reason": reason}
    )


def _error_type(payload: bytes) -> str:
    try:
        return str(json.loads(payload).get("errorType") or "Unhandled")
    except (ValueError, AttributeError):
        return "Unhandled"


def _json_or_none(value: dict | None) -> str | None:
    if value is None:
        return None
    return json.dumps(value)


def _trace_id() -> str:
    """An X-Ray trace header as Lambda passes it (Root=1-<epoch hex>-<24 hex>;...)."""
    random = os.urandom(20).hex()
    return f"Root=1-{int(time.time()):08x}-{random[:24]};Parent={random[24:40]};Sampled=0"
