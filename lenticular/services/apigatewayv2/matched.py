"""A request to an HTTP API once its stage and route are known: what the authorizers,
integrations and access log need, built once per request by `gateway`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lenticular.protocol.http import HttpRequest

Doc = dict[str, Any]


@dataclass(slots=True)
class MatchedRequest:
    request: HttpRequest
    api_id: str
    account_id: str
    region: str
    stage: str  # the stage name ("$default" too)
    raw_path: str  # the path as the client sent it, the stage segment included
    path: str  # the path after the stage
    route: Doc  # the matched Route
    path_parameters: dict[str, str]
    stage_variables: dict[str, str]
    headers: dict[str, str]  # the request's headers plus API Gateway's x-forwarded-*
    context: Doc  # the 2.0 requestContext (authorizer added by the gates)
    epoch_ms: int
    extended_id: str  # $context.extendedRequestId
    authorizer_v1: Doc = field(default_factory=dict)  # requestContext.authorizer for 1.0
    identity_v1: Doc = field(default_factory=dict)  # IAM caller fields of 1.0's identity

    @property
    def route_key(self) -> str:
        return self.route["RouteKey"]

    def route_arn(self) -> str:
        """arn:aws:execute-api:{region}:{account}:{api}/{stage}/{METHOD}/{path}"""
        return (
            f"arn:aws:execute-api:{self.region}:{self.account_id}:{self.api_id}/{self.stage}/"
            f"{self.request.method}/{self.path.lstrip('/')}"
        )
