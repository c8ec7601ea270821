"""Amazon DynamoDB Streams over the wire: ListStreams, DescribeStream, GetShardIterator
and GetRecords, reading DynamoDB's streams through its `StreamLog` engine interface.

Limitations versus AWS:
- Each stream has a single shard for its whole life (AWS rolls shards about every four
  hours and splits them under load), so shard lineage (ParentShardId) never appears and
  a CHILD_SHARDS filter always answers no shards.
- Records are readable the moment their write commits (AWS: usually within a second)
  and GetRecords never throttles (LimitExceededException is never raised).
- Streams are ENABLED at once and DISABLED at once (no ENABLING/DISABLING phase).
"""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING, Any

from lenticular.services.dynamodb.streams import parse_seq, wire_seq
from lenticular.services.dynamodbstreams import iterators
from lenticular.services.dynamodbstreams.errors import (
    ResourceNotFoundException,
    TrimmedDataAccessException,
    ValidationException,
)

if TYPE_CHECKING:
    from lenticular.context import RequestContext
    from lenticular.services.dynamodb.models import Stream
    from lenticular.services.dynamodb.streams import StreamLog
    from lenticular.services.registry import ServiceRegistry

_STREAM_ARN = re.compile(
    r"arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:\d{12}:table/[a-zA-Z0-9_.-]{3,255}/stream/"
    r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}"
)
_SEQUENCED = ("AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER")
TRIMMED = (
    "The operation attempted to read past the oldest stream record in a shard. Stream"
    " records older than 24 hours are trimmed."
)
NO_SHARD = "Requested resource not found: Shard does not exist"


def _check_limit(limit: int | None, most: int) -> None:
    if limit is not None and limit > most:
        raise ValidationException(
            f"1 validation error detected: Value '{limit}' at 'limit' failed to satisfy"
            f" constraint: Member must have value less than or equal to {most}"
        )


def _check_arn(arn: str, member: str = "StreamArn") -> None:
    if not _STREAM_ARN.fullmatch(arn):
        raise ValidationException(f"Invalid {member}: {arn}")


