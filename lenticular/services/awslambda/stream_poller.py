"""The poller of one DynamoDB stream event source mapping: an asyncio task that reads the
stream's shard from the mapping's checkpoint, batches records, and invokes the function
with them in order, as Lambda does.
https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html

- A batch is up to BatchSize records (and 1 MB), sent once it is full or, with a
  MaximumBatchingWindowInSeconds, once the first record has waited that long.
- Records no filter matches are dropped; their positions are passed.
- A batch that fails (a function error, or a ReportBatchItemFailures response naming a
  record) is retried: from the first failed record when the function reported one,
  otherwise whole, or bisected when BisectBatchOnFunctionError is set (a split does not
  count as a retry). Once MaximumRetryAttempts retries have failed, or its oldest record
  is older than MaximumRecordAgeInSeconds, the batch is discarded and its on-failure
  record goes to the OnFailure destination (another function; SQS and SNS destinations
  are logged and dropped until lenticular has those services).
  https://docs.aws.amazon.com/lambda/latest/dg/services-dynamodb-errors.html
- The checkpoint (the position of the next record) is saved after every batch, so a
  restart resumes where the mapping left off; a batch cut short by a stop is delivered
  again (at least once, as on AWS).
"""

from __future__ import annotations

import asyncio
import base64
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import orjson

from lenticular.errors import ServiceError
from lenticular.services.awslambda.configuration import parse_function
from lenticular.services.awslambda.errors import TooManyRequestsException
from lenticular.services.awslambda.event_filters import compile_criteria, matches_any
from lenticular.services.dynamodb.streams import parse_seq

if TYPE_CHECKING:
    from lenticular.services.awslambda.async_invoke import EventQueue
    from lenticular.services.awslambda.functions import LambdaEngine
    from lenticular.services.awslambda.store import MappingRecord, MappingStore
    from lenticular.services.dynamodb.models import Stream
    from lenticular.services.dynamodb.streams import StreamLog

log = logging.getLogger(__name__)

IDLE_POLL_S = 0.15  # between reads of a shard with nothing new (AWS: 4 times a second)
CLOSED_POLL_S = 1.0  # a closed shard, or a source that is gone
RETRY_DELAY_S = 0.1  # first delay before retrying a failed batch; doubles up to the max
MAX_RETRY_DELAY_S = 5.0
WAIT_DELAY_S = 1.0  # a throttled invocation, or a function that does not exist (yet)

OK = "OK"
FAILED = "PROBLEM: Function call failed"
NO_FUNCTION = "PROBLEM: Function not found"

Record = dict[str, Any]


@dataclass(slots=True)
class Attempt:
    """What one invocation with a batch came to."""

    request_id: str
    version: str = "$LATEST"
    function_error: str | None = None
    failed_from: int | None = None  # index of the first failed record; None: all done
    partial: bool = False  # the function named the failed records (ReportBatchItemFailures)
    wait: str | None = None  # not invoked (throttled, no function): the problem to report


