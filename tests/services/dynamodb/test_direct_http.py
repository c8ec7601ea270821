"""JSON-RPC calls take the server's direct path (lenticular.http_protocol) and other
requests uvicorn's ASGI path: both must answer alike on the wire. Raw sockets against the
real server: keep-alive, Connection: close, pipelining, Expect: 100-continue, bodies in
pieces, chunked and large bodies, and errors."""

from __future__ import annotations

import json
import socket
from typing import Any
from urllib.parse import urlsplit

import pytest

_AUTH = (
    "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/dynamodb/aws4_request, "
    "SignedHeaders=host;x-amz-date, Signature=0"
)


def _request(target: str, payload: Any, extra: str = "", body: bytes | None = None) -> bytes:
    data = json.dumps(payload).encode() if body is None else body
    head = (
        "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-amz-json-1.0\r\n"
        f"X-Amz-Target: DynamoDB_20120810.{target}\r\nAuthorization: {_AUTH}\r\n"
        f"X-Amz-Date: 20260101T000000Z\r\n{extra}"
    )
    if "transfer-encoding" not in extra.lower():
        head += f"Content-Length: {len(data)}\r\n"
    return head.encode() + b"\r\n" + data


def _connect(server: Any) -> socket.socket:
    url = urlsplit(server.endpoint)
    sock = socket.create_connection((url.hostname, url.port), timeout=10)
    return sock


