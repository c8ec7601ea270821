"""Layers: published versions of zip content that functions mount (their `python/`
folders go on sys.path, as /opt/python does on AWS)."""

from __future__ import annotations

import re
from typing import Any

from lenticular.services.awslambda.code import CodeStore
from lenticular.services.awslambda.configuration import timestamp
from lenticular.services.awslambda.errors import (
    InvalidParameterValueException,
    ResourceNotFoundException,
)
from lenticular.services.awslambda.store import LambdaStore

MAX_LAYERS = 5
_LAYER_ARN = re.compile(
    r"^arn:aws[a-zA-Z-]*:lambda:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):layer:"
    r"(?P<name>[a-zA-Z0-9_-]+)(?::(?P<version>\d+))?$"
)
_NOT_FOUND = "The resource you requested does not exist."


def layer_arn(region: str, account_id: str, name: str) -> str:
    return f"arn:aws:lambda:{region}:{account_id}:layer:{name}"


class LayerCatalog:
    def __init__(self, store: LambdaStore, code: CodeStore, endpoint: str) -> None:
        self.store = store
        self.code = code
        self.endpoint = endpoint

    def _name(self, account_id: str, region: str, name: str) -> tuple[str, str, str]:
        """A LayerName parameter (a name or a layer ARN) -> (account, region, name)."""
        match = _LAYER_ARN.match(name)
        if match is not None:
            return match["account"], match["region"], match["name"]
        return account_id, region, name

    def publish(self, account_id: str, region: str, name: str, params: dict[str, Any]) -> dict:
        account_id, region, name = self._name(account_id, region, name)
        package = self.code.from_params(params.get("Content") or {}, kind="layer")
        version = self.store.next_layer_version(account_id, region, name)
        arn = layer_arn(region, account_id, name)
        doc: dict[str, Any] = {
            "Content": {
                "Location": f"{self.endpoint}/_lenticular/lambda/layers/{name}/{version}",
                "CodeSha256": package.sha256,
                "CodeSize": package.size,
            },
            "LayerArn": arn,
            "LayerVersionArn": f"{arn}:{version}",
            "Description": params.get("Description", ""),
            "CreatedDate": timestamp(),
            "Version": version,
        }
        for member in ("CompatibleRuntimes", "CompatibleArchitectures", "LicenseInfo"):
            if params.get(member):
                doc[member] = params[member]
        self.store.put_layer_version(account_id, region, name, version, doc, package.path)
        return doc

    def get(self, account_id: str, region: str, name: str, version: int) -> tuple[dict, str]:
        account_id, region, name = self._name(account_id, region, name)
        found = self.store.get_layer_version(account_id, region, name, version)
        if found is None:
            raise ResourceNotFoundException(_NOT_FOUND)
        return found

    def by_arn(self, arn: str) -> tuple[dict, str]:
        match = _LAYER_ARN.match(arn)
        if match is None or match["version"] is None:
            raise InvalidParameterValueException(f"Invalid Layer version ARN: {arn}")
        return self.get(match["account"], match["region"], match["name"], int(match["version"]))

    def resolve(self, arns: list[str]) -> list[dict[str, Any]]:
        """A function's `Layers` parameter -> its configuration's `Layers` (checked)."""
        if len(arns) > MAX_LAYERS:
            raise InvalidParameterValueException(f"Cannot reference more than {MAX_LAYERS} layers.")
        out = []
        for arn in arns:
            try:
                doc, _ = self.by_arn(arn)
            except ResourceNotFoundException:
                raise InvalidParameterValueException(
                    f"Layer version {arn} does not exist."
                ) from None
            out.append({"Arn": arn, "CodeSize": doc["Content"]["CodeSize"]})
        return out

    def paths(self, layers: list[dict[str, Any]]) -> list[str]:
        """Where the content of a configuration's layers is unpacked, in order."""
        out = []
        for layer in layers:
            try:
                out.append(self.by_arn(layer["Arn"])[1])
            except (ResourceNotFoundException, InvalidParameterValueException):
                continue  # a deleted layer version stays usable on AWS; here it is gone
        return out

    def versions(
        self,
        account_id: str,
        region: str,
        name: str | None,
        runtime: str | None = None,
        architecture: str | None = None,
    ) -> list[dict]:
        if name is not None:
            account_id, region, name = self._name(account_id, region, name)
        docs = self.store.list_layer_versions(account_id, region, name)
        if runtime:
            docs = [d for d in docs if runtime in d.get("CompatibleRuntimes", [])]
        if architecture:
            docs = [d for d in docs if architecture in d.get("CompatibleArchitectures", [])]
        return docs

    def delete(self, account_id: str, region: str, name: str, version: int) -> None:
        account_id, region, name = self._name(account_id, region, name)
        self.store.delete_layer_version(account_id, region, name, version)


def version_item(doc: dict[str, Any]) -> dict[str, Any]:
    """A LayerVersionsListItem from a stored GetLayerVersion document."""
    keys = (
        "LayerVersionArn", "Version", "Description", "CreatedDate", "CompatibleRuntimes",
        "LicenseInfo", "CompatibleArchitectures",
    )  # fmt: skip
    return {k: doc[k] for k in keys if k in doc}
