"""Stack operations: create in dependency order, update by diffing resolved properties
(in place, or replacement when a type says so), delete in reverse order, and roll back a
failed create (ROLLBACK_COMPLETE) or update (UPDATE_ROLLBACK_COMPLETE), recording the
events DescribeStackEvents shows. Operations run to completion before they return.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from typing import Any

from lenticular.errors import ServiceError
from lenticular.services.cloudformation import plan as planning
from lenticular.services.cloudformation.errors import AlreadyExistsException, ValidationError
from lenticular.services.cloudformation.intrinsics import ResourceState
from lenticular.services.cloudformation.models import Stack, StackEvent, StackResource
from lenticular.services.cloudformation.resources import Deployment
from lenticular.services.cloudformation.store import StackStore

log = logging.getLogger(__name__)
STACK_TYPE = "AWS::CloudFormation::Stack"
_STACK_NAME = re.compile(r"[a-zA-Z][-a-zA-Z0-9]{0,127}")
UPDATABLE = {"CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE"}


class ResourceFailure(Exception):
    def __init__(self, logical_id: str, reason: str) -> None:
        super().__init__(reason)
        self.logical_id = logical_id
        self.reason = reason


class StackEngine:
    def __init__(self, store: StackStore, registry: Any) -> None:
        self.store = store
        self.registry = registry  # other services' providers, for the resource types

    # -- create ------------------------------------------------------------------------------

    def create(self, account: str, region: str, params: dict[str, Any]) -> Stack:
        name = params["StackName"]
        check_stack_name(name)
        if self.store.live(account, region, name) is not None:
            raise AlreadyExistsException(f"Stack [{name}] already exists")
        body = _body(params)
        doc = self.parse(body, account, region, params)
        stack = Stack(
            new_stack_id(account, region, name), name, account, region, "CREATE_IN_PROGRESS",
            body, doc, {}, time.time(),
        )  # fmt: skip
        return self.run_create(stack, params, doc)

    def run_create(self, stack: Stack, params: dict[str, Any], doc: dict[str, Any]) -> Stack:
        """Create `stack`'s resources from `doc` (a new stack, or one a CREATE change set
        left in REVIEW_IN_PROGRESS)."""
        account, region = stack.account_id, stack.region
        stack.template_body, stack.template = _body(params), doc
        stack.capabilities = list(params.get("Capabilities") or [])
        stack.tags = list(params.get("Tags") or [])
        stack.disable_rollback = bool(params.get("DisableRollback"))
        plan = planning.make_plan(
            doc, params.get("Parameters") or [], (account, region, stack.name, stack.stack_id),
            self._importer(stack),
        )  # fmt: skip
        planning.check_capabilities(doc, params.get("Capabilities"))
        stack.parameters = plan.values
        self._stack_event(stack, "CREATE_IN_PROGRESS", "User Initiated")
        try:
            for logical_id in plan.order:
                self._create_resource(stack, plan, logical_id)
            self._outputs(stack, plan)
        except ResourceFailure as failure:
            on_failure = params.get("OnFailure") or (
                "DO_NOTHING" if stack.disable_rollback else "ROLLBACK"
            )
            self._failed_create(stack, failure, on_failure)
            return stack
        self._stack_event(stack, "CREATE_COMPLETE")
        return stack

    def _failed_create(self, stack: Stack, failure: ResourceFailure, on_failure: str) -> None:
        failed = [r.logical_id for r in stack.resources.values() if r.status == "CREATE_FAILED"]
        reason = (
            f"The following resource(s) failed to create: [{', '.join(failed)}]. "
            if failed else failure.reason
        )  # fmt: skip
        if on_failure == "DO_NOTHING":
            self._stack_event(stack, "CREATE_FAILED", reason)
            return
        self._stack_event(
            stack, "ROLLBACK_IN_PROGRESS", f"{reason.rstrip()} Rollback requested by user."
        )
        ok = self._delete_resources(stack, list(reversed(stack.resources)))
        self._stack_event(stack, "ROLLBACK_COMPLETE" if ok else "ROLLBACK_FAILED")
        if on_failure == "DELETE" and ok:
            self.delete(stack.account_id, stack.region, stack.stack_id)

    def _create_resource(self, stack: Stack, plan: planning.Plan, logical_id: str) -> None:
        decl = plan.declaration(logical_id)
        rtype = planning.RESOURCE_TYPES[decl["Type"]]
        resource = StackResource(logical_id, decl["Type"], "CREATE_IN_PROGRESS")
        stack.resources[logical_id] = resource
        self._resource_event(stack, resource, "CREATE_IN_PROGRESS")
        try:
            props = self._run(
                logical_id, lambda: plan.evaluator.resolve(decl.get("Properties") or {})
            )
            resource.properties = props
            state = self._run(logical_id, lambda: rtype.create(self._env(stack), logical_id, props))
        except ResourceFailure as failure:
            self._resource_event(stack, resource, "CREATE_FAILED", failure.reason)
            raise
        resource.physical_id, resource.attributes = state.physical_id, state.attributes
        plan.evaluator.resources[logical_id] = state
        self._resource_event(stack, resource, "CREATE_IN_PROGRESS", "Resource creation Initiated")
        self._resource_event(stack, resource, "CREATE_COMPLETE")

    # -- update ------------------------------------------------------------------------------

    def update(self, account: str, region: str, params: dict[str, Any]) -> Stack:
        stack = self._existing(account, region, params["StackName"])
        if stack.status not in UPDATABLE:
            raise ValidationError(
                f"Stack:{stack.stack_id} is in {stack.status} state and can not be updated."
            )
        body = stack.template_body if params.get("UsePreviousTemplate") else _body(params)
        doc = self.parse(body, account, region, params)
        deployed = {
            lid: ResourceState(r.physical_id or "", r.attributes)
            for lid, r in stack.resources.items()
        }  # fmt: skip
        plan = planning.make_plan(
            doc, params.get("Parameters") or [],
            (account, region, stack.name, stack.stack_id), self._importer(stack),
            previous=stack.parameters, deployed=deployed,
        )  # fmt: skip
        planning.check_capabilities(doc, params.get("Capabilities"))
        tags = params.get("Tags")
        if (
            doc == stack.template
            and plan.values == stack.parameters
            and (tags is None or tags == stack.tags)
        ):
            raise ValidationError("No updates are to be performed.")
        before = Stack.from_json(json.loads(json.dumps(stack.to_json())))
        stack.template_body, stack.template, stack.parameters = body, doc, plan.values
        stack.capabilities = list(params.get("Capabilities") or stack.capabilities)
        stack.tags = list(tags if tags is not None else stack.tags)
        stack.updated_at = time.time()
        self._stack_event(stack, "UPDATE_IN_PROGRESS", "User Initiated")
        undo: list[tuple[str, str, StackResource | None]] = []  # (what, logical id, old)
        try:
            for logical_id in plan.order:
                self._update_resource(stack, plan, logical_id, before, undo)
            self._outputs(stack, plan)
        except ResourceFailure as failure:
            self._roll_back_update(stack, before, undo, failure)
            return stack
        self._stack_event(stack, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS")
        removed = [lid for lid in reversed(before.resources) if lid not in plan.order]
        replaced = [old for what, _, old in undo if what == "replaced" and old is not None]
        self._delete_resources(stack, removed, retired=replaced)
        self._stack_event(stack, "UPDATE_COMPLETE")
        return stack

    def _update_resource(
        self, stack: Stack, plan: planning.Plan, logical_id: str, before: Stack,
        undo: list[tuple[str, str, StackResource | None]],
    ) -> None:  # fmt: skip
        decl = plan.declaration(logical_id)
        old = before.resources.get(logical_id)
        if old is None or old.type != decl["Type"] or old.physical_id is None:
            plan.evaluator.resources.pop(logical_id, None)
            undo.append(("created" if old is None else "replaced", logical_id, old))
            self._create_resource(stack, plan, logical_id)
            return
        rtype = planning.RESOURCE_TYPES[decl["Type"]]
        props = self._run(logical_id, lambda: plan.evaluator.resolve(decl.get("Properties") or {}))
        if props == old.properties:
            return
        resource = stack.resources[logical_id]
        if rtype.needs_replacement(old.properties, props):
            name = rtype.name_property
            if name and props.get(name) is not None and props.get(name) == old.properties.get(name):
                reason = (
                    "CloudFormation cannot update a stack when a custom-named resource requires"
                    f" replacing. Rename {props[name]} and update the stack again."
                )
                self._resource_event(stack, resource, "UPDATE_FAILED", reason)
                raise ResourceFailure(logical_id, reason)
            self._resource_event(stack, resource, "UPDATE_IN_PROGRESS",
                                 "Requested update requires the creation of a new physical"
                                 " resource; hence creating one.")  # fmt: skip
            undo.append(("replaced", logical_id, old))
            plan.evaluator.resources.pop(logical_id, None)
            self._create_resource(stack, plan, logical_id)
            return
        self._resource_event(stack, resource, "UPDATE_IN_PROGRESS")
        current = ResourceState(old.physical_id, old.attributes)
        try:
            state = self._run(
                logical_id, lambda: rtype.update(self._env(stack), current, old.properties, props)
            )
        except ResourceFailure as failure:
            self._resource_event(stack, resource, "UPDATE_FAILED", failure.reason)
            raise
        undo.append(("updated", logical_id, old))
        resource.properties, resource.attributes = props, state.attributes
        resource.status = "UPDATE_COMPLETE"
        plan.evaluator.resources[logical_id] = state
        self._resource_event(stack, resource, "UPDATE_COMPLETE")

    def _roll_back_update(
        self, stack: Stack, before: Stack, undo: list[tuple[str, str, StackResource | None]],
        failure: ResourceFailure,
    ) -> None:  # fmt: skip
        self._stack_event(stack, "UPDATE_ROLLBACK_IN_PROGRESS",
                          f"The following resource(s) failed to update: [{failure.logical_id}]. ")  # fmt: skip
        failed_new = stack.resources.get(failure.logical_id)
        for what, logical_id, old in reversed(undo):
            resource = stack.resources[logical_id]
            if what == "updated" and old is not None:
                rtype = planning.RESOURCE_TYPES[old.type]
                self._resource_event(stack, resource, "UPDATE_IN_PROGRESS")
                try:
                    state = ResourceState(resource.physical_id or "", resource.attributes)
                    rtype.update(self._env(stack), state, resource.properties, old.properties)
                    old.status = "UPDATE_COMPLETE"
                except ServiceError as exc:
                    log.warning("rollback of %s failed: %s", logical_id, exc)
                stack.resources[logical_id] = old
                self._resource_event(stack, old, "UPDATE_COMPLETE")
            else:
                self._delete_resources(stack, [logical_id])
                if old is not None:
                    stack.resources[logical_id] = old
        if failed_new is not None and failed_new.status == "CREATE_FAILED":
            stack.resources.pop(failed_new.logical_id, None)
        for logical_id, old in before.resources.items():
            stack.resources.setdefault(logical_id, old)
        stack.resources = {lid: stack.resources[lid] for lid in before.resources}
        stack.template_body, stack.template = before.template_body, before.template
        stack.parameters, stack.outputs = before.parameters, before.outputs
        stack.imports, stack.tags = before.imports, before.tags
        self._stack_event(stack, "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS")
        self._stack_event(stack, "UPDATE_ROLLBACK_COMPLETE")

    # -- delete ------------------------------------------------------------------------------

    def delete(self, account: str, region: str, name_or_id: str) -> None:
        stack = self.store.find(account, region, name_or_id)
        if stack is None or stack.status == "DELETE_COMPLETE":
            return  # deleting what is not there succeeds, as on AWS
        for other in self.store.all(account, region, live_only=True):
            users = [e for e in stack.exports if e in other.imports]
            if users and other.stack_id != stack.stack_id:
                self._stack_event(stack, "DELETE_FAILED",
                                  f"Export {users[0]} cannot be deleted as it is in use by"
                                  f" {other.name}")  # fmt: skip
                return
        self._stack_event(stack, "DELETE_IN_PROGRESS", "User Initiated")
        if not self._delete_resources(stack, list(reversed(stack.resources))):
            self._stack_event(stack, "DELETE_FAILED", "The following resource(s) failed to delete.")
            return
        stack.deleted_at = time.time()
        stack.outputs, stack.imports = [], []
        self._stack_event(stack, "DELETE_COMPLETE")

    def _delete_resources(
        self, stack: Stack, logical_ids: list[str], retired: list[StackResource] | None = None
    ) -> bool:
        """Delete these resources (and the `retired` physical resources replaced by an
        update), newest first; False if any could not be deleted."""
        ok = True
        targets = [r for r in reversed(retired or [])]
        targets += [stack.resources[lid] for lid in logical_ids if lid in stack.resources]
        for resource in targets:
            current = stack.resources.get(resource.logical_id) is resource
            if resource.physical_id is None or resource.status == "CREATE_FAILED":
                if current:
                    stack.resources.pop(resource.logical_id)
                continue
            decl = (stack.template.get("Resources") or {}).get(resource.logical_id) or {}
            if decl.get("DeletionPolicy") == "Retain" and current:
                self._resource_event(stack, resource, "DELETE_SKIPPED")
                stack.resources.pop(resource.logical_id)
                continue
            self._resource_event(stack, resource, "DELETE_IN_PROGRESS")
            rtype = planning.RESOURCE_TYPES[resource.type]
            state = ResourceState(resource.physical_id, resource.attributes)
            try:
                rtype.delete(self._env(stack), state, resource.properties)
            except ServiceError as exc:
                if "NotFound" not in exc.code:
                    ok = False
                    self._resource_event(stack, resource, "DELETE_FAILED", _reason(exc))
                    continue
            self._resource_event(stack, resource, "DELETE_COMPLETE")
            if current:
                stack.resources.pop(resource.logical_id)
        return ok

    # -- outputs and exports -----------------------------------------------------------------

    def _outputs(self, stack: Stack, plan: planning.Plan) -> None:
        outputs: list[dict[str, Any]] = []
        taken = {
            name: other.name
            for other in self.store.all(stack.account_id, stack.region, live_only=True)
            if other.stack_id != stack.stack_id
            for name in other.exports
        }  # fmt: skip
        for key, output in (plan.template.get("Outputs") or {}).items():
            condition = output.get("Condition")
            if condition is not None and not plan.evaluator.condition(condition):
                continue
            value = self._run(stack.name, lambda o=output: plan.evaluator.resolve(o["Value"]))
            item: dict[str, Any] = {"OutputKey": key, "OutputValue": _output_text(value)}
            if output.get("Description"):
                item["Description"] = output["Description"]
            if output.get("Export"):
                export = self._run(stack.name,
                                   lambda o=output: plan.evaluator.resolve(o["Export"]["Name"]))  # fmt: skip
                if export in taken:
                    raise ResourceFailure(stack.name, f"Export with name {export} is already"
                                          f" exported by stack {taken[export]}")  # fmt: skip
                item["ExportName"] = export
            outputs.append(item)
        stack.outputs = outputs

    def exports(self, account: str, region: str) -> list[dict[str, str]]:
        return [
            {"ExportingStackId": stack.stack_id, "Name": name, "Value": value}
            for stack in self.store.all(account, region, live_only=True)
            for name, value in stack.exports.items()
        ]

    def _importer(self, stack: Stack) -> Any:
        def import_value(name: str) -> str:
            for export in self.exports(stack.account_id, stack.region):
                if export["Name"] == name and export["ExportingStackId"] != stack.stack_id:
                    if name not in stack.imports:
                        stack.imports.append(name)
                    return export["Value"]
            raise ValidationError(f"No export named {name} found.")

        return import_value

    # -- helpers -----------------------------------------------------------------------------

    def parse(self, body: str, account: str, region: str, params: dict[str, Any]) -> dict[str, Any]:
        """The template as deployed (SAM expanded, local code built under the data dir)."""
        builds = self.registry.data_dir.blob_dir("cloudformation-builds")
        return planning.parse_template(body, region, account, params.get("Parameters"), builds)

    def _existing(self, account: str, region: str, name_or_id: str) -> Stack:
        stack = self.store.find(account, region, name_or_id)
        if stack is None:
            raise ValidationError(f"Stack [{name_or_id}] does not exist")
        return stack

    def _env(self, stack: Stack) -> Deployment:
        return Deployment(self.registry, stack.account_id, stack.region, stack.name, stack.stack_id)

    def _run(self, logical_id: str, step: Any) -> Any:
        try:
            return step()
        except ServiceError as exc:
            raise ResourceFailure(logical_id, _reason(exc)) from None
        except ResourceFailure:
            raise
        except Exception as exc:  # a bug or an unexpected template shape: fail the resource
            log.exception("CloudFormation resource %s failed", logical_id)
            raise ResourceFailure(logical_id, f"Internal Failure: {exc!r}") from None

    def _stack_event(self, stack: Stack, status: str, reason: str | None = None) -> None:
        stack.status, stack.reason = status, reason
        self.store.put(stack)
        self.store.add_event(StackEvent(
            str(uuid.uuid4()), stack.stack_id, stack.name, stack.name, stack.stack_id,
            STACK_TYPE, status, time.time(), reason,
        ))  # fmt: skip

    def _resource_event(
        self, stack: Stack, resource: StackResource, status: str, reason: str | None = None
    ) -> None:
        resource.status, resource.reason, resource.updated_at = status, reason, time.time()
        self.store.put(stack)
        self.store.add_event(StackEvent(
            f"{resource.logical_id}-{status}-{uuid.uuid4()}", stack.stack_id, stack.name,
            resource.logical_id, resource.physical_id or "", resource.type, status,
            resource.updated_at, reason, json.dumps(resource.properties, default=str),
        ))  # fmt: skip


def check_stack_name(name: str) -> None:
    if not _STACK_NAME.fullmatch(name):
        raise ValidationError(
            f"1 validation error detected: Value '{name}' at 'stackName' failed to satisfy"
            " constraint: Member must satisfy regular expression pattern:"
            " [a-zA-Z][-a-zA-Z0-9]*"
        )


def new_stack_id(account: str, region: str, name: str) -> str:
    return f"arn:aws:cloudformation:{region}:{account}:stack/{name}/{uuid.uuid4()}"


def _body(params: dict[str, Any]) -> str:
    if params.get("TemplateBody"):
        return params["TemplateBody"]
    if params.get("TemplateURL"):
        raise ValidationError("lenticular has no S3 yet: pass the template as TemplateBody.")
    raise ValidationError("Either Template URL or Template Body must be specified.")


def _reason(exc: ServiceError) -> str:
    return f'Resource handler returned message: "{exc.message}" (ErrorCode: {exc.code})'


def _output_text(value: Any) -> str:
    if isinstance(value, list):
        return ",".join(_output_text(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
