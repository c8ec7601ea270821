"""AWS::ApiGateway::RestApi through the API Gateway provider. Ref is the API id; GetAtt
RootResourceId and RestApiId. A `Body` (OpenAPI, as SAM generates it) is imported with
ImportRestApi, and a changed Body overwrites the API with PutRestApi, as CloudFormation
does; BodyS3Location needs S3, which lenticular does not have yet.
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-apigateway-restapi.html
"""

from __future__ import annotations

import json
from typing import Any

from lenticular.services.apigateway.errors import BadRequestException
from lenticular.services.cloudformation.intrinsics import ResourceState
from lenticular.services.cloudformation.resources import Deployment, ResourceType, tag_map

_SIMPLE = {"Description": "description", "ApiKeySourceType": "apiKeySource",
           "BinaryMediaTypes": "binaryMediaTypes", "CloneFrom": "cloneFrom",
           "DisableExecuteApiEndpoint": "disableExecuteApiEndpoint"}  # fmt: skip


class RestApi(ResourceType):
    type_name = "AWS::ApiGateway::RestApi"
    attributes = ("RestApiId", "RootResourceId")

    def create(self, env: Deployment, logical_id: str, props: dict[str, Any]) -> ResourceState:
        if props.get("BodyS3Location"):
            raise BadRequestException("lenticular has no S3 yet: give the OpenAPI as Body.")
        if props.get("Body") is not None:
            out = env.call("apigateway", "ImportRestApi", {"body": _body(props["Body"])})
            _patch(env, out["id"], {}, props, imported=True)
        else:
            out = env.call("apigateway", "CreateRestApi", _settings(props, logical_id))
        return ResourceState(out["id"], {"RestApiId": out["id"],
                                         "RootResourceId": out["rootResourceId"]})  # fmt: skip

    def update(
        self, env: Deployment, state: ResourceState, old: dict[str, Any], new: dict[str, Any]
    ) -> ResourceState:
        api_id = state.physical_id
        if new.get("Body") is not None and new.get("Body") != old.get("Body"):
            mode = (new.get("Mode") or "overwrite").lower()
            env.call("apigateway", "PutRestApi",
                     {"restApiId": api_id, "body": _body(new["Body"]), "mode": mode})  # fmt: skip
        _patch(env, api_id, old, new, imported=new.get("Body") is not None)
        return state

    def delete(self, env: Deployment, state: ResourceState, props: dict[str, Any]) -> None:
        env.call("apigateway", "DeleteRestApi", {"restApiId": state.physical_id})


def _body(body: Any) -> bytes:
    return (body if isinstance(body, str) else json.dumps(body)).encode()


def _settings(props: dict[str, Any], logical_id: str) -> dict[str, Any]:
    params: dict[str, Any] = {"name": props.get("Name") or logical_id}
    for key, member in _SIMPLE.items():
        if props.get(key) is not None:
            params[member] = props[key]
    if "disableExecuteApiEndpoint" in params:
        params["disableExecuteApiEndpoint"] = (
            str(params["disableExecuteApiEndpoint"]).lower() == "true"
        )
    if props.get("MinimumCompressionSize") is not None:
        params["minimumCompressionSize"] = int(props["MinimumCompressionSize"])
    if props.get("Policy") is not None:
        policy = props["Policy"]
        params["policy"] = policy if isinstance(policy, str) else json.dumps(policy)
    if props.get("EndpointConfiguration"):
        params["endpointConfiguration"] = {"types": props["EndpointConfiguration"].get("Types")
                                           or ["EDGE"]}  # fmt: skip
    if props.get("Tags"):
        params["tags"] = tag_map(props["Tags"])
    return params


def _patch(
    env: Deployment, api_id: str, old: dict[str, Any], new: dict[str, Any], imported: bool
) -> None:
    """Apply the template's own settings on top of the API (after an import, the template
    wins over the document, as CloudFormation's Name/Description do)."""
    before = _settings(old, "") if old else {}
    after = _settings(new, "")
    if imported and not new.get("Name"):
        after.pop("name")
        before.pop("name", None)
    operations = []
    for member in ("name", "description", "apiKeySource", "minimumCompressionSize"):
        if member in after and after[member] != before.get(member):
            operations.append({"op": "replace", "path": f"/{member}", "value": str(after[member])})
    if operations:
        env.call("apigateway", "UpdateRestApi",
                 {"restApiId": api_id, "patchOperations": operations})  # fmt: skip
