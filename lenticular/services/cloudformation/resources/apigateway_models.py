"""AWS::ApiGateway::Model, RequestValidator and GatewayResponse, through the API Gateway
provider's own operations (so they are stored, deployed with the API and enforced).
Model's Ref is its name; RequestValidator's Ref (and GetAtt RequestValidatorId) its id;
GatewayResponse's Ref a generated id. As on AWS, a Deployment sees them only when it is
created after them (DependsOn).
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-apigateway-model.html
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-apigateway-requestvalidator.html
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-apigateway-gatewayresponse.html
"""

from __future__ import annotations

import json
import secrets
import string
from typing import Any

from lenticular.errors import ServiceError
from lenticular.services.cloudformation.intrinsics import ResourceState
from lenticular.services.cloudformation.resources import Deployment, ResourceType

_ALNUM = string.ascii_letters + string.digits


def _schema(value: Any) -> str | None:
    """Schema may be given as a JSON object or as its text."""
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value)


def _bool(value: Any) -> bool:
    return value if isinstance(value, bool) else str(value).lower() == "true"


def _delete(env: Deployment, operation: str, params: dict[str, Any]) -> None:
    """An API Gateway Delete call; a part already gone is deleted."""
    try:
        env.call("apigateway", operation, params)
    except ServiceError as error:
        if error.code != "NotFoundException":
            raise


class Model(ResourceType):
    type_name = "AWS::ApiGateway::Model"
    replace_on = ("RestApiId", "Name", "ContentType")
    name_property = "Name"

    def create(self, env: Deployment, logical_id: str, props: dict[str, Any]) -> ResourceState:
        # Model names are alphanumeric: the generated one has no dashes.
        name = props.get("Name") or (
            "".join(c for c in logical_id if c.isalnum())[:40]
            + "".join(secrets.choice(_ALNUM) for _ in range(12))
        )
        params: dict[str, Any] = {
            "restApiId": props["RestApiId"], "name": name,
            "contentType": props.get("ContentType") or "application/json",
        }  # fmt: skip
        if props.get("Description"):
            params["description"] = props["Description"]
        if props.get("Schema") is not None:
            params["schema"] = _schema(props["Schema"])
        env.call("apigateway", "CreateModel", params)
        return ResourceState(name)

    def update(
        self, env: Deployment, state: ResourceState, old: dict[str, Any], new: dict[str, Any]
    ) -> ResourceState:
        operations = [
            {"op": "replace", "path": f"/{member}", "value": value}
            for key, member, value in (
                ("Description", "description", new.get("Description") or ""),
                ("Schema", "schema", _schema(new.get("Schema")) or "{}"),
            )
            if old.get(key) != new.get(key)
        ]
        if operations:
            env.call("apigateway", "UpdateModel", {"restApiId": new["RestApiId"],
                     "modelName": state.physical_id, "patchOperations": operations})  # fmt: skip
        return state

    def delete(self, env: Deployment, state: ResourceState, props: dict[str, Any]) -> None:
        _delete(
            env, "DeleteModel", {"restApiId": props["RestApiId"], "modelName": state.physical_id}
        )


class RequestValidator(ResourceType):
    type_name = "AWS::ApiGateway::RequestValidator"
    attributes = ("RequestValidatorId",)
    replace_on = ("RestApiId",)

    def create(self, env: Deployment, logical_id: str, props: dict[str, Any]) -> ResourceState:
        params: dict[str, Any] = {
            "restApiId": props["RestApiId"],
            "validateRequestBody": _bool(props.get("ValidateRequestBody", False)),
            "validateRequestParameters": _bool(props.get("ValidateRequestParameters", False)),
        }
        if props.get("Name"):
            params["name"] = props["Name"]
        out = env.call("apigateway", "CreateRequestValidator", params)
        return ResourceState(out["id"], {"RequestValidatorId": out["id"]})

    def update(
        self, env: Deployment, state: ResourceState, old: dict[str, Any], new: dict[str, Any]
    ) -> ResourceState:
        operations = [
            {"op": "replace", "path": "/name", "value": new.get("Name") or ""},
            *(
                {"op": "replace", "path": f"/{member}", "value": str(_bool(new.get(key, False)))}
                for key, member in (("ValidateRequestBody", "validateRequestBody"),
                                    ("ValidateRequestParameters", "validateRequestParameters"))
            ),
        ]  # fmt: skip
        env.call("apigateway", "UpdateRequestValidator", {"restApiId": new["RestApiId"],
                 "requestValidatorId": state.physical_id, "patchOperations": operations})  # fmt: skip
        return state

    def delete(self, env: Deployment, state: ResourceState, props: dict[str, Any]) -> None:
        _delete(env, "DeleteRequestValidator",
                {"restApiId": props["RestApiId"], "requestValidatorId": state.physical_id})  # fmt: skip


class GatewayResponse(ResourceType):
    type_name = "AWS::ApiGateway::GatewayResponse"
    replace_on = ("RestApiId", "ResponseType")

    def create(self, env: Deployment, logical_id: str, props: dict[str, Any]) -> ResourceState:
        self._put(env, props)
        return ResourceState(
            "".join(secrets.choice(string.ascii_lowercase + string.digits) for _ in range(10))
        )

    def update(
        self, env: Deployment, state: ResourceState, old: dict[str, Any], new: dict[str, Any]
    ) -> ResourceState:
        self._put(env, new)  # PutGatewayResponse replaces the customization in full
        return state

    def delete(self, env: Deployment, state: ResourceState, props: dict[str, Any]) -> None:
        _delete(env, "DeleteGatewayResponse",
                {"restApiId": props["RestApiId"], "responseType": props["ResponseType"]})  # fmt: skip

    @staticmethod
    def _put(env: Deployment, props: dict[str, Any]) -> None:
        params: dict[str, Any] = {
            "restApiId": props["RestApiId"], "responseType": props["ResponseType"],
        }  # fmt: skip
        if props.get("StatusCode") is not None:
            params["statusCode"] = str(props["StatusCode"])
        if props.get("ResponseParameters"):
            params["responseParameters"] = props["ResponseParameters"]
        if props.get("ResponseTemplates"):
            params["responseTemplates"] = props["ResponseTemplates"]
        env.call("apigateway", "PutGatewayResponse", params)
