"""Compiled copies of the request path (lenticular/compiled.py): used by the server when
built, never when their source changed, never with LENTICULAR_PURE_PYTHON=1."""

from __future__ import annotations

import hashlib
import importlib.machinery
from pathlib import Path

import pytest

from lenticular import compiled
from lenticular.testing.server import LenticularServer

HOT = "lenticular.http_protocol"  # on every JSON-RPC call's path


def _built() -> bool:
    return HOT in compiled.read_manifest(compiled.build_root())


def _call_dynamodb(server: LenticularServer) -> None:
    assert server.client("dynamodb").list_tables()["TableNames"] == []


@pytest.mark.skipif(not _built(), reason="no compiled build in this environment")
def test_server_runs_compiled_request_path(tmp_path: Path) -> None:
    # (whatever this test run's own setting)
    with LenticularServer(tmp_path / "data", env={compiled.PURE_PYTHON_ENV: ""}) as server:
        _call_dynamodb(server)
        used = server.health()["compiled"]
    assert HOT in used
    assert "lenticular.services.dynamodb.items" in used
    assert set(used) <= set(compiled.MODULES)


def test_pure_python_switch(tmp_path: Path) -> None:
    with LenticularServer(tmp_path / "data", env={compiled.PURE_PYTHON_ENV: "1"}) as server:
        _call_dynamodb(server)
        assert server.health()["compiled"] == []


def _package(tmp_path: Path, source: str) -> tuple[Path, Path]:
    package = tmp_path / "src" / "pkg"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "mod.py").write_text(source)
    binary = tmp_path / "build" / ("mod" + importlib.machinery.EXTENSION_SUFFIXES[0])
    binary.parent.mkdir()
    binary.write_bytes(b"")  # found, not loaded: find_spec only decides where from
    return package, binary


def test_finder_serves_a_compiled_copy_only_while_the_source_matches(tmp_path: Path) -> None:
    package, binary = _package(tmp_path, "VALUE = 1\n")
    sha = hashlib.sha256(b"VALUE = 1\n").hexdigest()
    finder = compiled.CompiledFinder(
        tmp_path / "build", {"pkg.mod": {"file": binary.name, "sha256": sha}}
    )
    spec = finder.find_spec("pkg.mod", [str(package)])
    assert spec is not None and spec.origin == str(binary)
    assert isinstance(spec.loader, importlib.machinery.ExtensionFileLoader)
    assert finder.find_spec("pkg.other", [str(package)]) is None  # not compiled

    (package / "mod.py").write_text("VALUE = 2\n")  # edited after the build
    assert finder.find_spec("pkg.mod", [str(package)]) is None
    assert finder.stale == ["pkg.mod"]
    assert finder.loaded == ["pkg.mod"]  # only the first, matching, lookup


def test_finder_ignores_a_missing_binary(tmp_path: Path) -> None:
    package, binary = _package(tmp_path, "VALUE = 1\n")
    binary.unlink()
    sha = hashlib.sha256(b"VALUE = 1\n").hexdigest()
    finder = compiled.CompiledFinder(
        tmp_path / "build", {"pkg.mod": {"file": binary.name, "sha256": sha}}
    )
    assert finder.find_spec("pkg.mod", [str(package)]) is None


def test_every_compiled_module_exists_and_reads_no_data_beside_itself() -> None:
    # A compiled module's __file__ is its extension module, elsewhere: data files must be
    # found through the package (as DynamoDB's migrations are).
    for module in compiled.MODULES:
        source = compiled.source_of(module)
        assert source.is_file(), module
        assert "__file__" not in source.read_text(), module
