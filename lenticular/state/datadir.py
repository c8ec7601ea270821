"""The data dir: where every byte of lenticular's state lives.

<data dir>/
  server.json          the running server's pid, address and services (for `status`)
  server.lock          held (flock) by the running server: one server per data dir
  <service>.sqlite     one SQLite database per service; rows keyed by account and region
  blobs/<service>/...  large values as plain files, written by atomic rename
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from lenticular.state.sqlite import Database


class DataDirBusy(RuntimeError):
    """Another lenticular server already holds this data dir."""


class DataDir:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._databases: dict[str, Database] = {}
        self._lock_fd: int | None = None

    def ensure(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)

    def lock(self) -> None:
        """Take the server lock; raises DataDirBusy if another server holds it."""
        self.ensure()
        fd = os.open(self.root / "server.lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise DataDirBusy(f"another lenticular server is using {self.root}") from None
        self._lock_fd = fd

    def database(self, name: str, migrations_dir: Path | None = None) -> Database:
        db = self._databases.get(name)
        if db is None:
            self.ensure()
            db = Database(self.root / f"{name}.sqlite", migrations_dir)
            self._databases[name] = db
        return db

    def blob_dir(self, name: str) -> Path:
        path = self.root / "blobs" / name
        path.mkdir(parents=True, exist_ok=True)
        return path

    # -- server.json: how `lenticular status` finds a running server ----------------

    def write_server_info(self, info: dict[str, Any]) -> None:
        write_atomic(self.root / "server.json", json.dumps(info, indent=2).encode())

    def read_server_info(self) -> dict[str, Any] | None:
        try:
            return json.loads((self.root / "server.json").read_text())
        except (FileNotFoundError, ValueError):
            return None

    def clear_server_info(self) -> None:
        (self.root / "server.json").unlink(missing_ok=True)

    def close(self) -> None:
        for db in self._databases.values():
            db.close()
        self._databases.clear()
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    def wipe(self) -> None:
        """Delete all state (`lenticular reset`). Refuses while a server holds the lock."""
        if not self.root.exists():
            return
        self.lock()
        try:
            for entry in self.root.iterdir():
                if entry.name == "server.lock":
                    continue
                if entry.is_dir() and not entry.is_symlink():
                    shutil.rmtree(entry)
                else:
                    entry.unlink()
        finally:
            self.close()


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` so readers see the old or the new file, never a torn one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
