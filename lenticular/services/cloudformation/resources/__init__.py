"""Resource types CloudFormation can deploy in lenticular, one module per type.

Each type is a `ResourceType`: create/update/delete against the in-process providers,
the attributes `Fn::GetAtt` can read, and which property changes mean replacement.
"""

from __future__ import annotations

import secrets
import string
import uuid
from dataclasses import dataclass
from typing import Any

from lenticular.context import RequestContext
from lenticular.services.cloudformation.intrinsics import ResourceState
from lenticular.services.registry import method_name

_RANDOM_ALPHABET = string.ascii_uppercase + string.digits


@dataclass(slots=True)
class Deployment:
    """The stack being deployed, as its resource types see it."""

    registry: Any  # the ServiceRegistry: other services' providers
    account_id: str
    region: str
    stack_name: str
    stack_id: str

    def call(self, service: str, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        """Run `operation` of `service` in-process, as the stack's account and region."""
        provider = self.registry.get(service)
        ctx = RequestContext(
            request=None,  # type: ignore[arg-type]  # no HTTP request behind this call
            request_id=str(uuid.uuid4()),
            service=service,
            region=self.region,
            account_id=self.account_id,
        )
        return getattr(provider, method_name(operation))(ctx, params)

    def generated_name(self, logical_id: str, max_length: int = 255) -> str:
        """`{stack}-{logicalId}-{RANDOM}` as CloudFormation names what the template
        leaves unnamed, shortened to fit `max_length`."""
        suffix = "".join(secrets.choice(_RANDOM_ALPHABET) for _ in range(12))
        room = max_length - len(suffix) - 2
        stack = self.stack_name[: max(room // 2, room - len(logical_id))]
        logical = logical_id[: room - len(stack)]
        return f"{stack}-{logical}-{suffix}"


class ResourceType:
    type_name = ""
    attributes: tuple[str, ...] = ()  # what Fn::GetAtt may read
    replace_on: tuple[str, ...] = ()  # properties whose change means a new resource
    name_property = ""  # the property that names the resource (else a name is generated)
    capability = ""  # the capability CreateStack must acknowledge, if any

    def create(self, env: Deployment, logical_id: str, props: dict[str, Any]) -> ResourceState:
        raise NotImplementedError

    def update(
        self, env: Deployment, state: ResourceState, old: dict[str, Any], new: dict[str, Any]
    ) -> ResourceState:
        raise NotImplementedError

    def delete(self, env: Deployment, state: ResourceState, props: dict[str, Any]) -> None:
        raise NotImplementedError

    def needs_replacement(self, old: dict[str, Any], new: dict[str, Any]) -> bool:
        return any(old.get(name) != new.get(name) for name in self.replace_on)


def tag_map(tags: list[dict[str, Any]] | None) -> dict[str, str]:
    """CloudFormation's `[{Key, Value}]` tags as the `{key: value}` most APIs take."""
    return {t["Key"]: str(t["Value"]) for t in tags or []}


def retag(
    env: Deployment, service: str, arn: str, old: dict[str, str], new: dict[str, str],
    arn_member: str = "ResourceArn",
) -> None:  # fmt: skip
    """The UntagResource and TagResource calls that take a resource from tags `old` to
    `new` (`{key: value}`); none when they are equal."""
    if old == new:
        return
    gone = [k for k in old if k not in new]
    if gone:
        env.call(service, "UntagResource", {arn_member: arn, "TagKeys": gone})
    if new:
        env.call(service, "TagResource", {arn_member: arn, "Tags": new})


def resource_types() -> dict[str, ResourceType]:
    from lenticular.services.cloudformation.resources import (
        apigateway_authorizer,
        apigateway_deployment,
        apigateway_method,
        apigateway_models,
        apigateway_resource,
        apigateway_rest_api,
        apigateway_usage_plans,
        apigatewayv2_api,
        apigatewayv2_routes,
        apigatewayv2_stage,
        dynamodb_table,
        iam_role,
        lambda_alias,
        lambda_event_source_mapping,
        lambda_function,
        lambda_layer_version,
        lambda_permission,
        lambda_version,
        logs_log_group,
        recorded,
    )

    types = [
        apigateway_authorizer.Authorizer(),
        apigateway_deployment.ApiDeployment(),
        apigateway_deployment.Stage(),
        apigateway_method.Method(),
        apigateway_models.GatewayResponse(),
        apigateway_models.Model(),
        apigateway_models.RequestValidator(),
        apigateway_resource.Resource(),
        apigateway_rest_api.RestApi(),
        apigateway_usage_plans.ApiKey(),
        apigateway_usage_plans.UsagePlan(),
        apigateway_usage_plans.UsagePlanKey(),
        apigatewayv2_api.Api(),
        apigatewayv2_routes.Authorizer(),
        apigatewayv2_routes.Integration(),
        apigatewayv2_routes.Route(),
        apigatewayv2_stage.ApiDeployment(),
        apigatewayv2_stage.Stage(),
        dynamodb_table.Table(),
        iam_role.Role(),
        lambda_alias.Alias(),
        lambda_event_source_mapping.EventSourceMapping(),
        lambda_function.Function(),
        lambda_layer_version.LayerVersion(),
        lambda_permission.Permission(),
        lambda_version.Version(),
        logs_log_group.LogGroup(),
        recorded.ManagedPolicy(),
        recorded.Policy(),
    ]
    return {t.type_name: t for t in types}
