"""AWS::ApiGatewayV2::Api: an HTTP API, from its properties (quick create with Target and
RouteKey too) or from an OpenAPI 3 `Body`, imported with ImportApi (and imported again
with ReimportApi when the Body changes), which is what SAM's AWS::Serverless::HttpApi and
HttpApi function events expand into. Properties the template also sets (Name,
Description, CorsConfiguration, ...) are applied over the imported document's with
UpdateApi, and Tags with TagResource. Ref is the API id; GetAtt ApiId and ApiEndpoint. A
changed ProtocolType replaces the API; other changes are updates.

Limitations: BodyS3Location is refused (lenticular has no S3 yet); WEBSOCKET APIs are
refused by the apigatewayv2 service; DisableSchemaValidation is recorded only.
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-apigatewayv2-api.html
"""

from __future__ import annotations

import json
from typing import Any

from lenticular.services.cloudformation.errors import ValidationError
from lenticular.services.cloudformation.intrinsics import ResourceState
from lenticular.services.cloudformation.resources import Deployment as Env
from lenticular.services.cloudformation.resources import ResourceType, retag
from lenticular.services.cloudformation.resources.apigatewayv2_values import changed, pick, typed

_FIELDS = ("ApiKeySelectionExpression", "CredentialsArn", "Description",
           "DisableExecuteApiEndpoint", "DisableSchemaValidation", "IpAddressType", "Name",
           "ProtocolType", "RouteKey", "RouteSelectionExpression", "Target", "Version")  # fmt: skip
_BOOLS = ("DisableExecuteApiEndpoint", "DisableSchemaValidation")
_UPDATABLE = tuple(f for f in _FIELDS if f != "ProtocolType") + ("CorsConfiguration",)


class Api(ResourceType):
    type_name = "AWS::ApiGatewayV2::Api"
    attributes = ("ApiEndpoint", "ApiId")
    replace_on = ("ProtocolType",)

    def create(self, env: Env, logical_id: str, props: dict[str, Any]) -> ResourceState:
        params = _api_params(props)
        body = _body(props)
        if body is None:
            if not params.get("Name"):
                raise ValidationError(f"[{logical_id}] an ApiGatewayV2 Api needs a Name or a Body")
            out = env.call("apigatewayv2", "CreateApi", params)
        else:
            out = env.call("apigatewayv2", "ImportApi", {"Body": body, **_import_options(props)})
            try:
                self._override(env, out["ApiId"], {}, params)
            except Exception:
                env.call("apigatewayv2", "DeleteApi", {"ApiId": out["ApiId"]})
                raise
        api_id = out["ApiId"]
        return ResourceState(api_id, {"ApiId": api_id, "ApiEndpoint": out.get("ApiEndpoint", "")})

    def update(
        self, env: Env, state: ResourceState, old: dict[str, Any], new: dict[str, Any]
    ) -> ResourceState:
        body = _body(new)
        if body is not None and body != _body(old):
            env.call("apigatewayv2", "ReimportApi",
                     {"ApiId": state.physical_id, "Body": body, **_import_options(new)})  # fmt: skip
            self._override(env, state.physical_id, {}, _api_params(new))
        else:
            self._override(env, state.physical_id, _api_params(old), _api_params(new))
        return state

    def delete(self, env: Env, state: ResourceState, props: dict[str, Any]) -> None:
        env.call("apigatewayv2", "DeleteApi", {"ApiId": state.physical_id})

    def _override(
        self, env: Env, api_id: str, before: dict[str, Any], after: dict[str, Any]
    ) -> None:
        """Apply what changed from `before` to `after` with UpdateApi and the tag calls."""
        fields = [f for f in changed(before, after, _UPDATABLE) if f != "ProtocolType"]
        update = {name: after[name] for name in fields if after.get(name) is not None}
        if (
            "CorsConfiguration" in fields
            and before.get("CorsConfiguration")
            and not after.get("CorsConfiguration")
        ):
            env.call("apigatewayv2", "DeleteCorsConfiguration", {"ApiId": api_id})
        if update:
            env.call("apigatewayv2", "UpdateApi", {"ApiId": api_id, **update})
        arn = f"arn:aws:apigateway:{env.region}::/apis/{api_id}"
        retag(env, "apigatewayv2", arn, before.get("Tags") or {}, after.get("Tags") or {})


def _body(props: dict[str, Any]) -> str | None:
    if props.get("BodyS3Location"):
        raise ValidationError(
            "lenticular has no S3 yet: give the OpenAPI definition inline as Body"
        )
    body = props.get("Body")
    if body is None:
        return None
    return body if isinstance(body, str) else json.dumps(body, sort_keys=True)


def _import_options(props: dict[str, Any]) -> dict[str, Any]:
    options: dict[str, Any] = {}
    if props.get("BasePath"):
        options["Basepath"] = str(props["BasePath"])
    if props.get("FailOnWarnings") is not None:
        options["FailOnWarnings"] = typed(props, bools=("FailOnWarnings",))["FailOnWarnings"]
    return options


def _api_params(props: dict[str, Any]) -> dict[str, Any]:
    params = typed(pick(props, _FIELDS), bools=_BOOLS)
    if isinstance(props.get("CorsConfiguration"), dict):
        params["CorsConfiguration"] = typed(props["CorsConfiguration"], ("MaxAge",),
                                            ("AllowCredentials",))  # fmt: skip
    if isinstance(props.get("Tags"), dict):
        params["Tags"] = {k: str(v) for k, v in props["Tags"].items()}
    return params
