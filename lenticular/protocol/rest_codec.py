"""What the two REST protocols share: routing by method and URI, the HTTP binding of
members, and the success response. Subclasses supply the body format (JSON or XML), the
request id headers and the error shape."""

from __future__ import annotations

from typing import Any

from botocore.model import OperationModel, ServiceModel

from lenticular.protocol.codec import Codec
from lenticular.protocol.http import HttpRequest, HttpResponse
from lenticular.protocol.rest_binding import input_binding, output_binding
from lenticular.protocol.rest_routing import find_rest_operation


class RestCodec(Codec):
    def format_for(self, service: ServiceModel) -> Any:
        """The service's compiled body format (its shapes in JSON or XML)."""
        raise NotImplementedError

    def request_id_headers(self, service: ServiceModel, request_id: str) -> list[tuple[str, str]]:
        return [("x-amzn-RequestId", request_id)]

    def find_operation(
        self, service: ServiceModel, request: HttpRequest
    ) -> tuple[OperationModel, dict[str, str]]:
        return find_rest_operation(service, request)

    def parse(
        self, operation: OperationModel, request: HttpRequest, uri_params: dict[str, str]
    ) -> dict[str, Any]:
        fmt = self.format_for(operation.service_model)
        return input_binding(operation, fmt).parse(request, uri_params)

    def serialize(
        self, operation: OperationModel, result: dict[str, Any], request_id: str
    ) -> HttpResponse:
        fmt = self.format_for(operation.service_model)
        status, headers, body, stream = output_binding(operation, fmt).write(result)
        headers.extend(self.request_id_headers(operation.service_model, request_id))
        return HttpResponse(status=status, headers=headers, body=body, stream=stream)
