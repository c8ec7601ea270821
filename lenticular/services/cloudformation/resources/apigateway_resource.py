"""AWS::ApiGateway::Resource: one path part under a parent. Every property is immutable
(replacement). Ref is the resource id; GetAtt ResourceId.
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-apigateway-resource.html
"""

from __future__ import annotations

from typing import Any

from lenticular.services.cloudformation.intrinsics import ResourceState
from lenticular.services.cloudformation.resources import Deployment, ResourceType


class Resource(ResourceType):
    type_name = "AWS::ApiGateway::Resource"
    attributes = ("ResourceId",)
    replace_on = ("RestApiId", "ParentId", "PathPart")

    def create(self, env: Deployment, logical_id: str, props: dict[str, Any]) -> ResourceState:
        out = env.call("apigateway", "CreateResource", {
            "restApiId": props["RestApiId"], "parentId": props["ParentId"],
            "pathPart": props["PathPart"],
        })  # fmt: skip
        return ResourceState(out["id"], {"ResourceId": out["id"]})

    def update(
        self, env: Deployment, state: ResourceState, old: dict[str, Any], new: dict[str, Any]
    ) -> ResourceState:
        return state

    def delete(self, env: Deployment, state: ResourceState, props: dict[str, Any]) -> None:
        env.call("apigateway", "DeleteResource",
                 {"restApiId": props["RestApiId"], "resourceId": state.physical_id})  # fmt: skip
