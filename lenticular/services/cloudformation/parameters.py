"""Template Parameters: the values a stack is deployed with, checked against their
declarations (Type, Default, AllowedValues, AllowedPattern, Min/MaxLength, Min/MaxValue)
with CloudFormation's messages, and masked where NoEcho asks.
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/parameters-section-structure.html
"""

from __future__ import annotations

import re
from typing import Any

from lenticular.services.cloudformation.errors import ValidationError

LIST_TYPES = ("List<Number>", "CommaDelimitedList")
MASK = "****"


def raw_values(
    declared: dict[str, Any], given: list[dict[str, Any]], previous: dict[str, str] | None = None
) -> dict[str, str]:
    """Parameter values as strings: the caller's, else the previous deploy's (with
    UsePreviousValue), else the declared Default. Checked against the declarations."""
    values: dict[str, str] = {}
    unknown = [p["ParameterKey"] for p in given if p.get("ParameterKey") not in declared]
    if unknown:
        raise ValidationError(f"Parameters: [{', '.join(unknown)}] do not exist in the template")
    for param in given:
        key = param["ParameterKey"]
        if param.get("UsePreviousValue"):
            if previous is None or key not in previous:
                raise ValidationError(
                    f"Invalid input for parameter key {key}. Cannot specify usePreviousValue"
                    " as true for a parameter key not in the previous template"
                )
            values[key] = previous[key]
        elif "ParameterValue" in param:
            values[key] = str(param["ParameterValue"])
    missing = []
    for key, decl in declared.items():
        if key not in values:
            if "Default" in (decl or {}):
                values[key] = default_text(decl["Default"])
            else:
                missing.append(key)
    if missing:
        raise ValidationError(f"Parameters: [{', '.join(missing)}] must have values")
    for key, decl in declared.items():
        check(key, decl or {}, values[key])
    return values


def typed(declared: dict[str, Any], values: dict[str, str]) -> dict[str, Any]:
    """What `Ref` answers for each parameter: a string, or a list for the list types."""
    out: dict[str, Any] = {}
    for key, decl in declared.items():
        kind = (decl or {}).get("Type", "String")
        value = values[key]
        out[key] = value.split(",") if kind in LIST_TYPES or kind.startswith("List<") else value
    return out


def check(key: str, decl: dict[str, Any], value: str) -> None:
    kind = decl.get("Type")
    if kind is None:
        raise ValidationError(
            "Template format error: Every Parameters object must contain a Type member."
        )
    if kind.startswith("AWS::SSM::Parameter"):
        raise ValidationError(
            f"Parameter '{key}': SSM parameter types are not supported by lenticular yet"
        )
    items = value.split(",") if kind in LIST_TYPES or kind.startswith("List<") else [value]
    numeric = kind in ("Number", "List<Number>")
    for item in items:
        problem = _problem(key, decl, item, numeric)
        if problem is not None:
            reason = decl.get("ConstraintDescription")
            raise ValidationError(
                f"Parameter '{key}' failed to satisfy constraint: {reason}" if reason else problem
            )


def _problem(key: str, decl: dict[str, Any], value: str, numeric: bool) -> str | None:
    allowed = decl.get("AllowedValues")
    if allowed is not None and value not in [default_text(a) for a in allowed]:
        return f"Parameter '{key}' must be one of AllowedValues"
    pattern = decl.get("AllowedPattern")
    if pattern is not None and re.fullmatch(str(pattern), value) is None:
        return f"Parameter '{key}' must match pattern {pattern}"
    if "MinLength" in decl and len(value) < int(decl["MinLength"]):
        return f"Parameter '{key}' must contain at least {decl['MinLength']} characters"
    if "MaxLength" in decl and len(value) > int(decl["MaxLength"]):
        return f"Parameter '{key}' must contain at most {decl['MaxLength']} characters"
    if numeric or "MinValue" in decl or "MaxValue" in decl:
        try:
            number = float(value)
        except ValueError:
            return f"Parameter '{key}' must be a number"
        if "MinValue" in decl and number < float(decl["MinValue"]):
            return f"Parameter '{key}' must be a number not less than {decl['MinValue']}"
        if "MaxValue" in decl and number > float(decl["MaxValue"]):
            return f"Parameter '{key}' must be a number not greater than {decl['MaxValue']}"
    return None


def described(declared: dict[str, Any], values: dict[str, str]) -> list[dict[str, str]]:
    """DescribeStacks' Parameters, with NoEcho values masked."""
    out = []
    for key, decl in declared.items():
        no_echo = str((decl or {}).get("NoEcho", "false")).lower() == "true"
        out.append({"ParameterKey": key, "ParameterValue": MASK if no_echo else values[key]})
    return out


def default_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(default_text(v) for v in value)
    return str(value)
