"""API Gateway mapping templates: Apache Velocity (VTL) through airspeed, with the
variables (`$input`, `$util`, `$context`, `$stageVariables`) and the Java semantics of
API Gateway's own engine.

Stages, a module each: `jsonpath` (the path language of `$input.json`/`$input.path`),
`compile` (parse with airspeed, then adapt the tree: `java`), `variables` (what a
template sees) and `engine` (render).
"""

from __future__ import annotations

from lenticular.services.apigateway.vtl.engine import TemplateFailure, TemplateVariables, render
from lenticular.services.apigateway.vtl.java import java_string
from lenticular.services.apigateway.vtl.jsonpath import MISSING, InvalidPath, select
from lenticular.services.apigateway.vtl.variables import (
    BodyNotJson,
    MethodParams,
    escape_javascript,
    parse_json,
)

__all__ = [
    "MISSING",
    "BodyNotJson",
    "InvalidPath",
    "MethodParams",
    "TemplateFailure",
    "TemplateVariables",
    "escape_javascript",
    "java_string",
    "parse_json",
    "render",
    "select",
]
