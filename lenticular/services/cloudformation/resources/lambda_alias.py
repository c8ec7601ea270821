"""AWS::Lambda::Alias through CreateAlias/UpdateAlias/DeleteAlias. Ref is the alias ARN
(GetAtt AliasArn); a new FunctionName or Name replaces it.
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-lambda-alias.html
"""

from __future__ import annotations

from typing import Any

from lenticular.services.cloudformation.intrinsics import ResourceState
from lenticular.services.cloudformation.resources import Deployment, ResourceType


class Alias(ResourceType):
    type_name = "AWS::Lambda::Alias"
    attributes = ("AliasArn",)
    replace_on = ("FunctionName", "Name")

    def create(self, env: Deployment, logical_id: str, props: dict[str, Any]) -> ResourceState:
        params = {"FunctionName": props["FunctionName"], "Name": props["Name"], **_config(props)}
        out = env.call("lambda", "CreateAlias", params)
        return ResourceState(out["AliasArn"], {"AliasArn": out["AliasArn"]})

    def update(
        self, env: Deployment, state: ResourceState, old: dict[str, Any], new: dict[str, Any]
    ) -> ResourceState:
        params = {"FunctionName": new["FunctionName"], "Name": new["Name"], **_config(new)}
        params.setdefault("Description", "")
        params.setdefault("RoutingConfig", {"AdditionalVersionWeights": {}})
        env.call("lambda", "UpdateAlias", params)
        return state

    def delete(self, env: Deployment, state: ResourceState, props: dict[str, Any]) -> None:
        env.call("lambda", "DeleteAlias",
                 {"FunctionName": props["FunctionName"], "Name": props["Name"]})  # fmt: skip


def _config(props: dict[str, Any]) -> dict[str, Any]:
    params: dict[str, Any] = {"FunctionVersion": str(props["FunctionVersion"])}
    if props.get("Description") is not None:
        params["Description"] = props["Description"]
    routing = props.get("RoutingConfig")
    if routing:
        weights = {
            str(w["FunctionVersion"]): float(w["FunctionWeight"])
            for w in routing.get("AdditionalVersionWeights") or []
        }
        params["RoutingConfig"] = {"AdditionalVersionWeights": weights}
    return params
