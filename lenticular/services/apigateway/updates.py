"""The Update* operations of a REST API's tree: UpdateResource, UpdateMethod,
UpdateMethodResponse, UpdateIntegration and UpdateIntegrationResponse.

Each takes JSON-patch operations on the paths AWS documents for it (`/pathPart`,
`/requestParameters/method.request.querystring.name`, `/requestTemplates/application~1json`,
`/cacheKeyParameters/method.request.path.id`, ...; `~1` is `/` and `~0` is `~` inside a
segment). Every operation is validated before the stored document changes, so an update
is all-or-nothing; a path or operation AWS does not take answers BadRequestException
"Invalid patch path  '<path>' specified for op '<op>'. Must be one of: [...]".
https://docs.aws.amazon.com/apigateway/latest/api/patch-operations.html

Limitations: `requestValidatorId` and `requestModels` are stored without checking that the
validator or model exists; `/tlsConfig/insecureSkipVerification` is recorded only.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any

from lenticular.services.apigateway import apis, errors
from lenticular.services.apigateway.apis import RestApiEngine, _new_integration, is_variable
from lenticular.services.apigateway.errors import BadRequestException, ConflictException
from lenticular.services.apigateway.models import RestApi
from lenticular.services.apigateway.patch import unescape

Doc = dict[str, Any]
OPS = ("add", "remove", "replace")
_METHOD_PARAMETER = re.compile(
    r"^method\.request\.(?:path|querystring|header|multivaluequerystring|multivalueheader)"
    r"\.[^\s]+$"
)
_INTEGRATION_PARAMETER = re.compile(
    r"^integration\.request\.(?:path|querystring|header|multivaluequerystring|multivalueheader)"
    r"\.[^\s]+$"
)
_RESPONSE_PARAMETER = re.compile(r"^method\.response\.header\.[^\s]+$")
_CONTENT_HANDLING = ("CONVERT_TO_BINARY", "CONVERT_TO_TEXT")
_PASSTHROUGH = ("WHEN_NO_MATCH", "WHEN_NO_TEMPLATES", "NEVER")


@dataclass(frozen=True, slots=True)
class PatchRules:
    """What one document kind accepts: scalar members (path -> (ops, kind)), map members
    (prefix -> (ops, kind of the values, key pattern)) and list members (prefix -> ops)."""

    scalars: dict[str, tuple[tuple[str, ...], str]]
    maps: dict[str, tuple[tuple[str, ...], str, re.Pattern[str] | None]] = field(
        default_factory=dict
    )
    lists: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def paths_for(self, op: str) -> list[str]:
        paths = [p for p, (ops, _) in self.scalars.items() if op in ops]
        paths += [p + "{key}" for p, (ops, _, _) in self.maps.items() if op in ops]
        paths += [p for p, ops in self.lists.items() if op in ops]
        return sorted(paths)


def invalid_patch_path(rules: PatchRules, op: str, path: str) -> BadRequestException:
    return BadRequestException(
        f"Invalid patch path  '{path}' specified for op '{op}'. "
        f"Must be one of: [{', '.join(rules.paths_for(op))}]"
    )


def _value(kind: str, value: Any, path: str) -> Any:
    """The stored form of a patch value of `kind` ("str", "bool", "int" or "enum:A|B")."""
    if kind == "str":
        if not isinstance(value, str):
            raise BadRequestException(f"Invalid patch value  '{value}' specified for {path}")
        return value
    text = str(value).strip() if value is not None else ""
    if kind == "bool":
        if text.lower() not in ("true", "false"):
            raise BadRequestException(
                f"Invalid patch value  '{value}' specified for {path}. Must be a boolean"
            )
        return text.lower() == "true"
    if kind == "int":
        if not text.lstrip("-").isdigit():
            raise BadRequestException(
                f"Invalid patch value  '{value}' specified for {path}. Must be a number"
            )
        return int(text)
    choices = kind.removeprefix("enum:").split("|")
    if text not in choices:
        raise BadRequestException(
            f"Invalid patch value  '{value}' specified for {path}. "
            f"Must be one of: [{', '.join(choices)}]"
        )
    return text


def apply_patch(doc: Doc, operations: list[Doc], rules: PatchRules) -> Doc:
    """A patched copy of `doc`; raises BadRequestException before changing anything."""
    updated = copy.deepcopy(doc)
    for operation in operations:
        op, path, value = (
            operation.get("op") or "",
            operation.get("path") or "",
            operation.get("value"),
        )
        if op not in OPS:
            raise BadRequestException(
                f"Invalid patch operation specified. Must be one of: [add, remove, replace]"
                f" for {path}"
            )
        _step(updated, rules, op, path, value)
    return updated


def _step(doc: Doc, rules: PatchRules, op: str, path: str, value: Any) -> None:
    scalar = rules.scalars.get(path)
    if scalar is not None:
        ops, kind = scalar
        if op not in ops:
            raise invalid_patch_path(rules, op, path)
        *parents, name = path[1:].split("/")
        target = doc
        for part in parents:  # e.g. /tlsConfig/insecureSkipVerification
            target = target.setdefault(part, {})
        if op == "remove" or value is None:
            target.pop(name, None)
        else:
            target[name] = _value(kind, value, path)
        return
    for prefix, ops in rules.lists.items():
        if path == prefix or path.startswith(prefix + "/"):
            if op not in ops:
                raise invalid_patch_path(rules, op, path)
            item = unescape(path[len(prefix) + 1 :]) if path != prefix else value
            if not isinstance(item, str) or not item:
                raise BadRequestException(f"Invalid patch value  '{value}' specified for {path}")
            members = [m for m in doc.get(prefix[1:]) or [] if m != item]
            if op != "remove":
                members.append(item)
            doc[prefix[1:]] = members
            return
    for prefix, (ops, kind, key_pattern) in rules.maps.items():
        if not path.startswith(prefix) or len(path) == len(prefix):
            continue
        if op not in ops:
            raise invalid_patch_path(rules, op, path)
        key = unescape(path[len(prefix) :])
        if key_pattern is not None and not key_pattern.match(key):
            raise BadRequestException(f"Invalid mapping expression specified: {key}")
        entries = doc.setdefault(prefix[1:-1], {})
        if op == "remove":
            entries.pop(key, None)
        else:
            if value is None:  # a mapping added without a value
                entries[key] = "" if kind == "str" else False
            else:
                entries[key] = _value(kind, value, path)
        if not entries:
            doc.pop(prefix[1:-1])
        return
    raise invalid_patch_path(rules, op, path)


_RW = ("add", "remove", "replace")
METHOD = PatchRules(
    scalars={
        "/authorizationType": (("replace",), "enum:" + "|".join(apis.AUTHORIZATION_TYPES)),
        "/authorizerId": (("replace",), "str"),
        "/apiKeyRequired": (("replace",), "bool"),
        "/operationName": (("replace",), "str"),
        "/requestValidatorId": (("replace",), "str"),
    },
    maps={
        "/requestParameters/": (_RW, "bool", _METHOD_PARAMETER),
        "/requestModels/": (_RW, "str", None),
    },
    lists={"/authorizationScopes": ("add", "remove")},
)
METHOD_RESPONSE = PatchRules(
    scalars={},
    maps={
        "/responseParameters/": (_RW, "bool", _RESPONSE_PARAMETER),
        "/responseModels/": (_RW, "str", None),
    },
)
INTEGRATION = PatchRules(
    scalars={
        "/uri": (("replace",), "str"),
        "/type": (("replace",), "enum:" + "|".join(apis.INTEGRATION_TYPES)),
        "/httpMethod": (("replace",), "str"),
        "/credentials": (("replace",), "str"),
        "/passthroughBehavior": (("replace",), "enum:" + "|".join(_PASSTHROUGH)),
        "/timeoutInMillis": (("replace",), "int"),
        "/contentHandling": (("replace",), "enum:" + "|".join(_CONTENT_HANDLING)),
        "/cacheNamespace": (("replace",), "str"),
        "/connectionType": (("replace",), "enum:INTERNET|VPC_LINK"),
        "/connectionId": (("replace",), "str"),
        "/tlsConfig/insecureSkipVerification": (("replace",), "bool"),
    },
    maps={
        "/requestParameters/": (_RW, "str", _INTEGRATION_PARAMETER),
        "/requestTemplates/": (_RW, "str", None),
    },
    lists={"/cacheKeyParameters": ("add", "remove")},
)
INTEGRATION_RESPONSE = PatchRules(
    scalars={
        "/selectionPattern": (("replace",), "str"),
        "/contentHandling": (("replace",), "enum:" + "|".join(_CONTENT_HANDLING)),
    },
    maps={
        "/responseParameters/": (_RW, "str", _RESPONSE_PARAMETER),
        "/responseTemplates/": (_RW, "str", None),
    },
)


class TreeUpdates:
    """The Update* operations on an API's resources and what hangs off them."""

    def __init__(self, engine: RestApiEngine) -> None:
        self.engine = engine

    def _api(self, account_id: str, region: str, params: Doc) -> RestApi:
        return self.engine.api(account_id, region, params["restApiId"])

    def update_resource(self, account_id: str, region: str, params: Doc) -> Doc:
        api = self._api(account_id, region, params)
        resource = self.engine.resource(api, params["resourceId"])
        rules = PatchRules({"/pathPart": (("replace",), "str"), "/parentId": (("replace",), "str")})
        updated = apply_patch(resource, params.get("patchOperations") or [], rules)
        if not updated.get("pathPart") or not updated.get("parentId"):
            if resource["id"] != api.root_id:
                raise BadRequestException("Invalid patch value specified for the resource")
        if resource["id"] == api.root_id:
            if updated != resource:
                raise BadRequestException("Cannot modify the root resource")
            return resource
        _check_move(api, resource, updated)
        api.resources[resource["id"]] = updated
        _repath(api, updated)
        self.engine.store.save_api(api)
        return updated

    def update_method(self, account_id: str, region: str, params: Doc) -> Doc:
        api = self._api(account_id, region, params)
        method = self.engine._method(api, params["resourceId"], params["httpMethod"])
        updated = apply_patch(method, params.get("patchOperations") or [], METHOD)
        kind = updated.get("authorizationType")
        if kind in ("CUSTOM", "COGNITO_USER_POOLS") and not updated.get("authorizerId"):
            raise BadRequestException(
                "Invalid authorizer ID specified. Setting the authorization type to CUSTOM or"
                " COGNITO_USER_POOLS requires a valid authorizer."
            )
        if kind in ("NONE", "AWS_IAM"):
            updated.pop("authorizerId", None)
        if updated.get("authorizationScopes") == []:
            del updated["authorizationScopes"]
        method.clear()
        method.update(updated)
        self.engine.store.save_api(api)
        return method

    def update_method_response(self, account_id: str, region: str, params: Doc) -> Doc:
        api = self._api(account_id, region, params)
        method = self.engine._method(api, params["resourceId"], params["httpMethod"])
        response = (method.get("methodResponses") or {}).get(params["statusCode"])
        if response is None:
            raise errors.response_not_found()
        updated = apply_patch(response, params.get("patchOperations") or [], METHOD_RESPONSE)
        response.clear()
        response.update(updated)
        self.engine.store.save_api(api)
        return response

    def update_integration(self, account_id: str, region: str, params: Doc) -> Doc:
        api = self._api(account_id, region, params)
        integration = self.engine._integration(api, params["resourceId"], params["httpMethod"])
        updated = apply_patch(integration, params.get("patchOperations") or [], INTEGRATION)
        if updated.get("cacheKeyParameters") is None:
            updated["cacheKeyParameters"] = []
        # The same rules as PutIntegration (type, URI, method, timeout).
        _new_integration({
            **updated, "integrationHttpMethod": updated.get("httpMethod"),
            "resourceId": params["resourceId"],
        })  # fmt: skip
        if updated["type"] == "MOCK":
            updated.pop("connectionType", None)
        integration.clear()
        integration.update(updated)
        self.engine.store.save_api(api)
        return integration

    def update_integration_response(self, account_id: str, region: str, params: Doc) -> Doc:
        api = self._api(account_id, region, params)
        integration = self.engine._integration(api, params["resourceId"], params["httpMethod"])
        response = (integration.get("integrationResponses") or {}).get(params["statusCode"])
        if response is None:
            raise errors.response_not_found()
        updated = apply_patch(response, params.get("patchOperations") or [], INTEGRATION_RESPONSE)
        if updated.get("selectionPattern") == "":
            del updated["selectionPattern"]
        if updated.get("selectionPattern"):
            try:
                re.compile(updated["selectionPattern"])
            except re.error:
                raise BadRequestException(
                    f"Invalid selection pattern specified: {updated['selectionPattern']}"
                ) from None
        response.clear()
        response.update(updated)
        self.engine.store.save_api(api)
        return response


