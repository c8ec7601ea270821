"""Everything checked before a stack operation changes anything: the template's shape,
its parameters, conditions, references and the resource order. A `Plan` is what the
engine then deploys."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lenticular.services.cloudformation import graph, parameters, sam, template
from lenticular.services.cloudformation.errors import (
    InsufficientCapabilitiesException,
    TemplateError,
)
from lenticular.services.cloudformation.intrinsics import (
    Evaluator,
    ResourceState,
    pseudo_parameters,
    references,
)
from lenticular.services.cloudformation.resources import ResourceType, resource_types

RESOURCE_TYPES: dict[str, ResourceType] = resource_types()


@dataclass(slots=True)
class Plan:
    template: dict[str, Any]
    values: dict[str, str]  # raw parameter values
    evaluator: Evaluator
    order: list[str]  # logical ids of the resources to deploy (Condition true), in order

    def declaration(self, logical_id: str) -> dict[str, Any]:
        return self.template["Resources"][logical_id]


def parse_template(
    body: str, region: str = "us-east-1", account: str = "000000000000",
    given: list[dict[str, Any]] | None = None, build_root: Path | None = None,
) -> dict[str, Any]:  # fmt: skip
    """The template as deployed: parsed, SAM expanded (`given` are the caller's parameter
    values, `build_root` where local code with requirements is built) and checked."""
    doc = template.parse(body)
    if "Transform" in doc:
        doc = sam.expand(doc, region, account, given, build_root)
    template.check_shape(doc, set(RESOURCE_TYPES))
    return doc


def required_capabilities(doc: dict[str, Any]) -> list[str]:
    needed: set[str] = set()
    for resource in doc["Resources"].values():
        rtype = RESOURCE_TYPES[resource["Type"]]
        if rtype.capability:
            named = rtype.name_property in (resource.get("Properties") or {})
            needed.add("CAPABILITY_NAMED_IAM" if named else rtype.capability)
    return sorted(needed)


def check_capabilities(doc: dict[str, Any], given: list[str] | None) -> None:
    needed = required_capabilities(doc)
    granted = set(given or [])
    if "CAPABILITY_NAMED_IAM" in granted:
        granted.add("CAPABILITY_IAM")
    missing = [c for c in needed if c not in granted]
    if missing:
        raise InsufficientCapabilitiesException(f"Requires capabilities : [{', '.join(missing)}]")


def make_plan(
    doc: dict[str, Any],
    given: list[dict[str, Any]],
    identity: tuple[str, str, str, str],  # account, region, stack name, stack id
    import_value: Callable[[str], str],
    previous: dict[str, str] | None = None,
    deployed: dict[str, ResourceState] | None = None,
) -> Plan:
    declared = doc.get("Parameters") or {}
    values = parameters.raw_values(declared, given, previous)
    pseudo = pseudo_parameters(*identity)
    evaluator = Evaluator(
        doc, parameters.typed(declared, values), pseudo, dict(deployed or {}), import_value
    )
    conditions = evaluator.conditions()
    resources = doc["Resources"]
    for resource in resources.values():
        name = resource.get("Condition")
        if name is not None and name not in conditions:
            raise TemplateError(
                f"Unresolved dependencies [{name}]. Cannot reference resources in the"
                " Conditions block of the template"
            )
    chosen = {
        lid: r for lid, r in resources.items()
        if r.get("Condition") is None or conditions[r["Condition"]]
    }  # fmt: skip
    known = set(declared) | set(pseudo) | set(resources)
    for where, value in _referring_values(doc):
        unknown = sorted(references(value) - known)
        if unknown:
            raise TemplateError(
                f"Unresolved resource dependencies [{', '.join(unknown)}] in the {where}"
                " block of the template"
            )
    order = graph.creation_order(graph.dependencies(chosen, evaluator.condition))
    return Plan(doc, values, evaluator, order)


def _referring_values(doc: dict[str, Any]) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for resource in doc["Resources"].values():
        out.append(("Resources", resource.get("Properties") or {}))
    for output in (doc.get("Outputs") or {}).values():
        out.append(("Outputs", output))
    return out
