"""AWS::Lambda::Version: publishes the function's current code and configuration. Ref is
the version's ARN; GetAtt Version (the number) and FunctionArn. A changed property
publishes a new version (replacement); the old one is deleted afterwards.
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-lambda-version.html
"""

from __future__ import annotations

from typing import Any

from lenticular.services.cloudformation.intrinsics import ResourceState
from lenticular.services.cloudformation.resources import Deployment, ResourceType


class Version(ResourceType):
    type_name = "AWS::Lambda::Version"
    attributes = ("Version", "FunctionArn")

    def needs_replacement(self, old: dict[str, Any], new: dict[str, Any]) -> bool:
        keep = ("ProvisionedConcurrencyConfig",)  # recorded only, updatable in place
        return {k: v for k, v in old.items() if k not in keep} != {
            k: v for k, v in new.items() if k not in keep
        }

    def create(self, env: Deployment, logical_id: str, props: dict[str, Any]) -> ResourceState:
        params = {"FunctionName": props["FunctionName"]}
        for key in ("Description", "CodeSha256"):
            if props.get(key):
                params[key] = props[key]
        out = env.call("lambda", "PublishVersion", params)
        arn = out["FunctionArn"]
        return ResourceState(arn, {"Version": out["Version"], "FunctionArn": arn.rsplit(":", 1)[0]})

    def update(
        self, env: Deployment, state: ResourceState, old: dict[str, Any], new: dict[str, Any]
    ) -> ResourceState:
        return state

    def delete(self, env: Deployment, state: ResourceState, props: dict[str, Any]) -> None:
        function_arn, number = state.physical_id.rsplit(":", 1)
        env.call("lambda", "DeleteFunction", {"FunctionName": function_arn, "Qualifier": number})
