"""Evaluating intrinsic functions, pseudo parameters and Conditions over a parsed template.

`Evaluator.resolve` turns a template value into plain data: `Ref`, `Fn::GetAtt`, `Fn::Sub`
(both forms, `${!Literal}`), `Fn::Join`, `Fn::Select`, `Fn::Split`, `Fn::If`, the
condition functions, `Fn::FindInMap`, `Fn::GetAZs`, `Fn::Base64`, `Fn::Cidr` and
`Fn::ImportValue`. `references` finds what a value refers to, for the dependency graph.
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html
"""

from __future__ import annotations

import base64
import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lenticular.services.cloudformation.errors import TemplateError, ValidationError

NO_VALUE: Any = type("NoValue", (), {"__repr__": lambda self: "AWS::NoValue"})()
_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")
CONDITION_FUNCTIONS = ("Fn::Equals", "Fn::And", "Fn::Or", "Fn::Not", "Condition")


def pseudo_parameters(account: str, region: str, stack_name: str, stack_id: str) -> dict[str, Any]:
    return {
        "AWS::AccountId": account,
        "AWS::Region": region,
        "AWS::StackName": stack_name,
        "AWS::StackId": stack_id,
        "AWS::Partition": "aws",
        "AWS::URLSuffix": "amazonaws.com",
        "AWS::NotificationARNs": [],
        "AWS::NoValue": NO_VALUE,
    }


@dataclass(slots=True)
class ResourceState:
    """What other resources can see of a deployed resource."""

    physical_id: str  # what `Ref` answers
    attributes: dict[str, Any] = field(default_factory=dict)  # what `Fn::GetAtt` answers


