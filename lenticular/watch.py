"""`lenticular up --watch`: deploy the folder's template once the server serves, then
reload what changes: an edited template is deployed again (an UpdateStack), an edited file
in a function's local code folder reloads that function's code.

The watcher polls file times every 200 ms (a bounded scan of the template and of the local
`CodeUri`/`Code` folders, skipping hidden folders, `__pycache__`, `node_modules` and
`venv`), so it needs no file-system notification library and behaves the same on every OS
and on network or container mounts, where inotify events are unreliable. A poll of a small project costs
well under a millisecond.

A function run from a local folder (`S3Bucket: lenticular-local`) already reads the folder
on each new execution environment; the watcher calls UpdateFunctionCode with the same
folder, which retires the warm environments at once, so the next request runs the new code
(the Lambda provider alone notices edits only within about a second). A folder with a
`requirements.txt` runs from a build folder: its files are copied there again first.

Limitations: a folder holding more than `MAX_FILES` files is watched only for its first
`MAX_FILES`; code given as zip files or `s3://` URIs is not watched; a burst of saves that
spans two polls reloads twice. Layers' local folders are not watched.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

POLL_S = 0.2
MAX_FILES = 5000  # per code folder: keeps every poll cheap
READY_TIMEOUT_S = 60.0
_SKIP = {"__pycache__", "node_modules", "venv"}
_LAMBDA_FUNCTION = "AWS::Lambda::Function"
_SAM_FUNCTION = "AWS::Serverless::Function"

Snapshot = dict[str, tuple[int, int]]  # file path -> (mtime ns, size)


def snapshot(folder: Path, limit: int = MAX_FILES) -> Snapshot:
    """Each file under `folder` (hidden folders and caches skipped) with its time and size."""
    found: Snapshot = {}
    pending = [str(folder)]
    while pending and len(found) < limit:
        try:
            entries = list(os.scandir(pending.pop()))
        except OSError:
            continue
        for entry in entries:
            if len(found) >= limit:
                break
            try:
                if entry.is_dir(follow_symlinks=False):
                    if not entry.name.startswith(".") and entry.name not in _SKIP:
                        pending.append(entry.path)
                elif entry.is_file() and not entry.name.endswith((".pyc", "~")):
                    info = entry.stat()
                    found[entry.path] = (info.st_mtime_ns, info.st_size)
            except OSError:
                continue  # removed while we looked
    return found


def changed_files(before: Snapshot, after: Snapshot) -> list[str]:
    return sorted(p for p in before.keys() | after.keys() if before.get(p) != after.get(p))


def code_folders(template: Path) -> dict[Path, list[str]]:
    """Local code folder -> logical ids of the functions that run from it."""
    from lenticular.deploy import default_code_uri
    from lenticular.services.cloudformation import sam
    from lenticular.services.cloudformation import template as templates

    doc = templates.parse(template.read_text())
    doc = sam.localize_code(default_code_uri(doc), template.parent)
    globals_uri = ((doc.get("Globals") or {}).get("Function") or {}).get("CodeUri")
    folders: dict[Path, list[str]] = {}
    for logical_id, resource in (doc.get("Resources") or {}).items():
        if not isinstance(resource, dict):
            continue
        props = resource.get("Properties") or {}
        if resource.get("Type") == _SAM_FUNCTION:
            uri = props.get("CodeUri", globals_uri)
            key = uri.get("Key") if isinstance(uri, dict) else None
            bucket = uri.get("Bucket") if isinstance(uri, dict) else None
        elif resource.get("Type") == _LAMBDA_FUNCTION and isinstance(props.get("Code"), dict):
            key, bucket = props["Code"].get("S3Key"), props["Code"].get("S3Bucket")
        else:
            continue
        if bucket == sam.LOCAL_BUCKET and isinstance(key, str):
            folders.setdefault(Path(key), []).append(logical_id)
    return folders


@dataclass
class Watcher:
    """Deploys `template` to the server at `endpoint`, then redeploys or reloads on edits."""

    template: Path
    endpoint: str
    region: str
    build_root: Path  # where the server keeps build folders (requirements.txt)
    data_dir: Path | None = None  # the server to wait for serves this data dir
    out: TextIO = field(default_factory=lambda: sys.stdout)
    stack_name: str = ""
    folders: dict[Path, list[str]] = field(default_factory=dict)
    _template_stamp: tuple[int, int] | None = None
    _snapshots: dict[Path, Snapshot] = field(default_factory=dict)

    def run(self, stop: threading.Event) -> None:
        from lenticular.deploy import stack_name_for

        self.template = self.template.resolve()
        self.stack_name = stack_name_for(self.template)
        if not self._wait_until_ready(stop):
            self._say("the server did not come up; not watching")
            return
        self._template_stamp = _stamp(self.template)
        self._deploy("deploying")
        self._say(f"watching {self.template.name} and {len(self.folders)} code folder(s)")
        while not stop.wait(POLL_S):
            try:
                self.poll()
            except Exception as exc:  # keep watching whatever one reload did
                self._say(f"reload failed: {type(exc).__name__}: {exc}")

    def poll(self) -> None:
        """One look at the template and the code folders; reload what changed."""
        stamp = _stamp(self.template)
        if stamp != self._template_stamp:
            self._template_stamp = stamp
            if stamp is not None:
                self._deploy("redeploying")
            return
        for folder, functions in list(self.folders.items()):
            now = snapshot(folder)
            edited = changed_files(self._snapshots.get(folder, {}), now)
            edited = [p for p in edited if Path(p) != self.template]
            self._snapshots[folder] = now
            if edited:
                self._reload(folder, functions, edited)

    def _deploy(self, verb: str) -> None:
        from lenticular import deploy

        started = time.perf_counter()
        self._say(f"{verb} {self.template}")
        args = argparse.Namespace(template=self.template, stack_name=self.stack_name,
                                  parameter_overrides=[], endpoint_url=self.endpoint,
                                  region=self.region)  # fmt: skip
        try:
            code = deploy.main(args)
        except Exception as exc:  # never take the server down with a deploy
            code = deploy.fail(f"{type(exc).__name__}: {exc}")
        try:
            self.folders = code_folders(self.template)
        except Exception:  # an unreadable template: keep the folders we had
            pass
        took = time.perf_counter() - started
        outcome = "deployed" if code == 0 else "deploy failed"
        self._say(f"{outcome} {self.template.name} in {took:.2f}s")
        before, self._snapshots = self._snapshots, {f: snapshot(f) for f in self.folders}
        for folder, functions in self.folders.items():
            # code saved together with the template: the stack update saw the same folder
            edited = (
                changed_files(before[folder], self._snapshots[folder]) if folder in before else []
            )
            edited = [p for p in edited if Path(p) != self.template]
            if edited and code == 0:
                self._reload(folder, functions, edited)

    def _reload(self, folder: Path, functions: list[str], edited: list[str]) -> None:
        from lenticular.services.cloudformation import sam

        started = time.perf_counter()
        code_dir = folder
        if (folder / "requirements.txt").is_file():
            code_dir = sam.build_folder(folder, self.build_root)
        physical = self._function_names()
        reloaded = []
        client = self._client("lambda")
        for logical_id in functions:
            name = physical.get(logical_id)
            if name is None:
                continue
            client.update_function_code(
                FunctionName=name, S3Bucket=sam.LOCAL_BUCKET, S3Key=str(code_dir)
            )
            reloaded.append(logical_id)
        took = time.perf_counter() - started
        names = ", ".join(os.path.relpath(p, folder) for p in edited[:3])
        more = f" and {len(edited) - 3} more" if len(edited) > 3 else ""
        self._say(f"reloaded {', '.join(reloaded) or 'no deployed function'} ({names}{more}"
                  f" changed) in {took * 1000:.0f} ms")  # fmt: skip

    def _function_names(self) -> dict[str, str]:
        cfn = self._client("cloudformation")
        resources = cfn.describe_stack_resources(StackName=self.stack_name)["StackResources"]
        return {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in resources
                if r["ResourceType"] == _LAMBDA_FUNCTION and r.get("PhysicalResourceId")}  # fmt: skip

    def _client(self, service: str) -> Any:
        import boto3

        return boto3.client(service, endpoint_url=self.endpoint, region_name=self.region,
                            aws_access_key_id="test", aws_secret_access_key="test")  # fmt: skip

    def _wait_until_ready(self, stop: threading.Event) -> bool:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline and not stop.is_set():
            try:
                with urllib.request.urlopen(f"{self.endpoint}/_lenticular/health", timeout=1) as r:
                    health = json.load(r)
                served = health.get("data_dir")
                if self.data_dir is None or served is None or Path(served) == self.data_dir:
                    return True
            except (OSError, ValueError):
                pass
            stop.wait(0.05)
        return False

    def _say(self, message: str) -> None:
        print(f"lenticular: {message}", file=self.out, flush=True)


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return info.st_mtime_ns, info.st_size


def watch_in_background(
    template: Path, endpoint: str, region: str, data_dir: Path
) -> threading.Event:
    """Start a Watcher on a daemon thread; set the returned event to stop it."""
    from lenticular.state.datadir import DataDir

    stop = threading.Event()
    build_root = DataDir(data_dir).blob_dir("cloudformation-builds")
    watcher = Watcher(template, endpoint, region, build_root, data_dir.resolve())
    threading.Thread(target=watcher.run, args=(stop,), name="lenticular-watch", daemon=True).start()
    return stop
