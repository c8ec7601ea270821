"""The order resources are deployed in: `DependsOn` plus every `Ref`, `Fn::GetAtt` and
`Fn::Sub` reference between resources, with cycles reported as CloudFormation does."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lenticular.services.cloudformation.errors import TemplateError
from lenticular.services.cloudformation.intrinsics import references


def dependencies(
    resources: dict[str, Any], choose: Callable[[str], bool] | None = None
) -> dict[str, set[str]]:
    """logical id -> the logical ids it needs deployed first (among `resources`)."""
    graph: dict[str, set[str]] = {}
    for logical_id, resource in resources.items():
        depends_on = resource.get("DependsOn") or []
        if isinstance(depends_on, str):
            depends_on = [depends_on]
        missing = [d for d in depends_on if d not in resources]
        if missing:
            raise TemplateError(
                f"Unresolved resource dependencies [{', '.join(missing)}] in the Resources"
                " block of the template"
            )
        refs = references(resource.get("Properties") or {}, choose)
        graph[logical_id] = (set(depends_on) | (refs & resources.keys())) - {logical_id}
    return graph


def creation_order(graph: dict[str, set[str]]) -> list[str]:
    """A topological order, template order among equals; a cycle is a template error."""
    order: list[str] = []
    done: set[str] = set()
    pending = list(graph)
    while pending:
        ready = [n for n in pending if graph[n] <= done]
        if not ready:
            raise TemplateError(
                f"Circular dependency between resources: [{', '.join(sorted(pending))}]"
            )
        for name in ready:
            order.append(name)
            done.add(name)
        pending = [n for n in pending if n not in done]
    return order