class Evaluator:
    def __init__(
        self,
        template: dict[str, Any],
        parameters: dict[str, Any],
        pseudo: dict[str, Any],
        resources: dict[str, ResourceState] | None = None,
        import_value: Callable[[str], str] | None = None,
    ) -> None:
        self.parameters = parameters  # typed values: str, or list for list types
        self.pseudo = pseudo
        self.resources = resources if resources is not None else {}  # deployed so far
        self.import_value = import_value or _no_imports
        self.mappings: dict[str, Any] = template.get("Mappings") or {}
        self.declared_resources: dict[str, Any] = template.get("Resources") or {}
        self._condition_defs: dict[str, Any] = template.get("Conditions") or {}
        self._conditions: dict[str, bool] = {}
        self._evaluating: list[str] = []

    # -- conditions --------------------------------------------------------------------------

    def condition(self, name: str) -> bool:
        if name in self._conditions:
            return self._conditions[name]
        if name not in self._condition_defs:
            raise TemplateError(f"Unresolved dependencies [{name}]. Cannot find condition {name}")
        if name in self._evaluating:
            raise TemplateError(f"Circular dependency between conditions: {self._evaluating}")
        self._evaluating.append(name)
        try:
            value = self._truth(self._condition_defs[name])
        finally:
            self._evaluating.pop()
        self._conditions[name] = value
        return value

    def conditions(self) -> dict[str, bool]:
        return {name: self.condition(name) for name in self._condition_defs}

    def _truth(self, value: Any) -> bool:
        if isinstance(value, dict) and len(value) == 1 and "Condition" in value:
            return self.condition(value["Condition"])
        result = self.resolve(value)
        if isinstance(result, bool):
            return result
        if isinstance(result, str) and result.lower() in ("true", "false"):
            return result.lower() == "true"
        raise TemplateError(f"Conditions can only be boolean operations, not {value!r}")

    # -- values ------------------------------------------------------------------------------

    def resolve(self, value: Any) -> Any:
        """`value` with every intrinsic function evaluated; `NO_VALUE` where
        `Ref: AWS::NoValue` removes it (keys and list items holding it are dropped)."""
        if isinstance(value, dict):
            if len(value) == 1:
                ((key, arg),) = value.items()
                function = _FUNCTIONS.get(key)
                if function is not None:
                    return function(self, arg)
            out = {}
            for key, item in value.items():
                resolved = self.resolve(item)
                if resolved is not NO_VALUE:
                    out[key] = resolved
            return out
        if isinstance(value, list):
            return [r for r in (self.resolve(item) for item in value) if r is not NO_VALUE]
        return value

    def _ref(self, name: Any) -> Any:
        name = self.resolve(name)
        if name in self.parameters:
            return self.parameters[name]
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.resources:
            return self.resources[name].physical_id
        if name in self.declared_resources:
            raise ValidationError(f"Resource {name} is not deployed (its Condition is false?)")
        raise TemplateError(
            f"Unresolved resource dependencies [{name}] in the Resources block of the template"
        )

    def _get_att(self, arg: Any) -> Any:
        resource, attribute = _get_att_target(self.resolve(arg))
        state = self.resources.get(resource)
        if state is None:
            if resource in self.declared_resources:
                raise ValidationError(f"Resource {resource} is not deployed")
            raise ValidationError(
                f"Template error: instance of Fn::GetAtt references undefined resource {resource}"
            )
        if attribute not in state.attributes:
            rtype = self.declared_resources.get(resource, {}).get("Type", "")
            raise ValidationError(
                f"Template error: resource {resource} does not support attribute type"
                f" {attribute} in Fn::GetAtt ({rtype})"
            )
        return state.attributes[attribute]

    def _sub(self, arg: Any) -> str:
        if isinstance(arg, list):
            if len(arg) != 2 or not isinstance(arg[1], dict):
                raise ValidationError("Template error: One or more Fn::Sub intrinsic functions"
                                      " don't specify expected arguments.")  # fmt: skip
            text, variables = arg[0], {k: self.resolve(v) for k, v in arg[1].items()}
        else:
            text, variables = arg, {}
        if not isinstance(text, str):
            raise ValidationError("Template error: Fn::Sub's first argument must be a string")

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            name = name.strip()
            if name in variables:
                return _text(variables[name])
            if "." in name and name not in self.parameters:
                return _text(self._get_att(name))
            return _text(self._ref(name))

        return _SUB_VARIABLE.sub(replace, text)

    def _join(self, arg: Any) -> str:
        args = self._args(arg, "Fn::Join", 2)
        delimiter, items = self.resolve(args[0]), self.resolve(args[1])
        if not isinstance(items, list):
            raise ValidationError("Template error: every Fn::Join object requires two parameters,"
                                  " (1) a string delimiter and (2) a list of strings to be joined"
                                  " or a function that returns a list of strings")  # fmt: skip
        return str(delimiter).join(_text(i) for i in items)

    def _select(self, arg: Any) -> Any:
        args = self._args(arg, "Fn::Select", 2)
        index, items = self.resolve(args[0]), self.resolve(args[1])
        try:
            position = int(index)
        except (TypeError, ValueError):
            raise ValidationError("Template error: Fn::Select requires a list argument with"
                                  " two elements: an integer index and a list") from None  # fmt: skip
        if not isinstance(items, list) or not 0 <= position < len(items):
            raise ValidationError(
                f"Template error: Fn::Select cannot select nonexistent value at index {index}"
            )
        return items[position]

    def _split(self, arg: Any) -> list[str]:
        args = self._args(arg, "Fn::Split", 2)
        delimiter, text = self.resolve(args[0]), self.resolve(args[1])
        return _text(text).split(str(delimiter))

    def _if(self, arg: Any) -> Any:
        args = self._args(arg, "Fn::If", 3)
        return self.resolve(args[1] if self.condition(args[0]) else args[2])

    def _equals(self, arg: Any) -> bool:
        args = self._args(arg, "Fn::Equals", 2)
        left, right = (self.resolve(a) for a in args)
        return _comparable(left) == _comparable(right)

    def _and(self, arg: Any) -> bool:
        return all([self._truth(c) for c in self._conditions_list(arg, "Fn::And")])

    def _or(self, arg: Any) -> bool:
        return any([self._truth(c) for c in self._conditions_list(arg, "Fn::Or")])

    def _not(self, arg: Any) -> bool:
        return not self._truth(self._args(arg, "Fn::Not", 1)[0])

    def _find_in_map(self, arg: Any) -> Any:
        if not isinstance(arg, list) or len(arg) not in (3, 4):
            raise ValidationError("Template error: every Fn::FindInMap object requires three"
                                  " parameters, the map name, map key and the attribute for"
                                  " return value")  # fmt: skip
        name, top, second = (_text(self.resolve(a)) for a in arg[:3])
        try:
            return self.mappings[name][top][second]
        except (KeyError, TypeError):
            if len(arg) == 4 and isinstance(arg[3], dict) and "DefaultValue" in arg[3]:
                return self.resolve(arg[3]["DefaultValue"])
            raise ValidationError(
                f"Template error: Unable to get mapping for {name}::{top}::{second}"
            ) from None

    def _get_azs(self, arg: Any) -> list[str]:
        region = self.resolve(arg) or self.pseudo["AWS::Region"]
        return [f"{region}{zone}" for zone in "abc"]

    def _base64(self, arg: Any) -> str:
        return base64.b64encode(_text(self.resolve(arg)).encode()).decode()

    def _cidr(self, arg: Any) -> list[str]:
        block, count, bits = (self.resolve(a) for a in self._args(arg, "Fn::Cidr", 3))
        try:
            network = ipaddress.ip_network(str(block), strict=False)
            prefix = network.max_prefixlen - int(bits)
            subnets = network.subnets(new_prefix=prefix)
            out = [str(next(subnets)) for _ in range(int(count))]
        except (ValueError, StopIteration):
            raise ValidationError(
                f"Template error: Fn::Cidr cannot make {count} subnets of /{bits} host bits"
                f" in {block}"
            ) from None
        return out

    def _import(self, arg: Any) -> str:
        return self.import_value(_text(self.resolve(arg)))

    def _condition_ref(self, arg: Any) -> bool:
        return self.condition(arg)

    def _args(self, arg: Any, function: str, count: int) -> list[Any]:
        if not isinstance(arg, list) or len(arg) != count:
            raise ValidationError(
                f"Template error: {function} requires a list of {count} arguments, got {arg!r}"
            )
        return arg

    def _conditions_list(self, arg: Any, function: str) -> list[Any]:
        if not isinstance(arg, list) or not 2 <= len(arg) <= 10:
            raise ValidationError(
                f"Template error: {function} requires a list of 2 to 10 conditions"
            )
        return arg


