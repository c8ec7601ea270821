"""The head the direct HTTP path writes for an answer (lenticular.http_protocol._head) keeps
uvicorn's rules for response headers: names lower-cased in order, values it refuses
(control characters) fail the answer, a Content-Length must be ASCII digits, a
`Connection: close` ends the connection. No service answers with such headers, so the wire
cannot show these cases; they are checked on the function."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from lenticular.http_protocol import _head, _InvalidHeader
from lenticular.protocol.http import HttpResponse

_DATE = [(b"date", b"Thu, 26 Nov 2026 20:00:00 GMT")]


def _protocol() -> SimpleNamespace:
    return SimpleNamespace(server_state=SimpleNamespace(default_headers=_DATE))


def _lines(head: bytes) -> list[bytes]:
    return head.split(b"\r\n")


def test_headers_in_order_lower_cased_with_length_and_date() -> None:
    response = HttpResponse(
        200, [("Content-Type", "application/json"), ("X-Amzn-RequestId", "abc\tdef")], b"{}"
    )
    head, declared, close = _head(_protocol(), response, True)  # type: ignore[arg-type]
    assert _lines(head) == [
        b"HTTP/1.1 200 OK",
        b"date: Thu, 26 Nov 2026 20:00:00 GMT",
        b"content-type: application/json",
        b"x-amzn-requestid: abc\tdef",  # a tab is a valid header character
        b"content-length: 2",
        b"",
        b"",
    ]
    assert (declared, close) == (2, False)


def test_latin1_values_are_sent_as_latin1() -> None:
    response = HttpResponse(200, [("X-Note", "café")], b"")
    head, _, _ = _head(_protocol(), response, True)  # type: ignore[arg-type]
    assert b"x-note: caf\xe9\r\n" in head


@pytest.mark.parametrize("value", ["a\x01b", "line\nbreak", "del\x7f"])
def test_control_characters_in_a_value_fail_the_answer(value: str) -> None:
    response = HttpResponse(200, [("X-Ok", "fine"), ("X-Bad", value)], b"")
    with pytest.raises(_InvalidHeader):
        _head(_protocol(), response, True)  # type: ignore[arg-type]


def test_an_invalid_name_fails_the_answer() -> None:
    with pytest.raises(_InvalidHeader):
        _head(_protocol(), HttpResponse(200, [("Bad Name", "x")], b""), True)  # type: ignore[arg-type]


def test_declared_content_length_is_kept_and_must_be_ascii_digits() -> None:
    response = HttpResponse(200, [("Content-Length", "5")], b"hello")
    head, declared, _ = _head(_protocol(), response, True)  # type: ignore[arg-type]
    assert declared == 5 and head.count(b"content-length") == 1
    for bad in ("5x", "", "\u0665"):  # (an Arabic-Indic digit is a digit to str.isdigit)
        with pytest.raises(_InvalidHeader):
            _head(_protocol(), HttpResponse(200, [("Content-Length", bad)], b""), True)  # type: ignore[arg-type]


def test_connection_close_ends_the_connection() -> None:
    response = HttpResponse(200, [("Connection", "keep-alive, Close")], b"")
    _, _, close = _head(_protocol(), response, True)  # type: ignore[arg-type]
    assert close
    head, _, close = _head(_protocol(), HttpResponse(200, [], b""), False)  # type: ignore[arg-type]
    assert close and head.endswith(b"connection: close\r\n\r\n")
