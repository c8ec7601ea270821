"""Helpers for the CloudFormation tests: the `cfn` client and `deploy_stack`, which creates
or updates a stack and fails the test with the failed resources' reasons."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest


@pytest.fixture
def cfn(aws_client: Callable[..., Any]) -> Any:
    return aws_client("cloudformation")


def deploy_stack(cfn: Any, stack: str, body: str, update: bool = False,
                 capabilities: tuple[str, ...] = ()) -> dict[str, str]:  # fmt: skip
    """Create (or update) `stack` from `body`; its outputs. AssertionError, with the reasons
    of the resources that failed, unless it ends CREATE_COMPLETE or UPDATE_COMPLETE."""
    params: dict[str, Any] = {"StackName": stack, "TemplateBody": body}
    if capabilities:
        params["Capabilities"] = list(capabilities)
    (cfn.update_stack if update else cfn.create_stack)(**params)
    desc = cfn.describe_stacks(StackName=stack)["Stacks"][0]
    if desc["StackStatus"] not in ("CREATE_COMPLETE", "UPDATE_COMPLETE"):
        events = cfn.describe_stack_events(StackName=stack)["StackEvents"]
        reasons = [e.get("ResourceStatusReason") for e in events if "FAILED" in e["ResourceStatus"]]
        raise AssertionError(f"{desc['StackStatus']}: {reasons}")
    return {o["OutputKey"]: o["OutputValue"] for o in desc.get("Outputs", [])}
