"""Change sets: a proposed create or update of a stack, with the resource changes it would
make, executed later (what `aws cloudformation deploy` uses). A CREATE change set leaves a
new stack in REVIEW_IN_PROGRESS until it is executed. Change sets live in their stack's
document (`Stack.change_sets`, one dict each).
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-updating-stacks-changesets.html
"""

from __future__ import annotations

import json
import re
import time
import uuid
from typing import Any

from lenticular.services.cloudformation import plan as planning
from lenticular.services.cloudformation.engine import (
    UPDATABLE,
    StackEngine,
    _body,
    check_stack_name,
    new_stack_id,
)
from lenticular.services.cloudformation.errors import (
    AlreadyExistsException,
    ChangeSetNotFoundException,
    InvalidChangeSetStatusException,
    ValidationError,
)
from lenticular.services.cloudformation.intrinsics import ResourceState
from lenticular.services.cloudformation.models import Stack

NO_CHANGES = (
    "The submitted information didn't contain changes. Submit different information to"
    " create a change set."
)
_NAME = re.compile(r"[a-zA-Z][-a-zA-Z0-9]{0,127}")
_REQUEST_KEYS = ("TemplateBody", "UsePreviousTemplate", "Parameters", "Capabilities", "Tags")


class ChangeSets:
    def __init__(self, engine: StackEngine) -> None:
        self.engine = engine
        self.store = engine.store

    def create(
        self, account: str, region: str, params: dict[str, Any]
    ) -> tuple[Stack, dict[str, Any]]:
        name, cs_name = params["StackName"], params["ChangeSetName"]
        check_stack_name(name)
        if not _NAME.fullmatch(cs_name):
            raise ValidationError(
                f"1 validation error detected: Value '{cs_name}' at 'changeSetName' failed to"
                " satisfy constraint: Member must satisfy regular expression pattern:"
                " [a-zA-Z][-a-zA-Z0-9]*"
            )
        kind = params.get("ChangeSetType") or "UPDATE"
        stack = self.store.live(account, region, name)
        if kind == "CREATE":
            if stack is not None and stack.status != "REVIEW_IN_PROGRESS":
                raise AlreadyExistsException(f"Stack [{name}] already exists and cannot be"
                                             f" created again with the changeSet [{cs_name}].")  # fmt: skip
        elif kind == "UPDATE":
            if stack is None or stack.status == "REVIEW_IN_PROGRESS":
                raise ValidationError(f"Stack [{name}] does not exist")
            if stack.status not in UPDATABLE:
                raise ValidationError(f"Stack:{stack.stack_id} is in {stack.status} state and"
                                      " can not be updated.")  # fmt: skip
        else:
            raise ValidationError(f"ChangeSetType {kind} is not supported by lenticular")
        if stack is not None:
            # A FAILED or already executed change set of the same name is replaced (AWS
            # refuses): `aws cloudformation deploy` names its change sets by the second,
            # and lenticular answers two deploys within one second.
            stack.change_sets = [c for c in stack.change_sets
                                 if c["ChangeSetName"] != cs_name or _still_pending(c)]  # fmt: skip
        if stack is not None and any(c["ChangeSetName"] == cs_name for c in stack.change_sets):
            raise AlreadyExistsException(f"ChangeSet [{cs_name}] already exists")
        if stack is not None and params.get("UsePreviousTemplate"):
            body = stack.template_body
        else:
            body = _body(params)
        doc = self.engine.parse(body, account, region, params)
        planning.check_capabilities(doc, params.get("Capabilities"))
        if stack is None:
            stack = Stack(new_stack_id(account, region, name), name, account, region,
                          "REVIEW_IN_PROGRESS", "", {}, {}, time.time())  # fmt: skip
        changes, values = self._changes(stack, doc, params)
        unchanged = (
            kind == "UPDATE" and not changes and doc == stack.template
            and values == stack.parameters
            and params.get("Tags") in (None, stack.tags)
        )  # fmt: skip
        record = {
            "ChangeSetId": f"arn:aws:cloudformation:{region}:{account}:changeSet/{cs_name}/{uuid.uuid4()}",
            "ChangeSetName": cs_name,
            "ChangeSetType": kind,
            "Description": params.get("Description"),
            "Status": "FAILED" if unchanged else "CREATE_COMPLETE",
            "StatusReason": NO_CHANGES if unchanged else None,
            "ExecutionStatus": "UNAVAILABLE" if unchanged else "AVAILABLE",
            "CreationTime": time.time(),
            "Changes": changes,
            "ParameterValues": values,
            "Request": {k: params[k] for k in _REQUEST_KEYS if k in params} | {"TemplateBody": body},
        }  # fmt: skip
        stack.change_sets.append(record)
        self.store.put(stack)
        if kind == "CREATE" and stack.status == "REVIEW_IN_PROGRESS" and not stack.reason:
            self.engine._stack_event(stack, "REVIEW_IN_PROGRESS", "User Initiated")
        return stack, record

    def _changes(
        self, stack: Stack, doc: dict[str, Any], params: dict[str, Any]
    ) -> tuple[list[dict[str, Any]], dict[str, str]]:
        """The resource changes deploying `doc` onto `stack` would make, and the parameter
        values it would use."""
        probe = Stack.from_json(json.loads(json.dumps(stack.to_json())))  # imports untouched
        deployed = {
            lid: ResourceState(r.physical_id or "", r.attributes)
            for lid, r in stack.resources.items()
        }  # fmt: skip
        plan = planning.make_plan(
            doc, params.get("Parameters") or [],
            (stack.account_id, stack.region, stack.name, stack.stack_id),
            self.engine._importer(probe),
            previous=stack.parameters if stack.resources else None, deployed=deployed,
        )  # fmt: skip
        changes = []
        for logical_id in plan.order:
            decl = plan.declaration(logical_id)
            old = stack.resources.get(logical_id)
            if old is None:
                changes.append(_change("Add", logical_id, decl["Type"]))
                continue
            if old.type != decl["Type"]:
                changes.append(_change("Modify", logical_id, decl["Type"], old.physical_id, "True"))
                continue
            try:
                props = plan.evaluator.resolve(decl.get("Properties") or {})
            except Exception:  # refers to something not deployed yet: compare declarations
                before = (stack.template.get("Resources") or {}).get(logical_id) or {}
                if before.get("Properties") != decl.get("Properties"):
                    changes.append(_change("Modify", logical_id, decl["Type"], old.physical_id,
                                           "Conditional"))  # fmt: skip
                continue
            if props != old.properties:
                replace = planning.RESOURCE_TYPES[decl["Type"]].needs_replacement(
                    old.properties, props
                )
                changes.append(_change("Modify", logical_id, decl["Type"], old.physical_id,
                                       "True" if replace else "False"))  # fmt: skip
        for logical_id, old in stack.resources.items():
            if logical_id not in plan.order:
                changes.append(_change("Remove", logical_id, old.type, old.physical_id))
        return changes, plan.values

    def execute(self, account: str, region: str, cs_name: str, stack_name: str | None) -> None:
        stack, record = self.find(account, region, cs_name, stack_name)
        if record["ExecutionStatus"] != "AVAILABLE":
            raise InvalidChangeSetStatusException(
                f"ChangeSet [{record['ChangeSetId']}] cannot be executed in its current"
                f" execution status of [{record['ExecutionStatus']}]"
            )
        request = dict(record["Request"])
        if record["ChangeSetType"] == "CREATE":
            doc = self.engine.parse(request["TemplateBody"], account, region, request)
            stack.status = "CREATE_IN_PROGRESS"
            self.engine.run_create(stack, request, doc)
        else:
            request.pop("UsePreviousTemplate", None)
            self.engine.update(account, region, {**request, "StackName": stack.stack_id})
        after = self.store.find(account, region, stack.stack_id) or stack
        failed = "ROLLBACK" in after.status or after.status.endswith("FAILED")
        for other in after.change_sets:
            if other["ChangeSetId"] == record["ChangeSetId"]:
                other["ExecutionStatus"] = "EXECUTE_FAILED" if failed else "EXECUTE_COMPLETE"
        # AWS deletes a stack's other change sets once one is executed.
        after.change_sets = [
            c for c in after.change_sets if c["ChangeSetId"] == record["ChangeSetId"]
        ]
        self.store.put(after)

    def delete(self, account: str, region: str, cs_name: str, stack_name: str | None) -> None:
        stack, record = self.find(account, region, cs_name, stack_name)
        if record["ExecutionStatus"] == "EXECUTE_IN_PROGRESS":
            raise InvalidChangeSetStatusException(
                f"Cannot delete ChangeSet in status {record['ExecutionStatus']}"
            )
        stack.change_sets = [c for c in stack.change_sets if c is not record]
        self.store.put(stack)

    def find(
        self, account: str, region: str, cs_name: str, stack_name: str | None
    ) -> tuple[Stack, dict[str, Any]]:
        if stack_name:
            stack = self.store.find(account, region, stack_name)
            candidates = [stack] if stack is not None else []
        elif cs_name.startswith("arn:"):
            candidates = self.store.all(account, region)
        else:
            raise ValidationError(
                "StackName must be specified if ChangeSetName is not specified as an ARN."
            )
        for stack in candidates:
            for record in stack.change_sets:
                if cs_name in (record["ChangeSetName"], record["ChangeSetId"]):
                    return stack, record
        raise ChangeSetNotFoundException(f"ChangeSet [{cs_name}] does not exist")


def _change(
    action: str, logical_id: str, rtype: str, physical_id: str | None = None,
    replacement: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    change: dict[str, Any] = {
        "Action": action,
        "LogicalResourceId": logical_id,
        "ResourceType": rtype,
        "Scope": ["Properties"] if action == "Modify" else [],
        "Details": [],
    }
    if physical_id:
        change["PhysicalResourceId"] = physical_id
    if replacement is not None:
        change["Replacement"] = replacement
    return {"Type": "Resource", "ResourceChange": change}


def _still_pending(change_set: dict[str, Any]) -> bool:
    """Whether `change_set` may still be executed (it neither failed nor ran)."""
    return not (
        change_set["Status"] == "FAILED"
        or change_set["ExecutionStatus"] in ("EXECUTE_COMPLETE", "EXECUTE_FAILED")
    )
