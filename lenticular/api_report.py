"""`lenticular api-report APIID`: a summary of a REST API stage's traffic, read from its
access log group through the running server's CloudWatch Logs API.

It prints requests by route (method + resourcePath), by status, by caller (source IP, API
key id, authorizer principalId when the format logs them) and latency percentiles (p50,
p90, p99, nearest rank, from `$context.responseLatency`) per route.

Lines are parsed with the stage's own `accessLogSettings.format`: a JSON format maps each
key back to its `$context` variable; any other format (CLF, CSV, XML) becomes a pattern
with one field per variable, so it parses when the variables are separated by literal
text. Values the format does not log are reported as missing, with the variable to add.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, TextIO

from lenticular.config import Config

_VARIABLE = re.compile(r"\$context\.([A-Za-z0-9_]+(?:\.[A-Za-z0-9_-]+)*)")
_SINCE = re.compile(r"^(\d+)([smhd]?)$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "": 60}
ROUTE = ("httpMethod", "resourcePath")
CALLERS = (
    ("sourceIp", "identity.sourceIp"),
    ("apiKeyId", "identity.apiKeyId"),
    ("principalId", "authorizer.principalId"),
)
PERCENTILES = (50, 90, 99)
MAX_EVENTS = 1_000_000  # a bound on what one report reads


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("api_id", metavar="APIID", help="REST API id")
    parser.add_argument(
        "--stage", default=None, help="stage (default: every stage with access logs)"
    )
    parser.add_argument("--since", default="1h", help="how far back: 90s, 30m, 1h, 2d (default 1h)")
    parser.add_argument(
        "--endpoint-url", default=None, help="server (default: AWS_ENDPOINT_URL or the port)"
    )
    parser.add_argument("--region", default=None, help="default: AWS_REGION / AWS_DEFAULT_REGION")


def since_seconds(text: str) -> int:
    found = _SINCE.match(text.strip())
    if found is None:
        raise ValueError(f"--since {text!r}: use a number with s, m, h or d (e.g. 30m, 1h)")
    return int(found.group(1)) * _UNITS[found.group(2)]


# -- parsing lines with the stage's format ----------------------------------------------------


class LineParser:
    """Turns one access log line into {context variable: value} using the stage's format."""

    def __init__(self, template: str) -> None:
        self.template = template
        self.json_keys: dict[str, str] | None = None  # JSON key path -> variable
        self.pattern: re.Pattern[str] | None = None
        self.groups: list[str] = []
        try:
            doc = json.loads(template)
        except ValueError:
            doc = None
        if isinstance(doc, dict):
            self.json_keys = {}
            self._walk(doc, ())
            self.variables = set(self.json_keys.values())
        else:
            self._compile(template)
            self.variables = set(self.groups)

    def _walk(self, doc: dict[str, Any], prefix: tuple[str, ...]) -> None:
        assert self.json_keys is not None
        for key, value in doc.items():
            if isinstance(value, dict):
                self._walk(value, (*prefix, key))
            elif isinstance(value, str) and (found := _VARIABLE.fullmatch(value.strip())):
                self.json_keys["\0".join((*prefix, key))] = found.group(1)

    def _compile(self, template: str) -> None:
        parts, last = [], 0
        for found in _VARIABLE.finditer(template):
            parts.append(re.escape(template[last : found.start()]))
            parts.append(f"(?P<g{len(self.groups)}>.*?)")
            self.groups.append(found.group(1))
            last = found.end()
        parts.append(re.escape(template[last:]))
        self.pattern = re.compile("^" + "".join(parts) + "$", re.DOTALL)

    def parse(self, line: str) -> dict[str, str] | None:
        if self.json_keys is not None:
            try:
                doc = json.loads(line)
            except ValueError:
                return None
            out: dict[str, str] = {}
            for path, variable in self.json_keys.items():
                value: Any = doc
                for part in path.split("\0"):
                    value = value.get(part) if isinstance(value, dict) else None
                if value is not None and value != "-":
                    out[variable] = str(value)
            return out
        assert self.pattern is not None
        found = self.pattern.match(line)
        if found is None:
            return None
        return {
            variable: value
            for i, variable in enumerate(self.groups)
            if (value := found.group(f"g{i}")) not in ("", "-")
        }


# -- the report ---------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile of `values` (not empty)."""
    ordered = sorted(values)
    return ordered[max(math.ceil(p / 100 * len(ordered)) - 1, 0)]


