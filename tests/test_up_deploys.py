"""`lenticular up` in a folder with a template.yaml deploys it once it serves."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from lenticular.testing.server import free_port

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "rest-microservice"


def test_up_deploys_the_template_in_the_current_folder(tmp_path):
    port = free_port()
    command = [sys.executable, "-m", "lenticular", "up", "--port", str(port),
               "--data-dir", str(tmp_path / "data")]  # fmt: skip
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(command, cwd=EXAMPLE, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)  # fmt: skip
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 60
        assert proc.stdout is not None
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            if "TableName = " in line:
                break
        outputs = dict(line.strip().split(" = ") for line in lines if " = " in line)
        assert "ApiId" in outputs, "".join(lines)
        assert any("CREATE_COMPLETE" in line and "rest-microservice" in line for line in lines)
        url = f"http://127.0.0.1:{port}/_aws/execute-api/{outputs['ApiId']}/Prod/items"
        with urllib.request.urlopen(url, timeout=30) as resp:
            assert json.load(resp) == {"items": [], "count": 0}
    finally:
        proc.send_signal(signal.SIGTERM)
        rest, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, "".join(lines) + rest
    assert "lenticular stopped" in rest
