"""AWS::IAM::Role, recorded only: lenticular has no IAM yet, so a role is a name, an ARN
and a RoleId that other resources (a Lambda function's `Role`) can point at."""

from __future__ import annotations

import secrets
import string
from typing import Any

from lenticular.services.cloudformation.intrinsics import ResourceState
from lenticular.services.cloudformation.resources import Deployment, ResourceType


class Role(ResourceType):
    type_name = "AWS::IAM::Role"
    attributes = ("Arn", "RoleId")
    replace_on = ("RoleName", "Path")
    name_property = "RoleName"
    capability = "CAPABILITY_IAM"

    def create(self, env: Deployment, logical_id: str, props: dict[str, Any]) -> ResourceState:
        name = props.get("RoleName") or env.generated_name(logical_id, 64)
        path = props.get("Path") or "/"
        role_id = "AROA" + "".join(
            secrets.choice(string.ascii_uppercase + string.digits) for _ in range(17)
        )
        arn = f"arn:aws:iam::{env.account_id}:role{path}{name}"
        return ResourceState(name, {"Arn": arn, "RoleId": role_id})

    def update(
        self, env: Deployment, state: ResourceState, old: dict[str, Any], new: dict[str, Any]
    ) -> ResourceState:
        return state  # policies are recorded with the stack, nothing else to change

    def delete(self, env: Deployment, state: ResourceState, props: dict[str, Any]) -> None:
        return None
