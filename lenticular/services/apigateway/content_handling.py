"""Binary payloads of non-proxy integrations (MOCK, AWS, HTTP): the integration's and the
integration response's `contentHandling` (CONVERT_TO_TEXT / CONVERT_TO_BINARY) against the
API's binaryMediaTypes, around request and response mapping (`mapping`).
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-payload-encodings-workflow.html

A request body is binary when its Content-Type matches binaryMediaTypes (`*/*` and
`type/*` wildcards included); a response is wanted as binary when the request's first
Accept type matches. Request: CONVERT_TO_TEXT base64-encodes a binary body,
CONVERT_TO_BINARY base64-decodes a text one, unset passes the body as it came. Response:
CONVERT_TO_TEXT base64-encodes a binary backend payload, CONVERT_TO_BINARY decodes a text
one; unset, with binaryMediaTypes set, decodes a text payload for a binary Accept and
encodes a binary payload for a text Accept, as AWS's table says. Mapping templates apply to
text payloads only: a payload that stays binary passes through unmapped. A text response
payload is templated first and then converted, so a template (of a MOCK, say) can render
base64 for CONVERT_TO_BINARY. The proxy integrations' side (isBase64Encoded) is in
`proxy_event`.

Limitations: a backend payload counts as binary when its Content-Type matches
binaryMediaTypes or it is not UTF-8. Where AWS would base64-decode text that is not base64
(no contentHandling, a binary Accept), lenticular passes the text through unchanged; an
explicit CONVERT_TO_BINARY of text that is not base64 answers 500 Internal server error.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import logging
from typing import Any

from lenticular.protocol.http import HttpResponse
from lenticular.services.apigateway import mapping
from lenticular.services.apigateway.integrations import Invocation, internal_error
from lenticular.services.apigateway.mapping import (
    BackendResponse,
    IntegrationRequest,
    MappingFailed,
)
from lenticular.services.apigateway.proxy_event import is_binary

log = logging.getLogger(__name__)
Doc = dict[str, Any]
TO_TEXT = "CONVERT_TO_TEXT"
TO_BINARY = "CONVERT_TO_BINARY"


def _decode(data: bytes) -> bytes | None:
    """The bytes of base64 text; a JSON string of base64 (what a Lambda function returning
    a base64 str answers through a non-proxy integration) counts too."""
    data = data.strip()
    if len(data) >= 2 and data[:1] == data[-1:] == b'"':
        data = data[1:-1]
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        return None


def _is_text(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def convert(body: bytes, binary: bool, handling: str | None) -> tuple[bytes | None, bool]:
    """(payload, is it binary) after `handling`; None payload: CONVERT_TO_BINARY of
    text that is not base64."""
    if handling == TO_TEXT and binary:
        return base64.b64encode(body), False
    if handling == TO_BINARY and not binary:
        return _decode(body), True
    return body, binary


def map_request(call: Invocation) -> IntegrationRequest:
    """`mapping.map_request` after the integration's contentHandling; a binary payload
    bypasses the request templates."""
    request = call.request
    binary = is_binary(request.headers.get("content-type"), call.binary_media_types)
    handling = call.integration.get("contentHandling")
    if not request.body or (not binary and handling != TO_BINARY):
        return mapping.map_request(call)
    body, binary = convert(request.body, binary, handling)
    if body is None:
        log.info("CONVERT_TO_BINARY of %s: the request body is not base64", call.resource["path"])
        raise MappingFailed(internal_error())
    integration = call.integration
    if binary:
        integration = {**integration, "passthroughBehavior": "WHEN_NO_MATCH"}
        integration.pop("requestTemplates", None)
    converted = dataclasses.replace(
        call, request=dataclasses.replace(request, body=body), integration=integration
    )
    return mapping.map_request(converted)


def method_response(
    call: Invocation, backend: BackendResponse, selection_key: str | None
) -> HttpResponse:
    """`mapping.method_response` with the selected integration response's contentHandling
    and the request's Accept: a binary backend payload is converted (or not) before the
    templates, and stays untemplated while binary; a text payload is templated first and
    the result converted, so a template can produce base64 for CONVERT_TO_BINARY."""
    selected = mapping.select_integration_response(call.integration, selection_key)
    types = call.binary_media_types
    handling = selected.get("contentHandling") if selected is not None else None
    if selected is None or (not types and handling is None):
        return mapping.method_response(call, backend, selection_key)
    content_type = next((v for k, v in backend.headers if k.lower() == "content-type"), None)
    wants_binary = is_binary(call.request.headers.get("accept"), types)
    if backend.body and (is_binary(content_type, types) or not _is_text(backend.body)):
        if handling == TO_TEXT or (handling is None and not wants_binary):
            encoded = dataclasses.replace(backend, body=base64.b64encode(backend.body))
            return mapping.method_response(call, encoded, selection_key)
        status = selected["statusCode"]
        untemplated = {k: v for k, v in selected.items() if k != "responseTemplates"}
        responses = {**call.integration.get("integrationResponses", {}), status: untemplated}
        binary_call = dataclasses.replace(
            call, integration={**call.integration, "integrationResponses": responses}
        )
        return mapping.method_response(binary_call, backend, selection_key)
    response = mapping.method_response(call, backend, selection_key)
    if handling == TO_BINARY or (handling is None and wants_binary):
        decoded = _decode(response.body)
        if decoded is not None:
            response.body = decoded
        elif handling == TO_BINARY:
            log.info("CONVERT_TO_BINARY of %s: the response is not base64", call.resource["path"])
            return internal_error()
    return response
