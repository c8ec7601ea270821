"""API Gateway's PATCH operations (UpdateRestApi, UpdateStage) applied to stored documents.

AWS addresses members with JSON-pointer-like paths (`/name`, `/variables/env`,
`/binaryMediaTypes/image~1png`, `/*/*/throttling/rateLimit`) and escapes `/` as `~1` and
`~` as `~0` inside a segment. Every operation is validated before any is applied, so an
update is all-or-nothing.
https://docs.aws.amazon.com/apigateway/latest/api/patch-operations.html
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from lenticular.services.apigateway.errors import BadRequestException

Patch = dict[str, Any]

_API_STRINGS = {"/name", "/description", "/version", "/policy", "/apiKeySource"}
_STAGE_STRINGS = {"/description", "/deploymentId", "/cacheClusterSize", "/clientCertificateId",
                  "/documentationVersion", "/webAclArn"}  # fmt: skip
_STAGE_BOOLEANS = {"/tracingEnabled", "/cacheClusterEnabled"}
# UpdateStage method setting paths (`/{resourcePath}/{httpMethod}/<setting>`) -> MethodSetting.
_METHOD_SETTINGS = {
    "metrics/enabled": ("metricsEnabled", "bool"),
    "logging/loglevel": ("loggingLevel", "str"),
    "logging/dataTrace": ("dataTraceEnabled", "bool"),
    "throttling/burstLimit": ("throttlingBurstLimit", "int"),
    "throttling/rateLimit": ("throttlingRateLimit", "float"),
    "caching/enabled": ("cachingEnabled", "bool"),
    "caching/ttlInSeconds": ("cacheTtlInSeconds", "int"),
    "caching/dataEncrypted": ("cacheDataEncrypted", "bool"),
    "caching/requireAuthorizationForCacheControl": ("requireAuthorizationForCacheControl", "bool"),
    "caching/unauthorizedCacheControlHeaderStrategy": (
        "unauthorizedCacheControlHeaderStrategy", "str",
    ),
}  # fmt: skip
_METHOD_SETTING_DEFAULTS = {
    "metricsEnabled": False, "loggingLevel": "OFF", "dataTraceEnabled": False,
    "throttlingBurstLimit": 5000, "throttlingRateLimit": 10000.0, "cachingEnabled": False,
    "cacheTtlInSeconds": 300, "cacheDataEncrypted": False,
    "requireAuthorizationForCacheControl": True,
    "unauthorizedCacheControlHeaderStrategy": "SUCCEED_WITH_RESPONSE_HEADER",
}  # fmt: skip


def unescape(segment: str) -> str:
    return segment.replace("~1", "/").replace("~0", "~")


def invalid_path(path: str) -> BadRequestException:
    return BadRequestException(f"Invalid patch path {path}")


def _convert(value: Any, kind: str, path: str) -> Any:
    if kind == "str":
        return value
    text = str(value).strip().lower()
    try:
        if kind == "bool":
            if text not in ("true", "false"):
                raise ValueError
            return text == "true"
        if kind == "int":
            return int(text)
        return float(text)
    except ValueError:
        raise BadRequestException(f"Invalid {kind} value for {path}: {value}") from None


def _apply(
    doc: dict[str, Any], operations: list[Patch], step: Callable[..., None]
) -> dict[str, Any]:
    updated = copy.deepcopy(doc)
    for operation in operations:
        op = operation.get("op") or ""
        path = operation.get("path") or ""
        if op not in ("add", "remove", "replace"):
            raise BadRequestException(
                f"Invalid patch operation specified. Must be one of: [add, remove, replace]"
                f" for {path}"
            )
        step(updated, op, path, operation.get("value"))
    return updated


def patch_rest_api(api: dict[str, Any], operations: list[Patch]) -> dict[str, Any]:
    return _apply(api, operations, _rest_api_step)


def _rest_api_step(api: dict[str, Any], op: str, path: str, value: Any) -> None:
    if path in _API_STRINGS and op != "add":
        if op == "remove" or value is None:
            api.pop(path[1:], None)
        else:
            api[path[1:]] = value
    elif path == "/minimumCompressionSize":
        if op == "remove" or value in (None, ""):
            api.pop("minimumCompressionSize", None)
        else:
            api["minimumCompressionSize"] = _convert(value, "int", path)
    elif path == "/disableExecuteApiEndpoint":
        api["disableExecuteApiEndpoint"] = _convert(value, "bool", path)
    elif path.startswith("/binaryMediaTypes/"):
        media = unescape(path[len("/binaryMediaTypes/") :])
        types = [t for t in api.get("binaryMediaTypes", []) if t != media]
        if op != "remove":
            types.append(media)
        if types:
            api["binaryMediaTypes"] = types
        else:
            api.pop("binaryMediaTypes", None)
    elif path == "/endpointConfiguration/types/0" and op == "replace":
        if value not in ("EDGE", "REGIONAL", "PRIVATE"):
            raise BadRequestException(f"Invalid endpoint configuration type {value}")
        api.setdefault("endpointConfiguration", {})["types"] = [value]
    else:
        raise invalid_path(path)


def patch_stage(stage: dict[str, Any], operations: list[Patch]) -> dict[str, Any]:
    return _apply(stage, operations, _stage_step)


def _stage_step(stage: dict[str, Any], op: str, path: str, value: Any) -> None:
    if path in _STAGE_STRINGS and op != "add":
        if op == "remove":
            stage.pop(path[1:], None)
        else:
            stage[path[1:]] = value
    elif path in _STAGE_BOOLEANS and op == "replace":
        stage[path[1:]] = _convert(value, "bool", path)
    elif path.startswith("/variables/"):
        name = unescape(path[len("/variables/") :])
        variables = stage.setdefault("variables", {})
        if op == "remove":
            variables.pop(name, None)
        else:
            check_variables({name: value or ""})
            variables[name] = value
        if not variables:
            stage.pop("variables")
    elif path == "/accessLogSettings" and op == "remove":
        stage.pop("accessLogSettings", None)
    elif path in ("/accessLogSettings/destinationArn", "/accessLogSettings/format"):
        settings = stage.setdefault("accessLogSettings", {})
        if op == "remove":
            settings.pop(path.rsplit("/", 1)[1], None)
        else:
            settings[path.rsplit("/", 1)[1]] = value
    elif path.count("/") >= 4:
        _method_setting_step(stage, op, path, value)
    else:
        raise invalid_path(path)


def _method_setting_step(stage: dict[str, Any], op: str, path: str, value: Any) -> None:
    _, resource, method, setting = path.split("/", 3)
    known = _METHOD_SETTINGS.get(setting)
    if known is None or op == "add":
        raise invalid_path(path)
    key = f"{resource}/{method}"
    settings = stage.setdefault("methodSettings", {})
    if op == "remove":
        settings.pop(key, None)
        return
    name, kind = known
    entry = settings.setdefault(key, dict(_METHOD_SETTING_DEFAULTS))
    entry[name] = _convert(value, kind, path)


def check_variables(variables: dict[str, str]) -> None:
    """Stage variable names are alphanumerics and underscores; values a URL-safe set.
    https://docs.aws.amazon.com/apigateway/latest/developerguide/stage-variables.html"""
    for name, value in variables.items():
        if not name or not all(c.isalnum() or c == "_" for c in name) or not name.isascii():
            raise BadRequestException(
                "Stage variable names must only contain alphanumeric characters and"
                f" underscores: {name}"
            )
        allowed = set("-._~:/?#&=,")
        if not all((c.isascii() and c.isalnum()) or c in allowed for c in value):
            raise BadRequestException(
                "Stage variable value contains invalid characters: only alphanumerics and"
                f" -._~:/?#&=, are allowed: {name}"
            )
