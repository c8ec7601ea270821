"""Resource types lenticular records without a service behind them yet: IAM Policy and
ManagedPolicy (no IAM yet: a name, an id and an ARN that other resources can point at).
"""

from __future__ import annotations

import secrets
import string
from typing import Any

from lenticular.services.cloudformation.intrinsics import ResourceState
from lenticular.services.cloudformation.resources import Deployment, ResourceType


def _random(size: int, alphabet: str = string.ascii_lowercase + string.digits) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(size))


class Recorded(ResourceType):
    def update(
        self, env: Deployment, state: ResourceState, old: dict[str, Any], new: dict[str, Any]
    ) -> ResourceState:
        return state

    def delete(self, env: Deployment, state: ResourceState, props: dict[str, Any]) -> None:
        return None


class Policy(Recorded):
    type_name = "AWS::IAM::Policy"
    attributes = ("Id",)
    capability = "CAPABILITY_IAM"

    def create(self, env: Deployment, logical_id: str, props: dict[str, Any]) -> ResourceState:
        physical = f"{env.stack_name[:5]}-{logical_id[:5]}-{_random(12, string.ascii_uppercase)}"
        return ResourceState(physical, {"Id": physical})


class ManagedPolicy(Recorded):
    type_name = "AWS::IAM::ManagedPolicy"
    attributes = ("PolicyArn", "PolicyId", "DefaultVersionId", "AttachmentCount",
                  "IsAttachable", "CreateDate", "UpdateDate")  # fmt: skip
    replace_on = ("ManagedPolicyName", "Path")
    name_property = "ManagedPolicyName"
    capability = "CAPABILITY_IAM"

    def create(self, env: Deployment, logical_id: str, props: dict[str, Any]) -> ResourceState:
        name = props.get("ManagedPolicyName") or env.generated_name(logical_id, 128)
        arn = f"arn:aws:iam::{env.account_id}:policy{props.get('Path') or '/'}{name}"
        policy_id = "ANPA" + _random(17, string.ascii_uppercase + string.digits)
        return ResourceState(arn, {"PolicyArn": arn, "PolicyId": policy_id,
                                   "DefaultVersionId": "v1", "IsAttachable": "true"})  # fmt: skip
