"""AWS::Lambda::LayerVersion through PublishLayerVersion. Every property is immutable:
a change publishes a new version and deletes the old one. Ref is the layer version ARN
(GetAtt LayerVersionArn). `Content: {S3Bucket: lenticular-local, S3Key: /a/folder}`
publishes a local folder, as for functions.
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-lambda-layerversion.html
"""

from __future__ import annotations

from typing import Any

from lenticular.services.cloudformation.intrinsics import ResourceState
from lenticular.services.cloudformation.resources import Deployment, ResourceType

_PASSED = ("CompatibleRuntimes", "CompatibleArchitectures", "Description", "LicenseInfo")


class LayerVersion(ResourceType):
    type_name = "AWS::Lambda::LayerVersion"
    attributes = ("LayerVersionArn",)

    def needs_replacement(self, old: dict[str, Any], new: dict[str, Any]) -> bool:
        return old != new

    def create(self, env: Deployment, logical_id: str, props: dict[str, Any]) -> ResourceState:
        name = props.get("LayerName") or env.generated_name(logical_id, 140)
        content = props.get("Content") or {}
        params: dict[str, Any] = {
            "LayerName": name,
            "Content": {k: content[k] for k in ("S3Bucket", "S3Key", "S3ObjectVersion", "ZipFile")
                        if k in content},
        }  # fmt: skip
        params.update({key: props[key] for key in _PASSED if props.get(key) is not None})
        out = env.call("lambda", "PublishLayerVersion", params)
        arn = out["LayerVersionArn"]
        return ResourceState(arn, {"LayerVersionArn": arn})

    def delete(self, env: Deployment, state: ResourceState, props: dict[str, Any]) -> None:
        layer_arn, number = state.physical_id.rsplit(":", 1)
        env.call("lambda", "DeleteLayerVersion",
                 {"LayerName": layer_arn.rsplit(":", 1)[1], "VersionNumber": int(number)})  # fmt: skip
