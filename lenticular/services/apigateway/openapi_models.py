"""What an OpenAPI import (`openapi`) brings in besides paths and authorizers: models from
`definitions` (Swagger 2) or `components.schemas` (OpenAPI 3), request validators from
`x-amazon-apigateway-request-validators` and the one each method uses
(`x-amazon-apigateway-request-validator`, per operation or for the whole document), the
request and response models operations name by `$ref`, and
`x-amazon-apigateway-gateway-responses`.
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-swagger-extensions-request-validators.html

`$ref`s to `#/definitions/X` or `#/components/schemas/X` become the canonical model URLs
API Gateway uses. Limitations: inline (unnamed) schemas of bodies and responses make no
model; a model the API already has takes the document's schema (merge mode).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from lenticular.errors import ServiceError
from lenticular.services.apigateway.models_validators import model_url

Doc = dict[str, Any]
Call = Callable[[str, Doc], Doc]
_PREFIXES = ("#/definitions/", "#/components/schemas/")


def _model_name(ref: Any) -> str | None:
    if isinstance(ref, str):
        for prefix in _PREFIXES:
            if ref.startswith(prefix) and "/" not in ref[len(prefix) :]:
                return ref[len(prefix) :]
    return None


def _canonical(schema: Any, api_id: str) -> Any:
    """`schema` with its document-local model references made canonical URLs."""
    if isinstance(schema, list):
        return [_canonical(item, api_id) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {key: _canonical(value, api_id) for key, value in schema.items()}
    name = _model_name(schema.get("$ref"))
    if name is not None:
        out["$ref"] = model_url(api_id, name)
    return out


def schemas(doc: Doc) -> Doc:
    return {
        **(doc.get("definitions") or {}),
        **((doc.get("components") or {}).get("schemas") or {}),
    }


def import_models(call: Call, doc: Doc, api_id: str) -> None:
    """Every named schema as a model: created empty first, so that models may refer to
    each other in any order, then given their schemas."""
    found = schemas(doc)
    existing = {m["name"] for m in call("get_models", {"limit": 500})["items"]}
    for name in found:
        if name not in existing:
            call("create_model", {"name": name, "contentType": "application/json"})
    for name, schema in found.items():
        text = json.dumps(_canonical(schema, api_id))
        call("update_model", {"modelName": name, "patchOperations": [
            {"op": "replace", "path": "/schema", "value": text}]})  # fmt: skip


def import_validators(call: Call, doc: Doc) -> dict[str, str]:
    """The document's request validators, created; their ids by name."""
    existing = {
        v.get("name"): v["id"] for v in call("get_request_validators", {"limit": 500})["items"]
    }
    ids: dict[str, str] = {}
    for name, settings in (doc.get("x-amazon-apigateway-request-validators") or {}).items():
        flags = {key: bool((settings or {}).get(key, False))
                 for key in ("validateRequestBody", "validateRequestParameters")}  # fmt: skip
        if name in existing:  # merge mode: the document's settings win
            call("update_request_validator", {"requestValidatorId": existing[name],
                 "patchOperations": [{"op": "replace", "path": f"/{key}", "value": str(value)}
                                     for key, value in flags.items()]})  # fmt: skip
            ids[name] = existing[name]
        else:
            ids[name] = call("create_request_validator", {"name": name, **flags})["id"]
    return ids


def method_settings(doc: Doc, operation: Doc, validator_ids: dict[str, str]) -> Doc:
    """PutMethod's requestValidatorId and requestModels for one operation."""
    out: Doc = {}
    validator = operation.get("x-amazon-apigateway-request-validator") or doc.get(
        "x-amazon-apigateway-request-validator"
    )
    if validator in validator_ids:
        out["requestValidatorId"] = validator_ids[validator]
    models: dict[str, str] = {}
    for parameter in operation.get("parameters") or []:  # Swagger 2: the body parameter
        name = _model_name((parameter.get("schema") or {}).get("$ref"))
        if parameter.get("in") == "body" and name:
            for content_type in (
                operation.get("consumes") or doc.get("consumes") or ["application/json"]
            ):
                models[content_type] = name
    content = (operation.get("requestBody") or {}).get("content") or {}  # OpenAPI 3
    for content_type, media in content.items():
        name = _model_name(((media or {}).get("schema") or {}).get("$ref"))
        if name:
            models[content_type] = name
    if models:
        out["requestModels"] = models
    return out


def response_models(doc: Doc, operation: Doc, response: Doc) -> dict[str, str]:
    """PutMethodResponse's responseModels for one response of an operation."""
    models: dict[str, str] = {}
    name = _model_name((response.get("schema") or {}).get("$ref"))
    if name:
        for content_type in (
            operation.get("produces") or doc.get("produces") or ["application/json"]
        ):
            models[content_type] = name
    for content_type, media in (response.get("content") or {}).items():
        name = _model_name(((media or {}).get("schema") or {}).get("$ref"))
        if name:
            models[content_type] = name
    return models


def import_gateway_responses(call: Call, doc: Doc) -> None:
    for response_type, settings in (doc.get("x-amazon-apigateway-gateway-responses") or {}).items():
        settings = settings or {}
        params: Doc = {"responseType": response_type}
        if settings.get("statusCode") is not None:
            params["statusCode"] = str(settings["statusCode"])
        for key in ("responseParameters", "responseTemplates"):
            if settings.get(key):
                params[key] = settings[key]
        call("put_gateway_response", params)


def clear(call: Call) -> None:
    """Remove the API's models, validators and gateway responses (overwrite mode); the
    methods that used them are gone already."""
    for validator in call("get_request_validators", {"limit": 500})["items"]:
        call("delete_request_validator", {"requestValidatorId": validator["id"]})
    for response in call("get_gateway_responses", {})["items"]:
        if not response.get("defaultResponse"):
            call("delete_gateway_response", {"responseType": response["responseType"]})
    models = [
        m["name"]
        for m in call("get_models", {"limit": 500})["items"]
        if m["name"] not in ("Empty", "Error")  # every API's defaults stay
    ]
    for _ in range(len(models) + 1):  # models referring to others go first; bounded
        left = []
        for name in models:
            try:
                call("delete_model", {"modelName": name})
            except ServiceError:
                left.append(name)
        if not left or len(left) == len(models):
            return
        models = left
