"""What the runtime engine is given (a function's spec, a log sink) and what it returns.

Also the error payloads Lambda itself produces when an environment fails (as opposed to
errors the function's own runtime reports), shaped as AWS returns them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True)
class FunctionSpec:
    """Everything an execution environment is built from; a change means new environments."""

    function_name: str
    function_arn: str  # unqualified or qualified ARN used as invoked_function_arn
    version: str  # "$LATEST" or "1", ...
    runtime: str  # "python3.9".."python3.14", "provided.al2", "provided.al2023"
    handler: str  # "app.handler" (python) or anything for provided
    code_dir: Path  # unpacked code root (cwd of the environment)
    layer_dirs: tuple[Path, ...]  # each is mounted as /opt: python/ subfolders go on sys.path
    environment: dict[str, str]  # the function's own variables
    memory_mb: int
    timeout_s: float
    ephemeral_storage_mb: int
    account_id: str
    region: str
    code_sha256: str  # a code/config change means new environments
    # The execution role's temporary credentials (access key, secret, session token);
    # None: the account id as access key, which lenticular's lenient mode maps to the account.
    credentials: tuple[str, str, str] | None = None

    @property
    def log_group(self) -> str:
        return f"/aws/lambda/{self.function_name}"

    @property
    def is_python(self) -> bool:
        return self.runtime.startswith("python")


class LogSink(Protocol):
    """Where log events go (CloudWatch Logs' engine in the server; a list in tests)."""

    def write(
        self, account_id: str, region: str, group: str, stream: str, events: list[tuple[int, str]]
    ) -> None:  # events are (epoch ms, message)
        ...


@dataclass
class InvocationResult:
    payload: bytes  # the function's response, or the error JSON as AWS shapes it
    function_error: str | None  # None or "Unhandled" (X-Amz-Function-Error)
    log_tail: str | None  # last 4 KB of this invocation's log lines, when requested
    duration_ms: float
    billed_duration_ms: int
    init_duration_ms: float | None  # set on the invocation that started the environment
    max_memory_used_mb: int


def environment_error_payload(request_id: str, error_type: str, message: str) -> bytes:
    """Lambda's own error shape (errorType first, "RequestId: ... Error: ..." message).

    e.g. {"errorType":"Runtime.ExitError","errorMessage":"RequestId: 1 Error: Runtime exited
    with error: exit status 1"}; the timeout uses errorType "Sandbox.Timedout".
    https://docs.aws.amazon.com/lambda/latest/dg/troubleshooting-invocation.html
    """
    body = {"errorType": error_type, "errorMessage": f"RequestId: {request_id} Error: {message}"}
    return json.dumps(body, separators=(",", ":")).encode()


def exit_reason(status: int | None) -> str:
    """Go-style wording Lambda uses for a runtime process's end ("exit status 1",
    "signal: killed", "signal: segmentation fault")."""
    if status is None:
        return "signal: killed"
    if status >= 0:
        return f"exit status {status}"
    return "signal: " + _SIGNAL_NAMES.get(-status, f"signal {-status}")


_SIGNAL_NAMES = {
    1: "hangup",
    2: "interrupt",
    3: "quit",
    4: "illegal instruction",
    5: "trace/breakpoint trap",
    6: "aborted",
    7: "bus error",
    8: "floating point exception",
    9: "killed",
    11: "segmentation fault",
    13: "broken pipe",
    15: "terminated",
}
