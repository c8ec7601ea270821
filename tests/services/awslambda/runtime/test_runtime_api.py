"""The official Runtime API: a shell `bootstrap` (provided.al2023) and AWS's own runtime
interface client (awslambdaric) as oracles."""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
import textwrap
from pathlib import Path

import pytest

from tests.services.awslambda.runtime.conftest import (
    make_spec,
    payload_of,
    request_id,
    write_handler,
)

needs_curl = pytest.mark.skipif(shutil.which("curl") is None, reason="needs curl")

SHELL_BOOTSTRAP = r"""#!/bin/sh
set -eu
API="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"
echo "init in $(pwd) as ${AWS_LAMBDA_FUNCTION_NAME} handler ${_HANDLER}"
COUNT=0
while true; do
  HEADERS="$(mktemp)"
  EVENT=$(curl -sS -LD "$HEADERS" "$API/invocation/next")
  ID=$(grep -Fi Lambda-Runtime-Aws-Request-Id "$HEADERS" | tr -d '[:space:]' | cut -d: -f2)
  ARN=$(grep -Fi Lambda-Runtime-Invoked-Function-Arn "$HEADERS" | tr -d '[:space:]' | cut -d: -f2-)
  DEADLINE=$(grep -Fi Lambda-Runtime-Deadline-Ms "$HEADERS" | tr -d '[:space:]' | cut -d: -f2)
  rm -f "$HEADERS"
  COUNT=$((COUNT + 1))
  echo "handling $ID"
  case "$EVENT" in
    *fail*)
      curl -sS -X POST "$API/invocation/$ID/error" -H "Lambda-Runtime-Function-Error-Type: Custom.Failure" \
        -d '{"errorMessage":"it failed","errorType":"Custom.Failure","stackTrace":[]}' >/dev/null ;;
    *die*)
      exit 4 ;;
    *)
      curl -sS -X POST "$API/invocation/$ID/response" \
        -d "{\"echo\":$EVENT,\"count\":$COUNT,\"arn\":\"$ARN\",\"deadline\":$DEADLINE}" >/dev/null ;;
  esac
done
"""


def _custom_spec(code: Path, **overrides):
    return make_spec(
        code, **{"runtime": "provided.al2023", "handler": "function.handler", **overrides}
    )


def _write_bootstrap(code: Path, text: str) -> None:
    code.mkdir(parents=True, exist_ok=True)
    path = code / "bootstrap"
    path.write_text(text)
    path.chmod(0o755)


@needs_curl
def test_shell_bootstrap(tmp_path: Path, run_engine) -> None:
    code = tmp_path / "code"
    _write_bootstrap(code, SHELL_BOOTSTRAP)
    spec = _custom_spec(code)

    async def scenario(manager, sink):
        rid = request_id()
        first = await manager.invoke(spec, b'{"n": 1}', request_id=rid, tail_logs=True)
        assert first.function_error is None, first.payload
        body = payload_of(first)
        assert body["echo"] == {"n": 1} and body["count"] == 1
        assert body["arn"] == spec.function_arn
        assert body["deadline"] > 0
        assert first.init_duration_ms is not None
        lines = first.log_tail.rstrip("\n").split("\n")
        assert lines[0] == f"START RequestId: {rid} Version: $LATEST"
        assert lines[1] == f"handling {rid}"
        assert lines[-2] == f"END RequestId: {rid}"
        second = await manager.invoke(spec, b'{"n": 2}', request_id=request_id())
        assert payload_of(second)["count"] == 2 and second.init_duration_ms is None

        failed = await manager.invoke(spec, b'"fail"', request_id=request_id())
        assert failed.function_error == "Unhandled"
        assert payload_of(failed) == {
            "errorMessage": "it failed",
            "errorType": "Custom.Failure",
            "stackTrace": [],
        }
        rid = request_id()
        died = await manager.invoke(spec, b'"die"', request_id=rid)
        assert json.loads(died.payload) == {
            "errorType": "Runtime.ExitError",
            "errorMessage": f"RequestId: {rid} Error: Runtime exited with error: exit status 4",
        }
        fresh = await manager.invoke(spec, b'{"n": 3}', request_id=request_id())
        assert payload_of(fresh)["count"] == 1
        manager._shipper.flush()
        assert any(
            m.startswith(f"init in {code} as fn handler function.handler") for m in sink.messages()
        )

    run_engine(scenario)


@needs_curl
def test_custom_runtime_init_error(tmp_path: Path, run_engine) -> None:
    code = tmp_path / "code"
    _write_bootstrap(
        code,
        '#!/bin/sh\ncurl -sS -X POST "http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/init/error"'
        ' -d \'{"errorMessage":"bad config","errorType":"Custom.InitError"}\'\nsleep 30\n',
    )
    spec = _custom_spec(code)

    async def scenario(manager, sink):
        result = await manager.invoke(spec, b"{}", request_id=request_id())
        assert result.function_error == "Unhandled"
        assert payload_of(result) == {"errorMessage": "bad config", "errorType": "Custom.InitError"}

    run_engine(scenario)


