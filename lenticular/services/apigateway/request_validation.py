"""Request validation on the execute-api data plane: a method with a request validator
(`requestValidatorId`) has its required request parameters (`method.request.querystring.x:
true` and the like) and its body (against the model its `requestModels` names for the
request's Content-Type) checked after authorization and before throttling, caching and the
integration. A failure is a 400 that the API's gateway responses render: BAD_REQUEST_PARAMETERS
`{"message": "Missing required request parameters: [a, b]"}` or BAD_REQUEST_BODY
`{"message": "Invalid request body"}`, with the details in `$context.error.validationErrorString`.
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-method-request-validation.html

Bodies are validated with `jsonschema`'s Draft4Validator; models may `$ref` each other by
their canonical URLs. Limitations: the detail strings follow AWS's (a Java validator's)
wording for missing properties and wrong types, and jsonschema's for other keywords. A
Content-Type with no model (and no `$default` one) is not validated; an empty body is
validated as `{}`.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from jsonschema import Draft4Validator
from jsonschema.exceptions import ValidationError
from referencing import Registry
from referencing.exceptions import Unresolvable
from referencing.jsonschema import DRAFT4

from lenticular.protocol.http import HttpResponse
from lenticular.services.apigateway.integrations import Invocation, error_response
from lenticular.services.apigateway.mapping import media_type
from lenticular.services.apigateway.models_validators import model_url
from lenticular.services.apigateway.response_types import GatewayError

log = logging.getLogger(__name__)
Doc = dict[str, Any]
_PARAMETER_KINDS = ("path", "querystring", "multivaluequerystring", "header", "multivalueheader")
_JSON_TYPES = {
    bool: "boolean", int: "integer", float: "number", str: "string", list: "array",
    dict: "object", type(None): "null",
}  # fmt: skip
_MAX_ERRORS = 20


def _failure(status_message: str, response_type: str, detail: str) -> HttpResponse:
    response = error_response(400, status_message, "BadRequestException", response_type)
    assert isinstance(response, GatewayError)
    response.validation_error = detail
    return response


def _json_type(value: Any) -> str:
    return _JSON_TYPES.get(type(value), "object")


def _detail(error: ValidationError) -> str:
    """One finding in the words of AWS's validator where they are known."""
    if error.validator == "type":
        allowed = error.validator_value
        allowed = allowed if isinstance(allowed, list) else [allowed]
        listed = ",".join(json.dumps(a) for a in allowed)
        return (
            f"instance type ({_json_type(error.instance)}) does not match any allowed"
            f" primitive type (allowed: [{listed}])"
        )
    return error.message


def _details(errors: list[ValidationError]) -> list[str]:
    out: list[str] = []
    missing: dict[tuple[Any, ...], list[str]] = {}
    for error in errors:
        if error.validator == "required" and isinstance(error.instance, dict):
            names = [n for n in error.validator_value if n not in error.instance]
            missing.setdefault(tuple(error.absolute_path), []).extend(names)
        else:
            out.append(_detail(error))
    for names in missing.values():
        listed = ",".join(json.dumps(n) for n in dict.fromkeys(names))
        out.insert(0, f"object has missing required properties ([{listed}])")
    return out


class RequestChecks:
    """The request validation of one deployment: its models and validators, with each
    model's compiled validator kept once built."""

    def __init__(self, api_id: str, models: dict[str, Doc], validators: dict[str, Doc]) -> None:
        self.api_id = api_id
        self.models = models
        self.validators = validators
        self._compiled: dict[str, Draft4Validator | None] = {}  # None: no such model
        self._registry: Registry | None = None

    def _schema(self, name: str) -> Any:
        try:
            return json.loads(self.models.get(name, {}).get("schema") or "{}")
        except ValueError:
            return {}

    def _validator(self, name: str) -> Draft4Validator | None:
        if name in self._compiled:
            return self._compiled[name]
        if name not in self.models:
            self._compiled[name] = None
            return None
        if self._registry is None:
            self._registry = Registry().with_resources(
                (model_url(self.api_id, n), DRAFT4.create_resource(self._schema(n)))
                for n in self.models
            )  # every model is draft 4, whatever its $schema says
        validator = Draft4Validator(self._schema(name), registry=self._registry)
        self._compiled[name] = validator
        return validator

    def check(self, call: Invocation) -> HttpResponse | None:
        """None when the request passes its method's validator, else the 400 it gets."""
        validator = self.validators.get(call.method.get("requestValidatorId") or "")
        if validator is None:
            return None
        if validator.get("validateRequestParameters"):
            missing = _missing_parameters(call)
            if missing:
                message = f"Missing required request parameters: [{', '.join(missing)}]"
                return _failure(message, "BAD_REQUEST_PARAMETERS", message)
        if validator.get("validateRequestBody"):
            return self._check_body(call)
        return None

    def _check_body(self, call: Invocation) -> HttpResponse | None:
        models = call.method.get("requestModels") or {}
        content_type = media_type(call.request.headers.get("content-type")) or "application/json"
        name = models.get(content_type) or models.get("$default")
        schema_validator = self._validator(name) if name else None
        if schema_validator is None:
            return None
        raw = call.request.body.strip()
        try:
            document = json.loads(raw) if raw else {}
        except (ValueError, RecursionError):
            return _failure("Invalid request body", "BAD_REQUEST_BODY", "[Invalid JSON]")
        errors = []
        try:
            for error in schema_validator.iter_errors(document):
                errors.append(error)
                if len(errors) >= _MAX_ERRORS:
                    break
        except RecursionError:  # nesting deeper than a schema can be checked
            return _failure("Invalid request body", "BAD_REQUEST_BODY", "[Nesting too deep]")
        except Unresolvable as problem:  # a `#/...` pointer into nothing: not checkable
            log.info("Model %s of %s has a broken $ref: %s", name, call.resource["path"], problem)
            return None
        if not errors:
            return None
        detail = "[" + ", ".join(_details(errors)) + "]"
        return _failure("Invalid request body", "BAD_REQUEST_BODY", detail)


def _missing_parameters(call: Invocation) -> list[str]:
    request = call.request
    missing = []
    for key, required in (call.method.get("requestParameters") or {}).items():
        kind, _, name = key.removeprefix("method.request.").partition(".")
        if not required or not key.startswith("method.request.") or kind not in _PARAMETER_KINDS:
            continue
        if kind == "path":
            value = call.path_parameters.get(name)
        elif kind in ("querystring", "multivaluequerystring"):
            value = next((v for k, v in request.query if k == name and v.strip()), None)
        else:
            value = request.headers.get(name.lower())
        if value is None or not value.strip():
            missing.append(name)
    return missing
