"""DynamoDB's PartiQL as a staged pipeline: tokenize -> parse -> bind -> validate -> plan.

    tokens.py     stage 1: tokenizer and the "Statement wasn't well formed" envelope
    ast.py        stage 2: statement, condition and operand nodes
    parser.py     stage 2: recursive descent over DynamoDB's PartiQL subset
    literals.py   PartiQL literals (numbers, Ion blobs, lists, maps, sets) as AttributeValues
    bind.py       stage 3a: `?` parameters bound in order, constant collections folded
    validate.py   stage 3b: key schema checks; WHERE split into key and other terms
    render.py     trees -> classic expression text with #name/:value placeholders
    plan.py       stage 4: statement -> the wire request of Query/Scan/GetItem/PutItem/...
    paging.py     ExecuteStatement's opaque NextToken
    execute.py    the three operations, run through the provider's classic operations

Statements become the same requests the classic API takes, so PartiQL inherits the
classic operations' semantics, validation messages and storage.
"""

from __future__ import annotations

from .execute import batch_execute_statement, execute_statement, execute_transaction
from .parser import parse

__all__ = ["batch_execute_statement", "execute_statement", "execute_transaction", "parse"]
