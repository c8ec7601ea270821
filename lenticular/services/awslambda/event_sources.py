"""Event source mappings: Create/Get/List/Update/DeleteEventSourceMapping for DynamoDB
streams, and one `StreamPoller` task per enabled mapping on the server's event loop
(started with the provider and on create or enable; stopped on disable, delete and
close).

States move as AWS reports them: Creating -> Enabled (or Disabled), Enabling -> Enabled,
Disabling -> Disabled, Updating -> back, Deleting; each transition settles a moment after
the request that caused it, with StateTransitionReason "User action".
https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from lenticular.services.awslambda.configuration import FunctionRef, parse_function
from lenticular.services.awslambda.errors import (
    InvalidParameterValueException,
    ResourceConflictException,
    ResourceNotFoundException,
)
from lenticular.services.awslambda.event_filters import compile_criteria
from lenticular.services.awslambda.paging import page
from lenticular.services.awslambda.store import MappingRecord, MappingStore
from lenticular.services.awslambda.stream_poller import StreamPoller

if TYPE_CHECKING:
    from lenticular.services.awslambda.async_invoke import EventQueue
    from lenticular.services.awslambda.functions import LambdaEngine
    from lenticular.services.dynamodb.streams import StreamLog

Params = dict[str, Any]

SETTLE_S = 0.05  # how long a transitional state (Creating, Disabling, ...) lasts
NOT_FOUND = "The resource you requested does not exist."
_DDB_STREAM = re.compile(r"arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:\d{12}:table/[^/]+/stream/.+")
_OTHER_SOURCES = re.compile(r"arn:aws[a-z-]*:(sqs|kinesis|kafka|mq|rds|docdb|docdb-elastic):")
_STREAM_POSITIONS = ("TRIM_HORIZON", "LATEST")
# Members an update may change, and the defaults a DynamoDB stream mapping reports.
_TUNABLE = {
    "BatchSize": 100,
    "MaximumBatchingWindowInSeconds": 0,
    "ParallelizationFactor": 1,
    "MaximumRecordAgeInSeconds": -1,
    "BisectBatchOnFunctionError": False,
    "MaximumRetryAttempts": -1,
    "TumblingWindowInSeconds": 0,
    "FunctionResponseTypes": [],
}
_SETTLED = {"Creating": None, "Enabling": "Enabled", "Disabling": "Disabled", "Updating": None}


class EventSourceMappings:
    def __init__(
        self,
        store: MappingStore,
        engine: LambdaEngine,
        streams: Callable[[], StreamLog],
        events: EventQueue,
    ) -> None:
        self.store = store
        self.engine = engine
        self.streams = streams  # DynamoDB's stream engine, loaded on first use
        self.events = events
        self._pollers: dict[str, asyncio.Task[None]] = {}

    # -- the API ---------------------------------------------------------------------------

    def create(self, account_id: str, region: str, params: Params) -> Params:
        source = params.get("EventSourceArn") or ""
        _check_source(source)
        position = params.get("StartingPosition")
        if position is None:
            raise InvalidParameterValueException(
                "1 validation error detected: Value null at 'startingPosition' failed to"
                " satisfy constraint: Member must not be null."
            )
        if position not in _STREAM_POSITIONS:
            raise InvalidParameterValueException(
                f"Unsupported starting position for arn type: {source}"
            )
        ref = self._function(params["FunctionName"], account_id, region)
        streams = self.streams()
        stream = streams.find(source)
        if stream is None or stream.account_id != account_id or stream.region != region:
            raise InvalidParameterValueException(f"Stream not found: {source}")
        for other in self.store.listed(account_id, region):
            if other.source_arn == source and other.config["FunctionArn"] == _arn(ref):
                raise ResourceConflictException(
                    f'The event source arn (" {source} ") and function (" {ref.name} ")'
                    " provided mapping already exists. Please update or delete the existing"
                    f" mapping with UUID {other.uuid}",
                    fields={"Type": "User"},
                )
        mapping_id = str(uuid.uuid4())
        config: Params = {
            "UUID": mapping_id,
            "StartingPosition": position,
            "BatchSize": 100,
            "MaximumBatchingWindowInSeconds": 0,
            "ParallelizationFactor": 1,
            "EventSourceArn": source,
            "FunctionArn": _arn(ref),
            "LastModified": time.time(),
            "LastProcessingResult": "No records processed",
            "State": "Creating",
            "StateTransitionReason": "User action",
            "DestinationConfig": {"OnFailure": {}},
        }
        if params.get("StartingPositionTimestamp") is not None:
            config["StartingPositionTimestamp"] = params["StartingPositionTimestamp"]
        for member, default in _TUNABLE.items():
            config[member] = params.get(member, default)
        _apply_options(config, params)
        config["EventSourceMappingArn"] = (
            f"arn:aws:lambda:{region}:{account_id}:event-source-mapping:{mapping_id}"
        )
        start = streams.horizon(stream) if position == "TRIM_HORIZON" else streams.latest(stream)
        enabled = params.get("Enabled", True) is not False
        record = MappingRecord(
            mapping_id, account_id, region, ref.name, source, enabled, config, start
        )
        self.store.put(record)
        self._settle_later(mapping_id)
        return config

    def get(self, mapping_id: str) -> Params:
        return self._mapping(mapping_id).config

    def list(self, account_id: str, region: str, params: Params) -> Params:
        mappings = self.store.listed(account_id, region)
        if params.get("EventSourceArn"):
            mappings = [m for m in mappings if m.source_arn == params["EventSourceArn"]]
        if params.get("FunctionName"):
            ref = parse_function(params["FunctionName"], account_id, region)
            mappings = [
                m
                for m in mappings
                if m.function_name == ref.name
                and (ref.qualifier is None or m.config["FunctionArn"] == _arn(ref))
            ]
        items, marker = page(
            [m.config for m in mappings], params.get("Marker"), params.get("MaxItems") or 100
        )
        out: Params = {"EventSourceMappings": items}
        if marker:
            out["NextMarker"] = marker
        return out

    def update(self, mapping_id: str, params: Params) -> Params:
        mapping = self._mapping(mapping_id)
        config = dict(mapping.config)
        if params.get("FunctionName"):
            ref = self._function(params["FunctionName"], mapping.account_id, mapping.region)
            config["FunctionArn"] = _arn(ref)
            mapping.function_name = ref.name
        for member in _TUNABLE:
            if params.get(member) is not None:
                config[member] = params[member]
        _apply_options(config, params)
        enabled = mapping.enabled if params.get("Enabled") is None else bool(params["Enabled"])
        if enabled and not mapping.enabled:
            config["State"] = "Enabling"
        elif mapping.enabled and not enabled:
            config["State"] = "Disabling"
            self._stop(mapping_id)
        else:
            config["State"] = "Updating"
        config["StateTransitionReason"] = "User action"
        config["LastModified"] = time.time()
        mapping.config, mapping.enabled = config, enabled
        self.store.put(mapping)
        self._settle_later(mapping_id)
        return config

    def delete(self, mapping_id: str) -> Params:
        mapping = self._mapping(mapping_id)
        self._stop(mapping_id)
        self.store.delete(mapping_id)
        return {**mapping.config, "State": "Deleting", "StateTransitionReason": "User action"}

    # -- pollers ---------------------------------------------------------------------------

    def start_all(self) -> None:
        """Settle every mapping and start the pollers of the enabled ones (on the loop)."""
        for mapping in self.store.listed():
            self._settle(mapping.uuid)

    async def stop_all(self) -> None:
        tasks = list(self._pollers.values())
        self._pollers.clear()
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    def _settle_later(self, mapping_id: str) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no loop (tools, tests): the pollers start with the server
            return
        loop.call_later(SETTLE_S, self._settle, mapping_id)

    def _settle(self, mapping_id: str) -> None:
        """End a transitional state and start or stop the mapping's poller to match."""
        mapping = self.store.get(mapping_id)
        if mapping is None:
            return
        state = mapping.config.get("State")
        if state in _SETTLED:
            final = _SETTLED[state] or ("Enabled" if mapping.enabled else "Disabled")
            mapping.config["State"] = final
            self.store.update_config(mapping_id, mapping.config)
        if mapping.enabled:
            self._start(mapping_id)
        else:
            self._stop(mapping_id)

    def _start(self, mapping_id: str) -> None:
        task = self._pollers.get(mapping_id)
        if task is not None and not task.done():
            return
        poller = StreamPoller(mapping_id, self.store, self.engine, self.streams, self.events)
        self._pollers[mapping_id] = asyncio.ensure_future(poller.run())

    def _stop(self, mapping_id: str) -> None:
        task = self._pollers.pop(mapping_id, None)
        if task is not None:
            task.cancel()

    # -- helpers ---------------------------------------------------------------------------

    def _mapping(self, mapping_id: str) -> MappingRecord:
        mapping = self.store.get(mapping_id)
        if mapping is None:
            raise ResourceNotFoundException(NOT_FOUND, fields={"Type": "User"})
        return mapping

    def _function(self, name: str, account_id: str, region: str) -> FunctionRef:
        ref = parse_function(name, account_id, region)
        self.engine.configuration(ref)  # the function (and version or alias) must exist
        return ref


