"""HTTP_PROXY integrations forwarding to a local HTTP server (loopback only)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.services.apigateway.conftest import QuietHandler, add_resource, call, http_backend


class _Echo(QuietHandler):
    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        payload = json.dumps({
            "method": self.command, "path": self.path, "body": body,
            "custom": self.headers.get("X-Custom"),
        }).encode()  # fmt: skip
        self.send_response(207)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Backend", "echo")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = _answer


@pytest.fixture(scope="module")
def backend() -> Iterator[str]:
    with http_backend(_Echo) as url:
        yield url


def test_http_proxy_forwards_request_and_response(lenticular_server, apigw, rest_api, backend):
    api = rest_api()
    rid = add_resource(apigw, api, "/svc/{proxy+}")
    apigw.put_method(restApiId=api["id"], resourceId=rid, httpMethod="ANY",
                     authorizationType="NONE",
                     requestParameters={"method.request.path.proxy": True})  # fmt: skip
    apigw.put_integration(
        restApiId=api["id"], resourceId=rid, httpMethod="ANY", type="HTTP_PROXY",
        integrationHttpMethod="ANY", uri=f"{backend}/backend/{{proxy}}",
        requestParameters={"integration.request.path.proxy": "method.request.path.proxy"},
    )  # fmt: skip
    apigw.create_deployment(restApiId=api["id"], stageName="live")
    reply = call(lenticular_server, api["id"], "/live/svc/a/b?x=1&x=2", method="POST",
                 headers={"X-Custom": "yes", "Content-Type": "text/plain"}, body=b"hi")  # fmt: skip
    assert reply.status == 207
    assert reply.headers["x-backend"] == "echo"
    assert reply.headers["x-amzn-requestid"]
    assert reply.json() == {
        "method": "POST", "path": "/backend/a/b?x=1&x=2", "body": "hi", "custom": "yes",
    }  # fmt: skip


def test_http_proxy_unreachable_backend_is_500(lenticular_server, apigw, rest_api):
    api = rest_api()
    rid = api["rootResourceId"]
    apigw.put_method(
        restApiId=api["id"], resourceId=rid, httpMethod="GET", authorizationType="NONE"
    )
    apigw.put_integration(restApiId=api["id"], resourceId=rid, httpMethod="GET",
                          type="HTTP_PROXY", integrationHttpMethod="GET",
                          uri="http://127.0.0.1:9/")  # fmt: skip
    apigw.create_deployment(restApiId=api["id"], stageName="live")
    reply = call(lenticular_server, api["id"], "/live/")
    assert reply.status == 500
    assert reply.json() == {"message": "Internal server error"}


def test_http_non_proxy_maps_request_and_response(lenticular_server, apigw, rest_api, backend):
    """HTTP (non-proxy): only mapped parameters reach the backend; its status selects the
    integration response and the response template reshapes its body."""
    api = rest_api()
    rid = add_resource(apigw, api, "/orders/{id}")
    apigw.put_method(restApiId=api["id"], resourceId=rid, httpMethod="POST",
                     authorizationType="NONE")  # fmt: skip
    apigw.put_integration(
        restApiId=api["id"], resourceId=rid, httpMethod="POST", type="HTTP",
        integrationHttpMethod="PUT", uri=f"{backend}/backend/{{oid}}",
        requestParameters={
            "integration.request.path.oid": "method.request.path.id",
            "integration.request.header.X-Custom": "method.request.querystring.tag",
            "integration.request.querystring.source": "'gateway'",
        },
        requestTemplates={"application/json": '{"wrapped": $input.json(\'$\')}'},
    )  # fmt: skip
    for status, pattern in (("200", ""), ("502", "2\\d{2}")):
        apigw.put_method_response(restApiId=api["id"], resourceId=rid, httpMethod="POST",
                                  statusCode=status)  # fmt: skip
        apigw.put_integration_response(
            restApiId=api["id"], resourceId=rid, httpMethod="POST", statusCode=status,
            selectionPattern=pattern,
            responseParameters={"method.response.header.X-Backend":
                                "integration.response.header.X-Backend"},
            responseTemplates={"application/json": (
                '{"sent": $input.json(\'$.body\'), "path": "$input.path(\'$.path\')", '
                '"custom": "$input.path(\'$.custom\')"}')},
        )  # fmt: skip
    apigw.create_deployment(restApiId=api["id"], stageName="dev")
    reply = call(lenticular_server, api["id"], "/dev/orders/42?tag=blue", method="POST",
                 headers={"Content-Type": "application/json"}, body=b'{"n": 1}')  # fmt: skip
    # The echo backend answers 207, which the "2\d{2}" pattern maps to 502.
    assert reply.status == 502
    assert reply.headers["x-backend"] == "echo"
    assert reply.json() == {
        "sent": '{"wrapped": {"n":1}}',
        "path": "/backend/42?source=gateway",
        "custom": "blue",
    }
