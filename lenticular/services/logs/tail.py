"""`lenticular logs -f NAME`: print a log group's events the way `aws logs tail` does,
polling FilterLogEvents through boto3 (as awscli v2's `logs tail --follow` does).

Each event prints as `<ISO-8601 timestamp> <log stream> <message>`. Following polls from
the newest timestamp seen, skipping event ids already printed; Ctrl-C ends it quietly.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, TextIO

DEFAULT_SINCE_MS = 10 * 60 * 1000  # `aws logs tail` starts 10 minutes back by default
MIN_POLL_SECONDS = 0.2
MAX_POLL_SECONDS = 5.0


def lambda_group_name(name: str) -> str:
    """`NAME` -> `/aws/lambda/NAME`; a name with a leading `/` is already a group name."""
    return name if name.startswith("/") else f"/aws/lambda/{name}"


def format_event(event: dict[str, Any]) -> str:
    stamp = datetime.fromtimestamp(event["timestamp"] / 1000, UTC).isoformat()
    message = event["message"]
    line = f"{stamp} {event['logStreamName']} {message}"
    return line if line.endswith("\n") else line + "\n"


def tail(
    endpoint_url: str,
    group: str,
    *,
    follow: bool,
    since_ms: int | None,
    filter_pattern: str | None,
    out: TextIO,
    region: str | None = None,
    poll_seconds: float = 1.0,
    stop: threading.Event | None = None,
) -> None:
    """Print `group`'s events from `since_ms` (epoch ms; default 10 minutes ago); with
    `follow`, keep printing new ones until Ctrl-C (or until `stop` is set)."""
    client = _client(endpoint_url, region)
    start = since_ms if since_ms is not None else int(time.time() * 1000) - DEFAULT_SINCE_MS
    interval = min(max(poll_seconds, MIN_POLL_SECONDS), MAX_POLL_SECONDS)
    stop = stop or threading.Event()
    seen: dict[str, int] = {}  # event id -> timestamp, for events printed at >= start
    try:
        while True:
            newest = start
            for event in _events(client, group, start, filter_pattern):
                if event["eventId"] in seen:
                    continue
                out.write(format_event(event))
                seen[event["eventId"]] = event["timestamp"]
                newest = max(newest, event["timestamp"])
            out.flush()
            if not follow or stop.is_set():
                return
            if newest > start:
                # Only ids at the newest timestamp can come back in the next poll.
                start = newest
                seen = {eid: ts for eid, ts in seen.items() if ts >= start}
            if stop.wait(interval):
                return
    except KeyboardInterrupt:
        return


def _events(client: Any, group: str, start: int, pattern: str | None) -> Iterator[dict[str, Any]]:
    kwargs: dict[str, Any] = {"logGroupName": group, "startTime": start, "interleaved": True}
    if pattern:
        kwargs["filterPattern"] = pattern
    for page in client.get_paginator("filter_log_events").paginate(**kwargs):
        yield from page.get("events", [])


def _client(endpoint_url: str, region: str | None) -> Any:
    import boto3

    env = os.environ
    return boto3.client(
        "logs",
        endpoint_url=endpoint_url,
        region_name=region or env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1",
        aws_access_key_id=env.get("AWS_ACCESS_KEY_ID", "test"),
        aws_secret_access_key=env.get("AWS_SECRET_ACCESS_KEY", "test"),
        aws_session_token=env.get("AWS_SESSION_TOKEN"),
    )
