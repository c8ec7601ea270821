"""Operations that build an HTTP API from several parts at once, through the engines:
quick create (CreateApi's Target/RouteKey, and UpdateApi's changes to what it made) and
ImportApi/ReimportApi from an OpenAPI document (parsed by `openapi`). Each runs as one
batch, so autoDeploy stages get one deployment for it.
https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop.html#http-api-examples
"""

from __future__ import annotations

from typing import Any

from lenticular.services.apigatewayv2 import openapi
from lenticular.services.apigatewayv2.apis import HttpApiEngine
from lenticular.services.apigatewayv2.definitions import DefinitionEngine, lambda_arn_of
from lenticular.services.apigatewayv2.errors import BadRequestException
from lenticular.services.apigatewayv2.stages import StageEngine

Doc = dict[str, Any]


def _target_integration(target: str) -> Doc:
    """Quick create's integration for a Target: a Lambda function ARN (AWS_PROXY, payload
    2.0) or an HTTP URL (HTTP_PROXY, ANY)."""
    if lambda_arn_of(target) is not None:
        return {"IntegrationType": "AWS_PROXY", "IntegrationUri": target,
                "PayloadFormatVersion": "2.0"}  # fmt: skip
    if target.startswith(("http://", "https://")):
        return {"IntegrationType": "HTTP_PROXY", "IntegrationUri": target,
                "IntegrationMethod": "ANY", "PayloadFormatVersion": "1.0"}  # fmt: skip
    raise BadRequestException(f"Invalid Target specified: {target}")


