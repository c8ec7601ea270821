"""The execute-api endpoint: `{apiId}.execute-api.localhost:PORT/{stage}/...` and
`/_aws/execute-api/{apiId}/{stage}/...` (registered in `lenticular.edge.dataplane`)."""

from __future__ import annotations

from typing import Any

from lenticular.protocol.http import HttpRequest, HttpResponse


async def handle_execute_api(app: Any, request: HttpRequest, match: Any) -> HttpResponse:
    gateway = app.services.get("apigateway").gateway
    return await gateway.handle(request, match.resource_id, match.path)
