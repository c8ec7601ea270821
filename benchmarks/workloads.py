"""Workloads: one AWS request each, signed with SigV4 the way an SDK would sign it.

A workload is data (service, method, path, headers, body, expected status). `sign`
turns it into the exact bytes wrk replays against one target's address. The signature
goes stale after a few minutes; lenticular does not check signatures by default, so
only the shape matters, and the shape is the real one.

Optional parts:
- `prepare(endpoint)` sets a target up before anything is measured (a table and its
  seeded items); it raises to say the target cannot run the workload.
- `check(body)` looks at the preflight answer's body: a status 200 with the wrong
  content (say, an empty Query page) skips the target too.
- `key_slot` is a placeholder in the body that wrk replaces per request with 12 digits
  (so PutItem writes a new key each time). The body is signed with the placeholder in
  it, so the signature of a varied body is wrong; no target here checks it.

To add a workload, append a `Workload` to `WORKLOADS`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from benchmarks import awslambda, dynamodb

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
    prepare: Callable[[str], None] | None = None  # set-up on a target's endpoint URL
    check: Callable[[bytes], str | None] | None = None  # problem with a 2xx body, or None
    key_slot: bytes | None = None  # placeholder in `body` that wrk varies per request


@dataclass(frozen=True)
class SignedRequest:
    method: str
    path: str
    headers: dict[str, str]  # everything wrk sends except Content-Length, which it adds
    body: bytes
    key_slot: bytes | None = None  # placeholder in `body`, replaced per request by wrk

    def with_key(self, key: str) -> bytes:
        """The body with the key slot (if any) filled by `key`, zero-padded to fit."""
        if self.key_slot is None:
            return self.body
        filled = key.rjust(len(self.key_slot), "0").encode()
        if len(filled) != len(self.key_slot):
            raise ValueError(f"key {key!r} does not fit the {len(self.key_slot)}-byte slot")
        return self.body.replace(self.key_slot, filled)


_JSON_10 = "application/x-amz-json-1.0"


def _dynamodb(
    name: str,
    operation: str,
    body: bytes,
    description: str,
    check: Callable[[bytes], str | None],
    key_slot: bytes | None = None,
) -> Workload:
    """A DynamoDB JSON-protocol workload on the `bench` table (set up by its prepare)."""
    return Workload(
        name=name,
        service="dynamodb",
        method="POST",
        path="/",
        body=body,
        headers={"Content-Type": _JSON_10, "X-Amz-Target": f"DynamoDB_20120810.{operation}"},
        description=description,
        prepare=dynamodb.prepare,
        check=check,
        key_slot=key_slot,
    )


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
        _dynamodb(
            "dynamodb-put-item",
            "PutItem",
            dynamodb.PUT_ITEM_BODY,
            "DynamoDB PutItem of a 1 KB item, a new key per request (table set up first)",
            check=dynamodb.check_put_item,
            key_slot=dynamodb.KEY_SLOT,
        ),
        _dynamodb(
            "dynamodb-put-item-same-key",
            "PutItem",
            dynamodb.PUT_ITEM_BODY.replace(dynamodb.KEY_SLOT, b"0" * len(dynamodb.KEY_SLOT)),
            "DynamoDB PutItem of a 1 KB item overwriting one key (plain replay, no Lua)",
            check=dynamodb.check_put_item,
        ),
        _dynamodb(
            "dynamodb-get-item",
            "GetItem",
            dynamodb.GET_ITEM_BODY,
            "DynamoDB GetItem of a seeded 1 KB item (eventually consistent)",
            check=dynamodb.check_get_item,
        ),
        _dynamodb(
            "dynamodb-query",
            "Query",
            dynamodb.QUERY_BODY,
            "DynamoDB Query: first 10-item page (1 KB items) of a 100-item partition",
            check=dynamodb.check_query,
        ),
        Workload(
            name="lambda-invoke",
            service="lambda",
            method="POST",
            path=awslambda.INVOKE_PATH,
            body=awslambda.INVOKE_BODY,
            headers={"Content-Type": "application/json"},
            description="Lambda Invoke (RequestResponse) of a trivial Python handler, warm",
            prepare=awslambda.prepare,
            check=awslambda.check_invoke,
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
    return SignedRequest(workload.method, workload.path, signed, workload.body, workload.key_slot)
