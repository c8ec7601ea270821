"""Deployments and stages of REST APIs. A deployment is an immutable snapshot of the API's
resources, methods and integrations; a stage serves one deployment with its variables.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

from lenticular.services.apigateway import errors
from lenticular.services.apigateway.apis import RestApiEngine
from lenticular.services.apigateway.errors import BadRequestException, ConflictException
from lenticular.services.apigateway.models import Deployment, RestApi, Stage, new_id
from lenticular.services.apigateway.models_validators import deployed_documents
from lenticular.services.apigateway.patch import check_variables, patch_stage
from lenticular.services.apigateway.store import ApiGatewayStore

Doc = dict[str, Any]
_STAGE_NAME = re.compile(r"^[a-zA-Z0-9_-]+$")


def api_summary(resources: dict[str, Doc]) -> Doc:
    """Deployment.apiSummary: path -> method -> its authorization settings."""
    summary: Doc = {}
    for resource in resources.values():
        for verb, method in (resource.get("resourceMethods") or {}).items():
            summary.setdefault(resource["path"], {})[verb] = {
                "authorizationType": method["authorizationType"],
                "apiKeyRequired": method.get("apiKeyRequired", False),
            }
    return summary


class DeploymentEngine:
    def __init__(
        self, store: ApiGatewayStore, apis: RestApiEngine, on_change: Callable[[str], None]
    ) -> None:
        self.store = store
        self.apis = apis
        self._on_change = on_change

    # -- deployments ----------------------------------------------------------------------

    def create_deployment(self, account_id: str, region: str, params: Doc) -> Doc:
        api = self.apis.api(account_id, region, params["restApiId"])
        _check_deployable(api)
        stage_name = params.get("stageName")
        variables = params.get("variables") or {}
        check_variables(variables)
        if stage_name and not _STAGE_NAME.match(stage_name):
            raise BadRequestException("Stage name only allows a-zA-Z0-9_-")
        now = int(time.time())
        deployment_id = new_id()
        doc: Doc = {"id": deployment_id, "createdDate": now}
        if params.get("description"):
            doc["description"] = params["description"]
        authorizers = {a["id"]: a for a in self.store.list_docs("authorizer", parent=api.id)}
        snapshot = {"api": api.api, "resources": api.resources, "authorizers": authorizers}
        snapshot.update(deployed_documents(self.store, api.id))  # models, validators, ...
        stage = None
        if stage_name:
            stage = self.store.get_stage(api.id, stage_name)
            if stage is None:
                stage = Stage(api.id, stage_name, _new_stage(stage_name, deployment_id, now))
                if params.get("stageDescription"):
                    stage.stage["description"] = params["stageDescription"]
            stage.stage["deploymentId"] = deployment_id
            stage.stage["lastUpdatedDate"] = now
            for member in ("cacheClusterEnabled", "cacheClusterSize", "tracingEnabled"):
                if params.get(member) is not None:
                    stage.stage[member] = params[member]
            _cache_status(stage.stage)
            if variables:
                stage.stage["variables"] = {**stage.stage.get("variables", {}), **variables}
        self.store.add_deployment(Deployment(api.id, deployment_id, now, doc, snapshot), stage)
        self._on_change(api.id)
        return doc

    def deployment(self, api_id: str, deployment_id: str) -> Deployment:
        found = self.store.get_deployment(api_id, deployment_id)
        if found is None:
            raise errors.deployment_not_found()
        return found

    def get_deployment(
        self, account_id: str, region: str, api_id: str, deployment_id: str, embed: list[str]
    ) -> Doc:
        self.apis.api(account_id, region, api_id)
        found = self.deployment(api_id, deployment_id)
        if "apisummary" in embed:
            return found.deployment | {"apiSummary": api_summary(found.snapshot["resources"])}
        return found.deployment

    def list_deployments(self, account_id: str, region: str, api_id: str) -> list[Doc]:
        self.apis.api(account_id, region, api_id)
        return [d.deployment for d in self.store.list_deployments(api_id)]

    def delete_deployment(
        self, account_id: str, region: str, api_id: str, deployment_id: str
    ) -> None:
        self.apis.api(account_id, region, api_id)
        self.deployment(api_id, deployment_id)
        if any(s.stage["deploymentId"] == deployment_id for s in self.store.list_stages(api_id)):
            raise BadRequestException(
                "Active stages pointing to this deployment must be moved or deleted"
            )
        self.store.delete_deployment(api_id, deployment_id)

    # -- stages ---------------------------------------------------------------------------

    def stage(self, api_id: str, name: str) -> Stage:
        found = self.store.get_stage(api_id, name)
        if found is None:
            raise errors.stage_not_found()
        return found

    def create_stage(self, account_id: str, region: str, params: Doc) -> Doc:
        api = self.apis.api(account_id, region, params["restApiId"])
        name = params["stageName"]
        if not _STAGE_NAME.match(name):
            raise BadRequestException("Stage name only allows a-zA-Z0-9_-")
        self.deployment(api.id, params["deploymentId"])
        variables = params.get("variables") or {}
        check_variables(variables)
        doc = _new_stage(name, params["deploymentId"], int(time.time()))
        for member in ("description", "cacheClusterEnabled", "cacheClusterSize", "tracingEnabled",
                       "documentationVersion", "canarySettings", "tags"):  # fmt: skip
            if params.get(member) not in (None, {}):
                doc[member] = params[member]
        if variables:
            doc["variables"] = variables
        _cache_status(doc)
        if not self.store.create_stage(Stage(api.id, name, doc)):
            raise ConflictException("Stage already exists")
        self._on_change(api.id)
        return doc

    def get_stage(self, account_id: str, region: str, api_id: str, name: str) -> Doc:
        self.apis.api(account_id, region, api_id)
        return self.stage(api_id, name).stage

    def list_stages(
        self, account_id: str, region: str, api_id: str, deployment_id: str | None
    ) -> list[Doc]:
        self.apis.api(account_id, region, api_id)
        stages = [s.stage for s in self.store.list_stages(api_id)]
        if deployment_id:
            stages = [s for s in stages if s["deploymentId"] == deployment_id]
        return stages

    def update_stage(
        self, account_id: str, region: str, api_id: str, name: str, operations: list[Doc]
    ) -> Doc:
        self.apis.api(account_id, region, api_id)
        stage = self.stage(api_id, name)
        updated = patch_stage(stage.stage, operations)
        if updated["deploymentId"] != stage.stage["deploymentId"]:
            self.deployment(api_id, updated["deploymentId"])
        updated["lastUpdatedDate"] = int(time.time())
        _cache_status(updated)
        stage.stage = updated
        self.store.save_stage(stage)
        self._on_change(api_id)
        return updated

    def delete_stage(self, account_id: str, region: str, api_id: str, name: str) -> None:
        self.apis.api(account_id, region, api_id)
        if not self.store.delete_stage(api_id, name):
            raise errors.stage_not_found()
        self._on_change(api_id)


def _new_stage(name: str, deployment_id: str, now: int) -> Doc:
    return {
        "stageName": name,
        "deploymentId": deployment_id,
        "cacheClusterEnabled": False,
        "cacheClusterStatus": "NOT_AVAILABLE",
        "methodSettings": {},
        "tracingEnabled": False,
        "createdDate": now,
        "lastUpdatedDate": now,
    }


def _cache_status(stage: Doc) -> None:
    """A cache cluster is available at once (AWS takes minutes), 0.5 GB unless sized."""
    if stage.get("cacheClusterEnabled"):
        stage["cacheClusterStatus"] = "AVAILABLE"
        stage.setdefault("cacheClusterSize", "0.5")
    else:
        stage["cacheClusterStatus"] = "NOT_AVAILABLE"


def _check_deployable(api: RestApi) -> None:
    methods = [
        method
        for resource in api.resources.values()
        for method in (resource.get("resourceMethods") or {}).values()
    ]
    if not methods:
        raise BadRequestException("The REST API doesn't contain any methods")
    if any("methodIntegration" not in method for method in methods):
        raise BadRequestException("No integration defined for method")
