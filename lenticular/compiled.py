"""Compiled copies of the request path's modules (Cython), used only while they match.

CPython spends most of a DynamoDB call interpreting lenticular's own request path (HTTP
callbacks, JSON-RPC parsing and validation, SigV4 scope parsing, the item engine).
Cython compiles those modules, unchanged, to C extension modules: the same code, without
the interpreter's dispatch (GetItem about 30% less CPU, PutItem about 17%, measured with
`benchmarks/direct_path.py`). The Python sources stay the truth:

- `compiled_build.build()` (`python -m lenticular.compiled_build`, run by
  `scripts/bootstrap`) compiles `MODULES` into a folder of the virtualenv
  (`build_root()`), away from the sources, and records each source's SHA-256 in a
  manifest. It rebuilds only what changed, and a
  machine without a C compiler just keeps the pure-Python modules.
- `install()` (run when `lenticular` is imported) puts a finder first on `sys.meta_path`
  that loads a module's compiled copy only while its source is byte for byte the one it
  was compiled from: an edited module runs as Python until the next build. No build, or
  `LENTICULAR_PURE_PYTHON=1`, means pure Python throughout.

`in_use()` names the compiled modules loaded; the health endpoint reports them.

Which modules: the request path of AWS calls in general and DynamoDB's in particular,
less `app.py` (Cython's generic attribute lookups on its dataclass context cost more than
compiling saves) and `state/sqlite.py` (its time is spent inside SQLite). A compiled
module's `__file__` is its extension module, so none of them may find data files from
`__file__`.
"""

from __future__ import annotations

import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import sys
import sysconfig
from collections.abc import Sequence
from pathlib import Path
from typing import Any

MODULES = (
    "lenticular.http_protocol",
    "lenticular.context",
    "lenticular.edge.dataplane",
    "lenticular.edge.services",
    "lenticular.protocol.codec",
    "lenticular.protocol.http",
    "lenticular.protocol.json_rpc",
    "lenticular.protocol.json_values",
    "lenticular.protocol.validate",
    "lenticular.aws.accounts",
    "lenticular.aws.sigv4",
    "lenticular.services.dynamodb.capacity",
    "lenticular.services.dynamodb.changes",
    "lenticular.services.dynamodb.item_cache",
    "lenticular.services.dynamodb.items",
    "lenticular.services.dynamodb.keys",
    "lenticular.services.dynamodb.models",
    "lenticular.services.dynamodb.provider",
    "lenticular.services.dynamodb.store",
    "lenticular.services.dynamodb.tables",
    "lenticular.services.dynamodb.ttl",
    "lenticular.services.dynamodb.values",
    "lenticular.services.dynamodb.wire",
)
PURE_PYTHON_ENV = "LENTICULAR_PURE_PYTHON"  # set (non-empty, not "0"): never load compiled
MANIFEST = "manifest.json"
# Python semantics kept: annotations are not C types, functions stay introspectable.
DIRECTIVES = {"language_level": 3, "annotation_typing": False, "binding": True}
COMPILE_ARGS = ["-O2", "-g0", "-w"]  # -O3 measured no faster and builds in 2.4x the time

_SOURCE_ROOT = Path(__file__).resolve().parent.parent  # the folder holding `lenticular/`


def build_root() -> Path:
    """Where compiled modules live: inside the running virtualenv (or prefix), as they
    belong to its interpreter."""
    return Path(sys.prefix) / "lenticular-compiled"


def source_of(module: str, root: Path = _SOURCE_ROOT) -> Path:
    return root.joinpath(*module.split(".")).with_suffix(".py")


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -- loading --------------------------------------------------------------------------


class CompiledFinder(importlib.abc.MetaPathFinder):
    """Finds the compiled copy of a module in `entries` whose source still matches."""

    def __init__(self, root: Path, entries: dict[str, dict[str, str]]) -> None:
        self.root = root
        self.entries = entries
        self.loaded: list[str] = []  # names served from compiled copies, in import order
        self.stale: list[str] = []  # names whose source changed (or binary went) since

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: Any = None
    ) -> importlib.machinery.ModuleSpec | None:
        entry = self.entries.get(fullname)
        if entry is None or not path:
            return None
        source = Path(path[0]) / (fullname.rpartition(".")[2] + ".py")
        binary = self.root / entry["file"]
        try:
            current = digest(source)
        except OSError:
            return None
        if current != entry["sha256"] or not binary.is_file():
            self.stale.append(fullname)
            return None  # the ordinary import of the source
        spec = importlib.util.spec_from_file_location(fullname, binary)
        if spec is not None:
            self.loaded.append(fullname)
        return spec


_FINDER: CompiledFinder | None = None


def install() -> None:
    """Put the compiled modules' finder first on `sys.meta_path` (once), unless turned off
    or never built."""
    global _FINDER
    if _FINDER is not None or os.environ.get(PURE_PYTHON_ENV, "") not in ("", "0"):
        return
    root = build_root()
    entries = read_manifest(root)
    if entries:
        _FINDER = CompiledFinder(root, entries)
        sys.meta_path.insert(0, _FINDER)


def read_manifest(root: Path) -> dict[str, dict[str, str]]:
    """The build's entries (module -> its binary's `file` and source `sha256`); empty when
    there is no build, or one for another interpreter."""
    try:
        manifest = json.loads((root / MANIFEST).read_text())
    except (OSError, ValueError):
        return {}
    if not isinstance(manifest, dict) or manifest.get("abi") != abi():
        return {}
    modules = manifest.get("modules")
    return modules if isinstance(modules, dict) else {}


def in_use() -> list[str]:
    """The modules running from compiled copies in this process."""
    return list(_FINDER.loaded) if _FINDER is not None else []


def abi() -> str:
    """What a build is for: the interpreter and its extension-module suffix."""
    return f"{sys.implementation.cache_tag}-{sysconfig.get_config_var('EXT_SUFFIX')}"
