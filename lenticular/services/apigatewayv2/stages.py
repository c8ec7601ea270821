"""Deployments and stages of HTTP APIs. A deployment freezes the API's routes,
integrations, authorizers and CORS configuration; a stage serves one deployment, with its
variables, route settings (throttling) and access log settings. Stages with autoDeploy
get a new deployment after every change to the API.
https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-stages.html
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from lenticular.services.apigateway.models import new_id
from lenticular.services.apigatewayv2.definitions import ApiParts
from lenticular.services.apigatewayv2.errors import (
    BadRequestException,
    ConflictException,
    not_found,
)
from lenticular.services.apigatewayv2.store import HttpApiStore

Doc = dict[str, Any]
_STAGE_NAME = re.compile(r"^(?:\$default|[A-Za-z0-9_\-]{1,128})$")
_STAGE_FIELDS = (
    "AccessLogSettings", "AutoDeploy", "ClientCertificateId", "DefaultRouteSettings",
    "DeploymentId", "Description", "RouteSettings", "StageVariables",
)  # fmt: skip
_DEFAULT_ROUTE_SETTINGS = {"DataTraceEnabled": False, "DetailedMetricsEnabled": False}


def _check_route_settings(settings: Doc | None) -> None:
    if not settings:
        return
    burst = settings.get("ThrottlingBurstLimit")
    rate = settings.get("ThrottlingRateLimit")
    if burst is not None and burst < 0 or rate is not None and rate < 0:
        raise BadRequestException("Throttling limits must not be negative")


class StageEngine(ApiParts):
    def __init__(self, store: HttpApiStore, require_api: Callable[[str, str, str], Doc],
                 forget: Callable[[str], None]) -> None:  # fmt: skip
        super().__init__(store, require_api)
        self._forget = forget  # drop what the data plane holds for an API
        self._held: dict[str, bool] = {}  # API -> whether a change waits for the batch's end

    @contextmanager
    def batch(self, api_id: str) -> Iterator[None]:
        """Many changes, one automatic deployment (quick create, imports)."""
        self._held[api_id] = False
        try:
            yield
        finally:
            if self._held.pop(api_id, False):
                self.auto_deploy(api_id)

    # -- deployments ----------------------------------------------------------------------

    def _snapshot(self, api_id: str) -> Doc:
        api = self.store.get_api(api_id)
        return {
            "routes": self.store.list_parts(api_id, "route"),
            "integrations": {i["IntegrationId"]: i
                             for i in self.store.list_parts(api_id, "integration")},
            "authorizers": {a["AuthorizerId"]: a
                            for a in self.store.list_parts(api_id, "authorizer")},
            "cors": (api[2].get("CorsConfiguration") if api else None),
        }  # fmt: skip

    def _deploy(self, api_id: str, description: str | None, auto: bool) -> Doc:
        deployment: Doc = {
            "DeploymentId": new_id(6), "DeploymentStatus": "DEPLOYED",
            "CreatedDate": int(time.time()), "AutoDeployed": auto,
        }  # fmt: skip
        if description:
            deployment["Description"] = description
        self.store.put_part(api_id, "deployment", deployment["DeploymentId"], deployment,
                            self._snapshot(api_id))  # fmt: skip
        return deployment

    def auto_deploy(self, api_id: str) -> None:
        """After a change to the API: redeploy to every autoDeploy stage."""
        if api_id in self._held:
            self._held[api_id] = True
            return
        if self.store.get_api(api_id) is not None:
            for stage in self.store.list_parts(api_id, "stage"):
                if stage.get("AutoDeploy"):
                    self._point(api_id, stage, self._deploy(api_id, None, True))
        self._forget(api_id)

    def _point(self, api_id: str, stage: Doc, deployment: Doc) -> None:
        stage["DeploymentId"] = deployment["DeploymentId"]
        stage["LastUpdatedDate"] = int(time.time())
        if deployment.get("AutoDeployed"):
            stage["LastDeploymentStatusMessage"] = (
                f"Successfully deployed stage with deployment ID '{deployment['DeploymentId']}'"
            )
        self.store.put_part(api_id, "stage", stage["StageName"], stage)

    def create_deployment(self, account_id: str, region: str, params: Doc) -> Doc:
        api_id = params["ApiId"]
        self._require_api(account_id, region, api_id)
        stage = None
        if params.get("StageName"):
            stage = self.store.get_part(api_id, "stage", params["StageName"])
            if stage is None:
                raise not_found("Stage", params["StageName"])
        deployment = self._deploy(api_id, params.get("Description"), False)
        if stage is not None:
            self._point(api_id, stage, deployment)
        self._forget(api_id)
        return deployment

    def get_deployment(self, account_id: str, region: str, api_id: str, deployment_id: str
                       ) -> Doc:  # fmt: skip
        return self._part(account_id, region, api_id, "deployment", "Deployment", deployment_id)

    def list_deployments(self, account_id: str, region: str, api_id: str) -> list[Doc]:
        return self.list(account_id, region, api_id, "deployment")

    def update_deployment(self, account_id: str, region: str, params: Doc) -> Doc:
        api_id, deployment_id = params["ApiId"], params["DeploymentId"]
        deployment = self.get_deployment(account_id, region, api_id, deployment_id)
        if params.get("Description") is not None:
            deployment["Description"] = params["Description"]
        snapshot = self.store.get_snapshot(api_id, deployment_id)
        self.store.put_part(api_id, "deployment", deployment_id, deployment, snapshot)
        return deployment

    def delete_deployment(self, account_id: str, region: str, api_id: str, deployment_id: str
                          ) -> None:  # fmt: skip
        self.get_deployment(account_id, region, api_id, deployment_id)
        for stage in self.store.list_parts(api_id, "stage"):
            if stage.get("DeploymentId") == deployment_id:
                raise BadRequestException(
                    f"Deployment {deployment_id} is in use by stage {stage['StageName']};"
                    " point the stage at another deployment or delete it first"
                )
        self.store.delete_part(api_id, "deployment", deployment_id)

    # -- stages ---------------------------------------------------------------------------

    def _check(self, api_id: str, stage: Doc) -> None:
        if (
            stage.get("DeploymentId")
            and self.store.get_part(api_id, "deployment", stage["DeploymentId"]) is None
        ):
            raise BadRequestException(
                f"Invalid deployment identifier specified {stage['DeploymentId']}"
            )
        _check_route_settings(stage.get("DefaultRouteSettings"))
        for settings in (stage.get("RouteSettings") or {}).values():
            _check_route_settings(settings)
        log = stage.get("AccessLogSettings") or {}
        if log.get("DestinationArn") and not log["DestinationArn"].startswith("arn:"):
            raise BadRequestException("AccessLogSettings.DestinationArn must be an ARN")

    def create_stage(self, account_id: str, region: str, params: Doc, managed: bool = False
                     ) -> Doc:  # fmt: skip
        api_id = params["ApiId"]
        self._require_api(account_id, region, api_id)
        name = params.get("StageName") or ""
        if not _STAGE_NAME.match(name):
            raise BadRequestException(f"Invalid stage name: {name}")
        now = int(time.time())
        stage: Doc = {k: params[k] for k in _STAGE_FIELDS if params.get(k) is not None}
        stage["DefaultRouteSettings"] = {
            **_DEFAULT_ROUTE_SETTINGS,
            **(stage.get("DefaultRouteSettings") or {}),
        }
        stage.setdefault("RouteSettings", {})
        stage.setdefault("StageVariables", {})
        stage.setdefault("AutoDeploy", False)
        stage.update(StageName=name, CreatedDate=now, LastUpdatedDate=now,
                     Tags=dict(params.get("Tags") or {}))  # fmt: skip
        if managed:
            stage["ApiGatewayManaged"] = True
        self._check(api_id, stage)
        if not self.store.add_part(api_id, "stage", name, stage):
            raise ConflictException(f"Stage {name} already exists")
        if stage["AutoDeploy"]:
            self._point(api_id, stage, self._deploy(api_id, None, True))
        self._forget(api_id)
        return stage

    def get_stage(self, account_id: str, region: str, api_id: str, name: str) -> Doc:
        return self._part(account_id, region, api_id, "stage", "Stage", name)

    def list_stages(self, account_id: str, region: str, api_id: str) -> list[Doc]:
        return self.list(account_id, region, api_id, "stage")

    def update_stage(self, account_id: str, region: str, params: Doc) -> Doc:
        api_id, name = params["ApiId"], params["StageName"]
        stage = self.get_stage(account_id, region, api_id, name)
        was_auto = stage.get("AutoDeploy")
        for field in _STAGE_FIELDS:
            if params.get(field) is None:
                continue
            if field in ("DefaultRouteSettings",):
                stage[field] = {**(stage.get(field) or {}), **params[field]}
            elif field in ("RouteSettings", "StageVariables"):
                stage[field] = {**(stage.get(field) or {}), **params[field]}
            else:
                stage[field] = params[field]
        stage["LastUpdatedDate"] = int(time.time())
        self._check(api_id, stage)
        self.store.put_part(api_id, "stage", name, stage)
        if stage.get("AutoDeploy") and not was_auto:
            self._point(api_id, stage, self._deploy(api_id, None, True))
        self._forget(api_id)
        return stage

    def delete_stage(self, account_id: str, region: str, api_id: str, name: str) -> None:
        self.get_stage(account_id, region, api_id, name)
        self.store.delete_part(api_id, "stage", name)
        self._forget(api_id)

    def delete_route_settings(self, account_id: str, region: str, api_id: str, name: str,
                              route_key: str) -> None:  # fmt: skip
        stage = self.get_stage(account_id, region, api_id, name)
        settings = stage.get("RouteSettings") or {}
        if route_key not in settings:
            raise not_found("RouteSettings", route_key)
        del settings[route_key]
        stage["RouteSettings"] = settings
        self.store.put_part(api_id, "stage", name, stage)
        self._forget(api_id)

    def delete_access_log_settings(self, account_id: str, region: str, api_id: str, name: str
                                   ) -> None:  # fmt: skip
        stage = self.get_stage(account_id, region, api_id, name)
        stage.pop("AccessLogSettings", None)
        self.store.put_part(api_id, "stage", name, stage)
        self._forget(api_id)
