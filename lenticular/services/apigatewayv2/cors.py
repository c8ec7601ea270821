"""CORS of HTTP APIs with a CorsConfiguration: API Gateway answers preflight requests
itself (before routing and authorization) and adds the CORS headers to every other
response of an allowed origin, replacing any the integration sent.
https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-cors.html
"""

from __future__ import annotations

from typing import Any

from lenticular.protocol.http import HttpRequest, HttpResponse

Doc = dict[str, Any]


def is_preflight(request: HttpRequest) -> bool:
    headers = request.headers
    return (
        request.method == "OPTIONS"
        and "origin" in headers
        and "access-control-request-method" in headers
    )


def allowed_origin(cors: Doc, origin: str | None) -> str | None:
    """The Access-Control-Allow-Origin value for this origin, or None if not allowed."""
    if not origin:
        return None
    origins = cors.get("AllowOrigins") or []
    if "*" in origins:
        return "*"
    lowered = origin.lower()
    for allowed in origins:
        if allowed.lower() == lowered:
            return origin
        if "*" in allowed:  # e.g. https://*.example.com
            head, _, tail = allowed.lower().partition("*")
            if lowered.startswith(head) and lowered.endswith(tail):
                return origin
    return None


def preflight(cors: Doc, request: HttpRequest) -> HttpResponse:
    """204 with the allowed origin, methods, headers and max age (no CORS headers when the
    origin or method is not allowed)."""
    headers: list[tuple[str, str]] = []
    origin = allowed_origin(cors, request.headers.get("origin"))
    method = request.headers.get("access-control-request-method", "").upper()
    methods = [m.upper() for m in cors.get("AllowMethods") or []]
    if origin is not None and ("*" in methods or method in methods):
        headers.append(("Access-Control-Allow-Origin", origin))
        headers.append(("Access-Control-Allow-Methods", ",".join(methods)))
        allow_headers = cors.get("AllowHeaders") or []
        if allow_headers:
            if "*" in allow_headers:
                requested = request.headers.get("access-control-request-headers")
                value = requested or "*"
            else:
                value = ",".join(h.lower() for h in allow_headers)
            headers.append(("Access-Control-Allow-Headers", value))
        if cors.get("AllowCredentials"):
            headers.append(("Access-Control-Allow-Credentials", "true"))
        if cors.get("MaxAge") is not None:
            headers.append(("Access-Control-Max-Age", str(cors["MaxAge"])))
    return HttpResponse(status=204, headers=headers)


def decorate(cors: Doc, request: HttpRequest, response: HttpResponse) -> None:
    """Replace the integration's CORS headers by the API's, for an allowed origin."""
    # "API Gateway ignores CORS headers returned from your backend integration."
    response.headers = [
        (k, v) for k, v in response.headers if not k.lower().startswith("access-control-")
    ]
    origin = allowed_origin(cors, request.headers.get("origin"))
    if origin is None:
        return
    response.headers.append(("Access-Control-Allow-Origin", origin))
    if cors.get("AllowCredentials"):
        response.headers.append(("Access-Control-Allow-Credentials", "true"))
    expose = cors.get("ExposeHeaders") or []
    if expose:
        response.headers.append(("Access-Control-Expose-Headers", ",".join(expose)))
