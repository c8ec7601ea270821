"""CloudWatch Logs' semantics, with no HTTP: what the provider serves and what other
services (Lambda writing function logs) call in-process.

    engine.put_events("000000000000", "us-east-1", "/aws/lambda/fn", "2024/01/01/[$LATEST]ab",
                      [(1704067200000, "START RequestId: ...")])

Retention is enforced twice: reads never return events older than a group's retention,
and a sweep (`sweep_expired`, run periodically by a `PeriodicSweeper`) deletes them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from lenticular.services.logs import paging
from lenticular.services.logs.errors import (
    GROUP_EXISTS,
    STREAM_EXISTS,
    InvalidParameterException,
    ResourceAlreadyExistsException,
    group_not_found,
    stream_not_found,
)
from lenticular.services.logs.filter_pattern import FilterPatternError, compile_pattern
from lenticular.services.logs.models import LogEvent, LogGroup, LogStream
from lenticular.services.logs.store import LogsStore, message_size

DAY_MS = 86_400_000
HOUR_MS = 3_600_000
# https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html
RETENTION_DAYS = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557,
    2922, 3288, 3653,
)  # fmt: skip
# https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutLogEvents.html
MAX_BATCH_BYTES = 1_048_576
EVENT_OVERHEAD = 26
MAX_BATCH_SPAN_MS = 24 * HOUR_MS
TOO_OLD_MS = 14 * DAY_MS
TOO_NEW_MS = 2 * HOUR_MS
MAX_RESPONSE_BYTES = 1_048_576  # GetLogEvents/FilterLogEvents answer at most ~1 MB
_FAR_FUTURE = 2**62


def now_ms() -> int:
    return int(time.time() * 1000)


@dataclass(slots=True)
class EventPage:
    events: list[LogEvent]
    forward_token: str | None = None  # GetLogEvents: nextForwardToken / FilterLogEvents: nextToken
    backward_token: str | None = None  # GetLogEvents only


@dataclass(slots=True)
class PutResult:
    sequence: int
    rejected: dict[str, int] = field(default_factory=dict)  # rejectedLogEventsInfo


class LogsEngine:
    def __init__(self, store: LogsStore, clock: Callable[[], int] = now_ms) -> None:
        self.store = store
        self.clock = clock  # epoch milliseconds

    # -- the in-process interface (Lambda) -------------------------------------------------

    def put_events(
        self,
        account_id: str,
        region: str,
        group: str,
        stream: str,
        events: list[tuple[int, str]],
        *,
        create: bool = True,
    ) -> None:
        """Append (timestamp ms, message) events in one transaction, creating the group and
        stream first when `create` (as Lambda does); ResourceNotFound otherwise."""
        found = self.store.append(
            account_id, region, group, stream, events, self.clock(), create=create
        )
        if isinstance(found, tuple):
            raise group_not_found() if not found[0] else stream_not_found()

    # -- groups ------------------------------------------------------------------------------

    def create_group(
        self,
        account_id: str,
        region: str,
        name: str,
        *,
        kms_key_id: str | None = None,
        tags: dict[str, str] | None = None,
        log_group_class: str = "STANDARD",
        deletion_protection: bool = False,
    ) -> None:
        created = self.store.create_group(
            account_id,
            region,
            name,
            self.clock(),
            kms_key_id=kms_key_id,
            log_group_class=log_group_class,
            deletion_protection=deletion_protection,
            tags=tags,
        )
        if not created:
            raise ResourceAlreadyExistsException(GROUP_EXISTS)

    def group(self, account_id: str, region: str, name: str) -> LogGroup:
        group = self.store.get_group(account_id, region, name)
        if group is None:
            raise group_not_found()
        return group

    def delete_group(self, account_id: str, region: str, name: str) -> None:
        self.store.delete_group(self.group(account_id, region, name).id)

    def list_groups(
        self,
        account_id: str,
        region: str,
        *,
        prefix: str | None = None,
        pattern: str | None = None,
        token: str | None = None,
        limit: int = 50,
        log_group_class: str | None = None,
    ) -> tuple[list[LogGroup], str | None]:
        after = paging.decode_key("g", token, 1)[0] if token else None
        groups = self.store.list_groups(
            account_id,
            region,
            prefix=prefix,
            pattern=pattern,
            after=after,
            limit=limit + 1,
            log_group_class=log_group_class,
        )
        if len(groups) > limit:
            groups = groups[:limit]
            return groups, paging.encode_key("g", [groups[-1].name])
        return groups, None

    def set_retention(self, account_id: str, region: str, name: str, days: int | None) -> None:
        if days is not None and days not in RETENTION_DAYS:
            allowed = ", ".join(str(d) for d in RETENTION_DAYS)
            raise InvalidParameterException(
                f"1 validation error detected: Value '{days}' at 'retentionInDays' failed to"
                f" satisfy constraint: Member must satisfy enum value set: [{allowed}]"
            )
        self.store.set_retention(self.group(account_id, region, name).id, days)

    def retention_cutoff(self, group: LogGroup) -> int:
        """The oldest timestamp a group still keeps (events before it have expired)."""
        if group.retention_days is None:
            return 0
        return self.clock() - group.retention_days * DAY_MS

    def sweep_expired(self) -> int:
        """Delete every event older than its group's retention; returns how many."""
        removed = 0
        for group in self.store.groups_with_retention():
            removed += self.store.delete_older_than(group.id, self.retention_cutoff(group))
        return removed

    # -- tags --------------------------------------------------------------------------------

    def group_by_arn(self, account_id: str, region: str, arn: str) -> LogGroup:
        parts = arn.split(":", 6)
        if len(parts) < 7 or parts[0] != "arn" or parts[2] != "logs" or parts[5] != "log-group":
            raise InvalidParameterException(f"Invalid ARN: {arn}")
        name = parts[6].removesuffix(":*")
        return self.group(parts[4] or account_id, parts[3] or region, name)

    def tag(self, group: LogGroup, tags: dict[str, str]) -> None:
        self.store.set_tags(group.id, {**group.tags, **tags})

    def untag(self, group: LogGroup, keys: Sequence[str]) -> None:
        self.store.set_tags(group.id, {k: v for k, v in group.tags.items() if k not in keys})

    # -- streams -----------------------------------------------------------------------------

    def create_stream(self, account_id: str, region: str, group: str, name: str) -> None:
        found = self.group(account_id, region, group)
        if not self.store.create_stream(found.id, name, self.clock()):
            raise ResourceAlreadyExistsException(STREAM_EXISTS)

    def stream(self, group: LogGroup, name: str) -> LogStream:
        stream = self.store.get_stream(group.id, name)
        if stream is None:
            raise stream_not_found()
        return stream

    def delete_stream(self, account_id: str, region: str, group: str, name: str) -> None:
        self.store.delete_stream(self.stream(self.group(account_id, region, group), name))

    def list_streams(
        self,
        group: LogGroup,
        *,
        prefix: str | None = None,
        by_last_event: bool = False,
        descending: bool = False,
        token: str | None = None,
        limit: int = 50,
    ) -> tuple[list[LogStream], str | None]:
        if by_last_event and prefix:
            raise InvalidParameterException(
                "Cannot order by LastEventTime with a logStreamNamePrefix."
            )
        kind = "t" if by_last_event else "n"
        after = tuple(paging.decode_key(kind, token, 2 if by_last_event else 1)) if token else None
        streams = self.store.list_streams(
            group.id,
            prefix=prefix,
            by_last_event=by_last_event,
            descending=descending,
            after=after,
            limit=limit + 1,
        )
        if len(streams) <= limit:
            return streams, None
        streams = streams[:limit]
        last = streams[-1]
        key: list[Any] = [last.name]
        if by_last_event:
            key.insert(
                0, last.last_event_timestamp if last.last_event_timestamp is not None else -1
            )
        return streams, paging.encode_key(kind, key)

    # -- writing events (PutLogEvents) -------------------------------------------------------

    def put_log_events(
        self, account_id: str, region: str, group_name: str, stream_name: str,
        events: Sequence[tuple[int, str]],
    ) -> PutResult:  # fmt: skip
        """PutLogEvents with AWS's rules: the batch is refused whole when out of order, too
        large or spanning over 24 hours; events too old, too new or already expired are
        left out and reported in rejectedLogEventsInfo."""
        group = self.group(account_id, region, group_name)
        self.stream(group, stream_name)
        size = sum(message_size(message) + EVENT_OVERHEAD for _, message in events)
        if size > MAX_BATCH_BYTES:
            raise InvalidParameterException(
                f"Upload too large: {size} bytes exceeds limit of {MAX_BATCH_BYTES}"
            )
        stamps = [ts for ts, _ in events]
        if any(b < a for a, b in zip(stamps, stamps[1:], strict=False)):
            raise InvalidParameterException(
                "Log events in a single PutLogEvents request must be in chronological order."
            )
        if stamps and stamps[-1] - stamps[0] > MAX_BATCH_SPAN_MS:
            raise InvalidParameterException(
                "The batch of log events in a single PutLogEvents request cannot span more"
                " than 24 hours."
            )
        now = self.clock()
        rejected: dict[str, int] = {}
        too_old = sum(1 for ts in stamps if ts < now - TOO_OLD_MS)
        expired = sum(1 for ts in stamps if ts < self.retention_cutoff(group))
        too_new = next((i for i, ts in enumerate(stamps) if ts > now + TOO_NEW_MS), len(stamps))
        if too_old:
            rejected["tooOldLogEventEndIndex"] = too_old
        if expired:
            rejected["expiredLogEventEndIndex"] = expired
        if too_new < len(stamps):
            rejected["tooNewLogEventStartIndex"] = too_new
        keep = list(events[max(too_old, expired) : too_new])
        sequence = self.store.append(
            account_id, region, group_name, stream_name, keep, now, create=False
        )
        if isinstance(sequence, tuple):  # deleted between the checks and the write
            raise group_not_found() if not sequence[0] else stream_not_found()
        return PutResult(sequence, rejected)

    # -- reading events ----------------------------------------------------------------------

    def get_log_events(
        self,
        group: LogGroup,
        stream: LogStream,
        *,
        start: int | None = None,
        end: int | None = None,
        token: str | None = None,
        limit: int = 10_000,
        from_head: bool = False,
    ) -> EventPage:
        """GetLogEvents: a page of one stream's events and AWS's two tokens. At either end
        of the stream the token that was passed in comes back unchanged."""
        low = max(start or 0, self.retention_cutoff(group))
        high = end if end is not None else _FAR_FUTURE
        if token:
            direction, position = paging.parse_stream_token(token)
            forward = direction == "f"
        else:
            position, forward = None, from_head
        rows = self.store.stream_events(
            stream.id, start=low, end=high, position=position, forward=forward, limit=limit
        )
        rows = _within_bytes(rows)
        if not forward:
            rows.reverse()
        if rows:
            first, last = rows[0], rows[-1]
            return EventPage(
                rows,
                paging.stream_token("f", (last.timestamp, last.id)),
                paging.stream_token("b", (first.timestamp, first.id)),
            )
        if token:
            assert position is not None
            same = token
            other = paging.stream_token("b" if forward else "f", position)
            return EventPage([], same if forward else other, other if forward else same)
        # An empty window: both tokens sit at its edges, ready for events yet to come.
        return EventPage([], paging.stream_token("f", (low, 0)), paging.stream_token("b", (low, 0)))

    def filter_log_events(
        self,
        group: LogGroup,
        *,
        stream_names: Sequence[str] | None = None,
        stream_prefix: str | None = None,
        start: int | None = None,
        end: int | None = None,
        pattern: str | None = None,
        token: str | None = None,
        limit: int = 10_000,
    ) -> EventPage:
        """FilterLogEvents: matching events of a group in time order across its streams;
        `forward_token` is set only while more may follow."""
        if stream_names is not None and stream_prefix:
            raise InvalidParameterException(
                "Cannot specify both logStreamNames and logStreamNamePrefix."
            )
        try:
            matches = compile_pattern(pattern) if pattern and pattern.strip() else None
        except FilterPatternError:
            raise InvalidParameterException("Invalid filter pattern") from None
        stream_ids = None
        if stream_names is not None or stream_prefix:
            stream_ids = self.store.stream_ids(group.id, names=stream_names, prefix=stream_prefix)
            if not stream_ids:
                return EventPage([])
        position: tuple[int, int] | None = None
        if token:
            key = paging.decode_key("e", token, 2)
            if not all(isinstance(v, int) for v in key):
                raise InvalidParameterException(paging.INVALID_TOKEN)
            position = (key[0], key[1])
        low = max(start or 0, self.retention_cutoff(group))
        high = end if end is not None else _FAR_FUTURE
        found: list[LogEvent] = []
        budget = MAX_RESPONSE_BYTES
        more = False
        for event in self.store.group_events(
            group.id, stream_ids=stream_ids, start=low, end=high, position=position
        ):
            if matches is not None and not matches(event.message):
                continue
            budget -= message_size(event.message) + EVENT_OVERHEAD
            if len(found) >= limit or (budget < 0 and found):
                more = True
                break
            found.append(event)
        next_token = None
        if more:
            last = found[-1]
            next_token = paging.encode_key("e", [last.timestamp, last.id])
        return EventPage(found, next_token)


def _within_bytes(rows: list[LogEvent]) -> list[LogEvent]:
    """The leading events that fit in one ~1 MB response (always at least one)."""
    budget = MAX_RESPONSE_BYTES
    for index, event in enumerate(rows):
        budget -= message_size(event.message) + EVENT_OVERHEAD
        if budget < 0 and index:
            return rows[:index]
    return rows
