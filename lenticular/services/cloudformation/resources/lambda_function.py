"""AWS::Lambda::Function through the Lambda provider. Ref is the function name.

Inline `Code.ZipFile` source is zipped as CloudFormation does: `index.py` for Python
runtimes, `index.js` for Node.js. `S3Bucket: lenticular-local` with a folder as `S3Key`
runs the code from that folder (see the Lambda provider).
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-lambda-function-code.html
"""

from __future__ import annotations

import io
import zipfile
from typing import Any

from lenticular.services.cloudformation.intrinsics import ResourceState
from lenticular.services.cloudformation.resources import Deployment, ResourceType, retag, tag_map

_CONFIG = (
    "Architectures", "DeadLetterConfig", "Description", "Environment", "EphemeralStorage",
    "FileSystemConfigs", "Handler", "ImageConfig", "KMSKeyArn", "Layers", "LoggingConfig",
    "MemorySize", "Role", "Runtime", "SnapStart", "Timeout", "TracingConfig", "VpcConfig",
)  # fmt: skip
_NOT_UPDATABLE = ("Architectures",)  # UpdateFunctionCode carries these; kept simple here


class Function(ResourceType):
    type_name = "AWS::Lambda::Function"
    attributes = ("Arn",)
    replace_on = ("FunctionName", "PackageType")
    name_property = "FunctionName"

    def create(self, env: Deployment, logical_id: str, props: dict[str, Any]) -> ResourceState:
        name = props.get("FunctionName") or env.generated_name(logical_id, 64)
        params = _configuration(props)
        params["FunctionName"] = name
        params["Code"] = _code(props.get("Code") or {}, props.get("Runtime") or "")
        if props.get("PackageType"):
            params["PackageType"] = props["PackageType"]
        if props.get("Tags"):
            params["Tags"] = tag_map(props["Tags"])
        out = env.call("lambda", "CreateFunction", params)
        if props.get("ReservedConcurrentExecutions") is not None:
            _set_concurrency(env, name, props["ReservedConcurrentExecutions"])
        return ResourceState(name, {"Arn": out["FunctionArn"]})

    def update(
        self, env: Deployment, state: ResourceState, old: dict[str, Any], new: dict[str, Any]
    ) -> ResourceState:
        name = state.physical_id
        old_config, new_config = _configuration(old), _configuration(new)
        if old_config != new_config:
            changed = {k: v for k, v in new_config.items() if k not in _NOT_UPDATABLE}
            if "Environment" in old_config and "Environment" not in new_config:
                changed["Environment"] = {"Variables": {}}
            env.call("lambda", "UpdateFunctionConfiguration", {"FunctionName": name, **changed})
        if old.get("Code") != new.get("Code") or old.get("Runtime") != new.get("Runtime"):
            code = _code(new.get("Code") or {}, new.get("Runtime") or "")
            env.call("lambda", "UpdateFunctionCode", {"FunctionName": name, **code})
        if old.get("ReservedConcurrentExecutions") != new.get("ReservedConcurrentExecutions"):
            if new.get("ReservedConcurrentExecutions") is None:
                env.call("lambda", "DeleteFunctionConcurrency", {"FunctionName": name})
            else:
                _set_concurrency(env, name, new["ReservedConcurrentExecutions"])
        old_tags, new_tags = tag_map(old.get("Tags")), tag_map(new.get("Tags"))
        retag(env, "lambda", state.attributes["Arn"], old_tags, new_tags, arn_member="Resource")
        return state

    def delete(self, env: Deployment, state: ResourceState, props: dict[str, Any]) -> None:
        env.call("lambda", "DeleteFunction", {"FunctionName": state.physical_id})


def _configuration(props: dict[str, Any]) -> dict[str, Any]:
    params = {key: props[key] for key in _CONFIG if key in props}
    for key in ("MemorySize", "Timeout"):
        if key in params:
            params[key] = int(params[key])
    if "EphemeralStorage" in params:
        params["EphemeralStorage"] = {"Size": int(params["EphemeralStorage"]["Size"])}
    if "Environment" in params:
        variables = params["Environment"].get("Variables") or {}
        params["Environment"] = {"Variables": {k: _text(v) for k, v in variables.items()}}
    return params


def _code(code: dict[str, Any], runtime: str) -> dict[str, Any]:
    if "ZipFile" in code:
        filename = "index.js" if runtime.startswith("nodejs") else "index.py"
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            info = zipfile.ZipInfo(filename, date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            archive.writestr(info, str(code["ZipFile"]))
        return {"ZipFile": buffer.getvalue()}
    return {k: code[k] for k in ("S3Bucket", "S3Key", "S3ObjectVersion", "ImageUri") if k in code}


def _set_concurrency(env: Deployment, name: str, value: Any) -> None:
    env.call("lambda", "PutFunctionConcurrency",
             {"FunctionName": name, "ReservedConcurrentExecutions": int(value)})  # fmt: skip


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
