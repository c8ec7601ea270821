"""pytest fixtures for testing against a real lenticular (registered by the package).

- `lenticular_server`: one server for the whole test session (free port, temp data dir).
- `aws_client`: a factory, `aws_client("dynamodb")`, for boto3 clients pointed at it.
- `fresh_lenticular`: a server of the test's own, for tests that stop, kill or restart it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from lenticular.testing.server import LenticularServer


@pytest.fixture(scope="session")
def lenticular_server() -> Iterator[LenticularServer]:
    with LenticularServer() as server:
        yield server


@pytest.fixture
def aws_client(lenticular_server: LenticularServer) -> Callable[..., Any]:
    return lenticular_server.client


@pytest.fixture
def fresh_lenticular(tmp_path: Path) -> Iterator[LenticularServer]:
    server = LenticularServer(tmp_path / "data")
    try:
        yield server.start()
    finally:
        server.close()
