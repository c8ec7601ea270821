"""Binary media types and contentHandling: HTTP and MOCK integrations converting request
and response payloads, and the Lambda proxy's isBase64Encoded in both directions."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest

from lenticular.services.apigateway.content_handling import _decode, convert
from tests.services.apigateway.conftest import QuietHandler, add_resource, call, http_backend
from tests.services.apigateway.test_lambda_proxy import lambda_uri

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe"
BINARY_ECHO = """
import base64, json

def handler(event, context):
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "image/png"},
        "body": base64.b64encode(b"\\x89PNG-from-lambda").decode(),
        "isBase64Encoded": True,
        "multiValueHeaders": {"X-Event": [json.dumps(
            {"isBase64Encoded": event["isBase64Encoded"], "body": event["body"]})]},
    }
"""


class _Bytes(QuietHandler):
    """Answers the request body as it came, with the Content-Type named by ?type=."""

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        kind = parse_qs(urlsplit(self.path).query).get("type", ["application/octet-stream"])[0]
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def backend() -> Iterator[str]:
    with http_backend(_Bytes) as url:
        yield url


def _http_method(apigw, api, path, backend, *, answer_type, request_handling=None,
                 response_handling=None, templates=None):  # fmt: skip
    rid = add_resource(apigw, api, path)
    where = {"restApiId": api["id"], "resourceId": rid, "httpMethod": "POST"}
    apigw.put_method(**where, authorizationType="NONE")
    params = {"type": "HTTP", "integrationHttpMethod": "POST",
              "uri": f"{backend}/echo?type={answer_type}"}  # fmt: skip
    if request_handling:
        params["contentHandling"] = request_handling
    if templates:
        params["requestTemplates"] = templates
    apigw.put_integration(**where, **params)
    apigw.put_method_response(**where, statusCode="200")
    response = {"statusCode": "200", "selectionPattern": ""}
    if response_handling:
        response["contentHandling"] = response_handling
    apigw.put_integration_response(**where, **response)


def test_request_conversions_of_http_integrations(lenticular_server, apigw, rest_api, backend):
    api = rest_api(binaryMediaTypes=["image/*"])
    _http_method(apigw, api, "/to-text", backend, answer_type="text/plain",
                 request_handling="CONVERT_TO_TEXT")  # fmt: skip
    _http_method(apigw, api, "/to-binary", backend, answer_type="application/x-raw",
                 request_handling="CONVERT_TO_BINARY")  # fmt: skip
    _http_method(
        apigw,
        api,
        "/as-is",
        backend,
        answer_type="image/png",
        templates={"image/png": "templated", "application/json": "templated"},
    )
    apigw.create_deployment(restApiId=api["id"], stageName="dev")
    api_id = api["id"]
    reply = call(lenticular_server, api_id, "/dev/to-text", method="POST", body=PNG,
                 headers={"Content-Type": "image/png", "Accept": "text/plain"})  # fmt: skip
    assert reply.status == 200 and reply.body == base64.b64encode(PNG)
    reply = call(lenticular_server, api_id, "/dev/to-binary", method="POST",
                 body=base64.b64encode(PNG),
                 headers={"Content-Type": "text/plain", "Accept": "image/png"})  # fmt: skip
    assert reply.status == 200 and reply.body == PNG
    bad = call(lenticular_server, api_id, "/dev/to-binary", method="POST", body=b"not base64!",
               headers={"Content-Type": "text/plain"})  # fmt: skip
    assert (bad.status, bad.json()) == (500, {"message": "Internal server error"})
    # A binary body passes through untemplated; a binary Accept gets the bytes back.
    reply = call(lenticular_server, api_id, "/dev/as-is", method="POST", body=PNG,
                 headers={"Content-Type": "image/png", "Accept": "image/png"})  # fmt: skip
    assert reply.body == PNG and reply.headers["content-type"] == "image/png"
    # The same binary answer for a text Accept comes back base64-encoded.
    reply = call(lenticular_server, api_id, "/dev/as-is", method="POST", body=PNG,
                 headers={"Content-Type": "image/png", "Accept": "application/json"})  # fmt: skip
    assert reply.body == base64.b64encode(PNG)


def test_response_conversions(lenticular_server, apigw, rest_api, backend):
    api = rest_api(binaryMediaTypes=["application/octet-stream"])
    _http_method(apigw, api, "/resp-text", backend, answer_type="application/octet-stream",
                 response_handling="CONVERT_TO_TEXT")  # fmt: skip
    _http_method(apigw, api, "/resp-binary", backend, answer_type="text/plain",
                 response_handling="CONVERT_TO_BINARY")  # fmt: skip
    apigw.create_deployment(restApiId=api["id"], stageName="dev")
    reply = call(lenticular_server, api["id"], "/dev/resp-text", method="POST", body=PNG,
                 headers={"Content-Type": "application/octet-stream",
                          "Accept": "application/octet-stream"})  # fmt: skip
    assert reply.body == base64.b64encode(PNG)
    reply = call(lenticular_server, api["id"], "/dev/resp-binary", method="POST",
                 body=base64.b64encode(PNG), headers={"Content-Type": "text/plain"})  # fmt: skip
    assert reply.body == PNG


def test_mock_template_rendered_then_converted_to_binary(lenticular_server, apigw, rest_api):
    api = rest_api(binaryMediaTypes=["*/*"])
    encoded = base64.b64encode(PNG).decode()
    for path, handling in (("/icon", "CONVERT_TO_BINARY"), ("/implicit", None)):
        rid = add_resource(apigw, api, path)
        where = {"restApiId": api["id"], "resourceId": rid, "httpMethod": "GET"}
        apigw.put_method(**where, authorizationType="NONE")
        apigw.put_integration(
            **where, type="MOCK", requestTemplates={"application/json": '{"statusCode": 200}'}
        )
        apigw.put_method_response(**where, statusCode="200")
        extra = {"contentHandling": handling} if handling else {}
        apigw.put_integration_response(
            **where, statusCode="200", selectionPattern="",
            responseTemplates={"image/png": encoded},
            responseParameters={"method.response.header.Content-Type": "'image/png'"}, **extra,
        )  # fmt: skip
    apigw.create_deployment(restApiId=api["id"], stageName="dev")
    for path in ("/dev/icon", "/dev/implicit"):
        reply = call(lenticular_server, api["id"], path, headers={"Accept": "image/png"})
        assert reply.status == 200 and reply.body == PNG, path
        assert reply.headers["content-type"] == "image/png"


def test_lambda_proxy_base64_both_ways(lenticular_server, apigw, rest_api, function):  # noqa: F811
    arn = function(BINARY_ECHO)
    api = rest_api(binaryMediaTypes=["image/*"])
    rid = add_resource(apigw, api, "/img")
    where = {"restApiId": api["id"], "resourceId": rid, "httpMethod": "POST"}
    apigw.put_method(**where, authorizationType="NONE")
    apigw.put_integration(**where, type="AWS_PROXY", integrationHttpMethod="POST",
                          uri=lambda_uri(arn))  # fmt: skip
    apigw.create_deployment(restApiId=api["id"], stageName="dev")
    reply = call(lenticular_server, api["id"], "/dev/img", method="POST", body=PNG,
                 headers={"Content-Type": "image/png", "Accept": "image/png"})  # fmt: skip
    assert reply.status == 200 and reply.body == b"\x89PNG-from-lambda"
    event = json.loads(reply.headers["x-event"])
    assert event == {"isBase64Encoded": True, "body": base64.b64encode(PNG).decode()}
    text = call(lenticular_server, api["id"], "/dev/img", method="POST", body=b"hello",
                headers={"Content-Type": "text/plain", "Accept": "application/json"})  # fmt: skip
    assert json.loads(text.headers["x-event"]) == {"isBase64Encoded": False, "body": "hello"}
    # No binary Accept and a Content-Type that matches: still decoded (image/png reply).
    assert text.body == b"\x89PNG-from-lambda"


def test_lambda_non_proxy_base64_string_to_binary(lenticular_server, apigw, rest_api, function):  # noqa: F811
    arn = function(
        "import base64\n\ndef handler(event, context):\n"
        "    return base64.b64encode(b'\\x89PNG-non-proxy').decode()\n"
    )
    api = rest_api()
    rid = add_resource(apigw, api, "/img")
    where = {"restApiId": api["id"], "resourceId": rid, "httpMethod": "GET"}
    apigw.put_method(**where, authorizationType="NONE")
    apigw.put_integration(**where, type="AWS", integrationHttpMethod="POST", uri=lambda_uri(arn))
    apigw.put_method_response(**where, statusCode="200")
    apigw.put_integration_response(
        **where, statusCode="200", selectionPattern="", contentHandling="CONVERT_TO_BINARY",
        responseParameters={"method.response.header.Content-Type": "'image/png'"},
    )  # fmt: skip
    apigw.create_deployment(restApiId=api["id"], stageName="dev")
    reply = call(lenticular_server, api["id"], "/dev/img")
    assert reply.status == 200 and reply.body == b"\x89PNG-non-proxy"
    assert reply.headers["content-type"] == "image/png"


def test_convert_engine():
    assert convert(PNG, True, "CONVERT_TO_TEXT") == (base64.b64encode(PNG), False)
    assert convert(base64.b64encode(PNG), False, "CONVERT_TO_BINARY") == (PNG, True)
    assert convert(b"text", False, None) == (b"text", False)
    assert convert(PNG, True, "CONVERT_TO_BINARY") == (PNG, True)
    assert convert(b"%%%", False, "CONVERT_TO_BINARY") == (None, True)
    assert _decode(b'"aGk="') == b"hi"
