"""AWS::ApiGateway::Deployment and AWS::ApiGateway::Stage.

A Deployment snapshots the API; with StageName it also creates (or repoints) that stage.
Ref is the deployment id (GetAtt DeploymentId); a new RestApiId replaces it. A Stage's
Ref is its name; RestApiId and StageName are immutable. Method settings, the cache
cluster and AccessLogSetting are applied through UpdateStage patch operations.
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-apigateway-deployment.html
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-apigateway-stage.html
"""

from __future__ import annotations

from typing import Any

from lenticular.errors import ServiceError
from lenticular.services.cloudformation.intrinsics import ResourceState
from lenticular.services.cloudformation.resources import Deployment as Env
from lenticular.services.cloudformation.resources import ResourceType

_SETTINGS = {"ThrottlingBurstLimit": "throttling/burstLimit",
             "ThrottlingRateLimit": "throttling/rateLimit", "CachingEnabled": "caching/enabled",
             "CacheTtlInSeconds": "caching/ttlInSeconds", "LoggingLevel": "logging/loglevel",
             "MetricsEnabled": "metrics/enabled",
             "DataTraceEnabled": "logging/dataTrace"}  # fmt: skip


class ApiDeployment(ResourceType):
    type_name = "AWS::ApiGateway::Deployment"
    attributes = ("DeploymentId",)
    replace_on = ("RestApiId", "DeploymentCanarySettings")

    def create(self, env: Env, logical_id: str, props: dict[str, Any]) -> ResourceState:
        params: dict[str, Any] = {"restApiId": props["RestApiId"]}
        if props.get("Description"):
            params["description"] = props["Description"]
        stage = props.get("StageDescription") or {}
        if props.get("StageName"):
            params["stageName"] = props["StageName"]
            if stage.get("Description"):
                params["stageDescription"] = stage["Description"]
            if stage.get("Variables"):
                params["variables"] = stage["Variables"]
        out = env.call("apigateway", "CreateDeployment", params)
        if props.get("StageName"):
            _settings(env, props["RestApiId"], props["StageName"], stage)
        return ResourceState(out["id"], {"DeploymentId": out["id"]})

    def update(
        self, env: Env, state: ResourceState, old: dict[str, Any], new: dict[str, Any]
    ) -> ResourceState:
        stage = new.get("StageName")
        if stage:  # point the (new) stage at this deployment, creating it if needed
            try:
                env.call(
                    "apigateway", "GetStage", {"restApiId": new["RestApiId"], "stageName": stage}
                )
                _patch(
                    env,
                    new["RestApiId"],
                    stage,
                    [{"op": "replace", "path": "/deploymentId", "value": state.physical_id}],
                )
            except ServiceError:
                env.call("apigateway", "CreateStage", {"restApiId": new["RestApiId"],
                         "stageName": stage, "deploymentId": state.physical_id})  # fmt: skip
            _settings(env, new["RestApiId"], stage, new.get("StageDescription") or {})
        return state

    def delete(self, env: Env, state: ResourceState, props: dict[str, Any]) -> None:
        api_id = props["RestApiId"]
        if props.get("StageName"):
            try:
                stage = env.call("apigateway", "GetStage",
                                 {"restApiId": api_id, "stageName": props["StageName"]})  # fmt: skip
                if stage.get("deploymentId") == state.physical_id:
                    env.call("apigateway", "DeleteStage",
                             {"restApiId": api_id, "stageName": props["StageName"]})  # fmt: skip
            except ServiceError:
                pass  # the stage (or the whole API) is already gone
        env.call("apigateway", "DeleteDeployment",
                 {"restApiId": api_id, "deploymentId": state.physical_id})  # fmt: skip


