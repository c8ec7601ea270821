"""CloudWatch Logs filter patterns as a staged pipeline: tokenize -> parse -> evaluate.

    matcher = compile_pattern('{ $.level = "ERROR" }')   # FilterPatternError if invalid
    matcher('{"level": "ERROR"}')                         # True

Compiled patterns are cached (bounded), so a pattern used by every FilterLogEvents poll
is parsed once.
"""

from __future__ import annotations

from functools import lru_cache

from lenticular.services.logs.filter_pattern.evaluate import Matcher, compile_tree, split_fields
from lenticular.services.logs.filter_pattern.parser import parse
from lenticular.services.logs.filter_pattern.tokens import FilterPatternError

__all__ = ["FilterPatternError", "Matcher", "compile_pattern", "parse", "split_fields"]


@lru_cache(maxsize=512)
def compile_pattern(pattern: str) -> Matcher:
    """A predicate on log messages for `pattern`; raises FilterPatternError if invalid."""
    return compile_tree(parse(pattern))