def test_missing_bootstrap(tmp_path: Path, run_engine) -> None:
    code = tmp_path / "code"
    code.mkdir()
    spec = _custom_spec(code)

    async def scenario(manager, sink):
        rid = request_id()
        result = await manager.invoke(spec, b"{}", request_id=rid)
        body = payload_of(result)
        assert body["errorType"] == "Runtime.InvalidEntrypoint"
        assert body["errorMessage"].startswith(
            f"RequestId: {rid} Error: Couldn't find valid bootstrap(s): ["
        )

    run_engine(scenario)


def test_custom_runtime_timeout(tmp_path: Path, run_engine) -> None:
    code = tmp_path / "code"
    _write_bootstrap(
        code,
        '#!/bin/sh\ncurl -sS "http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation/next"'
        " >/dev/null\nsleep 30\n",
    )
    spec = _custom_spec(code, timeout_s=0.3)

    async def scenario(manager, sink):
        rid = request_id()
        result = await manager.invoke(spec, b"{}", request_id=rid)
        assert payload_of(result)["errorType"] == "Sandbox.Timedout"

    if shutil.which("curl") is None:
        pytest.skip("needs curl")
    run_engine(scenario)


@pytest.mark.skipif(importlib.util.find_spec("awslambdaric") is None, reason="needs awslambdaric")
def test_awslambdaric_through_runtime_api(tmp_path: Path, run_engine) -> None:
    code = write_handler(
        tmp_path / "code",
        """
        import os
        calls = 0

        def handler(event, context):
            global calls
            calls += 1
            if event == "raise":
                raise KeyError("missing")
            print("ric handling", context.aws_request_id)
            return {
                "event": event, "calls": calls, "request_id": context.aws_request_id,
                "arn": context.invoked_function_arn, "memory": context.memory_limit_in_mb,
                "remaining": context.get_remaining_time_in_millis(),
                "identity": context.identity.cognito_identity_id,
                "client": context.client_context.custom if context.client_context else None,
                "trace": os.environ.get("_X_AMZN_TRACE_ID", ""),
            }
        """,
    )
    _write_bootstrap(
        code,
        textwrap.dedent(
            f"""\
            #!/bin/sh
            exec {sys.executable} -m awslambdaric "$_HANDLER"
            """
        ),
    )
    spec = _custom_spec(code, handler="app.handler")

    async def scenario(manager, sink):
        rid = request_id()
        result = await manager.invoke(
            spec,
            b'{"k": "v"}',
            request_id=rid,
            tail_logs=True,
            client_context=json.dumps({"custom": {"a": 1}}),
            cognito_identity={"cognitoIdentityId": "cid", "cognitoIdentityPoolId": "pool"},
        )
        assert result.function_error is None, result.payload
        body = payload_of(result)
        assert body["event"] == {"k": "v"} and body["calls"] == 1
        assert body["request_id"] == rid and body["arn"] == spec.function_arn
        assert body["memory"] == "128"
        assert 2000 < body["remaining"] <= 3000
        assert body["identity"] == "cid" and body["client"] == {"a": 1}
        assert body["trace"].startswith("Root=1-")
        assert f"ric handling {rid}" in result.log_tail
        again = await manager.invoke(spec, b'"x"', request_id=request_id())
        assert payload_of(again)["calls"] == 2
        rid = request_id()
        failed = await manager.invoke(spec, b'"raise"', request_id=rid)
        assert failed.function_error == "Unhandled"
        error = payload_of(failed)
        assert error["errorType"] == "KeyError"
        assert error["errorMessage"] == "'missing'"
        assert error["requestId"] == rid

    run_engine(scenario)


@pytest.mark.skipif(importlib.util.find_spec("awslambdaric") is None, reason="needs awslambdaric")
def test_builtin_runtime_errors_match_awslambdaric(tmp_path: Path, run_engine) -> None:
    """The same failing handler gives the same error document from both runtimes."""
    source = "def handler(event, context):\n    raise ValueError('same')\n"
    builtin = make_spec(write_handler(tmp_path / "a", source), name="builtin")
    ric_code = write_handler(tmp_path / "b", source)
    _write_bootstrap(ric_code, f'#!/bin/sh\nexec {sys.executable} -m awslambdaric "$_HANDLER"\n')
    ric = _custom_spec(ric_code, name="ric", handler="app.handler")

    async def scenario(manager, sink):
        ours = payload_of(await manager.invoke(builtin, b"{}", request_id="r-1"))
        theirs = payload_of(await manager.invoke(ric, b"{}", request_id="r-1"))
        for doc in (ours, theirs):
            doc["stackTrace"] = [
                line.replace(str(tmp_path / "a"), "X").replace(str(tmp_path / "b"), "X")
                for line in doc["stackTrace"]
            ]
        assert ours == theirs

    run_engine(scenario)
