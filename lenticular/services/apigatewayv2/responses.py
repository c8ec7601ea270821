"""The answers HTTP APIs give on their own, always `{"message": ...}`:
404 Not Found, 401 Unauthorized, 403 Forbidden, 429 Too Many Requests,
500 Internal Server Error, 503 Service Unavailable (integration timeout)."""

from __future__ import annotations

import orjson

from lenticular.protocol.http import HttpResponse


def message(status: int, text: str) -> HttpResponse:
    return HttpResponse(
        status=status,
        headers=[("Content-Type", "application/json")],
        body=orjson.dumps({"message": text}),
    )


def not_found() -> HttpResponse:
    return message(404, "Not Found")


def forbidden() -> HttpResponse:
    return message(403, "Forbidden")


def too_many_requests() -> HttpResponse:
    return message(429, "Too Many Requests")


def internal_error() -> HttpResponse:
    return message(500, "Internal Server Error")


def service_unavailable() -> HttpResponse:
    return message(503, "Service Unavailable")
