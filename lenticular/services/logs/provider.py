"""CloudWatch Logs over the wire: log groups, streams, events, filter patterns, retention
and tags. The behaviour lives in `engine.LogsEngine`, which Lambda also calls in-process.

Limitations versus AWS:
- Implemented: Create/Delete/DescribeLogGroups, Create/Delete/DescribeLogStreams,
  PutLogEvents, GetLogEvents, FilterLogEvents, Put/DeleteRetentionPolicy,
  Tag/Untag/ListTagsLogGroup, Tag/Untag/ListTagsForResource (log groups only). Every
  other operation (metric and subscription filters, Logs Insights queries, export tasks,
  destinations, data protection, StartLiveTail, ...) answers NotImplemented.
- Filter patterns: terms, quoted phrases, `?` OR terms, `-` exclusions, `%regex%` terms,
  JSON patterns (comparisons, wildcards, `&&`/`||`, parentheses, IS NULL/TRUE/FALSE, NOT
  EXISTS, array indexes) and space-delimited patterns (named fields, `...`, conditions).
  Not supported: `$.*`/`[*]` selectors, extracting JSON that follows a text prefix, and
  AWS's finer rules about which characters an unquoted term may contain (lenticular only
  refuses a `"` inside one). Invalid patterns answer "Invalid filter pattern" without
  AWS's detailed reason.
- Retention: reads hide expired events at once; a sweep every 60 s deletes them (AWS
  deletes within days). `storedBytes` counts message bytes and is updated at once.
- kmsKeyId is recorded and reported, nothing is encrypted. logGroupClass is recorded; an
  INFREQUENT_ACCESS group behaves like a STANDARD one. deletionProtectionEnabled is
  recorded but does not block DeleteLogGroup.
- Sequence tokens are accepted and ignored (as AWS does since 2023); `nextSequenceToken`
  and `uploadSequenceToken` are still reported. Per-account quotas (log groups, PutLogEvents
  rate) are not enforced. FilterLogEvents' `searchedLogStreams` is always empty
  (deprecated by AWS). `unmask` and `accountIdentifiers`/linked accounts are ignored.
- Log group identifiers given as ARNs must name the caller's account and region.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lenticular.services.logs.engine import LogsEngine
from lenticular.services.logs.errors import InvalidParameterException, group_not_found
from lenticular.services.logs.models import LogGroup, LogStream
from lenticular.services.logs.store import MIGRATIONS, LogsStore
from lenticular.state.sweeper import PeriodicSweeper

if TYPE_CHECKING:
    from lenticular.context import RequestContext
    from lenticular.services.registry import ServiceRegistry

Params = dict[str, Any]
SWEEP_INTERVAL_SECONDS = 60.0


class LogsProvider:
    def __init__(self, registry: ServiceRegistry) -> None:
        store = LogsStore(registry.data_dir.database("logs", MIGRATIONS))
        self.engine = LogsEngine(store)  # the in-process interface other services use
        self._sweeper = PeriodicSweeper(
            "logs-retention", self.engine.sweep_expired, SWEEP_INTERVAL_SECONDS
        ).start()

    def close(self) -> None:
        self._sweeper.stop()

    # -- log groups ----------------------------------------------------------------------

    def create_log_group(self, ctx: RequestContext, params: Params) -> Params:
        self.engine.create_group(
            ctx.account_id,
            ctx.region,
            params["logGroupName"],
            kms_key_id=params.get("kmsKeyId"),
            tags=params.get("tags"),
            log_group_class=params.get("logGroupClass") or "STANDARD",
            deletion_protection=bool(params.get("deletionProtectionEnabled", False)),
        )
        return {}

    def delete_log_group(self, ctx: RequestContext, params: Params) -> Params:
        self.engine.delete_group(ctx.account_id, ctx.region, params["logGroupName"])
        return {}

    def describe_log_groups(self, ctx: RequestContext, params: Params) -> Params:
        prefix = params.get("logGroupNamePrefix")
        pattern = params.get("logGroupNamePattern")
        if prefix and pattern:
            raise InvalidParameterException(
                "LogGroupNamePrefix and LogGroupNamePattern are mutually exclusive parameters."
            )
        identifiers = params.get("logGroupIdentifiers")
        if identifiers:
            groups = [g for g in (self._find_group(ctx, i) for i in identifiers) if g is not None]
            return {"logGroups": [_group(g) for g in sorted(groups, key=lambda g: g.name)]}
        groups, token = self.engine.list_groups(
            ctx.account_id,
            ctx.region,
            prefix=prefix,
            pattern=pattern,
            token=params.get("nextToken"),
            limit=params.get("limit", 50),
            log_group_class=params.get("logGroupClass"),
        )
        result: Params = {"logGroups": [_group(g) for g in groups]}
        if token:
            result["nextToken"] = token
        return result

    def put_retention_policy(self, ctx: RequestContext, params: Params) -> Params:
        self.engine.set_retention(
            ctx.account_id, ctx.region, params["logGroupName"], params["retentionInDays"]
        )
        return {}

    def delete_retention_policy(self, ctx: RequestContext, params: Params) -> Params:
        self.engine.set_retention(ctx.account_id, ctx.region, params["logGroupName"], None)
        return {}

    # -- log streams ---------------------------------------------------------------------

    def create_log_stream(self, ctx: RequestContext, params: Params) -> Params:
        self.engine.create_stream(
            ctx.account_id, ctx.region, params["logGroupName"], params["logStreamName"]
        )
        return {}

    def delete_log_stream(self, ctx: RequestContext, params: Params) -> Params:
        self.engine.delete_stream(
            ctx.account_id, ctx.region, params["logGroupName"], params["logStreamName"]
        )
        return {}

    def describe_log_streams(self, ctx: RequestContext, params: Params) -> Params:
        group = self._group_param(ctx, params)
        order = params.get("orderBy") or "LogStreamName"
        streams, token = self.engine.list_streams(
            group,
            prefix=params.get("logStreamNamePrefix"),
            by_last_event=order == "LastEventTime",
            descending=bool(params.get("descending", False)),
            token=params.get("nextToken"),
            limit=params.get("limit", 50),
        )
        result: Params = {"logStreams": [_stream(group, s) for s in streams]}
        if token:
            result["nextToken"] = token
        return result

    # -- events --------------------------------------------------------------------------

    def put_log_events(self, ctx: RequestContext, params: Params) -> Params:
        events = [(e["timestamp"], e["message"]) for e in params["logEvents"]]
        outcome = self.engine.put_log_events(
            ctx.account_id, ctx.region, params["logGroupName"], params["logStreamName"], events
        )
        result: Params = {"nextSequenceToken": _sequence_token(outcome.sequence)}
        if outcome.rejected:
            result["rejectedLogEventsInfo"] = outcome.rejected
        return result

    def get_log_events(self, ctx: RequestContext, params: Params) -> Params:
        group = self._group_param(ctx, params)
        stream = self.engine.stream(group, params["logStreamName"])
        page = self.engine.get_log_events(
            group,
            stream,
            start=params.get("startTime"),
            end=params.get("endTime"),
            token=params.get("nextToken"),
            limit=params.get("limit", 10_000),
            from_head=bool(params.get("startFromHead", False)),
        )
        return {
            "events": [
                {"timestamp": e.timestamp, "message": e.message, "ingestionTime": e.ingestion_time}
                for e in page.events
            ],
            "nextForwardToken": page.forward_token,
            "nextBackwardToken": page.backward_token,
        }

    def filter_log_events(self, ctx: RequestContext, params: Params) -> Params:
        group = self._group_param(ctx, params)
        page = self.engine.filter_log_events(
            group,
            stream_names=params.get("logStreamNames"),
            stream_prefix=params.get("logStreamNamePrefix"),
            start=params.get("startTime"),
            end=params.get("endTime"),
            pattern=params.get("filterPattern"),
            token=params.get("nextToken"),
            limit=params.get("limit", 10_000),
        )
        result: Params = {
            "events": [
                {
                    "logStreamName": e.stream_name,
                    "timestamp": e.timestamp,
                    "message": e.message,
                    "ingestionTime": e.ingestion_time,
                    "eventId": e.event_id,
                }
                for e in page.events
            ],
            "searchedLogStreams": [],
        }
        if page.forward_token:
            result["nextToken"] = page.forward_token
        return result

    # -- tags ----------------------------------------------------------------------------

    def tag_log_group(self, ctx: RequestContext, params: Params) -> Params:
        group = self.engine.group(ctx.account_id, ctx.region, params["logGroupName"])
        self.engine.tag(group, params["tags"])
        return {}

    def untag_log_group(self, ctx: RequestContext, params: Params) -> Params:
        group = self.engine.group(ctx.account_id, ctx.region, params["logGroupName"])
        self.engine.untag(group, params["tags"])
        return {}

    def list_tags_log_group(self, ctx: RequestContext, params: Params) -> Params:
        group = self.engine.group(ctx.account_id, ctx.region, params["logGroupName"])
        return {"tags": group.tags}

    def tag_resource(self, ctx: RequestContext, params: Params) -> Params:
        group = self.engine.group_by_arn(ctx.account_id, ctx.region, params["resourceArn"])
        self.engine.tag(group, params["tags"])
        return {}

    def untag_resource(self, ctx: RequestContext, params: Params) -> Params:
        group = self.engine.group_by_arn(ctx.account_id, ctx.region, params["resourceArn"])
        self.engine.untag(group, params["tagKeys"])
        return {}

    def list_tags_for_resource(self, ctx: RequestContext, params: Params) -> Params:
        group = self.engine.group_by_arn(ctx.account_id, ctx.region, params["resourceArn"])
        return {"tags": group.tags}

    # -- parameters ----------------------------------------------------------------------

    def _find_group(self, ctx: RequestContext, identifier: str) -> LogGroup | None:
        if identifier.startswith("arn:"):
            try:
                return self.engine.group_by_arn(ctx.account_id, ctx.region, identifier)
            except InvalidParameterException:
                raise
            except Exception:  # ResourceNotFound: simply not listed
                return None
        return self.engine.store.get_group(ctx.account_id, ctx.region, identifier)

    def _group_param(self, ctx: RequestContext, params: Params) -> LogGroup:
        """The group named by logGroupName or logGroupIdentifier (a name or an ARN)."""
        name, identifier = params.get("logGroupName"), params.get("logGroupIdentifier")
        if name and identifier:
            raise InvalidParameterException(
                "LogGroup name and LogGroup ARN are mutually exclusive parameters."
            )
        if not name and not identifier:
            raise InvalidParameterException("Should provide either name or ARN of LogGroup.")
        group = self._find_group(ctx, name or identifier)
        if group is None:
            raise group_not_found()
        return group


def _sequence_token(sequence: int) -> str:
    return f"{sequence:056d}"


def _group(group: LogGroup) -> Params:
    out: Params = {
        "logGroupName": group.name,
        "creationTime": group.creation_time,
        "metricFilterCount": 0,
        "arn": f"{group.arn}:*",
        "storedBytes": group.stored_bytes,
        "logGroupClass": group.log_group_class,
        "logGroupArn": group.arn,
        "deletionProtectionEnabled": group.deletion_protection,
    }
    if group.retention_days is not None:
        out["retentionInDays"] = group.retention_days
    if group.kms_key_id:
        out["kmsKeyId"] = group.kms_key_id
    return out


def _stream(group: LogGroup, stream: LogStream) -> Params:
    out: Params = {
        "logStreamName": stream.name,
        "creationTime": stream.creation_time,
        "arn": f"{group.arn}:log-stream:{stream.name}",
        "uploadSequenceToken": _sequence_token(stream.sequence),
        "storedBytes": stream.stored_bytes,
    }
    if stream.first_event_timestamp is not None:
        out["firstEventTimestamp"] = stream.first_event_timestamp
        out["lastEventTimestamp"] = stream.last_event_timestamp
        out["lastIngestionTime"] = stream.last_ingestion_time
    return out
