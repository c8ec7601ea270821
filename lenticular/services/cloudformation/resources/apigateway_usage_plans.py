"""AWS::ApiGateway::ApiKey, UsagePlan and UsagePlanKey. Ref is the key, plan or plan-key
id. Key name/description/enabled are patched in place; any other change, and any change
to a usage plan or plan key, replaces it (dependent plan keys follow the new id).
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-apigateway-usageplan.html
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
        return old != new  # no UpdateUsagePlan mapping yet: a changed plan is a new plan

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


def _throttle(throttle: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if throttle.get("BurstLimit") is not None:
        out["burstLimit"] = int(throttle["BurstLimit"])
    if throttle.get("RateLimit") is not None:
        out["rateLimit"] = float(throttle["RateLimit"])
    return out
