"""Gateway responses of REST APIs: the customizations of the errors API Gateway makes itself
(Put/Get/Update/Delete GatewayResponse, GetGatewayResponses with the defaults of the types
not customized), and their rendering on the data plane.
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-gatewayResponse-definition.html

Every error the data plane makes is a `GatewayError` tagged with its response type. With
the deployed gateway responses of its stage, it is rendered through the one for its type,
else the DEFAULT_4XX or DEFAULT_5XX one; when neither is customized the error keeps
API Gateway's own body. A customization sets the status code (if it has one), adds the
headers of its `gatewayresponse.header.*` parameters (static `'values'`,
`method.request.header|querystring|path.*`, `context.*`, `stageVariables.*`) and, if it
has templates, the body of the template for the client's Accept type (else
application/json, else the first). As on AWS the templates are not VTL: only
`$context.*` and `$stageVariables.*` are substituted. Gateway responses are deployed with
the API (redeploy after changing one), as on AWS.

Limitations: only header parameters are applied (query string and path targets are
accepted and ignored); the NotFoundException for deleting a type that is not customized,
and the wording of a bad parameter name, are lenticular's.
"""

from __future__ import annotations

import json
import re
from typing import Any

from lenticular.protocol.http import HttpRequest, HttpResponse
from lenticular.services.apigateway.apis import RestApiEngine
from lenticular.services.apigateway.errors import BadRequestException, NotFoundException
from lenticular.services.apigateway.models_validators import GATEWAY_RESPONSE
from lenticular.services.apigateway.patch import invalid_path, unescape
from lenticular.services.apigateway.response_types import RESPONSE_TYPES, GatewayError, fallback
from lenticular.services.apigateway.store import ApiGatewayStore

Doc = dict[str, Any]
DEFAULT_TEMPLATE = '{"message":$context.error.messageString}'
_STATUS = re.compile(r"^[1-5]\d\d$")
_PARAMETER = re.compile(r"^gatewayresponse\.(header|querystring|path)\.[^.\s]+$")
_VARIABLE = re.compile(r"\$(context|stageVariables)((?:\.[A-Za-z0-9_]+)+)")


def default_response(response_type: str) -> Doc:
    """What GetGatewayResponse shows for a type nobody customized."""
    doc: Doc = {"responseType": response_type}
    if RESPONSE_TYPES[response_type]:
        doc["statusCode"] = RESPONSE_TYPES[response_type]
    doc.update(
        responseParameters={},
        responseTemplates={"application/json": DEFAULT_TEMPLATE},
        defaultResponse=True,
    )
    return doc


def _check_type(response_type: str) -> None:
    if response_type not in RESPONSE_TYPES:
        raise BadRequestException(
            f"1 validation error detected: Value '{response_type}' at 'responseType' failed to"
            f" satisfy constraint: Member must satisfy enum value set: [{', '.join(RESPONSE_TYPES)}]"
        )


def _check(doc: Doc) -> None:
    status = doc.get("statusCode")
    if status is not None and not _STATUS.match(str(status)):
        raise BadRequestException(f"Invalid status code specified: {status}")
    for key, value in (doc.get("responseParameters") or {}).items():
        if not _PARAMETER.match(key) or not isinstance(value, str) or not value:
            raise BadRequestException(
                "Invalid mapping expression specified: Validation Result: warnings : [],"
                f" errors : [Invalid mapping expression specified: {key}]"
            )


class GatewayResponseEngine:
    def __init__(self, store: ApiGatewayStore, apis: RestApiEngine) -> None:
        self.store = store
        self.apis = apis

    def _custom(self, account_id: str, region: str, api_id: str, response_type: str
                ) -> Doc | None:  # fmt: skip
        return self.store.get_doc(GATEWAY_RESPONSE, f"{api_id}/{response_type}", account_id, region)

    def _save(self, account_id: str, region: str, api_id: str, doc: Doc) -> None:
        _check(doc)
        self.store.put_doc(
            GATEWAY_RESPONSE, f"{api_id}/{doc['responseType']}", account_id, region, doc,
            parent=api_id,
        )  # fmt: skip

    def put(self, account_id: str, region: str, params: Doc) -> Doc:
        api_id, response_type = params["restApiId"], params["responseType"]
        self.apis.api(account_id, region, api_id)
        _check_type(response_type)
        doc: Doc = {"responseType": response_type}
        if params.get("statusCode"):
            doc["statusCode"] = params["statusCode"]
        doc["responseParameters"] = dict(params.get("responseParameters") or {})
        doc["responseTemplates"] = dict(params.get("responseTemplates") or {})
        doc["defaultResponse"] = False
        self._save(account_id, region, api_id, doc)
        return doc

    def get(self, account_id: str, region: str, api_id: str, response_type: str) -> Doc:
        self.apis.api(account_id, region, api_id)
        _check_type(response_type)
        found = self._custom(account_id, region, api_id, response_type)
        return found if found is not None else default_response(response_type)

    def list(self, account_id: str, region: str, api_id: str) -> list[Doc]:
        self.apis.api(account_id, region, api_id)
        custom = {
            d["responseType"]: d
            for d in self.store.list_docs(GATEWAY_RESPONSE, account_id, region, parent=api_id)
        }
        return [custom.get(t) or default_response(t) for t in RESPONSE_TYPES]

    def update(
        self, account_id: str, region: str, api_id: str, response_type: str,
        operations: list[Doc],
    ) -> Doc:  # fmt: skip
        doc = dict(self.get(account_id, region, api_id, response_type))
        doc["responseParameters"] = dict(doc.get("responseParameters") or {})
        doc["responseTemplates"] = dict(doc.get("responseTemplates") or {})
        for operation in operations:
            op, path = operation.get("op") or "", operation.get("path") or ""
            value = operation.get("value")
            if op not in ("add", "replace", "remove"):
                raise BadRequestException(
                    "Invalid patch operation specified. Must be one of: [add, remove, replace]"
                    f" for {path}"
                )
            if path == "/statusCode" and op != "add":
                if op == "remove" or not value:
                    doc.pop("statusCode", None)
                else:
                    doc["statusCode"] = value
                continue
            member, _, key = path[1:].partition("/")
            if member not in ("responseParameters", "responseTemplates") or not key:
                raise invalid_path(path)
            if op == "remove":
                doc[member].pop(unescape(key), None)
            else:
                doc[member][unescape(key)] = value or ""
        doc["defaultResponse"] = False
        self._save(account_id, region, api_id, doc)
        return doc

    def delete(self, account_id: str, region: str, api_id: str, response_type: str) -> None:
        self.apis.api(account_id, region, api_id)
        _check_type(response_type)
        if not self.store.delete_doc(GATEWAY_RESPONSE, f"{api_id}/{response_type}"):
            raise NotFoundException("Invalid Gateway Response identifier specified")