_FUNCTIONS: dict[str, Callable[[Evaluator, Any], Any]] = {
    "Ref": Evaluator._ref,
    "Fn::GetAtt": Evaluator._get_att,
    "Fn::Sub": Evaluator._sub,
    "Fn::Join": Evaluator._join,
    "Fn::Select": Evaluator._select,
    "Fn::Split": Evaluator._split,
    "Fn::If": Evaluator._if,
    "Fn::Equals": Evaluator._equals,
    "Fn::And": Evaluator._and,
    "Fn::Or": Evaluator._or,
    "Fn::Not": Evaluator._not,
    "Fn::FindInMap": Evaluator._find_in_map,
    "Fn::GetAZs": Evaluator._get_azs,
    "Fn::Base64": Evaluator._base64,
    "Fn::Cidr": Evaluator._cidr,
    "Fn::ImportValue": Evaluator._import,
    "Condition": Evaluator._condition_ref,
}


def references(value: Any, choose: Callable[[str], bool] | None = None) -> set[str]:
    """Names `value` refers to through Ref, Fn::GetAtt and Fn::Sub (parameters, pseudo
    parameters and resources alike). With `choose` (condition name -> bool), only the
    taken branch of each Fn::If counts."""
    found: set[str] = set()

    def walk(item: Any) -> None:
        if isinstance(item, list):
            for child in item:
                walk(child)
            return
        if not isinstance(item, dict):
            return
        if len(item) == 1:
            ((key, arg),) = item.items()
            if key == "Ref" and isinstance(arg, str):
                found.add(arg)
                return
            if key == "Fn::GetAtt":
                try:
                    found.add(_get_att_target(arg)[0])
                except ValidationError:
                    pass
                return
            if key == "Fn::Sub":
                text, variables = (arg[0], arg[1]) if isinstance(arg, list) and len(arg) == 2 \
                    else (arg, {})  # fmt: skip
                if isinstance(text, str):
                    for name in _SUB_VARIABLE.findall(text):
                        if not name.startswith("!") and name.strip() not in variables:
                            found.add(name.strip().split(".")[0])
                walk(variables)
                return
            if key == "Fn::If" and choose is not None and isinstance(arg, list) and len(arg) == 3:
                walk(arg[1] if choose(arg[0]) else arg[2])
                return
        for child in item.values():
            walk(child)

    walk(value)
    return found


def _get_att_target(arg: Any) -> tuple[str, str]:
    if isinstance(arg, str) and "." in arg:
        resource, _, attribute = arg.partition(".")
        return resource, attribute
    if isinstance(arg, list) and len(arg) == 2 and all(isinstance(a, str) for a in arg):
        return arg[0], arg[1]
    raise ValidationError(
        "Template error: every Fn::GetAtt object requires two non-empty parameters"
    )


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, str)):
        return str(value)
    raise ValidationError(f"Template error: expected a string, got {value!r}")


def _comparable(value: Any) -> Any:
    if isinstance(value, (bool, int, float)):
        return _text(value)
    return value


def _no_imports(name: str) -> str:
    raise ValidationError(f"No export named {name} found.")
