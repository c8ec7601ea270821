"""AWS::ApiGateway::Method with its Integration, IntegrationResponses and MethodResponses.
Ref is a generated method id (`{stack}-{logicalId}-{RANDOM}`, as CloudFormation makes one).
The provider has no UpdateMethod/UpdateIntegration yet, so an update puts the method
again in full (same id).
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-apigateway-method.html
"""

from __future__ import annotations

from typing import Any

from lenticular.errors import ServiceError
from lenticular.services.cloudformation.intrinsics import ResourceState
from lenticular.services.cloudformation.resources import Deployment, ResourceType

_METHOD = {"AuthorizerId": "authorizerId", "OperationName": "operationName",
           "RequestParameters": "requestParameters", "RequestModels": "requestModels",
           "RequestValidatorId": "requestValidatorId",
           "AuthorizationScopes": "authorizationScopes"}  # fmt: skip
_INTEGRATION = {"Type": "type", "Uri": "uri", "IntegrationHttpMethod": "integrationHttpMethod",
                "PassthroughBehavior": "passthroughBehavior", "Credentials": "credentials",
                "RequestTemplates": "requestTemplates", "RequestParameters": "requestParameters",
                "ContentHandling": "contentHandling", "CacheNamespace": "cacheNamespace",
                "CacheKeyParameters": "cacheKeyParameters", "ConnectionType": "connectionType",
                "ConnectionId": "connectionId", "TimeoutInMillis": "timeoutInMillis"}  # fmt: skip
_RESPONSE = {"SelectionPattern": "selectionPattern", "ResponseTemplates": "responseTemplates",
             "ResponseParameters": "responseParameters", "ContentHandling": "contentHandling",
             "ResponseModels": "responseModels"}  # fmt: skip


class Method(ResourceType):
    type_name = "AWS::ApiGateway::Method"
    replace_on = ("RestApiId", "ResourceId", "HttpMethod")

    def create(self, env: Deployment, logical_id: str, props: dict[str, Any]) -> ResourceState:
        _put(env, props)
        return ResourceState(env.generated_name(logical_id, 64))

    def update(
        self, env: Deployment, state: ResourceState, old: dict[str, Any], new: dict[str, Any]
    ) -> ResourceState:
        _remove(env, old)
        _put(env, new)
        return state

    def delete(self, env: Deployment, state: ResourceState, props: dict[str, Any]) -> None:
        _remove(env, props)


def _where(props: dict[str, Any]) -> dict[str, Any]:
    return {"restApiId": props["RestApiId"], "resourceId": props["ResourceId"],
            "httpMethod": props["HttpMethod"].upper()}  # fmt: skip


def _put(env: Deployment, props: dict[str, Any]) -> None:
    where = _where(props)
    method = {**where, "authorizationType": props.get("AuthorizationType") or "NONE",
              "apiKeyRequired": _bool(props.get("ApiKeyRequired", False))}  # fmt: skip
    method.update({m: props[k] for k, m in _METHOD.items() if props.get(k) is not None})
    env.call("apigateway", "PutMethod", method)
    for response in props.get("MethodResponses") or []:
        env.call("apigateway", "PutMethodResponse", {
            **where, "statusCode": str(response["StatusCode"]), **_members(response, _RESPONSE),
        })  # fmt: skip
    integration = props.get("Integration")
    if not integration:
        return
    params = {**where, **_members(integration, _INTEGRATION)}
    if "timeoutInMillis" in params:
        params["timeoutInMillis"] = int(params["timeoutInMillis"])
    env.call("apigateway", "PutIntegration", params)
    for response in integration.get("IntegrationResponses") or []:
        env.call("apigateway", "PutIntegrationResponse", {
            **where, "statusCode": str(response["StatusCode"]), **_members(response, _RESPONSE),
        })  # fmt: skip


def _remove(env: Deployment, props: dict[str, Any]) -> None:
    try:
        env.call("apigateway", "DeleteMethod", _where(props))
    except ServiceError as exc:
        if exc.code != "NotFoundException":
            raise


def _members(props: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    return {member: props[key] for key, member in names.items() if props.get(key) is not None}


def _bool(value: Any) -> bool:
    return value if isinstance(value, bool) else str(value).lower() == "true"
