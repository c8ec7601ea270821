"""Per-stage response caches (the stage's "cache cluster"), kept in memory.

A stage caches when `cacheClusterEnabled` is true and the method's setting (stage
methodSettings `{resourcePath}/{METHOD}`, `/` escaped as `~1`, over `*/*`) has
`cachingEnabled`. The `*/*` setting applies to GET only, as on AWS; another method caches
only through a setting of its own. Entries live `cacheTtlInSeconds` (0 disables, at most
3600); only 2xx responses with a whole body are kept; the key is the method, the resource
path, the path parameter values and the values of the integration's cacheKeyParameters
(`method.request.querystring.X`, `method.request.header.X`, `method.request.path.X`).
The stage's `cacheClusterSize` (GB) bounds the bytes held, least recently used first out.
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-caching.html
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from lenticular.protocol.http import HttpResponse

Doc = dict[str, Any]
MAX_TTL_S = 3600
DEFAULT_TTL_S = 300
DEFAULT_SIZE_GB = "0.5"
# The header added when a Cache-Control: max-age=0 is ignored for want of authorization
# (SUCCEED_WITH_RESPONSE_HEADER); its wording is lenticular's.
WARNING_HEADER = (
    "Warning",
    '199 - "Cache-Control header ignored: the caller is not authorized to invalidate the cache"',
)
_ENTRY_OVERHEAD = 256  # bytes counted per entry besides its body and headers


@dataclass(slots=True)
class CachePolicy:
    """How one method of one stage caches (None of `method_policy` when it does not)."""

    ttl_s: int
    require_authorization: bool
    unauthorized_strategy: str


@dataclass(slots=True)
class _Entry:
    expires: float
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    size: int


def method_policy(stage: Doc, resource_path: str, http_method: str) -> CachePolicy | None:
    if not stage.get("cacheClusterEnabled"):
        return None
    settings = stage.get("methodSettings") or {}
    wanted = f"{resource_path.lstrip('/')}/{http_method}"
    setting = None
    for key, value in settings.items():
        if key != "*/*" and key.replace("~1", "/").lstrip("/") == wanted:
            setting = value
            break
    if setting is None and http_method == "GET":
        setting = settings.get("*/*")
    if not setting or not setting.get("cachingEnabled"):
        return None
    ttl = min(int(setting.get("cacheTtlInSeconds", DEFAULT_TTL_S)), MAX_TTL_S)
    if ttl <= 0:
        return None
    return CachePolicy(
        ttl,
        bool(setting.get("requireAuthorizationForCacheControl", True)),
        setting.get("unauthorizedCacheControlHeaderStrategy") or "SUCCEED_WITH_RESPONSE_HEADER",
    )


def cache_key(
    http_method: str,
    resource_path: str,
    path_parameters: dict[str, str] | None,
    integration: Doc,
    query: dict[str, str],
    headers: dict[str, str],
) -> tuple[Any, ...]:
    params = tuple(sorted((path_parameters or {}).items()))
    values = []
    for name in integration.get("cacheKeyParameters") or []:
        _, _, rest = name.partition("method.request.")
        where, _, param = rest.partition(".")
        if where == "querystring":
            values.append((name, query.get(param)))
        elif where == "header":
            values.append((name, headers.get(param.lower())))
        elif where == "path":
            values.append((name, (path_parameters or {}).get(param)))
    return (http_method, resource_path, params, tuple(values))


def wants_invalidation(headers: dict[str, str]) -> bool:
    """The client's `Cache-Control: max-age=0`."""
    value = headers.get("cache-control") or ""
    return any(part.strip().lower() == "max-age=0" for part in value.split(","))


def size_bytes(size_gb: Any) -> int:
    try:
        gigabytes = float(size_gb or DEFAULT_SIZE_GB)
    except (TypeError, ValueError):
        gigabytes = float(DEFAULT_SIZE_GB)
    return int(gigabytes * (1 << 30))


class StageCache:
    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.used = 0
        self.hits = 0
        self.misses = 0
        self._entries: OrderedDict[tuple[Any, ...], _Entry] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: tuple[Any, ...], now: float | None = None) -> HttpResponse | None:
        entry = self._entries.get(key)
        if entry is not None and entry.expires <= (time.monotonic() if now is None else now):
            self._drop(key)
            entry = None
        if entry is None:
            self.misses += 1
            return None
        self.hits += 1
        self._entries.move_to_end(key)
        return HttpResponse(entry.status, list(entry.headers), entry.body)

    def put(self, key: tuple[Any, ...], response: HttpResponse, ttl_s: int) -> None:
        if not 200 <= response.status < 300 or response.stream is not None:
            return
        size = (
            len(response.body) + _ENTRY_OVERHEAD
            + sum(len(k) + len(v) for k, v in response.headers)
        )  # fmt: skip
        if size > self.capacity:
            return
        self._drop(key)
        self._entries[key] = _Entry(
            time.monotonic() + ttl_s, response.status, tuple(response.headers), response.body,
            size,
        )  # fmt: skip
        self.used += size
        while self.used > self.capacity:
            self._drop(next(iter(self._entries)))

    def _drop(self, key: tuple[Any, ...]) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self.used -= entry.size

    def clear(self) -> None:
        self._entries.clear()
        self.used = 0
