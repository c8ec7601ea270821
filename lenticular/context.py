"""What a request has accumulated on its way through the edge, in one documented place."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from botocore.model import OperationModel, ServiceModel

    from lenticular.aws.accounts import Identity
    from lenticular.protocol.codec import Codec
    from lenticular.protocol.http import HttpRequest


@dataclass(slots=True)
class RequestContext:
    request: HttpRequest  # the HTTP request as received
    request_id: str  # AWS-style request id, echoed in the response headers/body
    service: str = ""  # botocore service name, e.g. "sts", "dynamodb"
    region: str = "us-east-1"  # region from the credential scope (else the default)
    account_id: str = "000000000000"  # account the caller's access key belongs to
    access_key: str | None = None  # access key id from the signature, None if unsigned
    identity: Identity | None = None  # the resolved caller (ARN, user id, session)
    service_model: ServiceModel | None = None  # botocore model of `service`
    codec: Codec | None = None  # the wire protocol this request speaks
    operation: OperationModel | None = None  # the operation the request names
    params: dict[str, Any] = field(default_factory=dict)  # parsed, validated operation input

    @property
    def operation_name(self) -> str:
        return self.operation.name if self.operation is not None else ""
