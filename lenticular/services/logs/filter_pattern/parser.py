"""Stage 2 of the filter pattern pipeline: tokens -> syntax tree, rejecting bad patterns.

Grammar (precedence: `&&` binds tighter than `||`; parentheses group):

    json     := "{" expr "}"
    expr     := conj ("||" conj)*
    conj     := primary ("&&" primary)*
    primary  := "(" expr ")" | SELECTOR OP value | SELECTOR IS (NULL | TRUE | FALSE)
              | SELECTOR NOT EXISTS
    space    := "[" field ("," field)* "]"
    field    := "..." | NAME [OP value (("&&" | "||") NAME OP value)*]
    terms    := (["?" | "-"] (WORD | STRING | %regex%))*
"""

from __future__ import annotations

import re
from typing import cast

from lenticular.services.logs.filter_pattern.syntax import (
    And,
    Comparison,
    Expression,
    Field,
    FieldComparison,
    JsonCheck,
    JsonComparison,
    JsonPattern,
    Or,
    Pattern,
    Selector,
    SpaceDelimitedPattern,
    Term,
    TermsPattern,
    Value,
)
from lenticular.services.logs.filter_pattern.tokens import (
    FilterPatternError,
    Form,
    Kind,
    Token,
    form_of,
    read_string,
    tokenize,
)

