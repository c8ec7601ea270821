"""Requests signed by botocore itself, turned into the `HttpRequest` the server would see."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlsplit

import boto3
from botocore.awsrequest import AWSPreparedRequest, AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

from lenticular.protocol.http import HttpRequest

ENDPOINT = "http://localhost:4566"
ACCESS_KEY = "AKIDEXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
CREDENTIALS = Credentials(ACCESS_KEY, SECRET_KEY)


class _Captured(Exception):
    pass


def client(
    service: str, *, signature_version: str | None = None, token: str | None = None, **config: Any
):
    return boto3.client(
        service,
        region_name="us-east-1",
        endpoint_url=ENDPOINT,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        aws_session_token=token,
        config=Config(signature_version=signature_version, **config),
    )


def call(service: str, operation: str, params: dict[str, Any], **client_args: Any) -> HttpRequest:
    """The request a real boto3 client sends for `operation`, captured before it leaves."""
    c = client(service, **client_args)
    captured: list[AWSPreparedRequest] = []

    def before_send(request: AWSPreparedRequest, **_: Any) -> None:
        captured.append(request)
        raise _Captured

    c.meta.events.register("before-send", before_send)
    try:
        getattr(c, operation)(**params)
    except _Captured:
        pass
    return to_http(captured[0])


def presign(
    service: str,
    operation: str,
    params: dict[str, Any],
    expires: int = 3600,
    method: str = "GET",
    **client_args: Any,
) -> HttpRequest:
    """A presigned URL, as requested with `method` (which is part of what is signed)."""
    url = client(service, **client_args).generate_presigned_url(
        operation, Params=params, ExpiresIn=expires, HttpMethod=method
    )
    return from_url(method, url)


def sign(
    signer: Any,
    method: str,
    url: str,
    *,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    params: dict[str, str] | None = None,
) -> HttpRequest:
    """Sign a hand-made request with one of botocore.auth's signers."""
    request = AWSRequest(
        method=method, url=url, data=body, headers=headers or {}, params=params or {}
    )
    signer.add_auth(request)
    return to_http(request.prepare())


def to_http(prepared: AWSPreparedRequest) -> HttpRequest:
    split = urlsplit(prepared.url)
    headers = {}
    for name, value in prepared.headers.items():
        headers[name.lower()] = value.decode() if isinstance(value, bytes) else value
    headers["host"] = split.netloc  # what urllib3 sends
    body = prepared.body or b""
    if hasattr(body, "read"):
        body = body.read()
    if isinstance(body, str):
        body = body.encode()
    return HttpRequest(
        method=prepared.method,
        path=unquote(split.path),
        raw_path=split.path,
        query_string=split.query,
        headers=headers,
        body=body,
        host=split.hostname or "",
    )


def from_url(
    method: str, url: str, headers: dict[str, str] | None = None, body: bytes = b""
) -> HttpRequest:
    split = urlsplit(url)
    return HttpRequest(
        method=method,
        path=unquote(split.path),
        raw_path=split.path,
        query_string=split.query,
        headers={"host": split.netloc, **(headers or {})},
        body=body,
        host=split.hostname or "",
    )
