"""AWS::ApiGateway::Authorizer (TOKEN, REQUEST, COGNITO_USER_POOLS). Ref is the
authorizer id (GetAtt AuthorizerId); RestApiId is immutable, the rest is patched.
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-apigateway-authorizer.html
"""

from __future__ import annotations

from typing import Any

from lenticular.services.cloudformation.intrinsics import ResourceState
from lenticular.services.cloudformation.resources import Deployment, ResourceType

_STRINGS = {"Name": "name", "Type": "type", "AuthorizerUri": "authorizerUri",
            "AuthorizerCredentials": "authorizerCredentials", "AuthType": "authType",
            "IdentitySource": "identitySource",
            "IdentityValidationExpression": "identityValidationExpression"}  # fmt: skip


class Authorizer(ResourceType):
    type_name = "AWS::ApiGateway::Authorizer"
    attributes = ("AuthorizerId",)
    replace_on = ("RestApiId",)

    def create(self, env: Deployment, logical_id: str, props: dict[str, Any]) -> ResourceState:
        params: dict[str, Any] = {"restApiId": props["RestApiId"], "name": logical_id}
        params.update({m: props[k] for k, m in _STRINGS.items() if props.get(k) is not None})
        if props.get("AuthorizerResultTtlInSeconds") is not None:
            params["authorizerResultTtlInSeconds"] = int(props["AuthorizerResultTtlInSeconds"])
        if props.get("ProviderARNs"):
            params["providerARNs"] = props["ProviderARNs"]
        out = env.call("apigateway", "CreateAuthorizer", params)
        return ResourceState(out["id"], {"AuthorizerId": out["id"]})

    def update(
        self, env: Deployment, state: ResourceState, old: dict[str, Any], new: dict[str, Any]
    ) -> ResourceState:
        operations = [
            {"op": "replace", "path": f"/{member}", "value": str(new.get(key) or "")}
            for key, member in _STRINGS.items() if old.get(key) != new.get(key)
        ]  # fmt: skip
        if old.get("AuthorizerResultTtlInSeconds") != new.get("AuthorizerResultTtlInSeconds"):
            operations.append({"op": "replace", "path": "/authorizerResultTtlInSeconds",
                               "value": str(new.get("AuthorizerResultTtlInSeconds", 300))})  # fmt: skip
        if operations:
            env.call("apigateway", "UpdateAuthorizer", {"restApiId": new["RestApiId"],
                     "authorizerId": state.physical_id, "patchOperations": operations})  # fmt: skip
        return state

    def delete(self, env: Deployment, state: ResourceState, props: dict[str, Any]) -> None:
        env.call("apigateway", "DeleteAuthorizer",
                 {"restApiId": props["RestApiId"], "authorizerId": state.physical_id})  # fmt: skip
