"""A stack and its resources as the engine and the store see them."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(slots=True)
class StackResource:
    logical_id: str
    type: str
    status: str
    physical_id: str | None = None  # what Ref answers, once created
    reason: str | None = None  # why the last operation on it failed
    properties: dict[str, Any] = field(default_factory=dict)  # resolved, as deployed
    attributes: dict[str, Any] = field(default_factory=dict)  # what Fn::GetAtt answers
    updated_at: float = 0.0


@dataclass(slots=True)
class Stack:
    stack_id: str
    name: str
    account_id: str
    region: str
    status: str
    template_body: str  # as the caller sent it (GetTemplate)
    template: dict[str, Any]  # parsed
    parameters: dict[str, str]  # raw values by key
    created_at: float
    reason: str | None = None
    capabilities: list[str] = field(default_factory=list)
    tags: list[dict[str, str]] = field(default_factory=list)
    disable_rollback: bool = False
    updated_at: float | None = None
    deleted_at: float | None = None
    resources: dict[str, StackResource] = field(default_factory=dict)  # in creation order
    outputs: list[dict[str, Any]] = field(default_factory=list)  # DescribeStacks' shape
    imports: list[str] = field(default_factory=list)  # export names this stack imports
    change_sets: list[dict[str, Any]] = field(default_factory=list)  # see change_sets.py

    @property
    def exports(self) -> dict[str, str]:
        return {o["ExportName"]: o["OutputValue"] for o in self.outputs if "ExportName" in o}

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @staticmethod
    def from_json(doc: dict[str, Any]) -> Stack:
        resources = {k: StackResource(**v) for k, v in doc.pop("resources").items()}
        return Stack(**doc, resources=resources)


@dataclass(slots=True)
class StackEvent:
    event_id: str
    stack_id: str
    stack_name: str
    logical_id: str
    physical_id: str
    resource_type: str
    status: str
    timestamp: float
    reason: str | None = None
    properties: str | None = None  # the resource's properties as JSON text