# -- the data plane -------------------------------------------------------------------


def error_context(response: HttpResponse) -> Doc:
    """`$context.error` of a response API Gateway made (empty for an integration's)."""
    if not isinstance(response, GatewayError):
        return {}
    message = None
    try:
        body = json.loads(response.body)
        if isinstance(body, dict):
            found = body.get("message", body.get("Message"))
            message = found if isinstance(found, str) else None
    except ValueError:
        pass
    fields: Doc = {"responseType": response.response_type, "messageString": json.dumps(message)}
    if message is not None:
        fields["message"] = message
    if response.validation_error is not None:
        fields["validationErrorString"] = response.validation_error
    return fields


def _lookup(root: Any, parts: list[str]) -> Any:
    for part in parts:
        root = root.get(part) if isinstance(root, dict) else None
    return root


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, dict | list):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _source(
    source: str, request: HttpRequest, path_parameters: dict[str, str], context: Doc,
    stage_variables: dict[str, str],
) -> str | None:  # fmt: skip
    if len(source) >= 2 and source[0] == source[-1] == "'":
        return source[1:-1]
    source = source.removeprefix("$")
    if source.startswith("method.request."):
        kind, _, name = source[len("method.request.") :].partition(".")
        if kind == "header":
            return request.headers.get(name.lower())
        if kind in ("querystring", "multivaluequerystring"):
            values = [v for k, v in request.query if k == name]
            if not values:
                return None
            return values[-1] if kind == "querystring" else ",".join(values)
        if kind == "path":
            return path_parameters.get(name)
        return None
    if source.startswith("context."):
        return _text(_lookup(context, source.split(".")[1:]))
    if source.startswith("stageVariables."):
        return stage_variables.get(source[len("stageVariables.") :])
    return None


def _substitute(template: str, context: Doc, stage_variables: dict[str, str]) -> str:
    def value(found: re.Match[str]) -> str:
        parts = found.group(2).split(".")[1:]
        root = context if found.group(1) == "context" else stage_variables
        return _text(_lookup(root, parts)) or ""

    return _VARIABLE.sub(value, template)


def render(
    response: HttpResponse, deployed: dict[str, Doc], request: HttpRequest,
    path_parameters: dict[str, str], context: Doc, stage_variables: dict[str, str],
) -> HttpResponse:  # fmt: skip
    """`response` as the client gets it: an error API Gateway made goes through the
    deployed gateway response of its type (`context["error"]` is filled for templates and
    access logs); anything else is returned as it is."""
    if not isinstance(response, GatewayError):
        return response
    context["error"] = error_context(response)
    custom = deployed.get(response.response_type) or deployed.get(
        fallback(response.response_type, response.status)
    )
    if custom is None:
        return response
    status = int(custom["statusCode"]) if custom.get("statusCode") else response.status
    headers = list(response.headers)
    for key, source in (custom.get("responseParameters") or {}).items():
        kind, _, name = key.removeprefix("gatewayresponse.").partition(".")
        value = _source(source, request, path_parameters, context, stage_variables)
        if kind != "header" or value is None:
            continue
        headers = [(k, v) for k, v in headers if k.lower() != name.lower()]
        headers.append((name, value))
    body = response.body
    templates = custom.get("responseTemplates") or {}
    if templates:
        accept = (request.headers.get("accept") or "").split(",", 1)[0].split(";", 1)[0]
        content_type = next(
            (t for t in (accept.strip().lower(), "application/json") if t in templates),
            next(iter(templates)),
        )
        body = _substitute(templates[content_type], context, stage_variables).encode("utf-8")
        headers = [(k, v) for k, v in headers if k.lower() != "content-type"]
        headers.insert(0, ("Content-Type", content_type))
    return GatewayError(
        status=status, headers=headers, body=body, response_type=response.response_type,
        validation_error=response.validation_error,
    )  # fmt: skip
