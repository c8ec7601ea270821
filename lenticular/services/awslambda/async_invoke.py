"""Asynchronous invocation (InvocationType=Event): a durable queue in SQLite worked by a
task on the server's event loop.

As on AWS (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html): a
function error is retried up to MaximumRetryAttempts times (2 by default) after a delay
(about 1 then 2 minutes on AWS; `LENTICULAR_LAMBDA_RETRY_DELAYS`, seconds, comma-separated,
makes them shorter); throttles are retried without counting as attempts until the event
is MaximumEventAgeInSeconds old (6 hours by default); then the on-success or on-failure
destination gets the invocation record. Events survive a restart and are worked again
once the Lambda provider is loaded.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import UTC, datetime
from typing import Any

import orjson

from lenticular.errors import ServiceError
from lenticular.services.awslambda.configuration import FunctionRef, parse_function
from lenticular.services.awslambda.errors import TooManyRequestsException
from lenticular.services.awslambda.functions import LambdaEngine
from lenticular.services.awslambda.runtime import InvocationResult
from lenticular.services.awslambda.store import LambdaStore, QueuedEvent

log = logging.getLogger(__name__)

DEFAULT_RETRY_DELAYS = (60.0, 120.0)
DEFAULT_MAX_RETRIES = 2
DEFAULT_MAX_AGE_S = 21600
THROTTLE_DELAY_S = 1.0
MAX_PARALLEL = 32
IDLE_POLL_S = 30.0
LEASE_S = 3600.0  # a running event is pushed this far ahead; a restart reclaims it


class EventQueue:
    def __init__(
        self,
        store: LambdaStore,
        engine: LambdaEngine,
        retry_delays: tuple[float, ...] = DEFAULT_RETRY_DELAYS,
    ) -> None:
        self.store = store
        self.engine = engine
        self.retry_delays = retry_delays or DEFAULT_RETRY_DELAYS
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._running: dict[int, asyncio.Task[None]] = {}

    def submit(self, ref: FunctionRef, request_id: str, payload: bytes) -> None:
        """Queue an invocation (durably: it is in SQLite when this returns)."""
        self.store.enqueue(*ref.key, ref.qualifier, request_id, payload)
        self.start()
        assert self._wake is not None
        self._wake.set()

    def start(self) -> None:
        if self._task is None:
            # Events that were running when the server stopped are due again.
            self.store.reclaim_leases(time.time(), LEASE_S / 2)
            self._wake = asyncio.Event()
            self._task = asyncio.ensure_future(self._run())

    async def stop(self) -> None:
        tasks = [t for t in (self._task, *self._running.values()) if t is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._task = None
        self._running.clear()

    async def _run(self) -> None:
        assert self._wake is not None
        while True:
            self._wake.clear()
            now = time.time()
            free = MAX_PARALLEL - len(self._running)
            if free > 0:
                for event in self.store.due_events(now, set(self._running), free):
                    self.store.reschedule(event.id, event.attempts, now + LEASE_S)
                    self._running[event.id] = asyncio.ensure_future(self._attempt(event))
            due = self.store.next_due()
            wait = IDLE_POLL_S if due is None else max(0.0, min(IDLE_POLL_S, due - time.time()))
            if len(self._running) >= MAX_PARALLEL:
                wait = IDLE_POLL_S  # woken when one of them ends
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), wait)

    async def _attempt(self, event: QueuedEvent) -> None:
        try:
            await self._attempt_once(event)
        except Exception:  # never let one event stop the queue
            log.exception("asynchronous invocation %s failed", event.request_id)
            self.store.finish(event.id)
        finally:
            self._running.pop(event.id, None)
            if self._wake is not None:
                self._wake.set()

    async def _attempt_once(self, event: QueuedEvent) -> None:
        ref = FunctionRef(event.account_id, event.region, event.name, event.qualifier)
        settings = self._settings(ref)
        max_age = settings.get("MaximumEventAgeInSeconds", DEFAULT_MAX_AGE_S)
        max_retries = settings.get("MaximumRetryAttempts", DEFAULT_MAX_RETRIES)
        now = time.time()
        if now - event.enqueued_at > max_age:
            self._deliver(ref, event, settings, "EventAgeExceeded", None, "$LATEST", event.attempts)
            self.store.finish(event.id)
            return
        try:
            result, version = await self.engine.invoke(
                ref, event.payload, request_id=event.request_id
            )
        except TooManyRequestsException:
            expires = event.enqueued_at + max_age + 0.001
            due = min(time.time() + THROTTLE_DELAY_S, expires)
            self.store.reschedule(event.id, event.attempts, due)
            return
        except ServiceError as error:  # the function or version is gone
            log.warning("dropping asynchronous invocation %s: %s", event.request_id, error)
            self.store.finish(event.id)
            return
        attempts = event.attempts + 1
        if result.function_error is None:
            self._deliver(ref, event, settings, "Success", result, version, attempts)
            self.store.finish(event.id)
        elif attempts > max_retries:
            self._deliver(ref, event, settings, "RetriesExhausted", result, version, attempts)
            self.store.finish(event.id)
        else:
            delay = self.retry_delays[min(attempts, len(self.retry_delays)) - 1]
            # An event that would expire before its retry leaves the queue when it expires.
            expires = event.enqueued_at + max_age + 0.001
            self.store.reschedule(event.id, attempts, min(time.time() + delay, expires))

    def _settings(self, ref: FunctionRef) -> dict[str, Any]:
        """The event invoke config for the invoked qualifier (or the unqualified one)."""
        qualifier = ref.qualifier or ""
        return self.store.get_doc("event_invoke_configs", (*ref.key, qualifier)) or {}

    def _deliver(
        self,
        ref: FunctionRef,
        event: QueuedEvent,
        settings: dict[str, Any],
        condition: str,
        result: InvocationResult | None,
        version: str,
        attempts: int = 0,
    ) -> None:
        which = "OnSuccess" if condition == "Success" else "OnFailure"
        destination = ((settings.get("DestinationConfig") or {}).get(which) or {}).get(
            "Destination"
        )
        if not destination:
            if condition != "Success":
                log.warning(
                    "asynchronous invocation %s of %s discarded (%s)",
                    event.request_id, ref.arn(), condition,
                )  # fmt: skip
            return
        record = destination_record(ref, event, condition, result, version, attempts)
        if ":lambda:" in destination and ":function:" in destination:
            target = parse_function(destination, ref.account_id, ref.region)
            self.store.enqueue(*target.key, target.qualifier, _new_id(), record)
            return
        log.warning(
            "destination %s is not supported by lenticular yet; record dropped", destination
        )


def destination_record(
    ref: FunctionRef,
    event: QueuedEvent,
    condition: str,
    result: InvocationResult | None,
    version: str,
    attempts: int,
) -> bytes:
    """The invocation record AWS sends to a destination."""
    now = datetime.now(UTC)
    record: dict[str, Any] = {
        "version": "1.0",
        "timestamp": now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z",
        "requestContext": {
            "requestId": event.request_id,
            "functionArn": ref.arn(ref.qualifier or "$LATEST"),
            "condition": condition,
            "approximateInvokeCount": attempts,
        },
        "requestPayload": _json_or_text(event.payload),
        "responseContext": {"statusCode": 200, "executedVersion": version},
    }
    if result is not None:
        if result.function_error:
            record["responseContext"]["functionError"] = result.function_error
        record["responsePayload"] = _json_or_text(result.payload)
    return orjson.dumps(record)


def _json_or_text(data: bytes) -> Any:
    if not data:
        return None
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return data.decode("utf-8", "replace")


def _new_id() -> str:
    import uuid

    return str(uuid.uuid4())


def retry_delays_from(value: str | None) -> tuple[float, ...]:
    """`LENTICULAR_LAMBDA_RETRY_DELAYS` ("60,120") -> (60.0, 120.0)."""
    if not value:
        return DEFAULT_RETRY_DELAYS
    try:
        delays = tuple(float(part) for part in value.split(",") if part.strip())
    except ValueError:
        log.warning("ignoring LENTICULAR_LAMBDA_RETRY_DELAYS=%r", value)
        return DEFAULT_RETRY_DELAYS
    return delays or DEFAULT_RETRY_DELAYS
