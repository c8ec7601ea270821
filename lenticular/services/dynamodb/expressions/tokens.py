"""Stage 1: the tokenizer shared by the five expression grammars.

Characters DynamoDB does not know become single-character BAD tokens, so the parser
reports them as syntax errors with the same `token`/`near` context as any other.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import ValidationException

IDENT = "IDENT"  # bare attribute name, keyword or function name: [A-Za-z][A-Za-z0-9_]*
NAME_REF = "NAME_REF"  # #name (an ExpressionAttributeNames key)
VALUE_REF = "VALUE_REF"  # :value (an ExpressionAttributeValues key)
INTEGER = "INTEGER"  # a list index
PUNCT = "PUNCT"  # ( ) [ ] , . = <> < <= > >= + -
BAD = "BAD"  # anything else, one character
EOF = "EOF"

_WORD = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
_ALPHA = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_DIGITS = frozenset("0123456789")
_SINGLE = frozenset("()[],.=+-")
_SPACE = frozenset(" \t\r\n")


@dataclass(frozen=True, slots=True)
class Token:
    kind: str
    text: str
    start: int  # offset of the first character in the expression
    end: int  # offset just past the last character


def tokenize(text: str) -> list[Token]:
    """Split an expression into tokens; always ends with an EOF token."""
    tokens: list[Token] = []
    append = tokens.append
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in _SPACE:
            i += 1
            continue
        start = i
        if c in _ALPHA:
            i += 1
            while i < n and text[i] in _WORD:
                i += 1
            append(Token(IDENT, text[start:i], start, i))
        elif c in _DIGITS:
            i += 1
            while i < n and text[i] in _DIGITS:
                i += 1
            append(Token(INTEGER, text[start:i], start, i))
        elif c == "#" or c == ":":
            i += 1
            while i < n and text[i] in _WORD:
                i += 1
            if i == start + 1:
                append(Token(BAD, c, start, i))
            else:
                append(Token(NAME_REF if c == "#" else VALUE_REF, text[start:i], start, i))
        elif c in _SINGLE:
            i += 1
            append(Token(PUNCT, c, start, i))
        elif c == "<":
            i += 1
            if i < n and text[i] in "=>":
                i += 1
            append(Token(PUNCT, text[start:i], start, i))
        elif c == ">":
            i += 1
            if i < n and text[i] == "=":
                i += 1
            append(Token(PUNCT, text[start:i], start, i))
        else:
            i += 1
            append(Token(BAD, c, start, i))
    append(Token(EOF, "<EOF>", n, n))
    return tokens


def syntax_error(kind: str, text: str, tokens: list[Token], at: int) -> ValidationException:
    """DynamoDB's syntax error: the offending token and the source around it.

    `near` spans the previous token, the offending one and the next one, as the source
    text (real examples: token "<EOF>" near ",", token "[" near "([1", token "!" near "!!").
    """
    tok = tokens[at]
    first = tokens[at - 1] if at > 0 else tok
    if tok.kind == EOF:
        end = first.end
    elif at + 1 < len(tokens) and tokens[at + 1].kind != EOF:
        end = tokens[at + 1].end
    else:
        end = tok.end
    near = text[first.start : end]
    return ValidationException(f'Invalid {kind}: Syntax error; token: "{tok.text}", near: "{near}"')
