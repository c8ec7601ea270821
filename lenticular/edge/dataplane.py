"""Data-plane endpoints: URLs that are not AWS API calls (API Gateway stage URLs, CloudFront
distributions, AppSync GraphQL, Cognito hosted UI and JWKS, S3 websites...).

Each is addressed two ways (DESIGN.md): by host, `{id}.execute-api.localhost:4566`, and by
path on the bare port for clients that cannot resolve such names,
`/_aws/execute-api/{id}/...`. Services declare their endpoints here as data ("module:function"
strings), so nothing is imported until a request needs it.

A handler is `async def handler(app, request, match) -> HttpResponse`, where `match` holds
the captured `id` and the rest of the path.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from lenticular.protocol.http import HttpRequest, HttpResponse

Handler = Callable[[Any, HttpRequest, "DataPlaneMatch"], Awaitable[HttpResponse]]


@dataclass(slots=True, frozen=True)
class DataPlaneMatch:
    kind: str  # the endpoint kind, e.g. "execute-api"
    resource_id: str  # the id from the host label or the first path segment
    path: str  # the rest of the path, always starting with "/"


@dataclass(slots=True)
class _Endpoint:
    kind: str
    target: str  # "module:function"
    handler: Handler | None = None

    def resolve(self) -> Handler:
        if self.handler is None:
            module, func = self.target.split(":")
            self.handler = getattr(importlib.import_module(module), func)
        return self.handler


class DataPlaneRouter:
    """Finds the data-plane endpoint a request addresses, by host first, then by path."""

    def __init__(self) -> None:
        self._by_kind: dict[str, _Endpoint] = {}

    def add(self, kind: str, target: str) -> None:
        """Serve `{id}.{kind}.localhost` and `/_aws/{kind}/{id}/...` with `target`."""
        self._by_kind[kind] = _Endpoint(kind, target)

    def match(self, request: HttpRequest) -> tuple[Handler, DataPlaneMatch] | None:
        if not self._by_kind:
            return None
        host = request.host
        if host.endswith(".localhost") and host.count(".") >= 2:
            resource_id, kind, _ = host.split(".", 2)
            endpoint = self._by_kind.get(kind)
            if endpoint is not None:
                return endpoint.resolve(), DataPlaneMatch(kind, resource_id, request.path or "/")
        if request.path.startswith("/_aws/"):
            parts = request.path[len("/_aws/") :].split("/", 2)
            if len(parts) >= 2 and parts[1]:
                endpoint = self._by_kind.get(parts[0])
                if endpoint is not None:
                    rest = "/" + parts[2] if len(parts) == 3 else "/"
                    return endpoint.resolve(), DataPlaneMatch(parts[0], parts[1], rest)
        return None


# Endpoint kind -> handler, filled in by the service issues that own them.
ENDPOINTS: dict[str, str] = {
    "execute-api": "lenticular.services.apigateway.routes:handle_execute_api",
}


def default_router() -> DataPlaneRouter:
    router = DataPlaneRouter()
    for kind, target in ENDPOINTS.items():
        router.add(kind, target)
    return router
