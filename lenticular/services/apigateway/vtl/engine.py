"""Rendering a mapping template: compile (cached) -> bind the variables -> evaluate.

Errors come out as two kinds: `BodyNotJson` when the template asked for JSON the payload
does not hold (API Gateway answers the client 400 for a request template), and
`TemplateFailure` for anything else that stops the template (a 500 on API Gateway).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import airspeed

from lenticular.services.apigateway.vtl.compile import TemplateSyntaxError, compile_template
from lenticular.services.apigateway.vtl.variables import (
    UTIL,
    BodyNotJson,
    InputVariable,
    MethodParams,
    template_context,
)

Doc = dict[str, Any]


class TemplateFailure(Exception):
    """The template could not be rendered (syntax error, a failing call...)."""


@dataclass(slots=True)
class TemplateVariables:
    """What a template sees. `context` is rendered from a copy, which keeps what the
    template `#set` into it (`$context.responseOverride.status`...)."""

    body: bytes | str  # the payload being mapped
    params: MethodParams  # the method request's parameters
    context: Doc  # `$context`
    stage_variables: dict[str, str] = field(default_factory=dict)

    @classmethod
    def for_request(
        cls, body: bytes | str, params: MethodParams, request_context: Doc,
        stage_variables: dict[str, str],
    ) -> TemplateVariables:  # fmt: skip
        return cls(body, params, template_context(request_context), dict(stage_variables))


def _root_cause(error: BaseException) -> BaseException:
    while error.__cause__ is not None:
        error = error.__cause__
    return error


def render(template: str, variables: TemplateVariables) -> str:
    """The template's output for these variables."""
    try:
        compiled = compile_template(template)
    except TemplateSyntaxError as error:
        raise TemplateFailure(f"Invalid mapping template: {error}") from None
    namespace = {
        "input": InputVariable(variables.body, variables.params),
        "util": UTIL,
        "context": variables.context,
        "stageVariables": variables.stage_variables,
    }
    try:
        return compiled.merge(namespace)
    except airspeed.TemplateError as error:
        cause = _root_cause(error)
        if isinstance(cause, BodyNotJson):
            raise cause from None
        raise TemplateFailure(f"{type(cause).__name__}: {cause}") from None
    except BodyNotJson:
        raise
    except Exception as error:  # noqa: BLE001 - a template can make any call fail
        raise TemplateFailure(f"{type(error).__name__}: {error}") from None
