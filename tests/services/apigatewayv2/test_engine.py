"""Engine tests without HTTP: route selection, 2.0 reply rules, CORS origin matching and
JWT claim rendering."""

from __future__ import annotations

import pytest

from lenticular.services.apigateway.proxy_event import MalformedReply
from lenticular.services.apigatewayv2.cors import allowed_origin
from lenticular.services.apigatewayv2.definitions import check_route_key, lambda_arn_of
from lenticular.services.apigatewayv2.errors import BadRequestException
from lenticular.services.apigatewayv2.jwt_authorizer import claim_text
from lenticular.services.apigatewayv2.payload import cookies_of, joined_query, parse_reply_v2
from lenticular.services.apigatewayv2.routing import RouteTable

KEYS = ["GET /pets", "GET /pets/{id}", "GET /pets/dog", "ANY /pets/{id}", "GET /pets/{proxy+}",
        "ANY /{proxy+}", "POST /a/{b}/c", "GET /", "$default"]  # fmt: skip


@pytest.fixture
def table() -> RouteTable:
    return RouteTable([{"RouteKey": key} for key in KEYS])


@pytest.mark.parametrize(
    ("method", "path", "key", "params"),
    [
        ("GET", "/pets", "GET /pets", {}),
        ("GET", "/pets/dog", "GET /pets/dog", {}),
        ("GET", "/pets/7", "GET /pets/{id}", {"id": "7"}),
        ("PUT", "/pets/7", "ANY /pets/{id}", {"id": "7"}),
        ("GET", "/pets/7/toys", "GET /pets/{proxy+}", {"proxy": "7/toys"}),
        ("PUT", "/pets/7/toys", "ANY /{proxy+}", {"proxy": "pets/7/toys"}),
        ("POST", "/a/x/c", "POST /a/{b}/c", {"b": "x"}),
        ("GET", "/a/x/c", "ANY /{proxy+}", {"proxy": "a/x/c"}),
        ("GET", "/", "GET /", {}),
        ("POST", "/", "$default", {}),
    ],
)
def test_route_selection(table, method, path, key, params):
    match = table.match(method, path)
    assert match is not None and match.route["RouteKey"] == key
    assert match.path_parameters == params


def test_no_route_without_default():
    assert RouteTable([{"RouteKey": "GET /x"}]).match("GET", "/y") is None
    assert RouteTable([{"RouteKey": "GET /{proxy+}"}]).match("GET", "/") is None


@pytest.mark.parametrize("key", ["GET /x", "$default", "ANY /{proxy+}", "GET /", "GET /a/{b}/c"])
def test_valid_route_keys(key):
    check_route_key(key)


@pytest.mark.parametrize("key", ["get /x", "GET", "GET /{a+}/x", "GET /{a}{b}", "X /y", ""])
def test_invalid_route_keys(key):
    with pytest.raises(BadRequestException):
        check_route_key(key)


def test_lambda_arn_forms():
    arn = "arn:aws:lambda:us-east-1:000000000000:function:f"
    assert lambda_arn_of(arn) == arn
    uri = f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{arn}/invocations"
    assert lambda_arn_of(uri) == arn
    assert lambda_arn_of("http://example.com") is None


def test_v2_reply_rules():
    plain = parse_reply_v2(b'{"a": 1}')
    assert (plain.status, plain.body) == (200, b'{"a": 1}')
    assert ("Content-Type", "application/json") in plain.headers
    text = parse_reply_v2(b'"hello"')
    assert (text.status, text.body) == (200, b'"hello"')
    full = parse_reply_v2(
        b'{"statusCode": 404, "headers": {"x": 1}, "cookies": ["c=1"], "body": "gone"}'
    )
    assert full.status == 404 and full.body == b"gone"
    assert ("x", "1") in full.headers and ("Set-Cookie", "c=1") in full.headers
    b64 = parse_reply_v2(b'{"statusCode": 200, "body": "aGk=", "isBase64Encoded": true}')
    assert b64.body == b"hi"
    for bad in (b"not json", b'{"statusCode": "abc"}', b'{"statusCode": 200, "cookies": "x"}'):
        with pytest.raises(MalformedReply):
            parse_reply_v2(bad)


def test_event_helpers():
    assert cookies_of({"cookie": "a=1; b=2"}) == ["a=1", "b=2"]
    assert joined_query([("a", "1"), ("b", "2"), ("a", "3")]) == {"a": "1,3", "b": "2"}


def test_cors_origins():
    cors = {"AllowOrigins": ["https://a.example", "https://*.b.example"]}
    assert allowed_origin(cors, "https://a.example") == "https://a.example"
    assert allowed_origin(cors, "https://x.b.example") == "https://x.b.example"
    assert allowed_origin(cors, "https://c.example") is None
    assert allowed_origin({"AllowOrigins": ["*"]}, "https://any") == "*"


def test_claim_text():
    assert claim_text(["a", "b"]) == "[a b]"
    assert claim_text(5) == "5" and claim_text(True) == "true" and claim_text("s") == "s"
