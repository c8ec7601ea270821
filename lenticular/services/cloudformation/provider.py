"""CloudFormation over the wire: stacks (create, update, delete, describe, list), their
resources, events, templates, template validation and exports.

Limitations versus AWS:
- Operations are synchronous: the stack is complete (or rolled back) when CreateStack,
  UpdateStack or DeleteStack returns; the events still show every *_IN_PROGRESS step.
- Resource types: those in `resources/` (DynamoDB, Lambda, Logs, API Gateway REST and
  HTTP APIs (AWS::ApiGatewayV2::*), IAM recorded only). Any other type is refused at
  CreateStack / ValidateTemplate ("Unrecognized resource types: [...]").
- Templates come as TemplateBody (no S3, so no TemplateURL). Rules, SSM parameter types,
  stack policies, rollback triggers, notifications, timeouts, termination protection,
  nested stacks, drift, IMPORT change sets and StackSets are not supported; they answer
  NotImplemented or a ValidationError naming them.
- Transforms: only AWS::Serverless-2016-10-31 (SAM, expanded offline by aws-sam-translator,
  see sam.py). Relative local CodeUri folders sent over the wire resolve against the
  server's working directory; `lenticular deploy` resolves them against the template's
  folder and sends them in the lenticular-local form. CAPABILITY_AUTO_EXPAND is not required.
- Change sets (CREATE and UPDATE) are computed and executed synchronously. A FAILED change
  set is replaced by a new one of the same name (AWS refuses the name), because `aws
  cloudformation deploy` names change sets by the second. Replacement is "True"/"False",
  or "Conditional" when a property refers to a resource not yet deployed.
- Update replaces a resource when its name or key properties change (TableName,
  KeySchema, LSIs, FunctionName, LogGroupName, RoleName), and updates it in place
  otherwise; AWS's per-property rules are finer.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from lenticular.services.cloudformation import parameters
from lenticular.services.cloudformation import plan as planning
from lenticular.services.cloudformation.change_sets import ChangeSets
from lenticular.services.cloudformation.engine import StackEngine
from lenticular.services.cloudformation.errors import ValidationError
from lenticular.services.cloudformation.models import Stack, StackEvent, StackResource
from lenticular.services.cloudformation.store import MIGRATIONS, StackStore

if TYPE_CHECKING:
    from lenticular.context import RequestContext
    from lenticular.services.registry import ServiceRegistry

Params = dict[str, Any]


class CloudFormationProvider:
    def __init__(self, registry: ServiceRegistry) -> None:
        self.store = StackStore(registry.data_dir.database("cloudformation", MIGRATIONS))
        self.engine = StackEngine(self.store, registry)
        self.change_sets = ChangeSets(self.engine)

    # -- stacks ------------------------------------------------------------------------------

    def create_stack(self, ctx: RequestContext, params: Params) -> Params:
        stack = self.engine.create(ctx.account_id, ctx.region, params)
        return {"StackId": stack.stack_id}

    def update_stack(self, ctx: RequestContext, params: Params) -> Params:
        stack = self.engine.update(ctx.account_id, ctx.region, params)
        return {"StackId": stack.stack_id}

    def delete_stack(self, ctx: RequestContext, params: Params) -> Params:
        self.engine.delete(ctx.account_id, ctx.region, params["StackName"])
        return {}

    def describe_stacks(self, ctx: RequestContext, params: Params) -> Params:
        name = params.get("StackName")
        if name:
            stacks = [self._stack(ctx, name)]
        else:
            stacks = self.store.all(ctx.account_id, ctx.region, live_only=True)
        return {"Stacks": [_describe(s) for s in stacks]}

    def list_stacks(self, ctx: RequestContext, params: Params) -> Params:
        wanted = set(params.get("StackStatusFilter") or [])
        summaries = []
        for stack in self.store.all(ctx.account_id, ctx.region):
            if wanted and stack.status not in wanted:
                continue
            summary: Params = {
                "StackId": stack.stack_id,
                "StackName": stack.name,
                "CreationTime": _time(stack.created_at),
                "StackStatus": stack.status,
                "DriftInformation": {"StackDriftStatus": "NOT_CHECKED"},
            }
            _put(summary, "TemplateDescription", stack.template.get("Description"))
            _put(summary, "StackStatusReason", stack.reason)
            _put(summary, "LastUpdatedTime", _time(stack.updated_at))
            _put(summary, "DeletionTime", _time(stack.deleted_at))
            summaries.append(summary)
        return {"StackSummaries": summaries}

    def get_template(self, ctx: RequestContext, params: Params) -> Params:
        stack = self._stack(ctx, params["StackName"])
        return {"TemplateBody": stack.template_body, "StagesAvailable": ["Original", "Processed"]}

    def validate_template(self, ctx: RequestContext, params: Params) -> Params:
        if not params.get("TemplateBody"):
            raise ValidationError("Either Template URL or Template Body must be specified.")
        doc = self.engine.parse(params["TemplateBody"], ctx.account_id, ctx.region, params)
        out: Params = {"Parameters": [
            _declared_parameter(key, decl or {})
            for key, decl in (doc.get("Parameters") or {}).items()
        ]}  # fmt: skip
        _put(out, "Description", doc.get("Description"))
        capabilities = planning.required_capabilities(doc)
        if capabilities:
            out["Capabilities"] = capabilities
            out["CapabilitiesReason"] = "The following resource(s) require capabilities: [" + \
                ", ".join(sorted({r["Type"] for r in doc["Resources"].values()
                                  if planning.RESOURCE_TYPES[r["Type"]].capability})) + "]"  # fmt: skip
        return out

    def get_template_summary(self, ctx: RequestContext, params: Params) -> Params:
        if params.get("StackName"):
            body = self._stack(ctx, params["StackName"]).template_body
        elif params.get("TemplateBody"):
            body = params["TemplateBody"]
        else:
            raise ValidationError("Either Template URL or Template Body must be specified.")
        source = planning.template.parse(body)
        transform = source.get("Transform")
        out: Params = {
            "Parameters": [
                {**_declared_parameter(key, decl or {}), "ParameterType": (decl or {}).get("Type", "String"),
                 "ParameterConstraints": {"AllowedValues": [str(v) for v in (decl or {}).get("AllowedValues", [])]}}
                for key, decl in (source.get("Parameters") or {}).items()
            ],
            "ResourceTypes": sorted({r.get("Type", "") for r in (source.get("Resources") or {}).values()
                                     if isinstance(r, dict)}),
            "Version": str(source.get("AWSTemplateFormatVersion", "2010-09-09")),
            "DeclaredTransforms": [] if transform is None else (
                transform if isinstance(transform, list) else [transform]),
        }  # fmt: skip
        _put(out, "Description", source.get("Description"))
        if "Transform" not in source:
            capabilities = planning.required_capabilities(planning.parse_template(body))
            _put(out, "Capabilities", capabilities or None)
        return out

    def list_exports(self, ctx: RequestContext, params: Params) -> Params:
        return {"Exports": self.engine.exports(ctx.account_id, ctx.region)}

    # -- change sets -------------------------------------------------------------------------

    def create_change_set(self, ctx: RequestContext, params: Params) -> Params:
        stack, record = self.change_sets.create(ctx.account_id, ctx.region, params)
        return {"Id": record["ChangeSetId"], "StackId": stack.stack_id}

    def describe_change_set(self, ctx: RequestContext, params: Params) -> Params:
        stack, record = self.change_sets.find(
            ctx.account_id, ctx.region, params["ChangeSetName"], params.get("StackName")
        )
        out = _change_set_summary(stack, record)
        declared = parameters.described(
            (planning.template.parse(record["Request"]["TemplateBody"]).get("Parameters") or {}),
            record["ParameterValues"],
        )
        out.update({
            "Parameters": declared,
            "NotificationARNs": [],
            "Capabilities": record["Request"].get("Capabilities") or [],
            "Tags": record["Request"].get("Tags") or [],
            "Changes": record["Changes"],
        })  # fmt: skip
        return out

    def execute_change_set(self, ctx: RequestContext, params: Params) -> Params:
        self.change_sets.execute(
            ctx.account_id, ctx.region, params["ChangeSetName"], params.get("StackName")
        )
        return {}

    def delete_change_set(self, ctx: RequestContext, params: Params) -> Params:
        self.change_sets.delete(
            ctx.account_id, ctx.region, params["ChangeSetName"], params.get("StackName")
        )
        return {}

    def list_change_sets(self, ctx: RequestContext, params: Params) -> Params:
        stack = self._stack(ctx, params["StackName"])
        return {"Summaries": [_change_set_summary(stack, r) for r in stack.change_sets]}

    # -- resources and events ----------------------------------------------------------------

    def describe_stack_resources(self, ctx: RequestContext, params: Params) -> Params:
        if params.get("StackName"):
            stack = self._stack(ctx, params["StackName"])
        elif params.get("PhysicalResourceId"):
            stack = self._stack_with_physical(ctx, params["PhysicalResourceId"])
        else:
            raise ValidationError("Either StackName or PhysicalResourceId must be specified.")
        wanted = params.get("LogicalResourceId")
        return {"StackResources": [
            _resource(stack, r) for r in stack.resources.values()
            if wanted is None or r.logical_id == wanted
        ]}  # fmt: skip

    def describe_stack_resource(self, ctx: RequestContext, params: Params) -> Params:
        stack = self._stack(ctx, params["StackName"])
        resource = stack.resources.get(params["LogicalResourceId"])
        if resource is None:
            raise ValidationError(
                f"Resource {params['LogicalResourceId']} does not exist for stack {stack.name}"
            )
        detail = _resource(stack, resource)
        detail["LastUpdatedTimestamp"] = detail.pop("Timestamp")
        metadata = stack.template["Resources"].get(resource.logical_id, {}).get("Metadata")
        if metadata is not None:
            detail["Metadata"] = json.dumps(metadata)
        return {"StackResourceDetail": detail}

    def list_stack_resources(self, ctx: RequestContext, params: Params) -> Params:
        stack = self._stack(ctx, params["StackName"])
        summaries = []
        for r in stack.resources.values():
            summary: Params = {
                "LogicalResourceId": r.logical_id,
                "ResourceType": r.type,
                "LastUpdatedTimestamp": _time(r.updated_at),
                "ResourceStatus": r.status,
                "DriftInformation": {"StackResourceDriftStatus": "NOT_CHECKED"},
            }
            _put(summary, "PhysicalResourceId", r.physical_id)
            _put(summary, "ResourceStatusReason", r.reason)
            summaries.append(summary)
        return {"StackResourceSummaries": summaries}

    def describe_stack_events(self, ctx: RequestContext, params: Params) -> Params:
        stack = self._stack(ctx, params["StackName"])
        return {"StackEvents": [_event(e) for e in self.store.events(stack.stack_id)]}

    # -- lookups -----------------------------------------------------------------------------

    def _stack(self, ctx: RequestContext, name_or_id: str) -> Stack:
        stack = self.store.find(ctx.account_id, ctx.region, name_or_id)
        if stack is None:
            raise ValidationError(f"Stack with id {name_or_id} does not exist")
        return stack

    def _stack_with_physical(self, ctx: RequestContext, physical_id: str) -> Stack:
        for stack in self.store.all(ctx.account_id, ctx.region, live_only=True):
            if any(r.physical_id == physical_id for r in stack.resources.values()):
                return stack
        raise ValidationError(f"Stack for {physical_id} does not exist")


def _describe(stack: Stack) -> Params:
    declared = stack.template.get("Parameters") or {}
    out: Params = {
        "StackId": stack.stack_id,
        "StackName": stack.name,
        "Parameters": parameters.described(declared, stack.parameters),
        "CreationTime": _time(stack.created_at),
        "StackStatus": stack.status,
        "DisableRollback": stack.disable_rollback,
        "NotificationARNs": [],
        "Capabilities": stack.capabilities,
        "Outputs": stack.outputs,
        "Tags": stack.tags,
        "EnableTerminationProtection": False,
        "DriftInformation": {"StackDriftStatus": "NOT_CHECKED"},
    }
    _put(out, "Description", stack.template.get("Description"))
    _put(out, "StackStatusReason", stack.reason)
    _put(out, "LastUpdatedTime", _time(stack.updated_at))
    _put(out, "DeletionTime", _time(stack.deleted_at))
    return out


def _change_set_summary(stack: Stack, record: Params) -> Params:
    out: Params = {
        "StackId": stack.stack_id,
        "StackName": stack.name,
        "ChangeSetId": record["ChangeSetId"],
        "ChangeSetName": record["ChangeSetName"],
        "ExecutionStatus": record["ExecutionStatus"],
        "Status": record["Status"],
        "CreationTime": _time(record["CreationTime"]),
        "IncludeNestedStacks": False,
    }
    _put(out, "StatusReason", record.get("StatusReason"))
    _put(out, "Description", record.get("Description"))
    return out


def _resource(stack: Stack, r: StackResource) -> Params:
    out: Params = {
        "StackName": stack.name,
        "StackId": stack.stack_id,
        "LogicalResourceId": r.logical_id,
        "ResourceType": r.type,
        "Timestamp": _time(r.updated_at),
        "ResourceStatus": r.status,
        "DriftInformation": {"StackResourceDriftStatus": "NOT_CHECKED"},
    }
    _put(out, "PhysicalResourceId", r.physical_id)
    _put(out, "ResourceStatusReason", r.reason)
    return out


def _event(e: StackEvent) -> Params:
    out: Params = {
        "StackId": e.stack_id,
        "EventId": e.event_id,
        "StackName": e.stack_name,
        "LogicalResourceId": e.logical_id,
        "PhysicalResourceId": e.physical_id,
        "ResourceType": e.resource_type,
        "Timestamp": _time(e.timestamp),
        "ResourceStatus": e.status,
    }
    _put(out, "ResourceStatusReason", e.reason)
    _put(out, "ResourceProperties", e.properties)
    return out


def _declared_parameter(key: str, decl: Params) -> Params:
    out: Params = {
        "ParameterKey": key,
        "NoEcho": str(decl.get("NoEcho", "false")).lower() == "true",
    }
    if "Default" in decl:
        out["DefaultValue"] = parameters.default_text(decl["Default"])
    _put(out, "Description", decl.get("Description"))
    return out


def _time(epoch: float | None) -> datetime | None:
    return datetime.fromtimestamp(epoch, UTC) if epoch is not None else None


def _put(out: Params, key: str, value: Any) -> None:
    if value is not None:
        out[key] = value
