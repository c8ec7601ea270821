"""AWS::DynamoDB::Table through the DynamoDB provider: keys, GSIs, LSIs, TTL, streams,
billing. Ref is the table name; GetAtt Arn and StreamArn.

Replacement (a new table, the old one deleted) when TableName, KeySchema or the LSIs
change, as CloudFormation does; GSIs, billing, streams, TTL, tags and deletion protection
are updated in place, one GSI change per UpdateTable call as DynamoDB requires.
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-dynamodb-table.html
"""

from __future__ import annotations

import copy
from typing import Any

from lenticular.services.cloudformation.intrinsics import ResourceState
from lenticular.services.cloudformation.resources import Deployment, ResourceType


class Table(ResourceType):
    type_name = "AWS::DynamoDB::Table"
    attributes = ("Arn", "StreamArn")
    replace_on = ("TableName", "KeySchema", "LocalSecondaryIndexes")
    name_property = "TableName"

    def create(self, env: Deployment, logical_id: str, props: dict[str, Any]) -> ResourceState:
        name = props.get("TableName") or env.generated_name(logical_id, 255)
        params: dict[str, Any] = {
            "TableName": name,
            "AttributeDefinitions": props.get("AttributeDefinitions") or [],
            "KeySchema": props.get("KeySchema") or [],
        }
        for key in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
            if props.get(key):
                params[key] = [_index(i) for i in props[key]]
        for key in ("BillingMode", "TableClass", "Tags", "OnDemandThroughput"):
            if props.get(key) is not None:
                params[key] = props[key]
        if props.get("ProvisionedThroughput"):
            params["ProvisionedThroughput"] = _throughput(props["ProvisionedThroughput"])
        if props.get("DeletionProtectionEnabled") is not None:
            params["DeletionProtectionEnabled"] = _bool(props["DeletionProtectionEnabled"])
        if props.get("StreamSpecification"):
            params["StreamSpecification"] = _stream(props["StreamSpecification"])
        if props.get("SSESpecification"):
            sse = props["SSESpecification"]
            params["SSESpecification"] = {"Enabled": _bool(sse.get("SSEEnabled", False))} | {
                k: sse[k] for k in ("SSEType", "KMSMasterKeyId") if k in sse
            }
        out = env.call("dynamodb", "CreateTable", params)["TableDescription"]
        ttl = props.get("TimeToLiveSpecification")
        if ttl and _bool(ttl.get("Enabled", False)):
            _set_ttl(env, name, ttl)
        return ResourceState(name, _attributes(out))

    def update(
        self, env: Deployment, state: ResourceState, old: dict[str, Any], new: dict[str, Any]
    ) -> ResourceState:
        name = state.physical_id
        definitions = new.get("AttributeDefinitions") or []
        for change in _index_changes(old, new):
            env.call("dynamodb", "UpdateTable", {
                "TableName": name, "AttributeDefinitions": definitions,
                "GlobalSecondaryIndexUpdates": [change],
            })  # fmt: skip
        table: dict[str, Any] = {}
        if (old.get("BillingMode"), old.get("ProvisionedThroughput")) != (
            new.get("BillingMode"),
            new.get("ProvisionedThroughput"),
        ):
            table["BillingMode"] = new.get("BillingMode") or "PROVISIONED"
            if new.get("ProvisionedThroughput"):
                table["ProvisionedThroughput"] = _throughput(new["ProvisionedThroughput"])
        for key in ("TableClass", "DeletionProtectionEnabled"):
            if old.get(key) != new.get(key) and new.get(key) is not None:
                table[key] = new[key] if key == "TableClass" else _bool(new[key])
        if table:
            env.call("dynamodb", "UpdateTable", {"TableName": name, **table})
        if old.get("StreamSpecification") != new.get("StreamSpecification"):
            if old.get("StreamSpecification"):
                env.call("dynamodb", "UpdateTable",
                         {"TableName": name, "StreamSpecification": {"StreamEnabled": False}})  # fmt: skip
            if new.get("StreamSpecification"):
                env.call("dynamodb", "UpdateTable",
                         {"TableName": name, "StreamSpecification": _stream(new["StreamSpecification"])})  # fmt: skip
        old_ttl, new_ttl = old.get("TimeToLiveSpecification"), new.get("TimeToLiveSpecification")
        if old_ttl != new_ttl:
            if new_ttl and _bool(new_ttl.get("Enabled", False)):
                _set_ttl(env, name, new_ttl)
            elif old_ttl and _bool(old_ttl.get("Enabled", False)):
                _set_ttl(env, name, {**old_ttl, "Enabled": False})
        _retag(env, state.attributes["Arn"], old.get("Tags") or [], new.get("Tags") or [])
        out = env.call("dynamodb", "DescribeTable", {"TableName": name})["Table"]
        return ResourceState(name, _attributes(out))

    def delete(self, env: Deployment, state: ResourceState, props: dict[str, Any]) -> None:
        env.call("dynamodb", "DeleteTable", {"TableName": state.physical_id})


