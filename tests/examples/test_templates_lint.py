"""Every example template passes AWS's own linter, cfn-lint (offline: it ships its
resource schemas), so the examples deploy to real AWS unchanged."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
TEMPLATES = sorted(EXAMPLES.glob("*/template.y*ml"))


def test_there_are_example_templates():
    assert TEMPLATES


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.parent.name)
def test_cfn_lint_passes(template):
    cfn_lint = Path(sys.executable).parent / "cfn-lint"
    dead = "http://127.0.0.1:9"  # any download would fail: linting must need none
    offline = {**os.environ, "HTTPS_PROXY": dead, "HTTP_PROXY": dead, "https_proxy": dead,
               "http_proxy": dead, "NO_PROXY": "", "no_proxy": ""}  # fmt: skip
    done = subprocess.run(
        [str(cfn_lint), "--format", "parseable", str(template)],
        capture_output=True, text=True, timeout=120, env=offline,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
