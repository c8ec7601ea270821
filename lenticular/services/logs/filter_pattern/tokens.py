"""Stage 1 of the filter pattern pipeline: text -> tokens.

CloudWatch Logs has three pattern forms, told apart by their first character
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html):
`{ ... }` for JSON log events, `[ ... ]` for space-delimited events, anything else for
terms matched in unstructured text. Each form has its own delimiters, so the tokenizer
takes the form it is reading.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class FilterPatternError(ValueError):
    """The pattern is not valid CloudWatch Logs filter pattern syntax."""


class Form(Enum):
    TERMS = "terms"  # unstructured: ERROR ?WARN -DEBUG "a phrase"
    JSON = "json"  # { $.level = "ERROR" && $.latency > 100 }
    SPACE_DELIMITED = "space"  # [ip, user, ..., status = 4*, size > 1000]


class Kind(Enum):
    LBRACE = "{"
    RBRACE = "}"
    LBRACKET = "["
    RBRACKET = "]"
    LPAREN = "("
    RPAREN = ")"
    COMMA = ","
    AND = "&&"
    OR = "||"
    OP = "op"  # = != < > <= >=
    STRING = "string"  # a double-quoted string, quotes removed and escapes resolved
    WORD = "word"  # any other run of characters (selectors, numbers, names, keywords)


@dataclass(slots=True, frozen=True)
class Token:
    kind: Kind
    text: str
    position: int  # offset of the token's first character in the pattern


_OPERATORS = ("!=", "<=", ">=", "=", "<", ">")
_WORD_STOPS = {
    # JSON selectors keep their brackets ($.a[0]); space-delimited patterns end on them.
    Form.JSON: frozenset(' \t\r\n(){}=!<>&|"'),
    Form.SPACE_DELIMITED: frozenset(' \t\r\n[],=!<>&|"()'),
}
_SINGLE = {
    "{": Kind.LBRACE,
    "}": Kind.RBRACE,
    "(": Kind.LPAREN,
    ")": Kind.RPAREN,
}


def form_of(pattern: str) -> Form:
    head = pattern.lstrip()[:1]
    if head == "{":
        return Form.JSON
    if head == "[":
        return Form.SPACE_DELIMITED
    return Form.TERMS


def read_string(pattern: str, start: int) -> tuple[str, int]:
    """The double-quoted string opening at `start`: (its value, the offset after it)."""
    out: list[str] = []
    i = start + 1
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            out.append(pattern[i + 1])
            i += 2
            continue
        if ch == '"':
            return "".join(out), i + 1
        out.append(ch)
        i += 1
    raise FilterPatternError(f"unterminated string at {start}")


def tokenize(pattern: str, form: Form) -> list[Token]:
    """Tokens of a JSON or space-delimited pattern (terms are split by `parse_terms`)."""
    stops = _WORD_STOPS[form]
    tokens: list[Token] = []
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if ch.isspace():
            i += 1
            continue
        if ch == '"':
            value, end = read_string(pattern, i)
            tokens.append(Token(Kind.STRING, value, i))
            i = end
            continue
        two = pattern[i : i + 2]
        if two == "&&":
            tokens.append(Token(Kind.AND, two, i))
            i += 2
            continue
        if two == "||":
            tokens.append(Token(Kind.OR, two, i))
            i += 2
            continue
        op = next((o for o in _OPERATORS if pattern.startswith(o, i)), None)
        if op is not None:
            tokens.append(Token(Kind.OP, op, i))
            i += len(op)
            continue
        if ch in _SINGLE:
            tokens.append(Token(_SINGLE[ch], ch, i))
            i += 1
            continue
        if form is Form.SPACE_DELIMITED and ch in "[],":
            kind = {"[": Kind.LBRACKET, "]": Kind.RBRACKET, ",": Kind.COMMA}[ch]
            tokens.append(Token(kind, ch, i))
            i += 1
            continue
        if ch in "&|!":
            raise FilterPatternError(f"unexpected {ch!r} at {i}")
        start = i
        while i < n and pattern[i] not in stops:
            i += 1
        tokens.append(Token(Kind.WORD, pattern[start:i], start))
    return tokens
