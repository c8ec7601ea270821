"""What CloudWatch Logs keeps: log groups, their streams and the events in them."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class LogGroup:
    id: int  # row id, internal
    account_id: str
    region: str
    name: str
    creation_time: int  # epoch ms
    retention_days: int | None  # None: events never expire
    kms_key_id: str | None  # recorded only
    log_group_class: str  # STANDARD | INFREQUENT_ACCESS | DELIVERY
    deletion_protection: bool
    stored_bytes: int
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def arn(self) -> str:
        """The ARN without the trailing `:*` (what tagging APIs take)."""
        return f"arn:aws:logs:{self.region}:{self.account_id}:log-group:{self.name}"


@dataclass(slots=True)
class LogStream:
    id: int
    group_id: int
    name: str
    creation_time: int
    first_event_timestamp: int | None
    last_event_timestamp: int | None
    last_ingestion_time: int | None
    sequence: int  # counter behind uploadSequenceToken
    stored_bytes: int


@dataclass(slots=True, frozen=True)
class LogEvent:
    id: int  # row id: with the timestamp, the event's position in its stream and group
    stream_name: str
    timestamp: int
    ingestion_time: int
    message: str

    @property
    def event_id(self) -> str:
        """A 56-digit id, shaped like AWS's."""
        return f"{self.timestamp:020d}{self.id:036d}"
