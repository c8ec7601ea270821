"""The execute-api endpoint: `{apiId}.execute-api.localhost:PORT/{stage}/...` and
`/_aws/execute-api/{apiId}/{stage}/...` (registered in `lenticular.edge.dataplane`).

REST and HTTP APIs share the endpoint and one id namespace: an id the REST store does not
know is handed to the HTTP API gateway (`apigatewayv2`) when that one knows it."""

from __future__ import annotations

from typing import Any

from lenticular.protocol.http import HttpRequest, HttpResponse


async def handle_execute_api(app: Any, request: HttpRequest, match: Any) -> HttpResponse:
    gateway = app.services.get("apigateway").gateway
    api_id = match.resource_id
    if not gateway.knows(api_id):
        http_apis = app.services.get("apigatewayv2")
        if http_apis is not None and http_apis.gateway.knows(api_id):
            return await http_apis.gateway.handle(request, api_id, match.path)
    return await gateway.handle(request, api_id, match.path)
