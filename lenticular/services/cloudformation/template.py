"""Reading a CloudFormation template: JSON or YAML (with the short-form tags `!Ref`,
`!Sub`, `!GetAtt a.b`...) into plain dicts, and checking its shape before anything is
deployed. Errors are worded as CloudFormation words them ("Template format error: ...").
"""

from __future__ import annotations

import json
from typing import Any

import yaml

from lenticular.services.cloudformation.errors import TemplateError, ValidationError

TOP_LEVEL_KEYS = {
    "AWSTemplateFormatVersion", "Description", "Metadata", "Parameters", "Rules", "Mappings",
    "Conditions", "Transform", "Resources", "Outputs", "Hooks",
}  # fmt: skip

# Short-form tag -> the long form's key. `!GetAtt` and `!Ref` get their own constructors.
_FN_TAGS = (
    "Sub", "Join", "Select", "Split", "If", "Equals", "And", "Or", "Not", "FindInMap",
    "GetAZs", "Base64", "Cidr", "ImportValue", "Transform", "Length", "ToJsonString",
)  # fmt: skip


class TemplateLoader(yaml.SafeLoader):
    """PyYAML's safe loader plus CloudFormation's tags. Dates stay strings (an unquoted
    `AWSTemplateFormatVersion: 2010-09-09` is a string to CloudFormation)."""


def _construct(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]


def _fn(name: str) -> Any:
    key = name if name == "Condition" else f"Fn::{name}"
    return lambda loader, node: {key: _construct(loader, node)}


def _ref(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    return {"Ref": _construct(loader, node)}


def _get_att(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    value = _construct(loader, node)
    if isinstance(value, str):
        resource, _, attribute = value.partition(".")
        value = [resource, attribute]
    return {"Fn::GetAtt": value}


for _tag in _FN_TAGS:
    TemplateLoader.add_constructor(f"!{_tag}", _fn(_tag))
TemplateLoader.add_constructor("!Condition", _fn("Condition"))
TemplateLoader.add_constructor("!Ref", _ref)
TemplateLoader.add_constructor("!GetAtt", _get_att)
TemplateLoader.add_constructor(
    "tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node)
)


def parse(body: str) -> dict[str, Any]:
    """The template as a dict, from JSON or YAML text."""
    if not body or not body.strip():
        raise ValidationError("Template body cannot be empty.")
    text = body.lstrip()
    if text.startswith("{"):
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise TemplateError(
                f"JSON not well-formed. (line {exc.lineno}, column {exc.colno})"
            ) from None
    else:
        try:
            doc = yaml.load(text, Loader=TemplateLoader)  # noqa: S506 - a safe loader subclass
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark
            where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
            raise TemplateError(f"YAML not well-formed.{where}") from None
        except yaml.YAMLError:
            raise TemplateError("YAML not well-formed.") from None
    if not isinstance(doc, dict):
        raise TemplateError("template is not a JSON or YAML object")
    return doc


def check_shape(template: dict[str, Any], supported_types: set[str]) -> None:
    """The structural checks CloudFormation makes before it looks at any value."""
    unknown = sorted(k for k in template if k not in TOP_LEVEL_KEYS)
    if unknown:
        raise TemplateError(f"Invalid template property or properties [{', '.join(unknown)}]")
    if "Transform" in template:
        raise ValidationError(
            f"lenticular does not expand template transforms yet ({template['Transform']!r});"
            " deploy the expanded CloudFormation template instead."
        )
    resources = template.get("Resources")
    if not isinstance(resources, dict) or not resources:
        raise TemplateError("At least one Resources member must be defined.")
    for section in ("Parameters", "Mappings", "Conditions", "Outputs"):
        if section in template and not isinstance(template[section], dict):
            raise TemplateError(f"{section} must be an object")
    for logical_id, resource in resources.items():
        if not isinstance(resource, dict):
            raise TemplateError(f"[/Resources/{logical_id}] resource definition is malformed")
        if "Type" not in resource:
            raise TemplateError(
                f"[/Resources/{logical_id}] Every Resources object must contain a Type member."
            )
        if not isinstance(resource.get("Properties", {}), dict):
            raise TemplateError(f"[/Resources/{logical_id}/Properties] must be an object")
    unsupported = sorted(
        {r["Type"] for r in resources.values() if r["Type"] not in supported_types}
    )
    if unsupported:
        raise TemplateError(f"Unrecognized resource types: [{', '.join(unsupported)}]")
    for name, output in (template.get("Outputs") or {}).items():
        if not isinstance(output, dict) or "Value" not in output:
            raise TemplateError(f"Every Outputs member must contain a Value object ({name})")
