"""Host- and path-addressed data-plane routing (engine tier: no HTTP)."""

from __future__ import annotations

from lenticular.edge.dataplane import DataPlaneRouter
from lenticular.protocol.http import HttpRequest


def request(host: str, path: str) -> HttpRequest:
    return HttpRequest("GET", path, path, "", {"host": host}, b"", host)


async def echo(app, request, match):  # pragma: no cover - resolved, not awaited here
    return match


def router() -> DataPlaneRouter:
    r = DataPlaneRouter()
    r.add("execute-api", f"{__name__}:echo")
    return r


def test_host_form():
    handler, match = router().match(request("abc123.execute-api.localhost", "/prod/items"))
    assert handler is echo
    assert (match.kind, match.resource_id, match.path) == ("execute-api", "abc123", "/prod/items")


def test_path_form():
    _, match = router().match(request("localhost", "/_aws/execute-api/abc123/prod/items"))
    assert (match.resource_id, match.path) == ("abc123", "/prod/items")
    _, bare = router().match(request("localhost", "/_aws/execute-api/abc123"))
    assert bare.path == "/"


def test_other_requests_fall_through():
    r = router()
    assert r.match(request("localhost", "/")) is None
    assert r.match(request("bucket.s3.localhost", "/key")) is None
    assert r.match(request("localhost", "/_aws/unknown-kind/x/y")) is None
    assert r.match(request("localhost", "/_aws/execute-api/")) is None
