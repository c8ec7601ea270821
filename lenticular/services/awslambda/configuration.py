"""Function identifiers, ARNs and the FunctionConfiguration document AWS returns.

Checks the configuration parameters the model cannot (runtimes lenticular runs, the
Timeout ceiling, environment variable size and reserved keys) with AWS's messages.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from lenticular.errors import ValidationError
from lenticular.services.awslambda.errors import (
    InvalidParameterValueException,
    ResourceNotFoundException,
)

LATEST = "$LATEST"
RUNTIMES = (
    "python3.9", "python3.10", "python3.11", "python3.12", "python3.13", "python3.14",
    "provided.al2", "provided.al2023",
)  # fmt: skip
DEPRECATED_RUNTIMES = {
    "python2.7", "python3.6", "python3.7", "python3.8", "provided", "nodejs", "nodejs4.3",
    "nodejs6.10", "nodejs8.10", "nodejs10.x", "nodejs12.x", "nodejs14.x", "java8",
    "dotnetcore1.0", "dotnetcore2.0", "dotnetcore2.1", "dotnetcore3.1", "dotnet6",
    "nodejs4.3-edge", "go1.x", "ruby2.5", "ruby2.7",
}  # fmt: skip
MAX_TIMEOUT_S = 900
MAX_ENVIRONMENT_BYTES = 4096
# Variables Lambda sets itself and refuses from the caller
# (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime).
RESERVED_VARIABLES = {
    "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_LAMBDA_RUNTIME_API",
    "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR",
}  # fmt: skip

_ARN = re.compile(
    r"^(?:arn:(?P<partition>aws[a-zA-Z-]*):lambda:(?P<region>[a-z0-9-]+):)?"
    r"(?:(?P<account>\d{12}):)?(?:function:)?(?P<name>[a-zA-Z0-9_-]+)"
    r"(?::(?P<qualifier>\$LATEST|[a-zA-Z0-9_-]+))?$"
)


@dataclass(frozen=True, slots=True)
class FunctionRef:
    """A function as a request names it: by name, partial ARN or ARN, maybe qualified."""

    account_id: str
    region: str
    name: str
    qualifier: str | None

    def arn(self, qualifier: str | None = None) -> str:
        return function_arn(self.region, self.account_id, self.name, qualifier)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.account_id, self.region, self.name)


def function_arn(region: str, account_id: str, name: str, qualifier: str | None = None) -> str:
    arn = f"arn:aws:lambda:{region}:{account_id}:function:{name}"
    return f"{arn}:{qualifier}" if qualifier else arn


def parse_function(
    identifier: str, account_id: str, region: str, qualifier: str | None = None
) -> FunctionRef:
    """Resolve a FunctionName parameter (and the Qualifier parameter, if any)."""
    match = _ARN.match(identifier)
    if match is None:
        raise ResourceNotFoundException(
            f"Function not found: {function_arn(region, account_id, identifier)}"
        )
    derived = match["qualifier"]
    if derived and qualifier and derived != qualifier:
        raise InvalidParameterValueException(
            "The derived qualifier from the function name does not match the specified qualifier."
        )
    return FunctionRef(
        match["account"] or account_id,
        match["region"] or region,
        match["name"],
        qualifier or derived,
    )


def timestamp(moment: datetime | None = None) -> str:
    """Lambda's LastModified format: 2024-01-01T00:00:00.000+0000."""
    moment = moment or datetime.now(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def revision_id() -> str:
    return str(uuid.uuid4())


# -- checks ----------------------------------------------------------------------------------


def check_runtime(runtime: str | None, handler: str | None, *, creating: bool) -> None:
    if runtime is None:
        if creating:
            raise InvalidParameterValueException(
                "Runtime and Handler are mandatory parameters for functions created with"
                " deployment packages."
            )
        return
    if runtime in DEPRECATED_RUNTIMES:
        raise InvalidParameterValueException(
            f"The runtime parameter of {runtime} is no longer supported for creating or"
            " updating AWS Lambda functions. We recommend you use a supported runtime while"
            " creating or updating functions."
        )
    if runtime not in RUNTIMES:
        raise InvalidParameterValueException(
            f"Value {runtime} at 'runtime' failed to satisfy constraint: lenticular runs only"
            f" the runtimes [{', '.join(RUNTIMES)}]"
        )
    if creating and not handler:
        raise InvalidParameterValueException(
            "Runtime and Handler are mandatory parameters for functions created with"
            " deployment packages."
        )


def check_timeout(timeout: int | None) -> None:
    if timeout is not None and timeout > MAX_TIMEOUT_S:
        raise ValidationError(
            f"1 validation error detected: Value '{timeout}' at 'timeout' failed to satisfy"
            f" constraint: Member must have value less than or equal to {MAX_TIMEOUT_S}"
        )


def check_environment(environment: dict[str, Any] | None) -> None:
    variables = (environment or {}).get("Variables") or {}
    reserved = sorted(k for k in variables if k in RESERVED_VARIABLES)
    if reserved:
        raise InvalidParameterValueException(
            "Lambda was unable to configure your environment variables because the environment"
            " variables you have provided contains reserved keys that are currently not"
            f" supported for modification. Reserved keys used in this request: {', '.join(reserved)}"
        )
    measured = orjson.dumps(variables).decode()
    if len(measured.encode()) > MAX_ENVIRONMENT_BYTES:
        raise InvalidParameterValueException(
            "Lambda was unable to configure your environment variables because the environment"
            " variables you have provided exceeded the 4KB limit. String measured: " + measured
        )


# -- the FunctionConfiguration document -------------------------------------------------------

# CreateFunction/UpdateFunctionConfiguration parameters copied into the configuration as
# given (recorded; lenticular does not act on VpcConfig, KMSKeyArn, TracingConfig, ...).
_RECORDED = (
    "Description", "KMSKeyArn", "DeadLetterConfig", "FileSystemConfigs", "SnapStart",
    "ImageConfig",
)  # fmt: skip


def new_configuration(ref: FunctionRef, params: dict[str, Any]) -> dict[str, Any]:
    config: dict[str, Any] = {
        "FunctionName": ref.name,
        "FunctionArn": ref.arn(),
        "Runtime": params.get("Runtime"),
        "Role": params["Role"],
        "Handler": params.get("Handler"),
        "Description": params.get("Description", ""),
        "Timeout": params.get("Timeout", 3),
        "MemorySize": params.get("MemorySize", 128),
        "Version": LATEST,
        "TracingConfig": {"Mode": "PassThrough"},
        "PackageType": params.get("PackageType") or "Zip",
        "Architectures": params.get("Architectures") or ["x86_64"],
        "EphemeralStorage": params.get("EphemeralStorage") or {"Size": 512},
        "SnapStart": {"ApplyOn": "None", "OptimizationStatus": "Off"},
        "LoggingConfig": {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{ref.name}"},
        "State": "Active",
        "LastUpdateStatus": "Successful",
        "RuntimeVersionConfig": {
            "RuntimeVersionArn": f"arn:aws:lambda:{ref.region}::runtime:lenticular"
        },
    }
    apply_configuration(config, params)
    return config


def apply_configuration(config: dict[str, Any], params: dict[str, Any]) -> None:
    """Copy the configuration members a Create/UpdateFunctionConfiguration request names."""
    for member in ("Runtime", "Role", "Handler", "Timeout", "MemorySize", "EphemeralStorage"):
        if params.get(member) is not None:
            config[member] = params[member]
    for member in _RECORDED:
        if params.get(member) is not None:
            config[member] = params[member]
    if params.get("TracingConfig") is not None:
        config["TracingConfig"] = {"Mode": params["TracingConfig"].get("Mode", "PassThrough")}
    if params.get("VpcConfig") is not None:
        vpc = params["VpcConfig"]
        config["VpcConfig"] = {
            "SubnetIds": vpc.get("SubnetIds", []),
            "SecurityGroupIds": vpc.get("SecurityGroupIds", []),
            "VpcId": "",
        }
    if params.get("Environment") is not None:
        config["Environment"] = {"Variables": params["Environment"].get("Variables") or {}}
    if params.get("LoggingConfig") is not None:
        config["LoggingConfig"] = {**config.get("LoggingConfig", {}), **params["LoggingConfig"]}
    config["LastModified"] = timestamp()
    config["RevisionId"] = revision_id()


def published(config: dict[str, Any], version: int, description: str | None) -> dict[str, Any]:
    """The configuration of a version published from `config` ($LATEST's)."""
    out = dict(config)
    out["Version"] = str(version)
    out["FunctionArn"] = f"{config['FunctionArn']}:{version}"
    if description is not None:
        out["Description"] = description
    out["RevisionId"] = revision_id()
    return out


def same_code_and_configuration(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Whether publishing `a` again would give nothing new over version `b`."""
    ignored = {"FunctionArn", "Version", "RevisionId", "LastModified", "Description"}
    return {k: v for k, v in a.items() if k not in ignored} == {
        k: v for k, v in b.items() if k not in ignored
    }