class _Reader:
    """Reads HTTP/1.1 responses (Content-Length framed) off a socket."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = b""

    def _fill(self) -> bool:
        data = self.sock.recv(65536)
        self.buffer += data
        return bool(data)

    def response(self) -> tuple[int, dict[str, str], bytes]:
        while b"\r\n\r\n" not in self.buffer:
            if not self._fill():
                raise ConnectionError("closed before a response")
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip()] = value.strip()
        if status == 100:
            return status, headers, b""
        length = int(headers.get("content-length", "0"))
        while len(self.buffer) < length:
            if not self._fill():
                raise ConnectionError("closed inside a body")
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        return status, headers, body

    def closed(self) -> bool:
        try:
            return not self.buffer and not self._fill()
        except ConnectionResetError:
            return True


@pytest.fixture
def table(make_table: Any, ddb: Any) -> str:
    name = make_table()
    ddb.put_item(TableName=name, Item={"pk": {"S": "a"}, "v": {"S": "1"}})
    return name


def test_keep_alive_serves_many_calls_on_one_connection(lenticular_server: Any, table: str) -> None:
    with _connect(lenticular_server) as sock:
        reader = _Reader(sock)
        for i in range(5):
            sock.sendall(_request("PutItem", {"TableName": table, "Item": {"pk": {"S": f"k{i}"}}}))
            status, headers, body = reader.response()
            assert (status, body) == (200, b"{}")
            assert headers["content-type"] == "application/x-amz-json-1.0"
            assert set(headers) >= {"date", "x-amzn-requestid", "x-amz-crc32", "content-length"}
            assert all(name == name.lower() for name in headers)  # as uvicorn sends names
            assert "connection" not in headers
        sock.sendall(_request("GetItem", {"TableName": table, "Key": {"pk": {"S": "k4"}}}))
        assert json.loads(reader.response()[2]) == {"Item": {"pk": {"S": "k4"}}}


def test_connection_close_is_answered_and_honoured(lenticular_server: Any, table: str) -> None:
    with _connect(lenticular_server) as sock:
        reader = _Reader(sock)
        sock.sendall(
            _request(
                "GetItem", {"TableName": table, "Key": {"pk": {"S": "a"}}}, "Connection: close\r\n"
            )
        )
        status, headers, body = reader.response()
        assert status == 200 and headers["connection"] == "close"
        assert json.loads(body)["Item"]["v"] == {"S": "1"}
        assert reader.closed()


def test_pipelined_calls_are_answered_in_order(lenticular_server: Any, table: str) -> None:
    calls = [
        _request("PutItem", {"TableName": table, "Item": {"pk": {"S": "p"}, "n": {"N": "1"}}}),
        _request("GetItem", {"TableName": table, "Key": {"pk": {"S": "p"}}}),
        _request("DescribeTable", {"TableName": table}),
        _request("PutItem", {"TableName": table, "Item": {"pk": {"S": "p"}, "n": {"N": "2"}}}),
        _request("GetItem", {"TableName": table, "Key": {"pk": {"S": "p"}}}),
    ]
    with _connect(lenticular_server) as sock:
        sock.sendall(b"".join(calls))
        reader = _Reader(sock)
        answers = [reader.response() for _ in calls]
    assert [a[0] for a in answers] == [200] * 5
    assert json.loads(answers[1][2])["Item"]["n"] == {"N": "1"}
    assert json.loads(answers[2][2])["Table"]["TableName"] == table
    assert json.loads(answers[4][2])["Item"]["n"] == {"N": "2"}


def test_request_line_and_header_case_read_per_request(lenticular_server: Any, table: str) -> None:
    """A read that starts with `POST / HTTP/1.1` takes a shortcut past the parser's
    request-line queries, and header names reach the service lower-cased whatever their
    case: a second call in the same read with another request line (HTTP/1.0, so the
    connection ends after it), a call with upper-case names, and one behind a non-RPC POST,
    are each read as their own request line says."""
    put = _request("PutItem", {"TableName": table, "Item": {"pk": {"S": "c"}}})
    http10 = _request("GetItem", {"TableName": table, "Key": {"pk": {"S": "c"}}}).replace(
        b"HTTP/1.1", b"HTTP/1.0", 1
    )
    shouting = _request("GetItem", {"TableName": table, "Key": {"pk": {"S": "c"}}})
    head, _, body = shouting.partition(b"\r\n\r\n")
    line, *fields = head.split(b"\r\n")
    upper = [name.upper() + b":" + value for name, _, value in (f.partition(b":") for f in fields)]
    shouting = b"\r\n".join([line, *upper]) + b"\r\n\r\n" + body
    unsigned = (  # no X-Amz-Target: not a JSON-RPC call (the ASGI path answers it)
        b"POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-amz-json-1.0\r\n"
        b"Content-Length: 2\r\n\r\n{}"
    )
    with _connect(lenticular_server) as sock:
        reader = _Reader(sock)
        sock.sendall(shouting)
        status, _, body = reader.response()
        assert status == 200 and json.loads(body) == {}  # (no item "c" yet)
        sock.sendall(unsigned + put + http10)
        assert reader.response()[0] in (400, 403)  # refused, as before the shortcut
        assert reader.response()[:1] == (200,)
        status, headers, body = reader.response()
        assert status == 200 and json.loads(body) == {"Item": {"pk": {"S": "c"}}}
        assert headers.get("connection") == "close"
        assert reader.closed()


def test_expect_continue_body_in_pieces_and_chunked(lenticular_server: Any, table: str) -> None:
    payload = {"TableName": table, "Item": {"pk": {"S": "e"}, "x": {"S": "y" * 300}}}
    with _connect(lenticular_server) as sock:
        reader = _Reader(sock)
        raw = _request("PutItem", payload, "Expect: 100-continue\r\n")
        head, _, body = raw.partition(b"\r\n\r\n")
        sock.sendall(head + b"\r\n\r\n")
        assert reader.response()[0] == 100
        sock.sendall(body)
        assert reader.response()[:1] == (200,)
        # the same body in three pieces, then chunked
        raw = _request("PutItem", {**payload, "Item": {"pk": {"S": "f"}}})
        for start in range(0, len(raw), len(raw) // 3 + 1):
            sock.sendall(raw[start : start + len(raw) // 3 + 1])
        assert reader.response()[0] == 200
        body = json.dumps({**payload, "Item": {"pk": {"S": "g"}}}).encode()
        chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
        sock.sendall(_request("PutItem", None, "Transfer-Encoding: chunked\r\n", chunked))
        assert reader.response()[0] == 200
        for key in "efg":
            sock.sendall(_request("GetItem", {"TableName": table, "Key": {"pk": {"S": key}}}))
            assert "Item" in json.loads(reader.response()[2])


def test_large_body_past_the_read_buffer(lenticular_server: Any, table: str) -> None:
    item = {"pk": {"S": "big"}, "x": {"S": "z" * 300_000}}
    with _connect(lenticular_server) as sock:
        reader = _Reader(sock)
        sock.sendall(_request("PutItem", {"TableName": table, "Item": item}))
        assert reader.response()[0] == 200
        sock.sendall(_request("GetItem", {"TableName": table, "Key": {"pk": {"S": "big"}}}))
        assert json.loads(reader.response()[2])["Item"] == item


def test_errors_keep_the_connection(lenticular_server: Any, table: str) -> None:
    with _connect(lenticular_server) as sock:
        reader = _Reader(sock)
        sock.sendall(_request("PutItem", None, body=b"{not json"))
        status, _, body = reader.response()
        assert status == 400 and b"SerializationException" in body
        sock.sendall(_request("NoSuchOperation", {}))
        status, _, body = reader.response()
        assert status == 400 and b"UnknownOperationException" in body
        sock.sendall(
            _request("GetItem", {"TableName": "missing-" + table, "Key": {"pk": {"S": "a"}}})
        )
        status, _, body = reader.response()
        assert status == 400 and b"ResourceNotFoundException" in body
        sock.sendall(_request("GetItem", {"TableName": table, "Key": {"pk": {"S": "a"}}}))
        assert reader.response()[0] == 200


def test_malformed_http_is_refused(lenticular_server: Any) -> None:
    with _connect(lenticular_server) as sock:
        sock.sendall(
            b"POST / HTTP/1.1\r\nX-Amz-Target: DynamoDB_20120810.ListTables\r\nContent-Length: x\r\n\r\n"
        )
        reader = _Reader(sock)
        status, headers, _ = reader.response()
        assert status == 400 and headers["connection"] == "close"
