"""Function and layer code: zip uploads unpacked under the data dir, or a local folder.

Zip uploads are unpacked once per content into `blobs/lambda/code/<sha256 hex>/` (a
directory renamed into place, so a half-unpacked package is never used). Lambda reports
`CodeSha256` as the base64 of the package's SHA-256.

The local-folder option (lenticular only): `Code={"S3Bucket": "lenticular-local",
"S3Key": "/absolute/path/to/folder"}` runs the function straight from that folder, so
edits take effect on the next invoke without a new upload. It works from boto3, the AWS
CLI (`--code S3Bucket=lenticular-local,S3Key=$PWD/src`) and SAM/CloudFormation templates
(`CodeUri`/`Code` with that bucket and key).
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import shutil
import stat
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lenticular.errors import ServiceError
from lenticular.services.awslambda.errors import InvalidParameterValueException

LOCAL_BUCKET = "lenticular-local"
MAX_ZIPPED_BYTES = 50 * 1024 * 1024  # direct upload limit (CodeSizeZipped)
MAX_UNZIPPED_BYTES = 250 * 1024 * 1024  # CodeSizeUnzipped, code and layers together
MAX_REQUEST_BYTES = 69905067  # AWS's request limit that a >50 MB zip upload hits
_FINGERPRINT_TTL_S = 1.0  # how often a local folder is re-scanned for changes
_SKIP_DIRS = {"__pycache__", ".git", ".venv", "node_modules", ".aws-sam"}


class RequestEntityTooLarge(ServiceError):
    code = "RequestEntityTooLargeException"
    status = 413


@dataclass(frozen=True, slots=True)
class Package:
    """Unpacked code: where it is and what Lambda reports about it."""

    kind: str  # "zip" or "local"
    path: str  # the code root
    sha256: str  # base64 of SHA-256 (of the zip; of the path for a local folder)
    size: int  # zipped bytes (0 for a local folder)

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "path": self.path, "sha256": self.sha256, "size": self.size}

    @staticmethod
    def from_json(doc: dict[str, Any]) -> Package:
        return Package(doc["kind"], doc["path"], doc["sha256"], int(doc["size"]))


def code_sha256(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


class CodeStore:
    """Unpacks zip files under `root` (the service's blob dir), one folder per content."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._fingerprints: dict[str, tuple[float, str]] = {}  # local path -> (checked, fp)

    def from_params(self, code: dict[str, Any], kind: str = "code") -> Package:
        """The package named by CreateFunction's `Code`, UpdateFunctionCode's parameters or
        PublishLayerVersion's `Content`."""
        if code.get("ZipFile") is not None:
            return self.unpack(code["ZipFile"], kind)
        bucket = code.get("S3Bucket")
        if bucket == LOCAL_BUCKET:
            return self.local(code.get("S3Key") or "")
        if bucket or code.get("S3Key"):
            raise InvalidParameterValueException(
                "lenticular has no S3 yet: upload the code as ZipFile, or run it from a local"
                f" folder with S3Bucket={LOCAL_BUCKET} and S3Key=<absolute path>."
            )
        if code.get("ImageUri"):
            raise InvalidParameterValueException(
                "lenticular does not run container images (PackageType Image)."
            )
        raise InvalidParameterValueException(
            "Please provide a source for function code."
            if kind == "code"
            else "Please provide a source for layer content."
        )

    def unpack(self, data: bytes, kind: str = "code") -> Package:
        if len(data) > MAX_ZIPPED_BYTES:
            operation = "CreateFunction" if kind == "code" else "PublishLayerVersion"
            raise RequestEntityTooLarge(
                f"Request must be smaller than {MAX_REQUEST_BYTES} bytes for the {operation}"
                " operation"
            )
        sha = code_sha256(data)
        folder = self.root / kind / hashlib.sha256(data).hexdigest()
        if not folder.is_dir():
            _extract(data, folder)
        return Package("zip", str(folder), sha, len(data))

    def local(self, path: str) -> Package:
        folder = Path(path)
        if not folder.is_absolute() or not folder.is_dir():
            raise InvalidParameterValueException(
                f"S3Key must be the absolute path of an existing folder when S3Bucket is"
                f" {LOCAL_BUCKET}: {path!r}"
            )
        return Package("local", str(folder), code_sha256(str(folder).encode()), 0)

    def fingerprint(self, package: Package) -> str:
        """What identifies the code's current content: its sha for a zip, the newest file
        time of a local folder (re-scanned at most once a second) so edits reload."""
        if package.kind != "local":
            return package.sha256
        now = time.monotonic()
        cached = self._fingerprints.get(package.path)
        if cached is not None and now - cached[0] < _FINGERPRINT_TTL_S:
            return cached[1]
        fp = f"{package.sha256}@{_newest_mtime(Path(package.path))}"
        self._fingerprints[package.path] = (now, fp)
        return fp


def _extract(data: bytes, folder: Path) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise _bad_zip() from None
    unzipped = sum(m.file_size for m in members)
    if unzipped > MAX_UNZIPPED_BYTES:
        raise InvalidParameterValueException(
            f"Unzipped size must be smaller than {MAX_UNZIPPED_BYTES} bytes"
        )
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}."))
    try:
        root = tmp.resolve()
        for member in members:
            target = (tmp / member.filename).resolve()
            if not target.is_relative_to(root):  # "../" entries: refuse, as unzip would
                raise _bad_zip()
            if member.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(member) as src, open(target, "wb") as dst:
                shutil.copyfileobj(src, dst)
            mode = (member.external_attr >> 16) & 0o777
            # Keep the executable bits (a `bootstrap`); make everything readable.
            os.chmod(target, (mode or 0o644) | stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
        try:
            os.rename(tmp, folder)
        except OSError:  # unpacked concurrently by another request: keep that one
            shutil.rmtree(tmp, ignore_errors=True)
    except (zipfile.BadZipFile, ValueError, EOFError, zipfile.LargeZipFile):
        shutil.rmtree(tmp, ignore_errors=True)
        raise _bad_zip() from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _bad_zip() -> InvalidParameterValueException:
    # What AWS answers a ZipFile it cannot unzip (InvalidParameterValueException, not
    # the modelled InvalidZipFileException).
    return InvalidParameterValueException(
        "Could not unzip uploaded file. Please check your file, then try to upload again."
    )


def _newest_mtime(folder: Path) -> int:
    newest = 0
    stack = [str(folder)]
    while stack:
        try:
            with os.scandir(stack.pop()) as entries:
                for entry in entries:
                    if entry.is_dir(follow_symlinks=False):
                        if entry.name not in _SKIP_DIRS:
                            stack.append(entry.path)
                    else:
                        newest = max(newest, entry.stat(follow_symlinks=False).st_mtime_ns)
        except OSError:
            continue
    return newest
