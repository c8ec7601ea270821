"""AWS::ApiGatewayV2::Stage and AWS::ApiGatewayV2::Deployment of an HTTP API.

A Stage's Ref is its name (ApiId and StageName are immutable); other changes are
UpdateStage calls, with DeleteAccessLogSettings / DeleteRouteSettings for what the template
drops and TagResource/UntagResource for Tags. A Deployment's Ref is its id (GetAtt
DeploymentId); a new ApiId or StageName replaces it, a new Description is an
UpdateDeployment.
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-apigatewayv2-stage.html
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-apigatewayv2-deployment.html
"""

from __future__ import annotations

from typing import Any

from lenticular.services.cloudformation.intrinsics import ResourceState
from lenticular.services.cloudformation.resources import Deployment as Env
from lenticular.services.cloudformation.resources import ResourceType, retag
from lenticular.services.cloudformation.resources.apigatewayv2_values import (
    changed,
    pick,
    route_settings,
    typed,
)

_FIELDS = ("AccessLogSettings", "AutoDeploy", "ClientCertificateId", "DefaultRouteSettings",
           "DeploymentId", "Description", "RouteSettings", "StageVariables")  # fmt: skip


class Stage(ResourceType):
    type_name = "AWS::ApiGatewayV2::Stage"
    replace_on = ("ApiId", "StageName")
    name_property = "StageName"

    def create(self, env: Env, logical_id: str, props: dict[str, Any]) -> ResourceState:
        params = {"ApiId": props["ApiId"], "StageName": props["StageName"], **_params(props)}
        if isinstance(props.get("Tags"), dict):
            params["Tags"] = {k: str(v) for k, v in props["Tags"].items()}
        env.call("apigatewayv2", "CreateStage", params)
        return ResourceState(props["StageName"])

    def update(
        self, env: Env, state: ResourceState, old: dict[str, Any], new: dict[str, Any]
    ) -> ResourceState:
        api_id, stage = new["ApiId"], state.physical_id
        before, after = _params(old), _params(new)
        fields = changed(before, after, _FIELDS)
        if "AccessLogSettings" in fields and not after.get("AccessLogSettings"):
            env.call("apigatewayv2", "DeleteAccessLogSettings",
                     {"ApiId": api_id, "StageName": stage})  # fmt: skip
        for route_key in before.get("RouteSettings") or {}:
            if route_key not in (after.get("RouteSettings") or {}):
                env.call("apigatewayv2", "DeleteRouteSettings",
                         {"ApiId": api_id, "StageName": stage, "RouteKey": route_key})  # fmt: skip
        update = {name: after[name] for name in fields if after.get(name) is not None}
        if "StageVariables" in fields:
            # UpdateStage merges variables: a dropped one is sent as an empty value
            dropped = {k: "" for k in before.get("StageVariables") or {}
                       if k not in (after.get("StageVariables") or {})}  # fmt: skip
            update["StageVariables"] = {**dropped, **(after.get("StageVariables") or {})}
        if update:
            env.call("apigatewayv2", "UpdateStage", {"ApiId": api_id, "StageName": stage, **update})
        old_tags = {k: str(v) for k, v in (old.get("Tags") or {}).items()}
        new_tags = {k: str(v) for k, v in (new.get("Tags") or {}).items()}
        arn = f"arn:aws:apigateway:{env.region}::/apis/{api_id}/stages/{stage}"
        retag(env, "apigatewayv2", arn, old_tags, new_tags)
        return state

    def delete(self, env: Env, state: ResourceState, props: dict[str, Any]) -> None:
        env.call("apigatewayv2", "DeleteStage",
                 {"ApiId": props["ApiId"], "StageName": state.physical_id})  # fmt: skip


class ApiDeployment(ResourceType):
    type_name = "AWS::ApiGatewayV2::Deployment"
    attributes = ("DeploymentId",)
    replace_on = ("ApiId", "StageName")

    def create(self, env: Env, logical_id: str, props: dict[str, Any]) -> ResourceState:
        params = {"ApiId": props["ApiId"], **pick(props, ("Description", "StageName"))}
        out = env.call("apigatewayv2", "CreateDeployment", params)
        return ResourceState(out["DeploymentId"], {"DeploymentId": out["DeploymentId"]})

    def update(
        self, env: Env, state: ResourceState, old: dict[str, Any], new: dict[str, Any]
    ) -> ResourceState:
        if old.get("Description") != new.get("Description"):
            env.call("apigatewayv2", "UpdateDeployment", {
                "ApiId": new["ApiId"], "DeploymentId": state.physical_id,
                "Description": new.get("Description") or "",
            })  # fmt: skip
        return state

    def delete(self, env: Env, state: ResourceState, props: dict[str, Any]) -> None:
        env.call("apigatewayv2", "DeleteDeployment",
                 {"ApiId": props["ApiId"], "DeploymentId": state.physical_id})  # fmt: skip


def _params(props: dict[str, Any]) -> dict[str, Any]:
    params = typed(pick(props, _FIELDS), bools=("AutoDeploy",))
    if params.get("DefaultRouteSettings"):
        params["DefaultRouteSettings"] = route_settings(params["DefaultRouteSettings"])
    if params.get("RouteSettings"):
        params["RouteSettings"] = {key: route_settings(value)
                                   for key, value in params["RouteSettings"].items()}  # fmt: skip
    if params.get("StageVariables"):
        params["StageVariables"] = {k: str(v) for k, v in params["StageVariables"].items()}
    return params
