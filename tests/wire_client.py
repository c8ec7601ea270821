"""Raw signed HTTP requests, for tests that must send what no SDK would (malformed bodies)."""

from __future__ import annotations

import http.client
from dataclasses import dataclass
from urllib.parse import urlsplit

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


@dataclass
class RawResponse:
    status: int
    headers: dict[str, str]
    body: bytes


def send(
    endpoint: str,
    method: str,
    path: str,
    *,
    service: str | None,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    region: str = "us-east-1",
    access_key: str = "test",
    secret_key: str = "test",
) -> RawResponse:
    """Send one request; signed with SigV4 for `service` unless service is None."""
    url = endpoint + path
    request = AWSRequest(method=method, url=url, data=body, headers=dict(headers or {}))
    if service is not None:
        SigV4Auth(Credentials(access_key, secret_key), service, region).add_auth(request)
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        conn.request(method, target, body=body, headers=dict(request.headers.items()))
        resp = conn.getresponse()
        return RawResponse(resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read())
    finally:
        conn.close()
