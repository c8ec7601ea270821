"""AWS::ApiGatewayV2::Route, Integration and Authorizer: the parts of an HTTP API. Ref is
the route, integration or authorizer id (GetAtt RouteId, IntegrationId, AuthorizerId); a
new ApiId replaces the part, any other change is an Update call.

Integration `ResponseParameters` are accepted in both forms CloudFormation users write:
the API's own `{status: {mapping: value}}` and the documented
`{status: {ResponseParameters: [{Destination, Source}]}}`.
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-apigatewayv2-route.html
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-apigatewayv2-integration.html
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-apigatewayv2-authorizer.html
"""

from __future__ import annotations

from typing import Any

from lenticular.services.cloudformation.intrinsics import ResourceState
from lenticular.services.cloudformation.resources import Deployment as Env
from lenticular.services.cloudformation.resources import ResourceType
from lenticular.services.cloudformation.resources.apigatewayv2_values import changed, pick, typed


class _Part(ResourceType):
    """One kind of HTTP API part: its operations' names and members."""

    kind = ""  # Route, Integration, Authorizer
    fields: tuple[str, ...] = ()
    ints: tuple[str, ...] = ()
    bools: tuple[str, ...] = ()
    replace_on = ("ApiId",)

    @property
    def id_member(self) -> str:
        return f"{self.kind}Id"

    def params(self, props: dict[str, Any]) -> dict[str, Any]:
        return typed(pick(props, self.fields), self.ints, self.bools)

    def create(self, env: Env, logical_id: str, props: dict[str, Any]) -> ResourceState:
        out = env.call("apigatewayv2", f"Create{self.kind}",
                       {"ApiId": props["ApiId"], **self.params(props)})  # fmt: skip
        part_id = out[self.id_member]
        return ResourceState(part_id, {self.id_member: part_id})

    def update(
        self, env: Env, state: ResourceState, old: dict[str, Any], new: dict[str, Any]
    ) -> ResourceState:
        before, after = self.params(old), self.params(new)
        fields = changed(before, after, self.fields)
        if fields:
            update = {name: after[name] for name in fields if name in after}
            env.call("apigatewayv2", f"Update{self.kind}",
                     {"ApiId": new["ApiId"], self.id_member: state.physical_id, **update})  # fmt: skip
        return state

    def delete(self, env: Env, state: ResourceState, props: dict[str, Any]) -> None:
        env.call("apigatewayv2", f"Delete{self.kind}",
                 {"ApiId": props["ApiId"], self.id_member: state.physical_id})  # fmt: skip


class Route(_Part):
    type_name = "AWS::ApiGatewayV2::Route"
    attributes = ("RouteId",)
    kind = "Route"
    fields = ("ApiKeyRequired", "AuthorizationScopes", "AuthorizationType", "AuthorizerId",
              "ModelSelectionExpression", "OperationName", "RequestModels", "RequestParameters",
              "RouteKey", "RouteResponseSelectionExpression", "Target")  # fmt: skip
    bools = ("ApiKeyRequired",)

    def params(self, props: dict[str, Any]) -> dict[str, Any]:
        params = super().params(props)
        if isinstance(params.get("RequestParameters"), dict):
            params["RequestParameters"] = {
                name: typed(constraint or {}, bools=("Required",))
                for name, constraint in params["RequestParameters"].items()
            }
        return params


class Integration(_Part):
    type_name = "AWS::ApiGatewayV2::Integration"
    attributes = ("IntegrationId",)
    kind = "Integration"
    fields = ("ConnectionId", "ConnectionType", "ContentHandlingStrategy", "CredentialsArn",
              "Description", "IntegrationMethod", "IntegrationSubtype", "IntegrationType",
              "IntegrationUri", "PassthroughBehavior", "PayloadFormatVersion",
              "RequestParameters", "RequestTemplates", "ResponseParameters",
              "TemplateSelectionExpression", "TimeoutInMillis", "TlsConfig")  # fmt: skip
    ints = ("TimeoutInMillis",)

    def params(self, props: dict[str, Any]) -> dict[str, Any]:
        params = super().params(props)
        if isinstance(params.get("ResponseParameters"), dict):
            params["ResponseParameters"] = {
                str(status): _response_mappings(mappings)
                for status, mappings in params["ResponseParameters"].items()
            }
        return params


class Authorizer(_Part):
    type_name = "AWS::ApiGatewayV2::Authorizer"
    attributes = ("AuthorizerId",)
    kind = "Authorizer"
    fields = ("AuthorizerCredentialsArn", "AuthorizerPayloadFormatVersion",
              "AuthorizerResultTtlInSeconds", "AuthorizerType", "AuthorizerUri",
              "EnableSimpleResponses", "IdentitySource", "IdentityValidationExpression",
              "JwtConfiguration", "Name")  # fmt: skip
    ints = ("AuthorizerResultTtlInSeconds",)
    bools = ("EnableSimpleResponses",)


def _response_mappings(mappings: Any) -> dict[str, str]:
    if isinstance(mappings, dict) and isinstance(mappings.get("ResponseParameters"), list):
        return {str(m["Destination"]): str(m["Source"]) for m in mappings["ResponseParameters"]}
    return {str(k): str(v) for k, v in (mappings or {}).items()}
