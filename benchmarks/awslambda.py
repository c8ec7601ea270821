"""Lambda workloads' data: the function, the Invoke request, the set-up and the check.

The warm-invoke workload calls one trivial Python function, `bench-hello`, through the
Invoke API (`POST /2015-03-31/functions/bench-hello/invocations`, RequestResponse).
`prepare(endpoint)` creates it with boto3 from an in-memory zip and invokes it once per
connection's worth of concurrency, so the measured runs find warm environments (the
harness's warm-up run does the rest).

`prepare` is idempotent and bounded (boto3 timeouts, few retries, a deadline), and raises
`PrepareError` saying what went wrong, so the harness can skip the target.
"""

from __future__ import annotations

import io
import json
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from benchmarks.dynamodb import ACCESS_KEY, REGION, SECRET_KEY, PrepareError

FUNCTION = "bench-hello"
INVOKE_PATH = f"/2015-03-31/functions/{FUNCTION}/invocations"
INVOKE_BODY = b'{"n":1}'
RESPONSE = {"hello": "world"}
HANDLER_SOURCE = 'def handler(event, context):\n    return {"hello": "world"}\n'
ROLE = "arn:aws:iam::000000000000:role/bench"
WARM_ENVIRONMENTS = 16  # concurrent invokes in prepare(): the most connections measured
PREPARE_DEADLINE_S = 60.0


def handler_zip(source: str = HANDLER_SOURCE) -> bytes:
    """A deployment package holding `app.py` with `source`."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("app.py", source)
    return buf.getvalue()


def client(endpoint: str, read_timeout: float = 30) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.session.Session().client(
        "lambda",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        config=Config(
            connect_timeout=5,
            read_timeout=read_timeout,
            retries={"max_attempts": 2, "mode": "standard"},
            max_pool_connections=WARM_ENVIRONMENTS,
        ),
    )


def check_json_answer(body: bytes, expected: Any) -> str | None:
    """None when `body` is the JSON value `expected`, else what it is instead."""
    try:
        value = json.loads(body)
    except ValueError:
        return f"not JSON: {body[:200]!r}"
    return None if value == expected else f"unexpected answer: {body[:200]!r}"


def check_invoke(body: bytes) -> str | None:
    """The function's own answer, not an error shape."""
    return check_json_answer(body, RESPONSE)


def prepare(endpoint: str) -> None:
    """Create `bench-hello` on `endpoint` if needed and start warm environments for it."""
    from botocore.exceptions import BotoCoreError, ClientError

    give_up = time.monotonic() + PREPARE_DEADLINE_S
    lam = client(endpoint)
    try:
        try:
            lam.create_function(
                FunctionName=FUNCTION,
                Runtime="python3.12",
                Role=ROLE,
                Handler="app.handler",
                Code={"ZipFile": handler_zip()},
                Timeout=30,
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ResourceConflictException":
                raise
        while lam.get_function(FunctionName=FUNCTION)["Configuration"].get("State") != "Active":
            if time.monotonic() > give_up:
                raise PrepareError(f"{FUNCTION} not Active after {PREPARE_DEADLINE_S:.0f}s")
            time.sleep(0.1)
        with ThreadPoolExecutor(WARM_ENVIRONMENTS) as pool:
            answers = list(pool.map(lambda _: _invoke(lam), range(WARM_ENVIRONMENTS)))
    except (ClientError, BotoCoreError) as exc:
        raise PrepareError(f"Lambda set-up failed: {exc}") from exc
    for answer in answers:
        if problem := check_invoke(answer):
            raise PrepareError(f"{FUNCTION} did not answer as expected: {problem}")


def _invoke(lam: Any) -> bytes:
    response = lam.invoke(FunctionName=FUNCTION, Payload=INVOKE_BODY)
    return bytes(response["Payload"].read())
