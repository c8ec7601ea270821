"""Which services lenticular serves, imported on first use so start-up stays fast.

A provider is a class with one method per AWS operation, named as botocore's
`xform_name` names it (`GetCallerIdentity` -> `get_caller_identity`), taking the
`RequestContext` and the parsed input dict and returning the output dict (or an
awaitable of it). Operations without a method answer `NotImplemented`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from botocore import xform_name

from lenticular.state.datadir import DataDir

if TYPE_CHECKING:
    from lenticular.aws.accounts import AccountDirectory, Identity
    from lenticular.config import Config

# botocore service name -> "module:ProviderClass"
PROVIDERS: dict[str, str] = {
    "apigateway": "lenticular.services.apigateway.provider:ApiGatewayProvider",
    "apigatewayv2": "lenticular.services.apigatewayv2.provider:ApiGatewayV2Provider",
    "cloudformation": "lenticular.services.cloudformation.provider:CloudFormationProvider",
    "cloudwatch": "lenticular.services.cloudwatch.provider:CloudWatchProvider",
    "dynamodb": "lenticular.services.dynamodb.provider:DynamoDBProvider",
    "dynamodbstreams": "lenticular.services.dynamodbstreams.provider:DynamoDBStreamsProvider",
    "lambda": "lenticular.services.awslambda.provider:LambdaProvider",
    "logs": "lenticular.services.logs.provider:LogsProvider",
    "sts": "lenticular.services.sts.provider:StsProvider",
}


class ServiceRegistry:
    """Provider instances for one server, created lazily and closed together."""

    def __init__(self, data_dir: DataDir, accounts: AccountDirectory, config: Config) -> None:
        self.data_dir = data_dir  # where providers keep their state
        self.accounts = accounts  # access keys -> accounts (STS adds temporary ones)
        self.config = config  # the server's settings
        self._providers: dict[str, Any] = {}

    @staticmethod
    def names() -> list[str]:
        return sorted(PROVIDERS)

    def get(self, service: str) -> Any | None:
        provider = self._providers.get(service)
        if provider is None:
            target = PROVIDERS.get(service)
            if target is None:
                return None
            module, cls = target.split(":")
            provider = getattr(importlib.import_module(module), cls)(self)
            self._providers[service] = provider
        return provider

    def resolve_temporary_credentials(self, access_key: str) -> Identity | None:
        """Temporary credentials minted by STS (`ASIA...` keys), looked up in its store."""
        if not access_key.startswith("ASIA"):
            return None
        sts = self.get("sts")
        return sts.resolve(access_key) if sts is not None else None

    def close(self) -> None:
        for provider in self._providers.values():
            close = getattr(provider, "close", None)
            if close is not None:
                close()
        self._providers.clear()


def method_name(operation: str) -> str:
    return _METHOD_NAMES.get(operation) or _METHOD_NAMES.setdefault(
        operation, xform_name(operation)
    )


_METHOD_NAMES: dict[str, str] = {}


def implemented_operations(service: str) -> set[str]:
    """Operation names of `service` that its provider implements (for the coverage report)."""
    from lenticular.protocol.model import service_model

    target = PROVIDERS.get(service)
    if target is None:
        return set()
    module, cls = target.split(":")
    provider_cls = getattr(importlib.import_module(module), cls)
    model = service_model(service)
    return {
        op for op in model.operation_names if callable(getattr(provider_cls, method_name(op), None))
    }
