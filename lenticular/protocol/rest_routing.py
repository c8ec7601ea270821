"""Which operation a REST request names: method + URI template -> operation and URI labels.

rest-json and rest-xml services identify an operation by its HTTP method and its
`requestUri` template, e.g. `GET /2015-03-31/functions/{FunctionName}` or S3's
`PUT /{Bucket}/{Key+}?tagging`. Several S3 operations share a method and path and differ
only by query keys (`?uploads`, `?list-type=2`), by required query members (ListParts
needs `uploadId`) or by required headers (CopyObject needs `x-amz-copy-source`); those
are all "discriminators" here, and the route with the most specific match wins:
more literal path segments first, then more discriminators, then non-greedy labels.

Each service compiles once into a `Router` (cached); routes are bucketed by method and
first literal path segment, so a lookup tries only a handful of regexes.

S3 virtual-hosted style (`my-bucket.s3.amazonaws.com/key`) carries the bucket in the
Host header. The edge layer detects it and calls `with_bucket_in_path(request, bucket)`
before routing, which turns the request into its path-style twin (`/my-bucket/key`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from urllib.parse import parse_qsl, unquote

from botocore.model import OperationModel, ServiceModel

from lenticular.errors import UnknownOperation
from lenticular.protocol.http import HttpRequest

_LABEL = re.compile(r"\{([^}]+)\}")

# Query keys some SDKs add to every S3 request for their own bookkeeping: never discriminators.
_IGNORED_QUERY_KEYS = frozenset({"x-id"})


@dataclass(slots=True)
class Route:
    operation: OperationModel
    pattern: re.Pattern[str]  # matches the raw (percent-encoded) path
    labels: tuple[str, ...]  # label names in pattern group order, without "+"
    query: tuple[tuple[str, str | None], ...]  # required query keys (value None: any value)
    headers: tuple[str, ...]  # required header names, lower-cased
    rank: tuple[int, int, int]  # higher is more specific

    def match(
        self, path: str, query: dict[str, str], headers: dict[str, str]
    ) -> dict[str, str] | None:
        # Dict look-ups before the regex: most S3 candidates fail on their query keys.
        for key, value in self.query:
            got = query.get(key)
            if got is None or (value is not None and got != value):
                return None
        for name in self.headers:
            if name not in headers:
                return None
        m = self.pattern.match(path)
        if m is None:
            return None
        return {label: unquote(m.group(i + 1)) for i, label in enumerate(self.labels)}


class Router:
    """The compiled routes of one service."""

    def __init__(self, service: ServiceModel) -> None:
        self.service = service
        self._by_key: dict[tuple[str, str | None], list[Route]] = {}
        for name in service.operation_names:
            operation = service.operation_model(name)
            route, first = _compile_route(operation)
            self._by_key.setdefault((route.operation.http.get("method", "POST"), first), []).append(
                route
            )
        for routes in self._by_key.values():
            # Most specific first; among equals, deprecated twins (S3 GetBucketLifecycle) and
            # S3 Express control-endpoint twins (ListDirectoryBuckets) lose.
            routes.sort(key=lambda r: (r.rank, _preference(r.operation)), reverse=True)

    def find(self, request: HttpRequest) -> tuple[OperationModel, dict[str, str]]:
        path = request.raw_path or request.path or "/"
        first = path.split("/", 2)[1] if path.startswith("/") and len(path) > 1 else ""
        query = {k: v for k, v in parse_qsl(request.query_string, keep_blank_values=True)}
        for key in ((request.method, first), (request.method, None)):
            for route in self._by_key.get(key, ()):
                params = route.match(path, query, request.headers)
                if params is not None:
                    return route.operation, params
        raise _unknown(self.service, request)

    def routes(self) -> list[Route]:
        """Every route, for diagnostics and tests."""
        return [r for routes in self._by_key.values() for r in routes]


def _preference(operation: OperationModel) -> tuple[bool, bool]:
    express = any(
        p.name == "UseS3ExpressControlEndpoint" for p in operation.static_context_parameters
    )
    return (not operation.deprecated, not express)


def _compile_route(operation: OperationModel) -> tuple[Route, str | None]:
    template = operation.http.get("requestUri", "/")
    path_part, _, query_part = template.partition("?")
    query: list[tuple[str, str | None]] = []
    for item in query_part.split("&") if query_part else ():
        key, eq, value = item.partition("=")
        if key and key not in _IGNORED_QUERY_KEYS:
            query.append((key, value if eq else None))
    headers: list[str] = []
    shape = operation.input_shape
    if shape is not None:
        # Required query members and headers tell apart operations on one path: ListParts
        # needs `uploadId`, GetBucketAnalyticsConfiguration `id`, CopyObject
        # `x-amz-copy-source`. Headers count only where no literal query key discriminates
        # (GetObjectAttributes' `?attributes`): clients omit a header they have no value for.
        literal = bool(query)
        required = set(shape.required_members)
        for member_name, member in shape.members.items():
            if member_name not in required:
                continue
            location = member.serialization.get("location")
            key = member.serialization.get("name", member_name)
            if location == "querystring" and member.type_name not in ("map", "list"):
                if all(k != key for k, _ in query):
                    query.append((key, None))
            elif location == "header" and not literal:
                headers.append(key.lower())

    pattern, labels, literal_segments, greedy = _path_regex(path_part)
    segments = path_part.strip("/").split("/") if path_part.strip("/") else [""]
    first = segments[0] if "{" not in segments[0] else None
    rank = (literal_segments, len(query) + len(headers), 0 if greedy else 1)
    route = Route(operation, pattern, tuple(labels), tuple(query), tuple(headers), rank)
    return route, first


def _path_regex(path: str) -> tuple[re.Pattern[str], list[str], int, bool]:
    """A regex for a path template; labels match one segment, greedy labels (`{Key+}`) many."""
    trimmed = path.rstrip("/") or ""
    out: list[str] = []
    labels: list[str] = []
    greedy = False
    pos = 0
    for m in _LABEL.finditer(trimmed):
        out.append(re.escape(trimmed[pos : m.start()]))
        name = m.group(1)
        if name.endswith("+"):
            labels.append(name[:-1])
            out.append("(.+)")
            greedy = True
        else:
            labels.append(name)
            out.append("([^/]+)")
        pos = m.end()
    out.append(re.escape(trimmed[pos:]))
    literal_segments = sum(1 for seg in trimmed.split("/") if seg and "{" not in seg)
    # A trailing slash is optional on every route: `/bucket/` is `/{Bucket}`.
    return re.compile("".join(out) + "/?$"), labels, literal_segments, greedy


_ROUTERS: dict[str, Router] = {}


def router_for(service: ServiceModel) -> Router:
    """The compiled router of `service`, built on first use."""
    router = _ROUTERS.get(service.service_name)
    if router is None or router.service is not service:
        router = Router(service)
        _ROUTERS[service.service_name] = router
    return router


def find_rest_operation(
    service: ServiceModel, request: HttpRequest
) -> tuple[OperationModel, dict[str, str]]:
    """The operation `request` names and its decoded URI labels; `UnknownOperation` if none."""
    return router_for(service).find(request)


def with_bucket_in_path(request: HttpRequest, bucket: str) -> HttpRequest:
    """The path-style twin of a virtual-hosted S3 request whose Host named `bucket`.

    `GET /photos/a.jpg` on host `my-bucket.s3.amazonaws.com` becomes
    `GET /my-bucket/photos/a.jpg`; `raw_path` is rewritten the same way so SigV4 code
    that needs the original path must read it before this call.
    """
    path = request.path if request.path.startswith("/") else "/" + request.path
    raw = request.raw_path or path
    raw = raw if raw.startswith("/") else "/" + raw
    return replace(request, path=f"/{bucket}{path}", raw_path=f"/{bucket}{raw}", _query=None)


def _unknown(service: ServiceModel, request: HttpRequest) -> UnknownOperation:
    if service.metadata.get("protocol") == "rest-xml" and service.service_name == "s3":
        # S3 answers a method it has no operation for on a resource with 405.
        return UnknownOperation(
            "The specified method is not allowed against this resource.",
            code="MethodNotAllowed",
            status=405,
            fields={"Method": request.method, "ResourceType": "OBJECT"},
        )
    # API-Gateway-fronted REST services answer an unknown route with 404.
    return UnknownOperation(
        f"No operation of {service.service_name} matches {request.method} {request.path}",
        status=404,
    )