def _check_move(api: RestApi, old: Doc, new: Doc) -> None:
    """What CreateResource would refuse for the new pathPart/parentId, plus cycles."""
    if new["pathPart"] != old["pathPart"] and not apis._PATH_PART.match(new["pathPart"]):
        raise BadRequestException(
            "Resource's path part only allow a-zA-Z0-9._- and curly braces at the beginning"
            " and the end and an optional plus sign before the closing brace."
        )
    parent = api.resources.get(new.get("parentId") or "")
    if parent is None:
        raise errors.resource_not_found()
    ancestor: Doc | None = parent
    for _ in range(len(api.resources) + 1):  # bounded walk up to the root
        if ancestor is None:
            break
        if ancestor["id"] == old["id"]:
            raise BadRequestException("Resources cannot be moved under themselves")
        ancestor = api.resources.get(ancestor.get("parentId") or "")
    if parent.get("pathPart", "").endswith("+}"):
        raise BadRequestException(
            f"Cannot create a child of a resource with a greedy path variable: {parent['pathPart']}"
        )
    for sibling in api.resources.values():
        if sibling.get("parentId") != parent["id"] or sibling["id"] == old["id"]:
            continue
        if sibling["pathPart"] == new["pathPart"]:
            raise ConflictException(
                f"Another resource with the same parent already has this name: {new['pathPart']}"
            )
        if is_variable(new["pathPart"]) and is_variable(sibling["pathPart"]):
            raise BadRequestException(
                f"A sibling ({sibling['id']}) of this resource already has a variable path"
                " part -- only one is allowed"
            )


def _repath(api: RestApi, moved: Doc) -> None:
    """Recompute `path` of `moved` and everything under it."""
    pending = [moved]
    for _ in range(len(api.resources)):  # each resource is visited once at most
        if not pending:
            break
        resource = pending.pop()
        parent = api.resources[resource["parentId"]]
        resource["path"] = f"{parent['path'].rstrip('/')}/{resource['pathPart']}"
        pending.extend(r for r in api.resources.values() if r.get("parentId") == resource["id"])
