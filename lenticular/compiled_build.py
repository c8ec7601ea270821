"""Builds the compiled copies of the request path's modules (see `lenticular.compiled`).

    python -m lenticular.compiled_build     # scripts/bootstrap runs it on every set-up

Only modules whose source changed since the last build are compiled again (Cython to C,
then the C compiler, through setuptools, in parallel); the manifest records each one's
source SHA-256, which is what `lenticular.compiled` checks before loading it.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from lenticular.compiled import (
    COMPILE_ARGS,
    DIRECTIVES,
    MANIFEST,
    MODULES,
    abi,
    build_root,
    digest,
    read_manifest,
    source_of,
)


def build(root: Path | None = None) -> str:
    """Compile the modules whose sources changed since the last build; a one-line report.
    Raises on failure (the caller decides whether pure Python is fine)."""
    root = root or build_root()
    manifest_path = root / MANIFEST
    known = read_manifest(root)
    wanted = {module: digest(source_of(module)) for module in MODULES}
    todo = [
        module
        for module, sha in wanted.items()
        if known.get(module, {}).get("sha256") != sha
        or not (root / known[module]["file"]).is_file()
    ]
    entries = {module: known[module] for module in wanted if module not in todo}
    if todo:
        entries.update(_compile(root, todo))
    root.mkdir(parents=True, exist_ok=True)
    for module in todo:
        entries[module]["sha256"] = wanted[module]
    tmp = manifest_path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"abi": abi(), "modules": entries}, indent=1, sort_keys=True))
    tmp.replace(manifest_path)
    return f"compiled {len(todo)} of {len(wanted)} modules into {root}"


def _compile(root: Path, modules: list[str]) -> dict[str, dict[str, str]]:
    """Cythonize and build `modules` into `root`; their manifest entries (sans sha256)."""
    import tempfile

    from Cython.Build import cythonize  # only the build needs Cython and setuptools
    from setuptools import Distribution, Extension

    with tempfile.TemporaryDirectory(prefix="lenticular-build-") as scratch:
        extensions = [
            Extension(module, [str(source_of(module))], extra_compile_args=COMPILE_ARGS)
            for module in modules
        ]
        compiled = cythonize(
            extensions,
            compiler_directives=DIRECTIVES,
            build_dir=scratch,  # the generated C stays out of the source tree
            quiet=True,
            nthreads=os.cpu_count() or 1,
        )
        distribution = Distribution({"name": "lenticular-compiled", "ext_modules": compiled})
        command = distribution.get_command_obj("build_ext")
        command.build_lib = str(root)
        command.build_temp = str(Path(scratch) / "objects")
        command.parallel = os.cpu_count() or 1
        command.ensure_finalized()
        command.run()
        entries = {}
        for module in modules:
            output = Path(command.get_ext_fullpath(module))
            entries[module] = {"file": str(output.relative_to(root))}
        return entries


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args:
        print("usage: python -m lenticular.compiled_build", file=sys.stderr)
        return 2
    try:
        print(build())
    except Exception as exc:  # no compiler, no Cython, ...: pure Python it is
        print(f"lenticular.compiled: not built ({type(exc).__name__}: {exc}); "
              "running as pure Python", file=sys.stderr)  # fmt: skip
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