class ApiComposer:
    def __init__(self, apis: HttpApiEngine, definitions: DefinitionEngine,
                 stages: StageEngine) -> None:  # fmt: skip
        self.apis = apis
        self.definitions = definitions
        self.stages = stages

    # -- quick create ---------------------------------------------------------------------

    def create(self, account_id: str, region: str, params: Doc) -> Doc:
        """CreateApi; with a Target, also a managed integration, a route to it (RouteKey,
        else `$default`) and a `$default` stage that deploys automatically."""
        target = params.get("Target")
        integration = _target_integration(target) if target else None
        api = self.apis.create(account_id, region, params)
        if integration is None:
            return api
        api_id = api["ApiId"]
        if params.get("CredentialsArn"):
            integration["CredentialsArn"] = params["CredentialsArn"]
        try:
            with self.stages.batch(api_id):
                made = self.definitions.create_integration(
                    account_id, region, {"ApiId": api_id, **integration}, managed=True
                )
                self.definitions.create_route(account_id, region, {
                    "ApiId": api_id, "RouteKey": params.get("RouteKey") or "$default",
                    "Target": f"integrations/{made['IntegrationId']}",
                }, managed=True)  # fmt: skip
                self.stages.create_stage(account_id, region, {
                    "ApiId": api_id, "StageName": "$default", "AutoDeploy": True,
                }, managed=True)  # fmt: skip
        except Exception:
            self.apis.delete(account_id, region, api_id)
            raise
        return api

    def update(self, account_id: str, region: str, params: Doc) -> Doc:
        """UpdateApi; its Target/RouteKey change the integration and route quick create
        made."""
        api_id = params["ApiId"]
        self.apis.require(account_id, region, api_id)
        if params.get("Target") or params.get("RouteKey"):
            self._quick_update(account_id, region, params)
        return self.apis.update(account_id, region, params)

    def _quick_update(self, account_id: str, region: str, params: Doc) -> None:
        api_id = params["ApiId"]
        where = (account_id, region)
        routes = [r for r in self.definitions.list(*where, api_id, "route")
                  if r.get("ApiGatewayManaged")]  # fmt: skip
        integrations = [i for i in self.definitions.list(*where, api_id, "integration")
                        if i.get("ApiGatewayManaged")]  # fmt: skip
        if not routes or not integrations:
            raise BadRequestException(
                "Target and RouteKey can only be updated on an API made by quick create"
            )
        with self.stages.batch(api_id):
            if params.get("Target"):
                self.definitions.update_integration(*where, {
                    "ApiId": api_id, "IntegrationId": integrations[0]["IntegrationId"],
                    **_target_integration(params["Target"]),
                })  # fmt: skip
            if params.get("RouteKey"):
                self.definitions.update_route(*where, {
                    "ApiId": api_id, "RouteId": routes[0]["RouteId"],
                    "RouteKey": params["RouteKey"],
                })  # fmt: skip

    # -- OpenAPI import -------------------------------------------------------------------

    def import_api(self, account_id: str, region: str, params: Doc) -> Doc:
        doc = openapi.parse_document(params["Body"])
        api = self.apis.create(account_id, region, openapi.api_settings(doc))
        try:
            warnings = self._import(account_id, region, api["ApiId"], doc, params)
        except Exception:
            self.apis.delete(account_id, region, api["ApiId"])
            raise
        return {**api, "Warnings": warnings} if warnings else api

    def reimport_api(self, account_id: str, region: str, params: Doc) -> Doc:
        """Replace the API's routes, integrations, authorizers and top-level settings by
        the document's; stages stay."""
        api_id = params["ApiId"]
        where = (account_id, region)
        self.apis.require(*where, api_id)
        doc = openapi.parse_document(params["Body"])
        settings = openapi.api_settings(doc)
        settings.pop("ProtocolType")
        settings.pop("Tags", None)
        with self.stages.batch(api_id):
            for route in self.definitions.list(*where, api_id, "route"):
                self.definitions.delete_route(*where, api_id, route["RouteId"])
            for integration in self.definitions.list(*where, api_id, "integration"):
                self.definitions.delete_integration(*where, api_id, integration["IntegrationId"])
            for authorizer in self.definitions.list(*where, api_id, "authorizer"):
                self.definitions.delete_authorizer(*where, api_id, authorizer["AuthorizerId"])
            if "CorsConfiguration" not in settings:
                self.apis.delete_cors(*where, api_id)
            api = self.apis.update(*where, {"ApiId": api_id, **settings})
            warnings = self._import(account_id, region, api_id, doc, params)
        return {**api, "Warnings": warnings} if warnings else api

    def _import(self, account_id: str, region: str, api_id: str, doc: Doc, params: Doc
                ) -> list[str]:  # fmt: skip
        where = (account_id, region)
        found, warnings = openapi.routes(doc, params.get("Basepath"))
        if warnings and params.get("FailOnWarnings"):
            raise BadRequestException("Warnings found during import: " + "; ".join(warnings))
        with self.stages.batch(api_id):
            kinds: dict[str, tuple[str, str]] = {}  # scheme name -> (authorizer id, type)
            for name, spec in openapi.authorizers(doc).items():
                made = self.definitions.create_authorizer(*where, {"ApiId": api_id, **spec})
                kinds[name] = (made["AuthorizerId"], made["AuthorizerType"])
            shared: dict[str, str] = {}  # the same integration spec is created once
            for route_key, integration, route in found:
                route = {"ApiId": api_id, "RouteKey": route_key, **route}
                if integration:
                    spec_key = repr(sorted(integration.items()))
                    if spec_key not in shared:
                        made = self.definitions.create_integration(
                            *where, {"ApiId": api_id, **integration}
                        )
                        shared[spec_key] = made["IntegrationId"]
                    route["Target"] = f"integrations/{shared[spec_key]}"
                scheme = route.pop("_authorizer", None)
                if scheme is not None:
                    if scheme not in kinds:
                        raise BadRequestException(
                            f"Route {route_key} uses the undefined security scheme {scheme}"
                        )
                    authorizer_id, kind = kinds[scheme]
                    route["AuthorizerId"] = authorizer_id
                    route["AuthorizationType"] = "JWT" if kind == "JWT" else "CUSTOM"
                self.definitions.create_route(*where, route)
        return warnings
