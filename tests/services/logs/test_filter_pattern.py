"""Filter patterns, engine tier: parse and evaluate with no HTTP."""

from __future__ import annotations

import pytest

from lenticular.services.logs.filter_pattern import (
    FilterPatternError,
    compile_pattern,
    parse,
    split_fields,
)
from lenticular.services.logs.filter_pattern.syntax import JsonPattern, SpaceDelimitedPattern


def matches(pattern: str, message: str) -> bool:
    return compile_pattern(pattern)(message)


# -- unstructured terms ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "message", "expected"),
    [
        ("", "anything", True),
        ("ERROR", "an ERROR happened", True),
        ("ERROR", "an error happened", False),  # case-sensitive
        ("ERROR Exception", "ERROR: Exception in thread", True),
        ("ERROR Exception", "ERROR only", False),  # every plain term must match
        ('"Internal Server Error"', "500 Internal Server Error", True),
        ('"Internal Server Error"', "Internal Error Server", False),
        ("?ERROR ?WARN", "WARN disk", True),
        ("?ERROR ?WARN", "INFO fine", False),
        ("ERROR -Exiting", "ERROR retrying", True),
        ("ERROR -Exiting", "ERROR Exiting now", False),
        ('-"health check"', "GET / health check", False),
        ("%[0-9]{3}ms%", "took 250ms", True),
        ("%[0-9]{3}ms%", "took 25ms", False),
    ],
)
def test_terms(pattern, message, expected):
    assert matches(pattern, message) is expected


# -- JSON ----------------------------------------------------------------------------------

EVENT = (
    '{"eventType": "UpdateTrail", "level": "ERROR", "latency": 250, "ok": false,'
    ' "user": {"id": 7, "name": "ana"}, "items": ["a", "b"], "gone": null, "code": 200}'
)


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ('{ $.eventType = "UpdateTrail" }', True),
        ("{ $.eventType = UpdateTrail }", True),
        ('{ $.eventType = "Update*" }', True),
        ('{ $.eventType = "*Trail" }', True),
        ('{ $.eventType = "update*" }', False),
        ('{ $.eventType != "UpdateTrail" }', False),
        ('{ $.eventType != "Other" }', True),
        ("{ $.latency > 100 }", True),
        ("{ $.latency >= 250 }", True),
        ("{ $.latency < 250 }", False),
        ("{ $.latency <= 250.0 }", True),
        ("{ $.latency = 250 }", True),
        ("{ $.latency != 250 }", False),
        ("{ $.level = 250 }", False),  # numeric comparison needs a number
        ("{ $.user.id = 7 }", True),
        ('{ $.user.name = "ana" }', True),
        ('{ $.items[0] = "a" }', True),
        ('{ $.items[1] = "a" }', False),
        ('{ $.items[5] = "a" }', False),
        ("{ $.gone IS NULL }", True),
        ("{ $.level IS NULL }", False),
        ("{ $.missing NOT EXISTS }", True),
        ("{ $.level NOT EXISTS }", False),
        ("{ $.ok IS FALSE }", True),
        ("{ $.ok IS TRUE }", False),
        ('{ $.level = "ERROR" && $.latency > 100 }', True),
        ('{ $.level = "ERROR" && $.latency > 1000 }', False),
        ('{ $.level = "INFO" || $.latency > 100 }', True),
        ('{ ($.level = "INFO" || $.latency > 100) && $.code = 200 }', True),
        ('{ $.level = "INFO" || ($.latency > 100 && $.code = 404) }', False),
        ('{ $.missing = "x" }', False),
        ('{ $.missing != "x" }', False),
        ("{ $.level = %ERR.R% }", True),
    ],
)
def test_json(pattern, expected):
    assert isinstance(parse(pattern), JsonPattern)
    assert matches(pattern, EVENT) is expected


def test_json_pattern_ignores_messages_that_are_not_json():
    assert matches('{ $.level = "ERROR" }', "level ERROR") is False
    assert matches('{ $.level = "ERROR" }', '{"level": "ERROR"') is False


def test_and_binds_tighter_than_or():
    pattern = "{ $.a = 1 || $.b = 1 && $.c = 1 }"
    assert matches(pattern, '{"a": 1, "b": 0, "c": 0}') is True
    assert matches(pattern, '{"a": 0, "b": 1, "c": 0}') is False


# -- space-delimited ------------------------------------------------------------------------

APACHE = '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /apache_pb.gif HTTP/1.0" 404 1534'


def test_split_fields_keeps_quoted_and_bracketed_groups():
    assert split_fields(APACHE) == [
        "127.0.0.1",
        "-",
        "frank",
        "10/Oct/2000:13:25:15 -0700",
        "GET /apache_pb.gif HTTP/1.0",
        "404",
        "1534",
    ]


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("[ip, identity, user, timestamp, request, status, size]", True),
        ("[ip, identity, user, timestamp, request, status]", False),  # field count differs
        ("[ip, user, ..., status = 4*, size > 1000]", True),
        ("[ip, user, ..., status = 4*, size > 2000]", False),
        ("[ip, user, ..., status = 5*, size]", False),
        ("[..., status = 404, size]", True),
        ("[ip = 127.0.0.1, ...]", True),
        ('[ip, identity, user = "frank", ...]', True),
        ("[ip, identity, user != frank, ...]", False),
        ('[..., request = "GET *", status, size]', True),
        ("[..., status = 4* || status = 5*, size]", True),
        ("[..., status, size > 1000 && size < 2000]", True),
        ("[..., status, size < 1000 && size > 10]", False),
        ("[ip, ..., user, ..., size]", True),
    ],
)
def test_space_delimited(pattern, expected):
    assert isinstance(parse(pattern), SpaceDelimitedPattern)
    assert matches(pattern, APACHE) is expected


# -- invalid patterns -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "pattern",
    [
        '{ $.a = "x" ',  # unclosed brace
        "{ $.a }",  # no operator
        "{ $.a = }",  # no value
        "{ a = 1 }",  # not a selector
        '{ $.a = "x" && }',
        '{ $.a = "x" } extra',
        '{ ($.a = "x" }',
        '{ $.a > "text" }',  # ordering needs a number
        "{ $.a IS MAYBE }",
        "{ $.a NOT THERE }",
        "{ $.a[x] = 1 }",
        '"unterminated',
        'ab"c',
        "?",
        "- ERROR",
        "[a, b",
        "[a, , b]",
        "[a, b = ]",
        "[a, b > x]",
        "[a, b = 1 && c = 2]",  # c is not a field
        "[a b]",
        "%[unclosed%",
        "{ $.a = 1 & $.b = 2 }",
    ],
)
def test_invalid_patterns(pattern):
    with pytest.raises(FilterPatternError):
        compile_pattern(pattern)


def test_compiled_patterns_are_cached():
    assert compile_pattern("ERROR cached") is compile_pattern("ERROR cached")