_NUMBER = re.compile(r"-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_FIELD_NAME = re.compile(r"[A-Za-z0-9_\-]+")
_SELECTOR_SEGMENT = re.compile(r"\.([^.\[\]\s]+)|\[(\d+)\]")


def parse(pattern: str) -> Pattern:
    form = form_of(pattern)
    if form is Form.TERMS:
        return parse_terms(pattern)
    tokens = tokenize(pattern, form)
    stream = _Tokens(tokens)
    result: Pattern = _parse_json(stream) if form is Form.JSON else _parse_space(stream)
    if not stream.done():
        raise FilterPatternError(f"unexpected {stream.peek().text!r} after the pattern")
    return result


# -- unstructured terms ------------------------------------------------------------------


def parse_terms(pattern: str) -> TermsPattern:
    terms: list[Term] = []
    i, n = 0, len(pattern)
    while i < n:
        if pattern[i].isspace():
            i += 1
            continue
        mode = "all"
        if pattern[i] in "?-":
            mode = "any" if pattern[i] == "?" else "none"
            i += 1
            if i >= n or pattern[i].isspace():
                raise FilterPatternError("an operator without a term")
        if pattern[i] == '"':
            text, i = read_string(pattern, i)
            if i < n and not pattern[i].isspace():
                raise FilterPatternError("a quoted term must end at a space")
            terms.append(Term(text, mode))  # type: ignore[arg-type]
            continue
        start = i
        while i < n and not pattern[i].isspace():
            i += 1
        word = pattern[start:i]
        if '"' in word:
            raise FilterPatternError(f"Invalid character(s) in term '{word}'")
        regex = len(word) >= 2 and word.startswith("%") and word.endswith("%")
        if regex:
            word = word[1:-1]
            _check_regex(word)
        terms.append(Term(word, mode, regex))  # type: ignore[arg-type]
    return TermsPattern(tuple(terms))


def _check_regex(source: str) -> None:
    try:
        re.compile(source)
    except re.error as exc:
        raise FilterPatternError(f"invalid regular expression: {exc}") from None


# -- token stream --------------------------------------------------------------------------


class _Tokens:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.index = 0

    def done(self) -> bool:
        return self.index >= len(self.tokens)

    def peek(self) -> Token:
        if self.done():
            raise FilterPatternError("the pattern ends too early")
        return self.tokens[self.index]

    def at(self, kind: Kind, text: str | None = None) -> bool:
        if self.done():
            return False
        token = self.tokens[self.index]
        return token.kind is kind and (text is None or token.text.upper() == text)

    def take(self, kind: Kind, text: str | None = None) -> Token:
        token = self.peek()
        if token.kind is not kind or (text is not None and token.text.upper() != text):
            raise FilterPatternError(f"expected {text or kind.value} at {token.position}")
        self.index += 1
        return token


# -- values ----------------------------------------------------------------------------------


def _value(stream: _Tokens) -> Value:
    token = stream.peek()
    if token.kind is Kind.STRING:
        stream.index += 1
        return Value(token.text, None, "*" in token.text)
    if token.kind is not Kind.WORD:
        raise FilterPatternError(f"expected a value at {token.position}")
    stream.index += 1
    text = token.text
    if _NUMBER.fullmatch(text):
        return Value(text, float(text), False)
    if len(text) >= 2 and text.startswith("%") and text.endswith("%"):
        _check_regex(text[1:-1])
        return Value(text[1:-1], None, False, regex=True)
    return Value(text, None, "*" in text)


def _check_comparison(op: str, value: Value) -> Comparison:
    if op not in ("=", "!=") and value.number is None:
        raise FilterPatternError(f"{op} needs a numeric value, not {value.text!r}")
    return cast(Comparison, op)


# -- JSON patterns -----------------------------------------------------------------------------


def _parse_json(stream: _Tokens) -> JsonPattern:
    stream.take(Kind.LBRACE)
    expression = _expression(stream, _json_primary)
    stream.take(Kind.RBRACE)
    return JsonPattern(expression)


def _expression(stream: _Tokens, primary: object) -> Expression:
    left = _conjunction(stream, primary)
    while stream.at(Kind.OR):
        stream.index += 1
        left = Or(left, _conjunction(stream, primary))
    return left


def _conjunction(stream: _Tokens, primary: object) -> Expression:
    left = primary(stream)  # type: ignore[operator]
    while stream.at(Kind.AND):
        stream.index += 1
        left = And(left, primary(stream))  # type: ignore[operator]
    return left


def _json_primary(stream: _Tokens) -> Expression:
    if stream.at(Kind.LPAREN):
        stream.index += 1
        inner = _expression(stream, _json_primary)
        stream.take(Kind.RPAREN)
        return inner
    selector = _selector(stream.take(Kind.WORD))
    if stream.at(Kind.WORD, "IS"):
        stream.index += 1
        word = stream.take(Kind.WORD).text.upper()
        checks = {"NULL": "null", "TRUE": "true", "FALSE": "false"}
        if word not in checks:
            raise FilterPatternError(f"IS {word} is not a check")
        return JsonCheck(selector, checks[word])  # type: ignore[arg-type]
    if stream.at(Kind.WORD, "NOT"):
        stream.index += 1
        stream.take(Kind.WORD, "EXISTS")
        return JsonCheck(selector, "not_exists")
    op = stream.take(Kind.OP).text
    value = _value(stream)
    return JsonComparison(selector, _check_comparison(op, value), value)


def _selector(token: Token) -> Selector:
    source = token.text
    if not source.startswith("$") or len(source) < 2:
        raise FilterPatternError(f"expected a selector like $.field at {token.position}")
    path: list[str | int] = []
    i = 1
    while i < len(source):
        match = _SELECTOR_SEGMENT.match(source, i)
        if match is None:
            raise FilterPatternError(f"invalid selector {source!r}")
        path.append(match.group(1) if match.group(1) is not None else int(match.group(2)))
        i = match.end()
    return Selector(source, tuple(path))


# -- space-delimited patterns ------------------------------------------------------------------


def _parse_space(stream: _Tokens) -> SpaceDelimitedPattern:
    stream.take(Kind.LBRACKET)
    fields = [_field(stream)]
    while stream.at(Kind.COMMA):
        stream.index += 1
        fields.append(_field(stream))
    stream.take(Kind.RBRACKET)
    names = {f.name for f in fields}
    for field in fields:
        for name in _names_in(field.condition):
            if name not in names:
                raise FilterPatternError(f"{name!r} is not a field of the pattern")
    return SpaceDelimitedPattern(tuple(fields))


def _field(stream: _Tokens) -> Field:
    token = stream.take(Kind.WORD)
    if token.text == "...":
        return Field("...", None)
    if not _FIELD_NAME.fullmatch(token.text):
        raise FilterPatternError(f"invalid field name {token.text!r}")
    if not stream.at(Kind.OP):
        return Field(token.text, None)
    condition: Expression = _field_comparison(stream, token.text)
    while stream.at(Kind.AND) or stream.at(Kind.OR):
        joiner = stream.peek().kind
        stream.index += 1
        name = stream.take(Kind.WORD).text
        right = _field_comparison(stream, name)
        condition = And(condition, right) if joiner is Kind.AND else Or(condition, right)
    return Field(token.text, condition)


def _field_comparison(stream: _Tokens, name: str) -> FieldComparison:
    op = stream.take(Kind.OP).text
    value = _value(stream)
    return FieldComparison(name, _check_comparison(op, value), value)


def _names_in(expression: Expression | None) -> list[str]:
    if expression is None:
        return []
    if isinstance(expression, FieldComparison):
        return [expression.name]
    if isinstance(expression, And | Or):
        return _names_in(expression.left) + _names_in(expression.right)
    return []
