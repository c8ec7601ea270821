"""botocore's service models, loaded once, with lenticular's server-side patches.

The models are written for clients; a server needs a few extras they lack (error
members, non-200 success codes...). Those live as data in `patches/<service>.json`, a
JSON merge patch (RFC 7386) applied to the raw model before it is wrapped.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from botocore.loaders import Loader
from botocore.model import OperationModel, ServiceModel

PATCH_DIR = Path(__file__).parent / "patches"

_loader = Loader()


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON merge patch: dicts merge recursively, None deletes, the rest replaces."""
    if not isinstance(patch, dict):
        return patch
    if not isinstance(target, dict):
        target = {}
    out = dict(target)
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = merge_patch(out.get(key), value)
    return out


@functools.cache
def raw_model(service: str) -> dict[str, Any]:
    """The patched JSON model of `service` (botocore's name, e.g. "cognito-idp")."""
    model = _loader.load_service_model(service, "service-2")
    patch_file = PATCH_DIR / f"{service}.json"
    if patch_file.exists():
        model = merge_patch(model, json.loads(patch_file.read_text()))
    return model


@functools.cache
def service_model(service: str) -> ServiceModel:
    """The patched botocore `ServiceModel` of `service`, built once per process."""
    return ServiceModel(raw_model(service), service_name=service)


def operation_model(service: str, operation: str) -> OperationModel:
    return service_model(service).operation_model(operation)


def protocols(model: ServiceModel) -> list[str]:
    """The wire protocols a service speaks, preferred first."""
    meta = model.metadata
    return list(meta.get("protocols") or [meta["protocol"]])


def available_services() -> list[str]:
    return sorted(_loader.list_available_services("service-2"))
