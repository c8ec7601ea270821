"""HTTP APIs themselves: Create/Get/Update/Delete, their CORS configuration, and tags (of
APIs and stages, addressed by ARN). Quick create (`Target`) is composed in the provider
from this, `definitions` and `stages`.
https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis-apiid.html
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

from lenticular.services.apigateway.models import new_id
from lenticular.services.apigatewayv2.errors import BadRequestException, not_found
from lenticular.services.apigatewayv2.store import HttpApiStore

Doc = dict[str, Any]
_API_FIELDS = (
    "ApiKeySelectionExpression", "CorsConfiguration", "Description", "DisableSchemaValidation",
    "DisableExecuteApiEndpoint", "IpAddressType", "Name", "RouteSelectionExpression", "Version",
)  # fmt: skip
_CORS_METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "*"}
_TAGGED = re.compile(r"^arn:[^:]+:apigateway:([^:]*)::/apis/([a-z0-9]+)(?:/stages/([^/]+))?$")
MAX_TAGS = 50


def validate_cors(cors: Doc) -> Doc:
    """The CorsConfiguration as stored, or BadRequestException for what AWS refuses."""
    methods = cors.get("AllowMethods") or []
    for method in methods:
        if method.upper() not in _CORS_METHODS:
            raise BadRequestException(f"Invalid AllowMethods value: {method}")
    origins = cors.get("AllowOrigins") or []
    if cors.get("AllowCredentials") and "*" in origins:
        raise BadRequestException(
            "Configure AllowCredentials as false when AllowOrigins contains '*'"
        )
    max_age = cors.get("MaxAge")
    if max_age is not None and not -1 <= max_age <= 86400:
        raise BadRequestException("MaxAge must be between -1 and 86400")
    return {k: v for k, v in cors.items() if v is not None}


class HttpApiEngine:
    def __init__(self, store: HttpApiStore, endpoint: Callable[[str], str],
                 id_taken: Callable[[str], bool], changed: Callable[[str], None]) -> None:  # fmt: skip
        self.store = store
        self._endpoint = endpoint  # api id -> its ApiEndpoint URL
        self._id_taken = id_taken  # whether a REST API already uses an id
        self._changed = changed  # the API's deployed definition may have changed

    def require(self, account_id: str, region: str, api_id: str) -> Doc:
        found = self.store.get_api(api_id)
        if found is None or found[0] != account_id or found[1] != region:
            raise not_found("API", f"{account_id}:{api_id}")  # AWS names the account too
        return found[2]

    def create(self, account_id: str, region: str, params: Doc) -> Doc:
        protocol = params.get("ProtocolType")
        if protocol == "WEBSOCKET":
            raise BadRequestException(
                "lenticular does not serve WebSocket APIs yet; create an HTTP API "
                "(ProtocolType HTTP)"
            )
        if protocol != "HTTP":
            raise BadRequestException(f"Invalid protocol type {protocol}")
        if not params.get("Name"):
            raise BadRequestException("Name is required")
        if params.get("RouteKey") and not params.get("Target"):
            raise BadRequestException("RouteKey can only be specified with Target")
        doc: Doc = {k: params[k] for k in _API_FIELDS if params.get(k) is not None}
        if "CorsConfiguration" in doc:
            doc["CorsConfiguration"] = validate_cors(doc["CorsConfiguration"])
        doc.setdefault("RouteSelectionExpression", "$request.method $request.path")
        doc.setdefault("ApiKeySelectionExpression", "$request.header.x-api-key")
        doc.setdefault("DisableExecuteApiEndpoint", False)
        doc.setdefault("IpAddressType", "ipv4")
        doc.update(ProtocolType="HTTP", CreatedDate=int(time.time()),
                   Tags=dict(params.get("Tags") or {}))  # fmt: skip
        for _ in range(10):  # ids are random; a clash (with any HTTP or REST API) retries
            api_id = new_id()
            doc["ApiId"] = api_id
            doc["ApiEndpoint"] = self._endpoint(api_id)
            if not self._id_taken(api_id) and self.store.create_api(
                api_id, account_id, region, doc
            ):
                return doc
        raise BadRequestException("Could not allocate an API id")

    def get(self, account_id: str, region: str, api_id: str) -> Doc:
        return self.require(account_id, region, api_id)

    def list(self, account_id: str, region: str) -> list[Doc]:
        return self.store.list_apis(account_id, region)

    def update(self, account_id: str, region: str, params: Doc) -> Doc:
        api_id = params["ApiId"]
        doc = self.require(account_id, region, api_id)
        for name in _API_FIELDS:
            if params.get(name) is not None:
                doc[name] = params[name]
        if "CorsConfiguration" in params and params["CorsConfiguration"] is not None:
            doc["CorsConfiguration"] = validate_cors(params["CorsConfiguration"])
        self.store.save_api(api_id, doc)
        self._changed(api_id)
        return doc

    def delete_cors(self, account_id: str, region: str, api_id: str) -> None:
        doc = self.require(account_id, region, api_id)
        doc.pop("CorsConfiguration", None)
        self.store.save_api(api_id, doc)
        self._changed(api_id)

    def delete(self, account_id: str, region: str, api_id: str) -> None:
        self.require(account_id, region, api_id)
        self.store.delete_api(api_id)
        self._changed(api_id)

    # -- tags -----------------------------------------------------------------------------

    def _tagged(self, account_id: str, region: str, arn: str) -> tuple[str, str, Doc]:
        """(api id, stage name or "", the tagged document) of a resource ARN."""
        found = _TAGGED.match(arn)
        if found is None:
            raise BadRequestException(f"Invalid resource ARN: {arn}")
        api_id, stage_name = found.group(2), found.group(3) or ""
        api = self.require(account_id, region, api_id)
        if not stage_name:
            return api_id, "", api
        stage = self.store.get_part(api_id, "stage", stage_name)
        if stage is None:
            raise not_found("Stage", stage_name)
        return api_id, stage_name, stage

    def _save_tagged(self, api_id: str, stage_name: str, doc: Doc) -> None:
        if stage_name:
            self.store.put_part(api_id, "stage", stage_name, doc)
        else:
            self.store.save_api(api_id, doc)

    def get_tags(self, account_id: str, region: str, arn: str) -> Doc:
        return dict(self._tagged(account_id, region, arn)[2].get("Tags") or {})

    def tag(self, account_id: str, region: str, arn: str, tags: Doc) -> None:
        api_id, stage_name, doc = self._tagged(account_id, region, arn)
        merged = {**(doc.get("Tags") or {}), **tags}
        if len(merged) > MAX_TAGS:
            raise BadRequestException(f"A resource can have at most {MAX_TAGS} tags")
        doc["Tags"] = merged
        self._save_tagged(api_id, stage_name, doc)

    def untag(self, account_id: str, region: str, arn: str, keys: list[str]) -> None:
        api_id, stage_name, doc = self._tagged(account_id, region, arn)
        doc["Tags"] = {k: v for k, v in (doc.get("Tags") or {}).items() if k not in keys}
        self._save_tagged(api_id, stage_name, doc)