def _arn(ref: FunctionRef) -> str:
    return ref.arn(ref.qualifier)


def _check_source(source: str) -> None:
    if _DDB_STREAM.fullmatch(source):
        return
    found = _OTHER_SOURCES.match(source)
    if found:
        raise InvalidParameterValueException(
            f"lenticular does not poll {found.group(1)} event sources yet; only DynamoDB streams."
        )
    raise InvalidParameterValueException("Unrecognized event source.")


def _apply_options(config: Params, params: Params) -> None:
    """FilterCriteria and DestinationConfig, validated, into a mapping's configuration."""
    if params.get("FilterCriteria") is not None:
        criteria = params["FilterCriteria"]
        compile_criteria(criteria)
        if criteria.get("Filters"):
            config["FilterCriteria"] = {"Filters": list(criteria["Filters"])}
        else:
            config.pop("FilterCriteria", None)  # an empty FilterCriteria removes the filters
    destination = params.get("DestinationConfig")
    if destination is not None:
        on_failure = dict(destination.get("OnFailure") or {})
        target = on_failure.get("Destination")
        if target and not re.match(r"arn:aws[a-z-]*:(sqs|sns|lambda|s3):", target):
            raise InvalidParameterValueException(
                f"The provided destination config DestinationConfig(onSuccess=null,"
                f" onFailure=OnFailure(destination={target})) is invalid."
            )
        config["DestinationConfig"] = {"OnFailure": on_failure}
