"""Route selection of HTTP APIs: the deployed route that best matches a request's method
and path, as AWS chooses it: the most specific path (at each segment a literal beats a
`{param}`, and both beat a final `{greedy+}`), then a route for the method over ANY, and
the `$default` route when nothing else matches.
https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-routes.html#http-api-develop-routes.evaluation
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

Doc = dict[str, Any]


@dataclass(slots=True)
class RouteMatch:
    route: Doc
    path_parameters: dict[str, str]


@dataclass(slots=True)
class _Entry:
    method: str  # GET ... or ANY
    segments: list[str]  # the path's segments, `{name}` / `{name+}` kept as written
    route: Doc


def _split(path: str) -> list[str]:
    return [s for s in path.strip("/").split("/") if s != ""] if path.strip("/") else []


def _match(segments: list[str], parts: list[str]) -> tuple[tuple[int, ...], dict[str, str]] | None:
    """(rank, path parameters) if the route's segments match the request path's parts;
    a lower rank is more specific."""
    params: dict[str, str] = {}
    rank: list[int] = []
    for index, segment in enumerate(segments):
        if segment.startswith("{") and segment.endswith("+}"):
            rest = parts[index:]
            if not rest:
                return None
            params[segment[1:-2]] = "/".join(rest)
            rank.append(2)
            return (*rank, 3), params  # a greedy match is less specific than any exact one
        if index >= len(parts):
            return None
        if segment.startswith("{") and segment.endswith("}"):
            params[segment[1:-1]] = parts[index]
            rank.append(1)
        elif segment == parts[index]:
            rank.append(0)
        else:
            return None
    if len(parts) != len(segments):
        return None
    return (*rank, 0), params


class RouteTable:
    """The routes of one deployment, ready to match requests."""

    def __init__(self, routes: list[Doc]) -> None:
        self.default: Doc | None = None
        self._entries: list[_Entry] = []
        for route in routes:
            key = route.get("RouteKey", "")
            if key == "$default":
                self.default = route
                continue
            method, _, path = key.partition(" ")
            self._entries.append(_Entry(method, _split(path), route))

    def match(self, method: str, path: str) -> RouteMatch | None:
        parts = _split(path)
        best: tuple[int, tuple[int, ...], int] | None = None
        found: RouteMatch | None = None
        for entry in self._entries:
            if entry.method != method and entry.method != "ANY":
                continue
            matched = _match(entry.segments, parts)
            if matched is None:
                continue
            rank, params = matched
            # exact paths before greedy ones, then segment by segment, then method over ANY
            score = (1 if rank[-1] == 3 else 0, rank, 1 if entry.method == "ANY" else 0)
            if best is None or score < best:
                best, found = score, RouteMatch(entry.route, params)
        if found is not None:
            return found
        if self.default is not None:
            return RouteMatch(self.default, {})
        return None
