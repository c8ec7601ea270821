"""The built-in Python runtime: event, context, variables, warm state, init, logs."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from tests.services.awslambda.runtime.conftest import (
    make_spec,
    payload_of,
    request_id,
    write_handler,
)

CONTEXT_HANDLER = """
    import os
    import sys

    def handler(event, context):
        return {
            "event": event,
            "function_name": context.function_name,
            "function_version": context.function_version,
            "invoked_function_arn": context.invoked_function_arn,
            "memory_limit_in_mb": context.memory_limit_in_mb,
            "aws_request_id": context.aws_request_id,
            "log_group_name": context.log_group_name,
            "log_stream_name": context.log_stream_name,
            "remaining": context.get_remaining_time_in_millis(),
            "identity_id": context.identity.cognito_identity_id,
            "identity_pool": context.identity.cognito_identity_pool_id,
            "client_custom": context.client_context.custom if context.client_context else None,
            "client_app": context.client_context.client.app_title if context.client_context else None,
            "env": dict(os.environ),
            "cwd": os.getcwd(),
            "path": sys.path[:3],
        }
"""


def test_event_and_context(tmp_path: Path, run_engine) -> None:
    code = write_handler(tmp_path / "code", CONTEXT_HANDLER)
    spec = make_spec(code, timeout_s=5)
    rid = request_id()
    client_context = json.dumps({"custom": {"k": "v"}, "client": {"app_title": "demo"}, "env": {}})

    async def scenario(manager, sink):
        result = await manager.invoke(
            spec,
            b'{"hello": "world"}',
            request_id=rid,
            client_context=client_context,
            cognito_identity={"cognitoIdentityId": "id-1", "cognitoIdentityPoolId": "pool-1"},
        )
        assert result.function_error is None
        body = payload_of(result)
        assert body["event"] == {"hello": "world"}
        assert body["function_name"] == "fn"
        assert body["function_version"] == "$LATEST"
        assert body["invoked_function_arn"] == spec.function_arn
        assert body["memory_limit_in_mb"] == "128"
        assert body["aws_request_id"] == rid
        assert body["log_group_name"] == "/aws/lambda/fn"
        assert body["log_stream_name"].split("/")[3].startswith("[$LATEST]")
        assert len(body["log_stream_name"].split("]")[1]) == 32
        assert 4000 < body["remaining"] <= 5000
        assert (body["identity_id"], body["identity_pool"]) == ("id-1", "pool-1")
        assert body["client_custom"] == {"k": "v"}
        assert body["client_app"] == "demo"
        assert body["cwd"] == str(code)
        assert body["path"][0] == str(code)

    run_engine(scenario)


def test_environment_variables(tmp_path: Path, run_engine) -> None:
    code = write_handler(tmp_path / "code", CONTEXT_HANDLER)
    spec = make_spec(code, environment={"STAGE": "test", "LANG": "C.UTF-8", "AWS_REGION": "x"})

    async def scenario(manager, sink):
        env = payload_of(await manager.invoke(spec, b"{}", request_id=request_id()))["env"]
        assert env["AWS_LAMBDA_FUNCTION_NAME"] == "fn"
        assert env["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST"
        assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "128"
        assert env["AWS_LAMBDA_LOG_GROUP_NAME"] == "/aws/lambda/fn"
        assert env["AWS_LAMBDA_LOG_STREAM_NAME"].startswith(
            env["AWS_LAMBDA_LOG_STREAM_NAME"][:10] + "/[$LATEST]"
        )
        assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == "us-east-1"  # reserved wins
        assert env["AWS_EXECUTION_ENV"] == "AWS_Lambda_python3.11"
        assert env["_HANDLER"] == "app.handler"
        assert env["LAMBDA_TASK_ROOT"] == str(code)
        assert env["LAMBDA_RUNTIME_DIR"]
        assert env["TZ"] == ":UTC"
        assert env["LANG"] == "C.UTF-8"  # unreserved: the function's value wins
        assert env["AWS_LAMBDA_INITIALIZATION_TYPE"] == "on-demand"
        assert env["AWS_LAMBDA_RUNTIME_API"].startswith("127.0.0.1:")
        assert env["AWS_ENDPOINT_URL"] == "http://localhost:4566"
        assert env["AWS_ACCESS_KEY_ID"] == "123456789012"
        assert env["AWS_SECRET_ACCESS_KEY"] and env["AWS_SESSION_TOKEN"]
        assert env["_X_AMZN_TRACE_ID"].startswith("Root=1-")
        assert env["STAGE"] == "test"
        assert "PATH" in env and "LD_LIBRARY_PATH" in env
        tmpdir = env["TMPDIR"]
        assert os.path.isdir(tmpdir)
        await manager.close()
        assert not os.path.exists(tmpdir)  # the private /tmp dies with the environment

    run_engine(scenario)


def test_globals_persist_and_init_once(tmp_path: Path, run_engine) -> None:
    code = write_handler(
        tmp_path / "code",
        """
        import boto3
        INITS = []
        INITS.append(1)
        calls = 0

        def handler(event, context):
            global calls
            calls += 1
            return {"calls": calls, "inits": len(INITS)}
        """,
    )
    spec = make_spec(code)

    async def scenario(manager, sink):
        first = await manager.invoke(spec, b"{}", request_id=request_id())
        second = await manager.invoke(spec, b"{}", request_id=request_id())
        assert payload_of(first) == {"calls": 1, "inits": 1}
        assert payload_of(second) == {"calls": 2, "inits": 1}
        assert first.init_duration_ms is not None and first.init_duration_ms > 0
        assert second.init_duration_ms is None
        assert first.billed_duration_ms >= 1 and first.max_memory_used_mb > 0

    run_engine(scenario)


def test_code_change_gets_new_environment(tmp_path: Path, run_engine) -> None:
    code = write_handler(tmp_path / "code", "def handler(e, c):\n    return 'v1'\n")
    spec = make_spec(code)

    async def scenario(manager, sink):
        assert payload_of(await manager.invoke(spec, b"{}", request_id=request_id())) == "v1"
        write_handler(code, "def handler(e, c):\n    return 'v2'\n")
        changed = await manager.invoke(
            make_spec(code, code_sha256="sha-2"), b"{}", request_id=request_id()
        )
        assert payload_of(changed) == "v2"
        assert changed.init_duration_ms is not None

    run_engine(scenario)


def test_layers_on_sys_path(tmp_path: Path, run_engine) -> None:
    layer = tmp_path / "layer"
    write_handler(layer / "python", "VALUE = 'from layer'\n", "shared_lib.py")
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    write_handler(layer / "python" / "lib" / version / "site-packages", "X = 2\n", "deep_lib.py")
    code = write_handler(
        tmp_path / "code",
        """
        import deep_lib
        import shared_lib

        def handler(event, context):
            return [shared_lib.VALUE, deep_lib.X]
        """,
    )
    spec = make_spec(code, layer_dirs=(layer,))

    async def scenario(manager, sink):
        result = await manager.invoke(spec, b"{}", request_id=request_id())
        assert payload_of(result) == ["from layer", 2]

    run_engine(scenario)


def test_response_json_like_aws(tmp_path: Path, run_engine) -> None:
    code = write_handler(
        tmp_path / "code",
        """
        from decimal import Decimal

        def handler(event, context):
            if event == "none":
                return None
            return {"n": Decimal("3"), "f": Decimal("1.5"), "text": "héllo"}
        """,
    )
    spec = make_spec(code)

    async def scenario(manager, sink):
        result = await manager.invoke(spec, b'"x"', request_id=request_id())
        assert result.payload == '{"n": 3, "f": 1.5, "text": "héllo"}'.encode()
        none = await manager.invoke(spec, b'"none"', request_id=request_id())
        assert none.payload == b"null"

    run_engine(scenario)


def test_log_lines_and_tail(tmp_path: Path, run_engine) -> None:
    code = write_handler(
        tmp_path / "code",
        """
        import logging
        import sys

        logger = logging.getLogger()
        logger.setLevel(logging.INFO)

        def handler(event, context):
            print("to stdout")
            print("to stderr", file=sys.stderr)
            logger.info("via logging\\nsecond line")
            return "ok"
        """,
    )
    spec = make_spec(code)
    rid = request_id()

    async def scenario(manager, sink):
        result = await manager.invoke(spec, b"{}", request_id=rid, tail_logs=True)
        assert result.payload == b'"ok"'
        tail = result.log_tail
        assert tail is not None
        lines = tail.rstrip("\n").split("\n")
        assert lines[0] == f"START RequestId: {rid} Version: $LATEST"
        assert lines[1:3] == ["to stdout", "to stderr"]
        assert lines[3].startswith("[INFO]\t") and lines[3].endswith(
            f"\t{rid}\tvia logging\rsecond line"
        )
        assert lines[4] == f"END RequestId: {rid}"
        assert lines[5].startswith(f"REPORT RequestId: {rid}\tDuration: ")
        assert "\tBilled Duration: " in lines[5] and "\tMemory Size: 128 MB\t" in lines[5]
        assert "\tMax Memory Used: " in lines[5] and "\tInit Duration: " in lines[5]
        warm = await manager.invoke(spec, b"{}", request_id=request_id())
        assert warm.log_tail is None
        manager._shipper.flush()
        ((group, stream),) = sink.streams
        assert group == "/aws/lambda/fn" and "[$LATEST]" in stream
        messages = sink.messages()
        assert messages[:6] == lines
        assert "Init Duration" not in messages[-1]

    run_engine(scenario)


def test_tail_is_last_4kb(tmp_path: Path, run_engine) -> None:
    code = write_handler(
        tmp_path / "code",
        "def handler(e, c):\n    for i in range(500):\n        print('line', i)\n",
    )
    spec = make_spec(code)

    async def scenario(manager, sink):
        result = await manager.invoke(spec, b"{}", request_id=request_id(), tail_logs=True)
        assert len(result.log_tail.encode()) <= 4096
        assert result.log_tail.rstrip("\n").split("\n")[-1].startswith("REPORT RequestId:")
        assert "line 499" in result.log_tail

    run_engine(scenario)
