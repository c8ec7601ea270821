"""Engine tests with no HTTP: route matching, the proxy reply contract, PATCH operations."""

from __future__ import annotations

import base64

import pytest

from lenticular.services.apigateway.errors import BadRequestException
from lenticular.services.apigateway.invoke import request_time
from lenticular.services.apigateway.patch import patch_stage
from lenticular.services.apigateway.proxy_event import (
    MalformedReply,
    build_event,
    event_body,
    parse_reply,
)
from lenticular.services.apigateway.routing import RouteTable


def _table(paths: dict[str, list[str]]) -> RouteTable:
    resources = {"root": {"id": "root", "path": "/"}}
    by_path = {"/": "root"}
    for path in sorted(paths, key=len):
        if path == "/":
            continue
        parent_path, _, part = path.rpartition("/")
        rid = f"r{len(resources)}"
        resources[rid] = {"id": rid, "parentId": by_path[parent_path or "/"], "pathPart": part,
                          "path": path}  # fmt: skip
        by_path[path] = rid
    for path, methods in paths.items():
        resources[by_path[path]]["resourceMethods"] = {m: {"httpMethod": m} for m in methods}
    return RouteTable(resources)


def test_route_matching_precedence_and_backtracking():
    table = _table({
        "/": ["GET"], "/a": [], "/a/{id}": ["GET"], "/a/{id}/b": ["POST"], "/a/fixed": ["GET"],
        "/{proxy+}": ["ANY"],
    })  # fmt: skip
    match = table.match("GET", "/a/fixed")
    assert match.resource["path"] == "/a/fixed" and match.path_parameters == {}
    match = table.match("GET", "/a/7")
    assert match.resource["path"] == "/a/{id}" and match.path_parameters == {"id": "7"}
    match = table.match("POST", "/a/7/b")
    assert match.resource["path"] == "/a/{id}/b" and match.path_parameters == {"id": "7"}
    match = table.match("GET", "/a/7/b")  # no GET there: back to the greedy resource
    assert match.resource["path"] == "/{proxy+}"
    assert match.path_parameters == {"proxy": "a/7/b"}
    assert table.match("GET", "/").resource["path"] == "/"
    assert table.match("DELETE", "/") is None
    assert _table({"/x": ["GET"]}).match("GET", "/y") is None


def test_event_body_and_nulls():
    assert event_body(b"", None, []) == (None, False)
    assert event_body(b"text", "text/plain", []) == ("text", False)
    png = b"\x89PNG\r\n"
    assert event_body(png, "image/png", ["image/*"]) == (base64.b64encode(png).decode(), True)
    assert event_body(b"\xff\xfe", "text/plain", [])[1] is True
    event = build_event(
        resource="/", path="/", http_method="GET", headers={}, query=[], path_parameters={},
        stage_variables={}, request_context={}, body=None, is_base64=False,
    )  # fmt: skip
    for key in ("headers", "multiValueHeaders", "queryStringParameters",
                "multiValueQueryStringParameters", "pathParameters", "stageVariables", "body"):  # fmt: skip
        assert event[key] is None, key


def test_parse_reply():
    reply = parse_reply(
        b'{"statusCode": 201, "headers": {"A": "1", "B": 2}, "multiValueHeaders": {"A": ["x", "y"]},'
        b' "body": "hi"}',
        [], None,
    )  # fmt: skip
    assert reply.status == 201
    assert reply.headers == [
        ("A", "x"),
        ("A", "y"),
        ("B", "2"),
        ("Content-Type", "application/json"),
    ]
    assert reply.body == b"hi"
    encoded = b'{"statusCode": 200, "isBase64Encoded": true, "body": "aGk=",' \
              b' "headers": {"Content-Type": "image/png"}}'  # fmt: skip
    assert parse_reply(encoded, ["image/png"], None).body == b"hi"
    assert parse_reply(encoded, [], None).body == b"aGk="  # no binary media type: as is
    for bad in (b"not json", b"[]", b'{"body": "x"}', b'{"statusCode": 200, "body": {}}',
                b'{"statusCode": 200, "extra": 1}', b'{"statusCode": "abc"}'):  # fmt: skip
        with pytest.raises(MalformedReply):
            parse_reply(bad, [], None)


def test_request_time_format():
    assert request_time(1428582896000) == "09/Apr/2015:12:34:56 +0000"


def test_patch_stage_is_all_or_nothing():
    stage = {"deploymentId": "d", "variables": {"a": "1"}}
    with pytest.raises(BadRequestException):
        patch_stage(stage, [{"op": "remove", "path": "/variables/a"},
                            {"op": "replace", "path": "/bogus", "value": "x"}])  # fmt: skip
    assert stage == {"deploymentId": "d", "variables": {"a": "1"}}
    with pytest.raises(BadRequestException):
        patch_stage(stage, [{"op": "replace", "path": "/variables/bad-name", "value": "x"}])
