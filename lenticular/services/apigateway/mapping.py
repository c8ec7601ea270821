"""Request and response mapping of non-proxy integrations (AWS, HTTP, MOCK): request
template selection by Content-Type and the passthrough behaviours, request and response
parameter mapping, integration response selection by `selectionPattern`, and the method
response that comes out of the selected integration response.
https://docs.aws.amazon.com/apigateway/latest/developerguide/models-mappings.html
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any

import orjson

from lenticular.protocol.http import HttpResponse
from lenticular.services.apigateway import vtl
from lenticular.services.apigateway.integrations import (
    Invocation,
    context_value,
    error_response,
    internal_error,
)
from lenticular.services.apigateway.vtl import MethodParams, TemplateVariables

log = logging.getLogger(__name__)
Doc = dict[str, Any]
JSON = "application/json"


def media_type(value: str | None) -> str:
    return (value or "").split(",", 1)[0].split(";", 1)[0].strip().lower()


def method_params(call: Invocation) -> MethodParams:
    query: dict[str, str] = {}
    for name, value in call.request.query:
        query[name] = value  # the last value wins, as on AWS
    return MethodParams(dict(call.path_parameters), query, dict(call.event_headers))


class MappingFailed(Exception):
    """Mapping stopped the request; `response` is what the client gets."""

    def __init__(self, response: HttpResponse) -> None:
        super().__init__(response.status)
        self.response = response


@dataclass(slots=True)
class IntegrationRequest:
    """What the integration is called with, after request mapping."""

    body: bytes
    content_type: str  # the media type whose template was used (or the request's)
    headers: dict[str, str] = field(default_factory=dict)
    query: list[tuple[str, str]] = field(default_factory=list)
    path: dict[str, str] = field(default_factory=dict)  # values for {name} in the URI


def unsupported_media_type() -> MappingFailed:
    return MappingFailed(
        error_response(415, "Unsupported Media Type", "UnsupportedMediaTypeException")
    )


def map_request(call: Invocation) -> IntegrationRequest:
    """The integration request: the body through the request template chosen by the
    request's Content-Type (application/json when it has none), else passed through as
    `passthroughBehavior` allows; then the mapped request parameters."""
    templates = call.integration.get("requestTemplates") or {}
    content_type = media_type(call.request.headers.get("content-type")) or JSON
    template = templates.get(content_type)
    behaviour = call.integration.get("passthroughBehavior") or "WHEN_NO_MATCH"
    params = method_params(call)
    if template is None:
        if behaviour == "NEVER" or (behaviour == "WHEN_NO_TEMPLATES" and templates):
            raise unsupported_media_type()
        body = call.request.body
    else:
        variables = TemplateVariables.for_request(
            call.request.body, params, call.request_context, call.stage_variables
        )
        try:
            body = vtl.render(template, variables).encode("utf-8")
        except vtl.BodyNotJson as error:
            raise MappingFailed(error_response(
                400, f"Could not parse request body into json: {error}", "BadRequestException"
            )) from None  # fmt: skip
        except vtl.TemplateFailure as error:
            log.info("Request template of %s failed: %s", call.resource["path"], error)
            raise MappingFailed(internal_error()) from None
    mapped = IntegrationRequest(body, content_type)
    _map_request_parameters(call, params, mapped)
    return mapped


# -- parameter mapping ---------------------------------------------------------------------


def _static(source: str) -> str | None:
    if len(source) >= 2 and source[0] == source[-1] == "'":
        return source[1:-1]
    return None


def _body_value(body: bytes, path: str) -> str | None:
    """`...body` (the whole payload) or `...body.a.b` (a JSONPath into it)."""
    if not path:
        return body.decode("utf-8", "replace")
    try:
        found = vtl.select(vtl.parse_json(body), "$." + path)
    except (vtl.BodyNotJson, vtl.InvalidPath):
        return None
    if found is vtl.MISSING or found is None:
        return None
    return found if isinstance(found, str) else orjson.dumps(found).decode("utf-8")


def _common_source(call: Invocation, source: str) -> str | None:
    """Sources every mapping accepts: 'static', stageVariables.x and context.x."""
    static = _static(source)
    if static is not None:
        return static
    if source.startswith("stageVariables."):
        return call.stage_variables.get(source[len("stageVariables.") :])
    if source.startswith("context."):
        value = context_value(call.request_context, source[len("context.") :])
        return None if value is None else vtl.java_string(value)
    return None


def _header(headers: dict[str, str], name: str) -> str | None:
    lowered = name.lower()
    return next((v for k, v in headers.items() if k.lower() == lowered), None)


def _request_source(call: Invocation, params: MethodParams, source: str) -> str | None:
    kind, _, name = source.removeprefix("method.request.").partition(".")
    if not source.startswith("method.request."):
        return _common_source(call, source)
    if kind == "path":
        return params.path.get(name)
    if kind in ("querystring", "multivaluequerystring"):
        values = [v for k, v in call.request.query if k == name]
        return (values[-1] if kind == "querystring" else ",".join(values)) if values else None
    if kind in ("header", "multivalueheader"):
        return _header(params.header, name)
    if kind == "body":
        return _body_value(call.request.body, name)
    return None


def _map_request_parameters(
    call: Invocation, params: MethodParams, mapped: IntegrationRequest
) -> None:
    for target, source in (call.integration.get("requestParameters") or {}).items():
        value = _request_source(call, params, source)
        if value is None:
            continue
        kind, _, name = target.removeprefix("integration.request.").partition(".")
        if kind == "header":
            mapped.headers[name] = value
        elif kind == "querystring":
            mapped.query.append((name, value))
        elif kind == "multivaluequerystring":
            mapped.query.extend((name, v) for v in value.split(","))
        elif kind == "path":
            mapped.path[name] = value


# -- integration responses -----------------------------------------------------------------


@dataclass(slots=True)
class BackendResponse:
    """What the integration answered, before integration response mapping."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes
    error_message: str | None = None  # a Lambda function error's errorMessage