class StreamPoller:
    def __init__(
        self,
        mapping_id: str,
        mappings: MappingStore,
        engine: LambdaEngine,
        streams: Callable[[], StreamLog],
        events: EventQueue,
    ) -> None:
        self.mapping_id = mapping_id
        self.mappings = mappings
        self.engine = engine
        self.streams = streams
        self.events = events
        self._window_start: float | None = None

    async def run(self) -> None:
        """Poll until the mapping is disabled or deleted (or the task is cancelled)."""
        while True:
            try:
                delay = await self.poll_once()
            except asyncio.CancelledError:
                raise
            except Exception:  # never let one bad batch stop the mapping for good
                log.exception("event source mapping %s failed", self.mapping_id)
                delay = CLOSED_POLL_S
            if delay is None:
                return
            await asyncio.sleep(delay)

    async def poll_once(self) -> float | None:
        """Read and deliver one batch; the delay before the next poll (None: stop)."""
        mapping = self.mappings.get(self.mapping_id)
        if mapping is None or not mapping.enabled:
            return None
        streams = self.streams()
        stream = streams.find(mapping.source_arn)
        if stream is None:
            return CLOSED_POLL_S
        config = mapping.config
        position = max(mapping.position, streams.horizon(stream))  # trimmed records are gone
        if stream.end_seq is not None and position > stream.end_seq:
            return CLOSED_POLL_S  # the shard is closed and read to its end
        size = int(config.get("BatchSize") or 100)
        records, after, full = streams.read(stream, position, size)
        if not records:
            self._window_start = None
            return IDLE_POLL_S
        window = float(config.get("MaximumBatchingWindowInSeconds") or 0)
        if window and not full:
            now = time.monotonic()
            if self._window_start is None:
                self._window_start = now
            if now - self._window_start < window:
                return min(IDLE_POLL_S, window - (now - self._window_start))
        self._window_start = None
        patterns = compile_criteria(config.get("FilterCriteria"))
        batch = [{**r, "eventSourceARN": stream.arn} for r in records if matches_any(patterns, r)]
        if batch:
            await self._deliver(mapping, stream, batch)
        self.mappings.checkpoint(self.mapping_id, after)
        return 0.0 if full else IDLE_POLL_S

    # -- delivering a batch ----------------------------------------------------------------

    async def _deliver(self, mapping: MappingRecord, stream: Stream, batch: list[Record]) -> None:
        """Deliver `batch` (or discard it); on return every record of it is handled."""
        config = mapping.config
        max_retries = int(config.get("MaximumRetryAttempts", -1))
        max_age = int(config.get("MaximumRecordAgeInSeconds", -1))
        bisect = bool(config.get("BisectBatchOnFunctionError"))
        pending, attempts, last = batch, 0, None
        while True:
            if max_age >= 0 and time.time() - _arrival(pending[0]) > max_age:
                self._discard(mapping, stream, pending, "RecordAgeExceeded", attempts, last)
                return
            attempt = await self._invoke(mapping, pending)
            if attempt.wait is not None:
                self._report(attempt.wait)
                await asyncio.sleep(WAIT_DELAY_S)
                continue
            last = attempt
            attempts += 1
            if attempt.failed_from is None:
                self._checkpoint_after(pending[-1])
                self._report(OK)
                return
            self._report(FAILED)
            if attempt.failed_from:
                self._checkpoint_after(pending[attempt.failed_from - 1])
                pending = pending[attempt.failed_from :]
            if bisect and not attempt.partial and len(pending) > 1:
                half = len(pending) // 2
                await self._deliver(mapping, stream, pending[:half])
                await self._deliver(mapping, stream, pending[half:])
                return
            if 0 <= max_retries < attempts:
                self._discard(mapping, stream, pending, "RetryAttemptsExhausted", attempts, last)
                return
            await asyncio.sleep(min(MAX_RETRY_DELAY_S, RETRY_DELAY_S * 2 ** (attempts - 1)))

    async def _invoke(self, mapping: MappingRecord, batch: list[Record]) -> Attempt:
        ref = parse_function(mapping.config["FunctionArn"], mapping.account_id, mapping.region)
        attempt = Attempt(str(uuid.uuid4()))
        payload = orjson.dumps({"Records": batch}, default=_binary)
        try:
            result, attempt.version = await self.engine.invoke(
                ref, payload, request_id=attempt.request_id
            )
        except TooManyRequestsException:
            attempt.wait = FAILED
            return attempt
        except ServiceError as error:  # the function (or its alias) does not exist
            log.warning("event source mapping %s: %s", self.mapping_id, error.message)
            attempt.wait = NO_FUNCTION
            return attempt
        if result.function_error:
            attempt.function_error = result.function_error
            attempt.failed_from = 0
        elif "ReportBatchItemFailures" in (mapping.config.get("FunctionResponseTypes") or []):
            attempt.failed_from = first_failure(result.payload, batch)
            attempt.partial = attempt.failed_from is not None
        return attempt

    # -- bookkeeping -----------------------------------------------------------------------

    def _checkpoint_after(self, record: Record) -> None:
        seq = parse_seq(record["dynamodb"]["SequenceNumber"])
        if seq is not None:
            self.mappings.checkpoint(self.mapping_id, seq + 1)

    def _report(self, result: str) -> None:
        """Set LastProcessingResult (written only when it changes)."""
        mapping = self.mappings.get(self.mapping_id)
        if mapping is not None and mapping.config.get("LastProcessingResult") != result:
            mapping.config["LastProcessingResult"] = result
            self.mappings.update_config(self.mapping_id, mapping.config)

    def _discard(
        self,
        mapping: MappingRecord,
        stream: Stream,
        batch: list[Record],
        condition: str,
        attempts: int,
        last: Attempt | None,
    ) -> None:
        self._checkpoint_after(batch[-1])
        destination = ((mapping.config.get("DestinationConfig") or {}).get("OnFailure") or {}).get(
            "Destination"
        )
        if not destination:
            log.warning(
                "event source mapping %s discarded %d records (%s)",
                self.mapping_id, len(batch), condition,
            )  # fmt: skip
            return
        record = failure_record(mapping, stream, batch, condition, attempts, last)
        if ":lambda:" in destination and ":function:" in destination:
            target = parse_function(destination, mapping.account_id, mapping.region)
            self.events.submit(target, str(uuid.uuid4()), record)
            return
        log.warning(
            "on-failure destination %s is not supported by lenticular yet; record dropped",
            destination,
        )


