"""AWS::Lambda::EventSourceMapping through Lambda's mapping operations. Ref is the
mapping's UUID (GetAtt Id, EventSourceMappingArn). The source, its starting position
and the self-managed/Kafka settings are immutable (replacement); the rest is updated.
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-lambda-eventsourcemapping.html
"""

from __future__ import annotations

from typing import Any

from lenticular.services.cloudformation.intrinsics import ResourceState
from lenticular.services.cloudformation.resources import Deployment, ResourceType

_UPDATABLE = (
    "FunctionName", "Enabled", "BatchSize", "FilterCriteria", "MaximumBatchingWindowInSeconds",
    "DestinationConfig", "MaximumRecordAgeInSeconds", "BisectBatchOnFunctionError",
    "MaximumRetryAttempts", "ParallelizationFactor", "SourceAccessConfigurations",
    "TumblingWindowInSeconds", "FunctionResponseTypes", "ScalingConfig",
)  # fmt: skip
_CREATE_ONLY = ("EventSourceArn", "StartingPosition", "StartingPositionTimestamp", "Topics",
                "Queues", "SelfManagedEventSource", "AmazonManagedKafkaEventSourceConfig",
                "SelfManagedKafkaEventSourceConfig", "DocumentDBEventSourceConfig")  # fmt: skip
_NUMBERS = ("BatchSize", "MaximumBatchingWindowInSeconds", "MaximumRecordAgeInSeconds",
            "MaximumRetryAttempts", "ParallelizationFactor", "TumblingWindowInSeconds")  # fmt: skip


class EventSourceMapping(ResourceType):
    type_name = "AWS::Lambda::EventSourceMapping"
    attributes = ("Id", "EventSourceMappingArn")
    replace_on = _CREATE_ONLY

    def create(self, env: Deployment, logical_id: str, props: dict[str, Any]) -> ResourceState:
        params = _params(props, _UPDATABLE + _CREATE_ONLY)
        if "StartingPositionTimestamp" in params:
            params["StartingPositionTimestamp"] = float(params["StartingPositionTimestamp"])
        out = env.call("lambda", "CreateEventSourceMapping", params)
        return ResourceState(out["UUID"], _attributes(out))

    def update(
        self, env: Deployment, state: ResourceState, old: dict[str, Any], new: dict[str, Any]
    ) -> ResourceState:
        params = _params(new, _UPDATABLE)
        if "Enabled" not in params:
            params["Enabled"] = True
        if old.get("FilterCriteria") and not new.get("FilterCriteria"):
            params["FilterCriteria"] = {"Filters": []}
        out = env.call("lambda", "UpdateEventSourceMapping", {"UUID": state.physical_id, **params})
        return ResourceState(state.physical_id, _attributes(out) or state.attributes)

    def delete(self, env: Deployment, state: ResourceState, props: dict[str, Any]) -> None:
        env.call("lambda", "DeleteEventSourceMapping", {"UUID": state.physical_id})


def _params(props: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    params = {key: props[key] for key in keys if props.get(key) is not None}
    for key in _NUMBERS:
        if key in params:
            params[key] = int(params[key])
    for key in ("Enabled", "BisectBatchOnFunctionError"):
        if key in params and not isinstance(params[key], bool):
            params[key] = str(params[key]).lower() == "true"
    return params


def _attributes(out: dict[str, Any]) -> dict[str, Any]:
    attributes = {"Id": out["UUID"]}
    if out.get("EventSourceMappingArn"):
        attributes["EventSourceMappingArn"] = out["EventSourceMappingArn"]
    return attributes