def select_integration_response(integration: Doc, key: str | None) -> Doc | None:
    """The integration response whose selectionPattern matches `key` in full (Java's
    `matches`), else the default one (no pattern). A None key (a Lambda success) always
    takes the default."""
    responses = list((integration.get("integrationResponses") or {}).values())
    if key is not None:
        for response in responses:
            pattern = response.get("selectionPattern")
            if not pattern:
                continue
            try:
                if re.fullmatch(pattern, key):
                    return response
            except re.error:
                continue
    return next((r for r in responses if not r.get("selectionPattern")), None)


def _response_source(call: Invocation, backend: BackendResponse, source: str) -> str | None:
    if not source.startswith("integration.response."):
        return _common_source(call, source)
    kind, _, name = source[len("integration.response.") :].partition(".")
    if kind in ("header", "multivalueheader"):
        values = [v for k, v in backend.headers if k.lower() == name.lower()]
        if not values:
            return None
        return values[-1] if kind == "header" else ",".join(values)
    if kind == "body":
        return _body_value(backend.body, name)
    return None


def _pick_response_template(templates: Doc, accept: str | None) -> tuple[str, str] | None:
    """The template for the client's Accept type, else application/json, else the first."""
    if not templates:
        return None
    for key in (media_type(accept), JSON):
        if key in templates:
            return key, templates[key]
    key = next(iter(templates))
    return key, templates[key]


def method_response(call: Invocation, backend: BackendResponse, selection_key: str | None
                    ) -> HttpResponse:  # fmt: skip
    """The method response for what the backend answered: the selected integration
    response's status, mapped headers and (templated) body."""
    selected = select_integration_response(call.integration, selection_key)
    if selected is None:
        # "No match for output mapping and no default output mapping configured."
        log.info("No integration response of %s matches %r", call.resource["path"], selection_key)
        return internal_error("API_CONFIGURATION_ERROR")
    status = int(selected["statusCode"])
    headers: list[tuple[str, str]] = []
    for target, source in (selected.get("responseParameters") or {}).items():
        kind, _, name = target.removeprefix("method.response.").partition(".")
        value = _response_source(call, backend, source)
        if value is None or kind not in ("header", "multivalueheader"):
            continue
        if kind == "multivalueheader":
            headers.extend((name, v) for v in value.split(","))
        else:
            headers.append((name, value))
    body = backend.body
    content_type = _header(dict(backend.headers), "content-type") or JSON
    chosen = _pick_response_template(
        selected.get("responseTemplates") or {}, call.request.headers.get("accept")
    )
    if chosen is not None:
        content_type, template = chosen
        variables = TemplateVariables.for_request(
            backend.body, method_params(call), call.request_context, call.stage_variables
        )
        if template:
            try:
                body = vtl.render(template, variables).encode("utf-8")
            except (vtl.BodyNotJson, vtl.TemplateFailure) as error:
                log.info("Response template of %s failed: %s", call.resource["path"], error)
                return internal_error()
        else:
            body = b""  # an empty template answers an empty body
        override = variables.context["responseOverride"]
        if isinstance(override.get("status"), int | str) and str(override["status"]).isdigit():
            status = int(override["status"])
        for name, value in (override.get("header") or {}).items():
            headers = [(k, v) for k, v in headers if k.lower() != name.lower()]
            headers.append((name, vtl.java_string(value)))
    if not any(k.lower() == "content-type" for k, _ in headers):
        headers.append(("Content-Type", content_type))
    return HttpResponse(status=status, headers=headers, body=body)
