"""Stage 1: PartiQL statement text -> tokens, and DynamoDB's syntax-error envelope.

DynamoDB wraps every syntax error in "Statement wasn't well formed, can't be processed:"
followed by a short detail ("Unexpected keyword", "Expected data manipulation", ...).
"""

from __future__ import annotations

from dataclasses import dataclass

from lenticular.services.dynamodb.errors import ValidationException

MALFORMED = "Statement wasn't well formed, can't be processed: "

# Words the grammar reserves; unquoted, they never name an attribute (quote them: "value").
KEYWORDS = frozenset(
    (
        "SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "INSERT", "INTO", "VALUE", "VALUES",
        "UPDATE", "SET", "REMOVE", "DELETE", "BETWEEN", "IN", "IS", "MISSING", "NULL", "TRUE",
        "FALSE", "ORDER", "BY", "ASC", "DESC", "EXISTS", "LIMIT",
    )
)  # fmt: skip

# Longest first, so "<<" wins over "<" and "<=" over "<".
_PUNCTUATION = ("<<", ">>", "<=", ">=", "<>", "!=", "=", "<", ">", "(", ")", "[", "]", "{",
                "}", ",", ".", "*", "+", "-", ":", "?", ";")  # fmt: skip


def malformed(detail: str) -> ValidationException:
    return ValidationException(MALFORMED + detail)


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # "word", "quoted" ("..."), "string" ('...'), "number", "ion" (`...`), "op", "end"
    text: str  # the word, the unescaped contents, the number's text, or the operator
    pos: int  # offset in the statement

    def is_keyword(self, *words: str) -> bool:
        return self.kind == "word" and self.text.upper() in words

    def is_op(self, *ops: str) -> bool:
        return self.kind == "op" and self.text in ops


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
        elif c == "-" and text.startswith("--", i):  # comment to end of line
            end = text.find("\n", i)
            i = n if end < 0 else end + 1
        elif c == "/" and text.startswith("/*", i):
            end = text.find("*/", i + 2)
            if end < 0:
                raise malformed("Unterminated comment")
            i = end + 2
        elif c == "'" or c == '"':
            start = i
            value, i = _quoted(text, i, c)
            tokens.append(Token("string" if c == "'" else "quoted", value, start))
        elif c == "`":
            end = text.find("`", i + 1)
            if end < 0:
                raise malformed("Unexpected end of Ion literal")
            tokens.append(Token("ion", text[i + 1 : end], i))
            i = end + 1
        elif c.isdigit() or (c == "." and i + 1 < n and text[i + 1].isdigit()):
            start = i
            i = _number_end(text, i)
            tokens.append(Token("number", text[start:i], start))
        elif c.isalpha() or c == "_" or c == "$":
            start = i
            while i < n and (text[i].isalnum() or text[i] in "_$"):
                i += 1
            tokens.append(Token("word", text[start:i], start))
        else:
            for op in _PUNCTUATION:
                if text.startswith(op, i):
                    tokens.append(Token("op", op, i))
                    i += len(op)
                    break
            else:
                raise malformed(f"Invalid character: '{c}'")
    tokens.append(Token("end", "", n))
    return tokens


def _quoted(text: str, i: int, quote: str) -> tuple[str, int]:
    """The contents of a quoted string starting at `i` (a doubled quote escapes itself)."""
    parts: list[str] = []
    j = i + 1
    n = len(text)
    while True:
        end = text.find(quote, j)
        if end < 0:
            what = "string literal" if quote == "'" else "quoted identifier"
            raise malformed(f"Unterminated {what}")
        parts.append(text[j:end])
        if end + 1 < n and text[end + 1] == quote:
            parts.append(quote)
            j = end + 2
            continue
        return "".join(parts), end + 1


def _number_end(text: str, i: int) -> int:
    n = len(text)
    while i < n and text[i].isdigit():
        i += 1
    if i < n and text[i] == ".":
        i += 1
        while i < n and text[i].isdigit():
            i += 1
    if i < n and text[i] in "eE":
        j = i + 1
        if j < n and text[j] in "+-":
            j += 1
        if j < n and text[j].isdigit():
            i = j
            while i < n and text[i].isdigit():
                i += 1
    return i
