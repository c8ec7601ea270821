"""Workloads: one AWS request each, signed with SigV4 the way an SDK would sign it.

A workload is data (service, method, path, headers, body, expected status). `sign`
turns it into the exact bytes wrk replays against one target's address. The signature
goes stale after a few minutes; lenticular does not check signatures by default, so
only the shape matters, and the shape is the real one.

To add a workload, append a `Workload` to `WORKLOADS`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

ACCESS_KEY = "test"
SECRET_KEY = "test"
REGION = "us-east-1"


@dataclass(frozen=True)
class Workload:
    name: str  # command-line name, e.g. "sts-get-caller-identity"
    service: str  # SigV4 signing name, e.g. "sts", "dynamodb"
    method: str  # HTTP method
    path: str  # request path with any query string
    body: bytes  # request body, sent as is
    headers: dict[str, str] = field(default_factory=dict)  # before signing
    expected_status: int = 200  # what a correct emulator answers
    description: str = ""  # one line for --list


@dataclass(frozen=True)
class SignedRequest:
    method: str
    path: str
    headers: dict[str, str]  # everything wrk sends except Content-Length, which it adds
    body: bytes


WORKLOADS: dict[str, Workload] = {
    w.name: w
    for w in [
        Workload(
            name="sts-get-caller-identity",
            service="sts",
            method="POST",
            path="/",
            body=b"Action=GetCallerIdentity&Version=2011-06-15",
            headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
            description="STS GetCallerIdentity, query protocol",
        ),
        Workload(
            name="dynamodb-list-tables",
            service="dynamodb",
            method="POST",
            path="/",
            body=b"{}",
            headers={
                "Content-Type": "application/x-amz-json-1.0",
                "X-Amz-Target": "DynamoDB_20120810.ListTables",
            },
            description="DynamoDB ListTables, json protocol (needs the DynamoDB service)",
        ),
    ]
}


def sign(workload: Workload, host: str, port: int) -> SignedRequest:
    """Sign `workload` for http://host:port with the test credentials."""
    netloc = f"{host}:{port}"
    headers = {"User-Agent": "lenticular-benchmark", **workload.headers}
    request = AWSRequest(
        method=workload.method,
        url=f"http://{netloc}{workload.path}",
        data=workload.body,
        headers=headers,
    )
    SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), workload.service, REGION).add_auth(request)
    # SigV4 signs the Host header but botocore leaves sending it to the HTTP client.
    signed = {"Host": netloc}
    signed.update((name, str(value)) for name, value in request.headers.items())
    return SignedRequest(workload.method, workload.path, signed, workload.body)