@dataclass
class StageReport:
    api_id: str
    stage: str
    group: str
    template: str
    requests: int = 0
    unparsed: int = 0
    routes: Counter[str] = field(default_factory=Counter)
    statuses: Counter[str] = field(default_factory=Counter)
    callers: Counter[tuple[str, str]] = field(default_factory=Counter)
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))

    def add(self, fields: dict[str, str] | None) -> None:
        if fields is None:
            self.unparsed += 1
            return
        self.requests += 1
        method = fields.get("httpMethod", "?")
        route = f"{method} {fields.get('resourcePath') or '(no route)'}"
        self.routes[route] += 1
        self.statuses[fields.get("status", "?")] += 1
        for label, variable in CALLERS:
            if variable in fields:
                self.callers[(label, fields[variable])] += 1
        latency = fields.get("responseLatency")
        if latency is not None:
            try:
                self.latencies[route].append(float(latency))
            except ValueError:
                pass

    def print(self, out: TextIO, parser: LineParser, since_s: int) -> None:
        print(f"API {self.api_id} stage {self.stage}: {self.requests} requests in the last "
              f"{_duration(since_s)} (access log group {self.group})", file=out)  # fmt: skip
        if self.unparsed:
            print(f"  {self.unparsed} lines did not match the stage's format", file=out)
        missing = [v for v in ("httpMethod", "resourcePath", "status", "responseLatency")
                   if v not in parser.variables]  # fmt: skip
        if missing:
            names = ", ".join(f"$context.{v}" for v in missing)
            print(f"  the access log format lacks {names}; add it for a full report", file=out)
        print(
            "\nBy route                                   requests   p50 ms   p90 ms   p99 ms",
            file=out,
        )
        for route, count in sorted(self.routes.items(), key=lambda kv: (-kv[1], kv[0])):
            values = self.latencies.get(route) or []
            cells = [
                f"{percentile(values, p):>8.0f}" if values else f"{'-':>8}" for p in PERCENTILES
            ]
            print(f"  {route:<40} {count:>8} {' '.join(cells)}", file=out)
        print("\nBy status", file=out)
        for status, count in sorted(self.statuses.items()):
            print(f"  {status:<6} {count:>8}", file=out)
        print("\nBy caller", file=out)
        if not self.callers:
            print("  (no caller fields in the format: $context.identity.sourceIp, "
                  "$context.identity.apiKeyId, $context.authorizer.principalId)", file=out)  # fmt: skip
        for (label, value), count in sorted(
            self.callers.items(), key=lambda kv: (kv[0][0], -kv[1])
        ):
            print(f"  {label + ' ' + value:<40} {count:>8}", file=out)


def _duration(seconds: int) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


# -- the command ----------------------------------------------------------------------------


def main(args: argparse.Namespace, out: TextIO | None = None) -> int:
    from botocore.exceptions import ClientError, EndpointConnectionError

    from lenticular.services.apigateway.access_log import log_group, stream_name

    out = out or sys.stdout
    try:
        since_s = since_seconds(args.since)
    except ValueError as exc:
        return _fail(str(exc))
    apigw, logs = _client(args, "apigateway"), _client(args, "logs")
    try:
        stages = apigw.get_stages(restApiId=args.api_id)["item"]
    except EndpointConnectionError:
        return _fail(
            f"no lenticular server at {apigw.meta.endpoint_url} (start one: lenticular up)"
        )
    except ClientError as exc:
        return _fail(exc.response["Error"].get("Message") or str(exc))
    if args.stage is not None:
        stages = [s for s in stages if s["stageName"] == args.stage]
        if not stages:
            return _fail(f"API {args.api_id} has no stage {args.stage}")
    logged = [s for s in stages if (s.get("accessLogSettings") or {}).get("destinationArn")]
    if not logged:
        which = f"stage {args.stage}" if args.stage else "no stage"
        return _fail(f"{which} of API {args.api_id} has access logging on (accessLogSettings)")
    start_ms = int((time.time() - since_s) * 1000)
    for index, stage in enumerate(logged):
        settings = stage["accessLogSettings"]
        target = log_group(settings["destinationArn"])
        if target is None:
            print(f"stage {stage['stageName']}: its destination is not a CloudWatch Logs group "
                  f"({settings['destinationArn']})", file=out)  # fmt: skip
            continue
        parser = LineParser(settings.get("format") or "")
        report = StageReport(args.api_id, stage["stageName"], target[2], parser.template)
        stream = stream_name(args.api_id, stage["stageName"])
        try:
            for message in _messages(logs, target[2], stream, start_ms):
                report.add(parser.parse(message))
        except ClientError as exc:
            return _fail(exc.response["Error"].get("Message") or str(exc))
        if index:
            print(file=out)
        report.print(out, parser, since_s)
    return 0


def _messages(logs: Any, group: str, stream: str, start_ms: int) -> Any:
    from botocore.exceptions import ClientError

    pages = logs.get_paginator("filter_log_events").paginate(
        logGroupName=group, logStreamNames=[stream], startTime=start_ms
    )
    seen = 0
    try:
        for page in pages:
            for event in page.get("events", []):
                seen += 1
                if seen > MAX_EVENTS:
                    return
                yield event["message"]
    except ClientError as exc:  # no lines yet: the stream is created on the first request
        if exc.response["Error"].get("Code") != "ResourceNotFoundException":
            raise


def _fail(message: str) -> int:
    print(f"lenticular api-report: {message}", file=sys.stderr)
    return 1


def _client(args: argparse.Namespace, service: str) -> Any:
    import boto3

    defaults = Config.from_env()
    env = os.environ
    return boto3.client(
        service,
        endpoint_url=args.endpoint_url or env.get("AWS_ENDPOINT_URL") or f"http://localhost:{defaults.port}",
        region_name=args.region or env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION")
        or defaults.default_region,
        aws_access_key_id=env.get("AWS_ACCESS_KEY_ID") or "test",
        aws_secret_access_key=env.get("AWS_SECRET_ACCESS_KEY") or "test",
    )  # fmt: skip
