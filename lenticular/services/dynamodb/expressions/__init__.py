"""DynamoDB's expression language as a pure engine: tokenize -> parse -> validate -> evaluate.

    tokens.py         stage 1: the shared tokenizer and DynamoDB's syntax-error message
    ast.py            stage 2: node dataclasses for all five grammars
    parser.py         stage 2: recursive descent (condition, key condition, update, projection)
    reserved.py       the 573 reserved words, as data
    validate.py       stage 3a: text-only checks (cached with the parse)
    resolve.py        stage 3b: #name/:value substitution, usage tracking, semantic checks
    binding.py        the fast path: bound trees cached per (text, names, value types)
    key_condition.py  stage 3c: KeyConditionExpression's extra rules -> KeyCondition
    values.py         AttributeValue equality, ordering, size, set algebra
    numbers.py        38-digit decimal arithmetic with DynamoDB's range and rendering
    evaluate.py       stage 4: conditions and projections
    update.py         stage 4: applying updates copy-on-write, all-or-nothing
    legacy.py         Expected/QueryFilter/ScanFilter/KeyConditions/AttributeUpdates/AttributesToGet
    context.py        ExpressionContext: the per-request entry point

Every error is a ValidationException carrying DynamoDB's exact message. Items are wire
dicts ({"a": {"S": "x"}}); results of Update.apply share untouched values with the input,
so callers must treat items as immutable.
"""

from __future__ import annotations

from .ast import top_level_names
from .context import Condition, ExpressionContext, Projection, Update
from .key_condition import KeyCondition
from .legacy import (
    check_no_mixing,
    legacy_condition,
    legacy_filter,
    legacy_key_condition,
    legacy_projection,
    legacy_update,
)

__all__ = [
    "Condition",
    "ExpressionContext",
    "KeyCondition",
    "Projection",
    "Update",
    "check_no_mixing",
    "legacy_condition",
    "legacy_filter",
    "legacy_key_condition",
    "legacy_projection",
    "legacy_update",
    "top_level_names",
]
