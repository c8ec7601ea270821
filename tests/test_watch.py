"""`lenticular up --watch` as a user runs it: edit a handler, then the template, and see
each change answer over HTTP."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

from lenticular.testing.server import free_port
from lenticular.watch import changed_files, snapshot

TEMPLATE = """
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Hello:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: src/
      Environment:
        Variables: {GREETING: hello}
      Events:
        Get:
          Type: Api
          Properties: {Path: /hello, Method: get}
Outputs:
  ApiId:
    Value: !Ref ServerlessRestApi
"""
HANDLER = """import json, os
def handler(event, context):
    return {"statusCode": 200, "body": json.dumps({"v": VERSION, "greeting": os.environ["GREETING"]})}
VERSION = 1
"""


class Output:
    """The server's output lines, read on a thread so the test never blocks on a pipe."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.lines: list[str] = []
        self._thread = threading.Thread(target=self._read, args=(proc,), daemon=True)
        self._thread.start()

    def _read(self, proc: subprocess.Popen[str]) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            self.lines.append(line)

    def wait_for(self, text: str, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in list(self.lines):
                if text in line:
                    return line
            time.sleep(0.05)
        raise AssertionError(f"no {text!r} in:\n{''.join(self.lines)}")


def get_json(url: str) -> dict | None:
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return json.load(resp)
    except (urllib.error.URLError, ValueError):
        return None


def poll_until(url: str, expected: dict, timeout: float) -> float:
    """Seconds until `url` answers `expected` (fails after `timeout`)."""
    started = time.monotonic()
    answer = None
    while time.monotonic() - started < timeout:
        answer = get_json(url)
        if answer == expected:
            return time.monotonic() - started
        time.sleep(0.05)
    raise AssertionError(f"{url} still answers {answer}, not {expected}")


def test_watch_reloads_code_and_redeploys_the_template(tmp_path):
    project = tmp_path / "hello"
    (project / "src").mkdir(parents=True)
    (project / "src" / "app.py").write_text(HANDLER)
    (project / "template.yaml").write_text(TEMPLATE)
    port = free_port()
    command = [sys.executable, "-m", "lenticular", "up", "--watch", "--port", str(port),
               "--data-dir", str(tmp_path / "data")]  # fmt: skip
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(command, cwd=project, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)  # fmt: skip
    try:
        out = Output(proc)
        api = out.wait_for("ApiId = ").split(" = ")[1].strip()
        out.wait_for("watching template.yaml and 1 code folder(s)")
        url = f"http://127.0.0.1:{port}/_aws/execute-api/{api}/Prod/hello"
        poll_until(url, {"v": 1, "greeting": "hello"}, 30)

        # a code edit reloads the function, well within a second
        (project / "src" / "app.py").write_text(HANDLER.replace("VERSION = 1", "VERSION = 2"))
        took = poll_until(url, {"v": 2, "greeting": "hello"}, 10)
        assert "app.py changed" in out.wait_for("reloaded Hello")
        assert took < 1.5, took

        # a template edit is deployed again (UpdateStack); code saved with it reloads too
        (project / "src" / "app.py").write_text(HANDLER.replace("VERSION = 1", "VERSION = 3"))
        edited = TEMPLATE.replace("{GREETING: hello}", "{GREETING: bonjour}")
        (project / "template.yaml").write_text(edited)
        poll_until(url, {"v": 3, "greeting": "bonjour"}, 30)
        out.wait_for("redeploying")
        assert any("UPDATE_COMPLETE" in line for line in out.lines)

        # a broken template is reported and the watch goes on
        (project / "template.yaml").write_text("Resources: [")
        out.wait_for("deploy failed template.yaml")
        (project / "src" / "app.py").write_text(HANDLER.replace("VERSION = 1", "VERSION = 4"))
        poll_until(url, {"v": 4, "greeting": "bonjour"}, 10)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    assert proc.returncode == 0, "".join(out.lines)


def wheel(folder: Path) -> Path:
    """A one-module wheel (`greetdep`), so a requirements.txt installs with no index."""
    files = {
        "greetdep/__init__.py": b'VALUE = "from-dep"\n',
        "greetdep-1.0.dist-info/METADATA": b"Metadata-Version: 2.1\nName: greetdep\nVersion: 1.0\n",
        "greetdep-1.0.dist-info/WHEEL": b"Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    lines = [f"{name},sha256={base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b'=').decode()},{len(data)}"
             for name, data in files.items()]  # fmt: skip
    path = folder / "greetdep-1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
        archive.writestr("greetdep-1.0.dist-info/RECORD",
                         "\n".join([*lines, "greetdep-1.0.dist-info/RECORD,,"]) + "\n")  # fmt: skip
    return path


def test_watch_reloads_a_function_built_with_requirements(tmp_path):
    project = tmp_path / "deps"
    (project / "src").mkdir(parents=True)
    (project / "src" / "requirements.txt").write_text(f"{wheel(tmp_path)}\n")
    handler = HANDLER.replace('os.environ["GREETING"]', "greetdep.VALUE").replace(
        "import json, os", "import json, os, greetdep"
    )
    (project / "src" / "app.py").write_text(handler)
    (project / "template.yaml").write_text(TEMPLATE)
    port = free_port()
    command = [sys.executable, "-m", "lenticular", "up", "--watch", "--port", str(port),
               "--data-dir", str(tmp_path / "data")]  # fmt: skip
    proc = subprocess.Popen(command, cwd=project, env={**os.environ, "PYTHONUNBUFFERED": "1"},
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # fmt: skip
    try:
        out = Output(proc)
        api = out.wait_for("ApiId = ").split(" = ")[1].strip()
        url = f"http://127.0.0.1:{port}/_aws/execute-api/{api}/Prod/hello"
        poll_until(url, {"v": 1, "greeting": "from-dep"}, 30)
        # the function runs from a build folder (packages + a copy of src/): copied again
        (project / "src" / "app.py").write_text(handler.replace("VERSION = 1", "VERSION = 2"))
        poll_until(url, {"v": 2, "greeting": "from-dep"}, 10)
        assert "app.py changed" in out.wait_for("reloaded Hello")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    assert proc.returncode == 0, "".join(out.lines)


def test_watch_needs_a_template(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "lenticular", "up", "--watch", "--port", str(free_port()),
         "--data-dir", str(tmp_path / "data")],
        cwd=tmp_path, capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert done.returncode == 2
    assert "no template.yaml" in done.stderr


def test_snapshot_sees_edits_additions_and_removals(tmp_path):
    (tmp_path / "a.py").write_text("1")
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "a.cpython-312.pyc").write_bytes(b"x")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "x.py").write_text("x")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "b.py").write_text("2")
    before = snapshot(tmp_path)
    assert sorted(Path(p).name for p in before) == ["a.py", "b.py"]
    (tmp_path / "a.py").write_text("11")
    (tmp_path / "pkg" / "b.py").unlink()
    (tmp_path / "c.py").write_text("3")
    after = snapshot(tmp_path)
    assert [Path(p).name for p in changed_files(before, after)] == ["a.py", "c.py", "b.py"]
    assert len(snapshot(tmp_path, limit=1)) == 1
