"""AWS::Logs::LogGroup through the CloudWatch Logs provider. Ref is the group's name."""

from __future__ import annotations

from typing import Any

from lenticular.services.cloudformation.intrinsics import ResourceState
from lenticular.services.cloudformation.resources import Deployment, ResourceType, tag_map


class LogGroup(ResourceType):
    type_name = "AWS::Logs::LogGroup"
    attributes = ("Arn",)
    replace_on = ("LogGroupName", "LogGroupClass", "KmsKeyId")
    name_property = "LogGroupName"

    def create(self, env: Deployment, logical_id: str, props: dict[str, Any]) -> ResourceState:
        name = props.get("LogGroupName") or env.generated_name(logical_id, 512)
        params: dict[str, Any] = {"logGroupName": name}
        if props.get("Tags"):
            params["tags"] = tag_map(props["Tags"])
        if props.get("LogGroupClass"):
            params["logGroupClass"] = props["LogGroupClass"]
        if props.get("KmsKeyId"):
            params["kmsKeyId"] = props["KmsKeyId"]
        env.call("logs", "CreateLogGroup", params)
        if props.get("RetentionInDays") is not None:
            env.call("logs", "PutRetentionPolicy",
                     {"logGroupName": name, "retentionInDays": int(props["RetentionInDays"])})  # fmt: skip
        return ResourceState(name, {"Arn": _arn(env, name)})

    def update(
        self, env: Deployment, state: ResourceState, old: dict[str, Any], new: dict[str, Any]
    ) -> ResourceState:
        name = state.physical_id
        if old.get("RetentionInDays") != new.get("RetentionInDays"):
            if new.get("RetentionInDays") is None:
                env.call("logs", "DeleteRetentionPolicy", {"logGroupName": name})
            else:
                env.call("logs", "PutRetentionPolicy",
                         {"logGroupName": name, "retentionInDays": int(new["RetentionInDays"])})  # fmt: skip
        old_tags, new_tags = tag_map(old.get("Tags")), tag_map(new.get("Tags"))
        gone = [k for k in old_tags if k not in new_tags]
        if gone:
            env.call("logs", "UntagLogGroup", {"logGroupName": name, "tags": gone})
        if new_tags and new_tags != old_tags:
            env.call("logs", "TagLogGroup", {"logGroupName": name, "tags": new_tags})
        return state

    def delete(self, env: Deployment, state: ResourceState, props: dict[str, Any]) -> None:
        env.call("logs", "DeleteLogGroup", {"logGroupName": state.physical_id})


def _arn(env: Deployment, name: str) -> str:
    return f"arn:aws:logs:{env.region}:{env.account_id}:log-group:{name}:*"
