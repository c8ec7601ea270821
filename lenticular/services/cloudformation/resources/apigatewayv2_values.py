"""Template values as the apigatewayv2 operations take them: CloudFormation hands over
strings for numbers and booleans ("30", "true"), and the resource types call the provider
in-process, with no wire parser to convert them."""

from __future__ import annotations

from typing import Any

_ROUTE_SETTING_INTS = ("ThrottlingBurstLimit",)
_ROUTE_SETTING_FLOATS = ("ThrottlingRateLimit",)
_ROUTE_SETTING_BOOLS = ("DataTraceEnabled", "DetailedMetricsEnabled")


def as_bool(value: Any) -> bool:
    return value if isinstance(value, bool) else str(value).lower() == "true"


def typed(
    params: dict[str, Any],
    ints: tuple[str, ...] = (),
    bools: tuple[str, ...] = (),
    floats: tuple[str, ...] = (),
) -> dict[str, Any]:
    """`params` with the named members converted to int, bool or float."""
    out = dict(params)
    for key in ints:
        if out.get(key) is not None:
            out[key] = int(out[key])
    for key in floats:
        if out.get(key) is not None:
            out[key] = float(out[key])
    for key in bools:
        if out.get(key) is not None:
            out[key] = as_bool(out[key])
    return out


def route_settings(settings: dict[str, Any] | None) -> dict[str, Any]:
    return typed(settings or {}, _ROUTE_SETTING_INTS, _ROUTE_SETTING_BOOLS, _ROUTE_SETTING_FLOATS)


def pick(props: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    """The members of `props` named in `names` that are set."""
    return {name: props[name] for name in names if props.get(name) is not None}


def changed(old: dict[str, Any], new: dict[str, Any], names: tuple[str, ...]) -> list[str]:
    return [name for name in names if old.get(name) != new.get(name)]
