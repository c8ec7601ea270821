"""AWS::ApiGateway::ApiKey, UsagePlan and UsagePlanKey. Ref is the key, plan or plan-key
id. Key name/description/enabled are patched in place; any other key change replaces it.
A usage plan is patched in place (UpdateUsagePlan: name, description, throttle, quota,
API stages added and removed), as CloudFormation does; lenticular replaces it only when its
Tags change or a kept stage's per-method throttle changes (API Gateway has no tagging
operations in lenticular yet, and its UpdateUsagePlan has no per-method throttle paths).
A plan key is replaced on any change (dependent plan keys follow a new plan id).
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-apigateway-usageplan.html
https://docs.aws.amazon.com/apigateway/latest/api/patch-operations.html#UpdateUsagePlan-Patch
"""

from __future__ import annotations

from typing import Any

from lenticular.services.cloudformation.intrinsics import ResourceState
from lenticular.services.cloudformation.resources import Deployment, ResourceType, tag_map


class ApiKey(ResourceType):
    type_name = "AWS::ApiGateway::ApiKey"
    attributes = ("APIKeyId",)
    replace_on = ("Value", "StageKeys", "GenerateDistinctId", "CustomerId")

    def create(self, env: Deployment, logical_id: str, props: dict[str, Any]) -> ResourceState:
        params: dict[str, Any] = {
            "name": props.get("Name") or env.generated_name(logical_id, 128),
            "enabled": str(props.get("Enabled", False)).lower() == "true",
        }
        for key, member in (("Description", "description"), ("Value", "value"),
                            ("CustomerId", "customerId")):  # fmt: skip
            if props.get(key):
                params[member] = props[key]
        params["stageKeys"] = [{"restApiId": k["RestApiId"], "stageName": k["StageName"]}
                               for k in props.get("StageKeys") or []]  # fmt: skip
        if props.get("Tags"):
            params["tags"] = tag_map(props["Tags"])
        out = env.call("apigateway", "CreateApiKey", params)
        return ResourceState(out["id"], {"APIKeyId": out["id"]})

    def update(
        self, env: Deployment, state: ResourceState, old: dict[str, Any], new: dict[str, Any]
    ) -> ResourceState:
        operations = []
        for key, member in (("Name", "name"), ("Description", "description"),
                            ("Enabled", "enabled")):  # fmt: skip
            if old.get(key) != new.get(key) and new.get(key) is not None:
                value = new[key]
                value = str(value).lower() if key == "Enabled" else str(value)
                operations.append({"op": "replace", "path": f"/{member}", "value": value})
        if operations:
            env.call("apigateway", "UpdateApiKey",
                     {"apiKey": state.physical_id, "patchOperations": operations})  # fmt: skip
        return state

    def delete(self, env: Deployment, state: ResourceState, props: dict[str, Any]) -> None:
        env.call("apigateway", "DeleteApiKey", {"apiKey": state.physical_id})