class DynamoDBStreamsProvider:
    def __init__(self, registry: ServiceRegistry) -> None:
        self._registry = registry

    @property
    def log(self) -> StreamLog:
        dynamodb = self._registry.get("dynamodb")
        assert dynamodb is not None
        return dynamodb.streams  # type: ignore[no-any-return]

    def _stream(self, arn: str) -> Stream:
        _check_arn(arn)
        stream = self.log.find(arn)
        if stream is None:
            raise ResourceNotFoundException(
                f"Requested resource not found: Stream: {arn} not found"
            )
        return stream

    # -- operations ------------------------------------------------------------------------

    def list_streams(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        limit = params.get("Limit", 100)
        _check_limit(limit, 100)
        after = params.get("ExclusiveStartStreamArn")
        if after is not None:
            _check_arn(after, "ExclusiveStartStreamArn")
        name = params.get("TableName")
        found = self.log.streams(ctx.account_id, ctx.region, name, after, limit + 1)
        if name is not None and not found and after is None:
            dynamodb = self._registry.get("dynamodb")
            if dynamodb.catalog.find(ctx.account_id, ctx.region, name) is None:  # type: ignore[union-attr]
                raise ResourceNotFoundException(
                    f"Requested resource not found: Table: {name} not found"
                )
        out: dict[str, Any] = {
            "Streams": [
                {"StreamArn": s.arn, "TableName": s.table_name, "StreamLabel": s.label}
                for s in found[:limit]
            ]
        }
        if len(found) > limit:
            out["LastEvaluatedStreamArn"] = found[limit - 1].arn
        return out

    def describe_stream(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        _check_limit(params.get("Limit"), 100)
        stream = self._stream(params["StreamArn"])
        shard_filter = params.get("ShardFilter")
        shards: list[dict[str, Any]] = []
        if shard_filter is not None:
            if "Type" not in shard_filter or "ShardId" not in shard_filter:
                missing = "Type" if "Type" not in shard_filter else "ShardId"
                raise ValidationException(
                    f"1 validation error detected: Value null at 'shardFilter.{missing[0].lower()}"
                    f"{missing[1:]}' failed to satisfy constraint: Member must not be null"
                )
            # one shard per stream: it has no children
        elif params.get("ExclusiveStartShardId", "") < stream.shard_id:
            shards.append(self._shard(stream))
        description: dict[str, Any] = {
            "StreamArn": stream.arn,
            "StreamLabel": stream.label,
            "StreamStatus": "ENABLED" if stream.enabled else "DISABLED",
            "StreamViewType": stream.view_type,
            "CreationRequestDateTime": stream.created_at,
            "TableName": stream.table_name,
            "KeySchema": stream.key_schema,
            "Shards": shards,
        }
        return {"StreamDescription": description}

    def _shard(self, stream: Stream) -> dict[str, Any]:
        numbers = {"StartingSequenceNumber": wire_seq(stream.start_seq)}
        if stream.end_seq is not None:
            numbers["EndingSequenceNumber"] = wire_seq(stream.end_seq)
        return {"ShardId": stream.shard_id, "SequenceNumberRange": numbers}

    def get_shard_iterator(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        kind = params["ShardIteratorType"]
        text = params.get("SequenceNumber")
        if kind in _SEQUENCED and text is None:
            raise ValidationException(f"SequenceNumber is required for ShardIteratorType {kind}")
        if kind not in _SEQUENCED and text is not None:
            raise ValidationException(
                f"SequenceNumber must not be specified for ShardIteratorType {kind}"
            )
        if kind == "AT_TIMESTAMP" and params.get("Timestamp") is None:
            raise ValidationException("Timestamp is required for ShardIteratorType AT_TIMESTAMP")
        stream = self._stream(params["StreamArn"])
        if params["ShardId"] != stream.shard_id:
            raise ResourceNotFoundException(NO_SHARD)
        log = self.log
        if kind == "TRIM_HORIZON":
            seq = log.horizon(stream)
        elif kind == "LATEST":
            seq = log.latest(stream)
        elif kind == "AT_TIMESTAMP":
            when = params["Timestamp"]
            seq = log.at_time(stream, when.timestamp() if hasattr(when, "timestamp") else when)
        else:
            number = parse_seq(text)  # type: ignore[arg-type]
            if number is None or number < stream.start_seq or number > log.latest(stream):
                raise ValidationException(
                    f"Invalid SequenceNumber {text} for shard {stream.shard_id}: it is not in"
                    " the shard's sequence number range"
                )
            if number <= stream.trimmed_to:
                raise TrimmedDataAccessException(TRIMMED)
            seq = number if kind == "AT_SEQUENCE_NUMBER" else number + 1
        position = iterators.Position(stream.arn, stream.id, stream.shard_id, seq, time.time())
        return {"ShardIterator": iterators.encode(position)}

    def get_records(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        limit = params.get("Limit", 1000)
        _check_limit(limit, 1000)
        position = iterators.decode(params["ShardIterator"])
        stream = self.log.find(position.arn)
        if stream is None or stream.id != position.stream_id:
            raise ResourceNotFoundException(
                f"Requested resource not found: Stream: {position.arn} not found"
            )
        if position.shard_id != stream.shard_id:
            raise ResourceNotFoundException(NO_SHARD)
        if position.seq <= stream.trimmed_to:
            raise TrimmedDataAccessException(TRIMMED)
        records, after, more = self.log.read(stream, position.seq, limit)
        out: dict[str, Any] = {"Records": records}
        if stream.end_seq is None or (more and after <= stream.end_seq):
            # an open shard always goes on; a closed one ends after its last record
            following = iterators.Position(
                stream.arn, stream.id, stream.shard_id, after, time.time()
            )
            out["NextShardIterator"] = iterators.encode(following)
        return out