def _index_changes(old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, Any]]:
    before = {i["IndexName"]: i for i in old.get("GlobalSecondaryIndexes") or []}
    after = {i["IndexName"]: i for i in new.get("GlobalSecondaryIndexes") or []}
    changes: list[dict[str, Any]] = []
    for index_name, index in before.items():
        kept = after.get(index_name)
        if kept is None or _shape(kept) != _shape(index):
            changes.append({"Delete": {"IndexName": index_name}})
    for index_name, index in after.items():
        previous = before.get(index_name)
        if previous is None or _shape(previous) != _shape(index):
            changes.append({"Create": _index(index)})
        elif previous.get("ProvisionedThroughput") != index.get("ProvisionedThroughput") and \
                index.get("ProvisionedThroughput"):  # fmt: skip
            changes.append({"Update": {
                "IndexName": index_name,
                "ProvisionedThroughput": _throughput(index["ProvisionedThroughput"]),
            }})  # fmt: skip
    return changes


def _shape(index: dict[str, Any]) -> tuple[Any, Any]:
    return index.get("KeySchema"), index.get("Projection")


def _index(index: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(index)
    if "ProvisionedThroughput" in out:
        out["ProvisionedThroughput"] = _throughput(out["ProvisionedThroughput"])
    out.pop("ContributorInsightsSpecification", None)
    return out


def _throughput(value: dict[str, Any]) -> dict[str, int]:
    return {k: int(v) for k, v in value.items()}


def _stream(spec: dict[str, Any]) -> dict[str, Any]:
    return {"StreamEnabled": True, "StreamViewType": spec["StreamViewType"]}


def _set_ttl(env: Deployment, name: str, ttl: dict[str, Any]) -> None:
    spec = {"AttributeName": ttl["AttributeName"], "Enabled": _bool(ttl.get("Enabled", False))}
    env.call("dynamodb", "UpdateTimeToLive", {"TableName": name, "TimeToLiveSpecification": spec})


def _retag(env: Deployment, arn: str, old: list[dict[str, Any]], new: list[dict[str, Any]]) -> None:
    if old == new:
        return
    keys = {t["Key"] for t in new}
    gone = [t["Key"] for t in old if t["Key"] not in keys]
    if gone:
        env.call("dynamodb", "UntagResource", {"ResourceArn": arn, "TagKeys": gone})
    if new:
        env.call("dynamodb", "TagResource", {"ResourceArn": arn, "Tags": new})


def _attributes(description: dict[str, Any]) -> dict[str, Any]:
    attributes = {"Arn": description["TableArn"]}
    if description.get("LatestStreamArn"):
        attributes["StreamArn"] = description["LatestStreamArn"]
    return attributes


def _bool(value: Any) -> bool:
    return value if isinstance(value, bool) else str(value).lower() == "true"