def first_failure(payload: bytes, batch: list[Record]) -> int | None:
    """The index of the first record a ReportBatchItemFailures response names (None: the
    batch succeeded; 0 when the response is malformed, which fails the whole batch).
    https://docs.aws.amazon.com/lambda/latest/dg/services-ddb-batchfailurereporting.html
    """
    try:
        response = orjson.loads(payload) if payload else None
    except orjson.JSONDecodeError:
        return None  # not JSON: not a batch item failures response, so a success
    if not isinstance(response, dict):
        return None
    failures = response.get("batchItemFailures")
    if not failures:
        return None  # null or empty: every record succeeded
    if not isinstance(failures, list):
        return 0
    numbers = [r["dynamodb"]["SequenceNumber"] for r in batch]
    found: list[int] = []
    for failure in failures:
        identifier = failure.get("itemIdentifier") if isinstance(failure, dict) else None
        if not isinstance(identifier, str) or identifier not in numbers:
            return 0  # an empty, null or unknown identifier fails the whole batch
        found.append(numbers.index(identifier))
    return min(found)


def failure_record(
    mapping: MappingRecord,
    stream: Stream,
    batch: list[Record],
    condition: str,
    attempts: int,
    last: Attempt | None,
) -> bytes:
    """The invocation record AWS sends to an on-failure destination for a stream batch."""
    response: dict[str, Any] = {"statusCode": 200, "executedVersion": "$LATEST"}
    if last is not None:
        response["executedVersion"] = last.version
        if last.function_error:
            response["functionError"] = last.function_error
    first, final = batch[0]["dynamodb"], batch[-1]["dynamodb"]
    record = {
        "requestContext": {
            "requestId": last.request_id if last is not None else str(uuid.uuid4()),
            "functionArn": mapping.config["FunctionArn"],
            "condition": condition,
            "approximateInvokeCount": attempts,
        },
        "responseContext": response,
        "version": "1.0",
        "timestamp": _stamp(time.time(), millis=True),
        "DDBStreamBatchInfo": {
            "shardId": stream.shard_id,
            "startSequenceNumber": first["SequenceNumber"],
            "endSequenceNumber": final["SequenceNumber"],
            "approximateArrivalOfFirstRecord": _stamp(_arrival(batch[0])),
            "approximateArrivalOfLastRecord": _stamp(_arrival(batch[-1])),
            "batchSize": len(batch),
            "streamArn": stream.arn,
        },
    }
    return orjson.dumps(record)


def _arrival(record: Record) -> float:
    return float(record["dynamodb"].get("ApproximateCreationDateTime") or 0)


def _stamp(when: float, *, millis: bool = False) -> str:
    moment = datetime.fromtimestamp(when, UTC)
    if millis:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _binary(value: Any) -> Any:
    """Binary attribute values travel as base64 text in Lambda events."""
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    raise TypeError(f"cannot serialize {type(value).__name__}")
