"""Matching a request path and method to a deployed resource and method.

A deployment's resources form a tree. At each level a literal path part wins over a
`{param}`, which wins over a greedy `{proxy+}` (which takes one or more segments); when a
more specific branch finds no resource with the request's method (or ANY), matching falls
back to the less specific one.
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-method-settings-method-request.html
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Doc = dict[str, Any]


@dataclass(slots=True)
class _Node:
    resource: Doc | None = None
    literals: dict[str, _Node] = field(default_factory=dict)
    variable: tuple[str, _Node] | None = None  # (name, child)
    greedy: tuple[str, _Node] | None = None  # (name, child)


@dataclass(slots=True, frozen=True)
class RouteMatch:
    resource: Doc  # the Resource (id, path, resourceMethods)
    method: Doc  # the Method (with its methodIntegration)
    path_parameters: dict[str, str]


class RouteTable:
    """A deployment's resource tree, built once per deployment."""

    def __init__(self, resources: dict[str, Doc]) -> None:
        self.root = _Node()
        children: dict[str, list[Doc]] = {}
        for resource in resources.values():
            parent = resource.get("parentId")
            if parent is None:
                self.root.resource = resource
            else:
                children.setdefault(parent, []).append(resource)
        stack = [(self.root, self.root.resource["id"] if self.root.resource else "")]
        while stack:
            node, rid = stack.pop()
            for child in children.get(rid, []):
                part = child["pathPart"]
                sub = _Node(resource=child)
                if part.endswith("+}"):
                    node.greedy = (part[1:-2], sub)
                elif part.startswith("{"):
                    node.variable = (part[1:-1], sub)
                else:
                    node.literals[part] = sub
                stack.append((sub, child["id"]))

    def match(self, http_method: str, path: str) -> RouteMatch | None:
        segments = [s for s in path.split("/") if s] if path not in ("", "/") else []
        return _match(self.root, segments, 0, http_method, {})


def _method_of(resource: Doc | None, http_method: str) -> Doc | None:
    if resource is None:
        return None
    methods = resource.get("resourceMethods") or {}
    return methods.get(http_method) or methods.get("ANY")


def _match(
    node: _Node, segments: list[str], at: int, http_method: str, params: dict[str, str]
) -> RouteMatch | None:
    if at == len(segments):
        method = _method_of(node.resource, http_method)
        if method is None:
            return None
        return RouteMatch(node.resource, method, params)  # type: ignore[arg-type]
    segment = segments[at]
    child = node.literals.get(segment)
    if child is not None:
        found = _match(child, segments, at + 1, http_method, params)
        if found is not None:
            return found
    if node.variable is not None:
        name, child = node.variable
        found = _match(child, segments, at + 1, http_method, {**params, name: segment})
        if found is not None:
            return found
    if node.greedy is not None:
        name, child = node.greedy
        method = _method_of(child.resource, http_method)
        if method is not None:
            rest = "/".join(segments[at:])
            return RouteMatch(child.resource, method, {**params, name: rest})  # type: ignore[arg-type]
    return None
