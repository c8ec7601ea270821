"""Concurrent writes share group commits (lenticular.state.sqlite), yet every write a
client saw acknowledged survives SIGKILL, and concurrent readers only see committed
items."""

from __future__ import annotations

import threading
import time
from typing import Any

from botocore.config import Config

_NO_RETRY = Config(
    retries={"max_attempts": 1, "mode": "standard"}, connect_timeout=2, read_timeout=5
)


def _make_table(ddb: Any) -> None:
    ddb.create_table(
        TableName="group",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )


def _writer(server: Any, worker: int, acked: list[str], stop: threading.Event) -> None:
    ddb = server.client("dynamodb", config=_NO_RETRY)
    for n in range(100_000):
        if stop.is_set():
            return
        key = f"w{worker}-{n}"
        try:
            ddb.put_item(TableName="group", Item={"pk": {"S": key}, "v": {"S": "x" * 500}})
        except Exception:  # the server was killed
            return
        acked.append(key)


def _all_keys(ddb: Any) -> set[str]:
    keys: set[str] = set()
    pages = ddb.get_paginator("scan").paginate(TableName="group", ProjectionExpression="pk")
    for page in pages:
        keys.update(item["pk"]["S"] for item in page["Items"])
    return keys


def test_acknowledged_concurrent_writes_survive_sigkill(fresh_lenticular: Any) -> None:
    _make_table(fresh_lenticular.client("dynamodb"))
    acked: list[list[str]] = [[] for _ in range(12)]
    stop = threading.Event()
    threads = [
        threading.Thread(target=_writer, args=(fresh_lenticular, i, acked[i], stop))
        for i in range(12)
    ]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 10
    while sum(map(len, acked)) < 600 and time.monotonic() < deadline:
        time.sleep(0.05)
    fresh_lenticular.kill()  # mid-load: writers have requests in flight
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    fresh_lenticular.start()
    stored = _all_keys(fresh_lenticular.client("dynamodb"))
    wanted = {key for keys in acked for key in keys}
    assert len(wanted) >= 600
    assert wanted <= stored


def test_readers_see_each_acknowledged_write(lenticular_server: Any, make_table: Any) -> None:
    ddb = lenticular_server.client("dynamodb")
    table = make_table()
    errors: list[str] = []

    def write_then_read(worker: int) -> None:
        client = lenticular_server.client("dynamodb")
        for n in range(40):
            key = {"pk": {"S": f"r{worker}-{n}"}}
            client.put_item(TableName=table, Item={**key, "n": {"N": str(n)}})
            got = client.get_item(TableName=table, Key=key).get("Item")
            if got != {**key, "n": {"N": str(n)}}:
                errors.append(f"{key}: {got}")

    threads = [threading.Thread(target=write_then_read, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert ddb.scan(TableName=table, Select="COUNT")["Count"] == 320