class Stage(ResourceType):
    type_name = "AWS::ApiGateway::Stage"
    replace_on = ("RestApiId", "StageName")
    name_property = "StageName"

    def create(self, env: Env, logical_id: str, props: dict[str, Any]) -> ResourceState:
        name = props.get("StageName") or env.generated_name(logical_id, 128)
        params: dict[str, Any] = {"restApiId": props["RestApiId"], "stageName": name,
                                  "deploymentId": props["DeploymentId"]}  # fmt: skip
        for key, member in (("Description", "description"), ("Variables", "variables"),
                            ("CacheClusterSize", "cacheClusterSize")):  # fmt: skip
            if props.get(key):
                params[member] = props[key]
        for key, member in (("TracingEnabled", "tracingEnabled"),
                            ("CacheClusterEnabled", "cacheClusterEnabled")):  # fmt: skip
            if props.get(key) is not None:
                params[member] = str(props[key]).lower() == "true"
        env.call("apigateway", "CreateStage", params)
        _settings(env, props["RestApiId"], name, props)
        _patch(env, props["RestApiId"], name, _access_log({}, props))
        return ResourceState(name)

    def update(
        self, env: Env, state: ResourceState, old: dict[str, Any], new: dict[str, Any]
    ) -> ResourceState:
        operations = []
        if old.get("DeploymentId") != new.get("DeploymentId"):
            operations.append({"op": "replace", "path": "/deploymentId",
                               "value": new["DeploymentId"]})  # fmt: skip
        if old.get("Description") != new.get("Description"):
            operations.append({"op": "replace", "path": "/description",
                               "value": new.get("Description") or ""})  # fmt: skip
        before, after = old.get("Variables") or {}, new.get("Variables") or {}
        operations += [
            {"op": "remove", "path": f"/variables/{k}"} for k in before if k not in after
        ]
        operations += [{"op": "replace", "path": f"/variables/{k}", "value": str(v)}
                       for k, v in after.items() if before.get(k) != v]  # fmt: skip
        for key, path in (("CacheClusterEnabled", "/cacheClusterEnabled"),
                          ("CacheClusterSize", "/cacheClusterSize")):  # fmt: skip
            if old.get(key) != new.get(key) and new.get(key) is not None:
                value = new[key]
                value = str(value).lower() if key == "CacheClusterEnabled" else str(value)
                operations.append({"op": "replace", "path": path, "value": value})
        operations += _access_log(old, new)
        _patch(env, new["RestApiId"], state.physical_id, operations)
        if old.get("MethodSettings") != new.get("MethodSettings"):
            _settings(env, new["RestApiId"], state.physical_id, new)
        return state

    def delete(self, env: Env, state: ResourceState, props: dict[str, Any]) -> None:
        env.call("apigateway", "DeleteStage",
                 {"restApiId": props["RestApiId"], "stageName": state.physical_id})  # fmt: skip


def _settings(env: Env, api_id: str, stage: str, props: dict[str, Any]) -> None:
    """A stage's MethodSettings (and a StageDescription's flat throttling) as patches."""
    settings = list(props.get("MethodSettings") or [])
    flat = {k: props[k] for k in _SETTINGS if props.get(k) is not None}
    if flat:
        settings.append({"ResourcePath": "/*", "HttpMethod": "*", **flat})
    operations = []
    for setting in settings:
        path = setting.get("ResourcePath") or "/*"
        prefix = "/*/*" if path == "/*" else "/" + path.replace("/", "~1")
        if path != "/*":
            prefix += "/" + (setting.get("HttpMethod") or "*")
        for key, suffix in _SETTINGS.items():
            if setting.get(key) is not None:
                value = setting[key]
                value = str(value).lower() if isinstance(value, bool) else str(value)
                operations.append({"op": "replace", "path": f"{prefix}/{suffix}", "value": value})
    _patch(env, api_id, stage, operations)


def _access_log(old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, Any]]:
    """AccessLogSetting (DestinationArn, Format) as UpdateStage patch operations."""
    before, after = old.get("AccessLogSetting") or {}, new.get("AccessLogSetting") or {}
    if before == after:
        return []
    if not after.get("DestinationArn"):
        return [{"op": "remove", "path": "/accessLogSettings"}] if before else []
    return [{"op": "replace", "path": f"/accessLogSettings/{member}", "value": str(after[key])}
            for key, member in (("DestinationArn", "destinationArn"), ("Format", "format"))
            if after.get(key)]  # fmt: skip


def _patch(env: Env, api_id: str, stage: str, operations: list[dict[str, Any]]) -> None:
    if operations:
        env.call("apigateway", "UpdateStage",
                 {"restApiId": api_id, "stageName": stage, "patchOperations": operations})  # fmt: skip
