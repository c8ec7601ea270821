"""AWS::Lambda::Permission through Lambda's AddPermission/RemovePermission. Every property
is immutable, so any change replaces the statement. Ref (and GetAtt Id) is the
statement id, generated as `{stack}-{logicalId}-{RANDOM}` like other unnamed resources.
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-lambda-permission.html
"""

from __future__ import annotations

from typing import Any

from lenticular.services.cloudformation.intrinsics import ResourceState
from lenticular.services.cloudformation.resources import Deployment, ResourceType

_PASSED = ("Action", "Principal", "SourceArn", "SourceAccount", "EventSourceToken",
           "PrincipalOrgID", "FunctionUrlAuthType")  # fmt: skip


class Permission(ResourceType):
    type_name = "AWS::Lambda::Permission"
    attributes = ("Id",)

    def needs_replacement(self, old: dict[str, Any], new: dict[str, Any]) -> bool:
        return old != new  # no property of a permission can be updated in place

    def create(self, env: Deployment, logical_id: str, props: dict[str, Any]) -> ResourceState:
        statement_id = env.generated_name(logical_id, 100)
        params = {key: props[key] for key in _PASSED if props.get(key) is not None}
        env.call("lambda", "AddPermission",
                 {"FunctionName": props["FunctionName"], "StatementId": statement_id, **params})  # fmt: skip
        return ResourceState(statement_id, {"Id": statement_id})

    def delete(self, env: Deployment, state: ResourceState, props: dict[str, Any]) -> None:
        env.call("lambda", "RemovePermission",
                 {"FunctionName": props["FunctionName"], "StatementId": state.physical_id})  # fmt: skip
