"""Helpers for the Lambda API tests: zip packages built in the test, unique function
names on the shared server."""

from __future__ import annotations

import io
import textwrap
import uuid
import zipfile
from collections.abc import Callable
from typing import Any

import pytest

ROLE = "arn:aws:iam::000000000000:role/lambda-role"

ECHO = """
def handler(event, context):
    print("event", event)
    return {"event": event, "request_id": context.aws_request_id,
            "arn": context.invoked_function_arn, "version": context.function_version}
"""


def make_zip(files: dict[str, str], mode: int | None = None) -> bytes:
    """A zip of `files` (path -> source, dedented)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, source in files.items():
            info = zipfile.ZipInfo(path)
            info.external_attr = (mode or 0o644) << 16
            archive.writestr(info, textwrap.dedent(source))
    return buf.getvalue()


def unique(prefix: str = "fn") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def lam(aws_client: Callable[..., Any]) -> Any:
    return aws_client("lambda")


@pytest.fixture
def create_function(lam: Any) -> Callable[..., dict[str, Any]]:
    """create_function(source=ECHO, **params) -> the CreateFunction response."""

    def create(source: str = ECHO, client: Any = None, **params: Any) -> dict[str, Any]:
        params.setdefault("FunctionName", unique())
        params.setdefault("Runtime", "python3.12")
        params.setdefault("Role", ROLE)
        params.setdefault("Handler", "app.handler")
        params.setdefault("Code", {"ZipFile": make_zip({"app.py": source})})
        return (client or lam).create_function(**params)

    return create