class UsagePlan(ResourceType):
    type_name = "AWS::ApiGateway::UsagePlan"
    attributes = ("Id",)

    def needs_replacement(self, old: dict[str, Any], new: dict[str, Any]) -> bool:
        if tag_map(old.get("Tags")) != tag_map(new.get("Tags")):
            return True
        # a stage's per-method throttle cannot be patched here: a kept stage whose throttle
        # changes, or a new stage that has one, means a new plan
        before, after = _stages(old), _stages(new)
        return any(
            throttle != before.get(stage, {})
            for stage, throttle in after.items()
            if stage in before or throttle
        )

    def create(self, env: Deployment, logical_id: str, props: dict[str, Any]) -> ResourceState:
        params: dict[str, Any] = {"name": props.get("UsagePlanName") or logical_id}
        if props.get("Description"):
            params["description"] = props["Description"]
        stages = []
        for stage in props.get("ApiStages") or []:
            item: dict[str, Any] = {"apiId": stage["ApiId"], "stage": stage["Stage"]}
            if stage.get("Throttle"):
                item["throttle"] = {path: _throttle(t) for path, t in stage["Throttle"].items()}
            stages.append(item)
        if stages:
            params["apiStages"] = stages
        if props.get("Throttle"):
            params["throttle"] = _throttle(props["Throttle"])
        quota = props.get("Quota")
        if quota:
            params["quota"] = {"limit": int(quota["Limit"]), "period": quota["Period"],
                               "offset": int(quota.get("Offset", 0))}  # fmt: skip
        if props.get("Tags"):
            params["tags"] = tag_map(props["Tags"])
        out = env.call("apigateway", "CreateUsagePlan", params)
        return ResourceState(out["id"], {"Id": out["id"]})

    def update(
        self, env: Deployment, state: ResourceState, old: dict[str, Any], new: dict[str, Any]
    ) -> ResourceState:
        operations: list[dict[str, Any]] = []
        for key, member in (("UsagePlanName", "name"), ("Description", "description")):
            # a name the template drops stays as it is (the plan keeps its name)
            if old.get(key) != new.get(key) and (new.get(key) or key == "Description"):
                value = str(new.get(key) or "")
                operations.append({"op": "replace", "path": f"/{member}", "value": value})
        operations += _limits("throttle", old.get("Throttle"), new.get("Throttle"),
                              (("BurstLimit", "burstLimit"), ("RateLimit", "rateLimit")))  # fmt: skip
        operations += _limits("quota", old.get("Quota"), new.get("Quota"),
                              (("Limit", "limit"), ("Offset", "offset"), ("Period", "period")))  # fmt: skip
        before, after = _stages(old), _stages(new)
        operations += [{"op": "remove", "path": "/apiStages", "value": f"{api}:{stage}"}
                       for api, stage in before if (api, stage) not in after]  # fmt: skip
        operations += [{"op": "add", "path": "/apiStages", "value": f"{api}:{stage}"}
                       for api, stage in after if (api, stage) not in before]  # fmt: skip
        if operations:
            env.call("apigateway", "UpdateUsagePlan",
                     {"usagePlanId": state.physical_id, "patchOperations": operations})  # fmt: skip
        return state

    def delete(self, env: Deployment, state: ResourceState, props: dict[str, Any]) -> None:
        env.call("apigateway", "DeleteUsagePlan", {"usagePlanId": state.physical_id})


class UsagePlanKey(ResourceType):
    type_name = "AWS::ApiGateway::UsagePlanKey"
    attributes = ("Id",)

    def needs_replacement(self, old: dict[str, Any], new: dict[str, Any]) -> bool:
        return old != new

    def create(self, env: Deployment, logical_id: str, props: dict[str, Any]) -> ResourceState:
        env.call("apigateway", "CreateUsagePlanKey", {
            "usagePlanId": props["UsagePlanId"], "keyId": props["KeyId"],
            "keyType": props.get("KeyType") or "API_KEY",
        })  # fmt: skip
        physical = f"{props['KeyId']}:{props['UsagePlanId']}"
        return ResourceState(physical, {"Id": physical})

    def delete(self, env: Deployment, state: ResourceState, props: dict[str, Any]) -> None:
        env.call("apigateway", "DeleteUsagePlanKey",
                 {"usagePlanId": props["UsagePlanId"], "keyId": props["KeyId"]})  # fmt: skip


def _stages(props: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """(api id, stage) -> that stage's per-method throttle map."""
    return {(str(s["ApiId"]), str(s["Stage"])): s.get("Throttle") or {}
            for s in props.get("ApiStages") or []}  # fmt: skip


def _limits(
    group: str, old: dict[str, Any] | None, new: dict[str, Any] | None,
    members: tuple[tuple[str, str], ...],
) -> list[dict[str, Any]]:  # fmt: skip
    """Patch operations turning the `old` throttle or quota into the `new` one."""
    old, new = old or {}, new or {}
    if old == new:
        return []
    if not new:
        return [{"op": "remove", "path": f"/{group}"}]
    operations = [{"op": "remove", "path": f"/{group}"}] if group == "quota" else []
    for key, member in members:
        value = new.get(key, 0 if key == "Offset" else None)
        if value is not None and (group == "quota" or str(value) != str(old.get(key))):
            operations.append({"op": "replace", "path": f"/{group}/{member}", "value": str(value)})
        elif value is None and old.get(key) is not None:
            operations.append({"op": "remove", "path": f"/{group}/{member}"})
    return operations


def _throttle(throttle: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if throttle.get("BurstLimit") is not None:
        out["burstLimit"] = int(throttle["BurstLimit"])
    if throttle.get("RateLimit") is not None:
        out["rateLimit"] = float(throttle["RateLimit"])
    return out
