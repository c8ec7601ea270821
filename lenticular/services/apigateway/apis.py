"""The management side of REST APIs: APIs, their resource trees, methods, method
responses, integrations and integration responses. No HTTP and no SQL here: documents
come from and go back to `ApiGatewayStore`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

from lenticular.services.apigateway import errors
from lenticular.services.apigateway.errors import BadRequestException, ConflictException
from lenticular.services.apigateway.models import RestApi, new_id
from lenticular.services.apigateway.patch import patch_rest_api
from lenticular.services.apigateway.store import ApiGatewayStore

Doc = dict[str, Any]

HTTP_METHODS = ("GET", "PUT", "POST", "DELETE", "PATCH", "OPTIONS", "HEAD", "ANY")
AUTHORIZATION_TYPES = ("NONE", "AWS_IAM", "CUSTOM", "COGNITO_USER_POOLS")
INTEGRATION_TYPES = ("HTTP", "AWS", "MOCK", "HTTP_PROXY", "AWS_PROXY")
MAX_TIMEOUT_MS = 29000
_PATH_PART = re.compile(r"^(?:[a-zA-Z0-9._-]+|\{[a-zA-Z0-9._-]+\+?\})$")
_LAMBDA_URI = re.compile(
    r"^arn:aws[a-zA-Z-]*:apigateway:[a-z0-9-]+:lambda:path/[0-9-]+/functions/(?P<fn>.+)/invocations$"
)


def lambda_function_arn(uri: str) -> str | None:
    """The function ARN inside a Lambda integration URI, or None if `uri` is not one."""
    match = _LAMBDA_URI.match(uri or "")
    return match.group("fn") if match else None


def is_variable(path_part: str) -> bool:
    return path_part.startswith("{")


class RestApiEngine:
    def __init__(self, store: ApiGatewayStore, on_change: Callable[[str], None]) -> None:
        self.store = store
        self._on_change = on_change  # told the id of an API whose deployments/stages changed

    # -- REST APIs ------------------------------------------------------------------------

    def api(self, account_id: str, region: str, api_id: str) -> RestApi:
        api = self.store.get_api(api_id)
        if api is None or api.account_id != account_id or api.region != region:
            raise errors.api_not_found(account_id, api_id)
        return api

    def create_api(self, account_id: str, region: str, params: Doc) -> Doc:
        if params.get("cloneFrom"):
            source = self.api(account_id, region, params["cloneFrom"])
        else:
            source = None
        root_id = new_id()
        doc: Doc = {
            "name": params["name"],
            "createdDate": int(time.time()),
            "apiKeySource": params.get("apiKeySource") or "HEADER",
            "endpointConfiguration": params.get("endpointConfiguration") or {"types": ["EDGE"]},
            "disableExecuteApiEndpoint": bool(params.get("disableExecuteApiEndpoint", False)),
            "rootResourceId": root_id,
            "apiStatus": "AVAILABLE",
        }
        for member in ("description", "version", "binaryMediaTypes", "minimumCompressionSize",
                       "policy", "tags", "securityPolicy"):  # fmt: skip
            if params.get(member) not in (None, [], {}):
                doc[member] = params[member]
        endpoint = doc["endpointConfiguration"]
        endpoint.setdefault("types", ["EDGE"])
        if source is not None:
            resources = _clone_resources(source, root_id)
        else:
            resources = {root_id: {"id": root_id, "path": "/"}}
        while True:
            api = RestApi(new_id(), account_id, region, doc, resources)
            if self.store.create_api(api):
                return api.api | {"id": api.id}

    def get_api(self, account_id: str, region: str, api_id: str) -> Doc:
        return self.api(account_id, region, api_id).api | {"id": api_id}

    def list_apis(self, account_id: str, region: str) -> list[Doc]:
        return [api.api | {"id": api.id} for api in self.store.list_apis(account_id, region)]

    def update_api(self, account_id: str, region: str, api_id: str, operations: list[Doc]) -> Doc:
        api = self.api(account_id, region, api_id)
        api.api = patch_rest_api(api.api, operations)
        self.store.save_api(api)
        return api.api | {"id": api_id}

    def delete_api(self, account_id: str, region: str, api_id: str) -> None:
        self.api(account_id, region, api_id)
        self.store.delete_api(api_id)
        self._on_change(api_id)

    # -- resources ------------------------------------------------------------------------

    def resource(self, api: RestApi, resource_id: str) -> Doc:
        resource = api.resources.get(resource_id)
        if resource is None:
            raise errors.resource_not_found()
        return resource

    def create_resource(
        self, account_id: str, region: str, api_id: str, parent_id: str, path_part: str
    ) -> Doc:
        api = self.api(account_id, region, api_id)
        parent = self.resource(api, parent_id)
        if not _PATH_PART.match(path_part):
            raise BadRequestException(
                "Resource's path part only allow a-zA-Z0-9._- and curly braces at the beginning"
                " and the end and an optional plus sign before the closing brace."
            )
        if parent.get("pathPart", "").endswith("+}"):
            raise BadRequestException(
                f"Cannot create a child of a resource with a greedy path variable:"
                f" {parent['pathPart']}"
            )
        for sibling in api.resources.values():
            if sibling.get("parentId") != parent_id:
                continue
            if sibling["pathPart"] == path_part:
                raise ConflictException(
                    f"Another resource with the same parent already has this name: {path_part}"
                )
            if is_variable(path_part) and is_variable(sibling["pathPart"]):
                raise BadRequestException(
                    f"A sibling ({sibling['id']}) of this resource already has a variable path"
                    " part -- only one is allowed"
                )
        resource_id = new_id()
        while resource_id in api.resources:
            resource_id = new_id()
        base = parent["path"].rstrip("/")
        resource = {
            "id": resource_id,
            "parentId": parent_id,
            "pathPart": path_part,
            "path": f"{base}/{path_part}",
        }
        api.resources[resource_id] = resource
        self.store.save_api(api)
        return resource

    def list_resources(self, account_id: str, region: str, api_id: str) -> list[Doc]:
        return list(self.api(account_id, region, api_id).resources.values())

    def get_resource(self, account_id: str, region: str, api_id: str, resource_id: str) -> Doc:
        return self.resource(self.api(account_id, region, api_id), resource_id)

    def delete_resource(self, account_id: str, region: str, api_id: str, resource_id: str) -> None:
        api = self.api(account_id, region, api_id)
        self.resource(api, resource_id)
        if resource_id == api.root_id:
            raise BadRequestException("Cannot delete root resource")
        doomed = {resource_id}
        grew = True
        while grew:  # the resource and all its descendants
            more = {r["id"] for r in api.resources.values() if r.get("parentId") in doomed}
            grew = not more <= doomed
            doomed |= more
        for rid in doomed:
            del api.resources[rid]
        self.store.save_api(api)

    # -- methods --------------------------------------------------------------------------

    def _method(self, api: RestApi, resource_id: str, http_method: str) -> Doc:
        method = self.resource(api, resource_id).get("resourceMethods", {}).get(http_method)
        if method is None:
            raise errors.method_not_found()
        return method

    def put_method(self, account_id: str, region: str, params: Doc) -> Doc:
        api = self.api(account_id, region, params["restApiId"])
        resource = self.resource(api, params["resourceId"])
        http_method = params["httpMethod"]
        if http_method not in HTTP_METHODS:
            raise BadRequestException(
                "Invalid HttpMethod specified. Valid options are " + ",".join(HTTP_METHODS)
            )
        authorization = params["authorizationType"]
        if authorization not in AUTHORIZATION_TYPES:
            raise BadRequestException(
                f"Invalid authorization type specified. Valid options are"
                f" {','.join(AUTHORIZATION_TYPES)}"
            )
        if authorization in ("CUSTOM", "COGNITO_USER_POOLS") and not params.get("authorizerId"):
            raise BadRequestException(
                "Invalid authorizer ID specified. Setting the authorization type to CUSTOM or"
                " COGNITO_USER_POOLS requires a valid authorizer."
            )
        methods = resource.setdefault("resourceMethods", {})
        if http_method in methods:
            raise ConflictException("Method already exists for this resource")
        method: Doc = {
            "httpMethod": http_method,
            "authorizationType": authorization,
            "apiKeyRequired": bool(params.get("apiKeyRequired", False)),
        }
        for member in ("authorizerId", "operationName", "requestParameters", "requestModels",
                       "requestValidatorId", "authorizationScopes"):  # fmt: skip
            if params.get(member) not in (None, {}, []):
                method[member] = params[member]
        methods[http_method] = method
        self.store.save_api(api)
        return method

    def get_method(
        self, account_id: str, region: str, api_id: str, resource_id: str, http_method: str
    ) -> Doc:
        return self._method(self.api(account_id, region, api_id), resource_id, http_method)

    def delete_method(
        self, account_id: str, region: str, api_id: str, resource_id: str, http_method: str
    ) -> None:
        api = self.api(account_id, region, api_id)
        self._method(api, resource_id, http_method)
        del api.resources[resource_id]["resourceMethods"][http_method]
        self.store.save_api(api)

    def put_method_response(self, account_id: str, region: str, params: Doc) -> Doc:
        api = self.api(account_id, region, params["restApiId"])
        method = self._method(api, params["resourceId"], params["httpMethod"])
        status = _status_code(params["statusCode"])
        responses = method.setdefault("methodResponses", {})
        if status in responses:
            raise ConflictException("Response already exists for this resource")
        response: Doc = {"statusCode": status}
        for member in ("responseParameters", "responseModels"):
            if params.get(member):
                response[member] = params[member]
        responses[status] = response
        self.store.save_api(api)
        return response

    def get_method_response(self, account_id: str, region: str, params: Doc) -> Doc:
        api = self.api(account_id, region, params["restApiId"])
        method = self._method(api, params["resourceId"], params["httpMethod"])
        response = method.get("methodResponses", {}).get(params["statusCode"])
        if response is None:
            raise errors.response_not_found()
        return response

    def delete_method_response(self, account_id: str, region: str, params: Doc) -> None:
        api = self.api(account_id, region, params["restApiId"])
        method = self._method(api, params["resourceId"], params["httpMethod"])
        if method.get("methodResponses", {}).pop(params["statusCode"], None) is None:
            raise errors.response_not_found()
        self.store.save_api(api)

    # -- integrations ---------------------------------------------------------------------

    def _integration(self, api: RestApi, resource_id: str, http_method: str) -> Doc:
        integration = self._method(api, resource_id, http_method).get("methodIntegration")
        if integration is None:
            raise errors.integration_not_found()
        return integration

    def put_integration(self, account_id: str, region: str, params: Doc) -> Doc:
        api = self.api(account_id, region, params["restApiId"])
        method = self._method(api, params["resourceId"], params["httpMethod"])
        integration = _new_integration(params)
        method["methodIntegration"] = integration
        self.store.save_api(api)
        return integration

    def get_integration(self, account_id: str, region: str, params: Doc) -> Doc:
        api = self.api(account_id, region, params["restApiId"])
        return self._integration(api, params["resourceId"], params["httpMethod"])

    def delete_integration(self, account_id: str, region: str, params: Doc) -> None:
        api = self.api(account_id, region, params["restApiId"])
        self._integration(api, params["resourceId"], params["httpMethod"])
        del self._method(api, params["resourceId"], params["httpMethod"])["methodIntegration"]
        self.store.save_api(api)

    def put_integration_response(self, account_id: str, region: str, params: Doc) -> Doc:
        api = self.api(account_id, region, params["restApiId"])
        integration = self._integration(api, params["resourceId"], params["httpMethod"])
        status = _status_code(params["statusCode"])
        response: Doc = {"statusCode": status}
        for member in ("selectionPattern", "responseParameters", "responseTemplates",
                       "contentHandling"):  # fmt: skip
            if params.get(member) is not None:
                response[member] = params[member]
        integration.setdefault("integrationResponses", {})[status] = response
        self.store.save_api(api)
        return response

    def get_integration_response(self, account_id: str, region: str, params: Doc) -> Doc:
        api = self.api(account_id, region, params["restApiId"])
        integration = self._integration(api, params["resourceId"], params["httpMethod"])
        response = integration.get("integrationResponses", {}).get(params["statusCode"])
        if response is None:
            raise errors.response_not_found()
        return response

    def delete_integration_response(self, account_id: str, region: str, params: Doc) -> None:
        api = self.api(account_id, region, params["restApiId"])
        integration = self._integration(api, params["resourceId"], params["httpMethod"])
        if integration.get("integrationResponses", {}).pop(params["statusCode"], None) is None:
            raise errors.response_not_found()
        self.store.save_api(api)


def _status_code(value: str) -> str:
    if not (len(value) == 3 and value.isdigit() and "100" <= value <= "599"):
        raise BadRequestException(f"Invalid status code specified: {value}")
    return value


def _new_integration(params: Doc) -> Doc:
    kind = params["type"]
    if kind not in INTEGRATION_TYPES:
        raise BadRequestException(
            f"Invalid integration type specified. Valid options are {','.join(INTEGRATION_TYPES)}"
        )
    uri = params.get("uri")
    http_method = params.get("integrationHttpMethod")
    if kind != "MOCK":
        if not http_method:
            raise BadRequestException("Enumeration value for HttpMethod must be non-empty")
        if kind in ("HTTP", "HTTP_PROXY") and not re.match(r"^https?://[^/\s]+", uri or ""):
            raise BadRequestException("Invalid HTTP endpoint specified for URI")
        if kind in ("AWS", "AWS_PROXY") and not (uri or "").startswith("arn:"):
            raise BadRequestException("Invalid ARN specified in the request")
        if kind == "AWS_PROXY" and ":lambda:path" not in uri and ":firehose:" not in uri:
            raise BadRequestException(
                "Integrations of type 'AWS_PROXY' currently only supports Lambda function and"
                " Firehose stream invocations."
            )
    timeout = params.get("timeoutInMillis", MAX_TIMEOUT_MS)
    if not 50 <= timeout <= MAX_TIMEOUT_MS:
        raise BadRequestException(f"Timeout should be between 50 ms and {MAX_TIMEOUT_MS} ms")
    integration: Doc = {
        "type": kind,
        "passthroughBehavior": params.get("passthroughBehavior") or "WHEN_NO_MATCH",
        "timeoutInMillis": timeout,
        "cacheNamespace": params.get("cacheNamespace") or params["resourceId"],
        "cacheKeyParameters": params.get("cacheKeyParameters") or [],
    }
    if http_method:
        integration["httpMethod"] = http_method
    if uri:
        integration["uri"] = uri
    if kind != "MOCK":
        integration["connectionType"] = params.get("connectionType") or "INTERNET"
    for member in ("connectionId", "credentials", "requestParameters", "requestTemplates",
                   "contentHandling", "tlsConfig"):  # fmt: skip
        if params.get(member) not in (None, {}):
            integration[member] = params[member]
    return integration


def _clone_resources(source: RestApi, root_id: str) -> dict[str, Doc]:
    """A copy of `source`'s resource tree with fresh ids (CreateRestApi's cloneFrom)."""
    ids = {rid: (root_id if rid == source.root_id else new_id()) for rid in source.resources}
    out: dict[str, Doc] = {}
    for rid, resource in source.resources.items():
        copy = {**resource, "id": ids[rid]}
        if "parentId" in copy:
            copy["parentId"] = ids[copy["parentId"]]
        out[ids[rid]] = copy
    return out
