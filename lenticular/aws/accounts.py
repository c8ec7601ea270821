"""Who signed a request: access keys mapped to accounts, secrets and principals.

The directory knows long-term keys (the default `test`/`test` in account 000000000000,
plus any from `LENTICULAR_CREDENTIALS`) and asks pluggable resolvers about the rest, which
is how STS-issued temporary credentials are found. In the default, lenient mode any key
is accepted: an unknown key acts for the default account, and a 12-digit key acts for
the account with that id (handy for multi-account tests). Strict mode refuses unknown or
expired keys and checks signatures.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from lenticular.aws import errors
from lenticular.aws.errors import dialect_for
from lenticular.aws.sigv4 import Credential, check_request_time, verify
from lenticular.protocol.http import HttpRequest

DEFAULT_ACCOUNT = "000000000000"
DEFAULT_ACCESS_KEY = "test"
DEFAULT_SECRET_KEY = "test"
CREDENTIALS_ENV = "LENTICULAR_CREDENTIALS"


@dataclass(slots=True, frozen=True)
class Identity:
    """The principal behind an access key."""

    access_key: str  # the access key id the request was signed with
    secret_key: str  # its secret, for verifying signatures
    account_id: str  # the 12-digit account the key belongs to
    arn: str  # the principal, e.g. arn:aws:iam::000000000000:root
    user_id: str  # GetCallerIdentity's UserId (the account id for root, "AROA...:name" for roles)
    session_token: str | None = None  # set for temporary credentials only
    expires_at: datetime | None = None  # when temporary credentials stop working (aware, UTC)


Resolver = Callable[[str], Identity | None]


def root_identity(access_key: str, secret_key: str, account_id: str) -> Identity:
    """An identity acting as the account's root user."""
    return Identity(
        access_key, secret_key, account_id, f"arn:aws:iam::{account_id}:root", account_id
    )


class AccountDirectory:
    """Access key -> `Identity`, for long-term keys and (through resolvers) temporary ones."""

    def __init__(self, default_account: str = DEFAULT_ACCOUNT) -> None:
        self.default_account = default_account
        self._keys: dict[str, Identity] = {}
        self._resolvers: list[Resolver] = []
        self._lenient: dict[str, Identity] = {}  # identities made up for unknown keys
        self.add(root_identity(DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY, default_account))

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> AccountDirectory:
        """The default directory plus the keys listed in `LENTICULAR_CREDENTIALS`.

        The variable holds "AKID:SECRET:ACCOUNT" entries separated by commas.
        """
        directory = cls()
        spec = (os.environ if environ is None else environ).get(CREDENTIALS_ENV, "")
        for identity in parse_credentials_spec(spec):
            directory.add(identity)
        return directory

    def add(self, identity: Identity) -> None:
        """Register a long-term access key (replacing any with the same id)."""
        self._keys[identity.access_key] = identity

    def add_resolver(self, resolver: Resolver) -> None:
        """Ask `resolver` about keys the directory does not hold (e.g. STS session keys)."""
        self._resolvers.append(resolver)

    def lookup(self, access_key: str) -> Identity | None:
        """The registered identity for `access_key`, or None if no one issued it."""
        identity = self._keys.get(access_key)
        if identity is not None:
            return identity
        for resolver in self._resolvers:
            identity = resolver(access_key)
            if identity is not None:
                return identity
        return None

    def lenient_identity(self, access_key: str) -> Identity:
        """What an unknown key stands for outside strict mode."""
        identity = self._lenient.get(access_key)
        if identity is None:
            if len(access_key) == 12 and access_key.isdigit():
                account_id = access_key
            else:
                account_id = self.default_account
            identity = root_identity(access_key, DEFAULT_SECRET_KEY, account_id)
            if len(self._lenient) >= 4096:  # any string can be a key: keep the cache bounded
                self._lenient.clear()
            self._lenient[access_key] = identity
        return identity

    def authenticate(
        self,
        request: HttpRequest,
        credential: Credential,
        *,
        strict: bool,
        now: datetime,
        protocol: str | None = None,
    ) -> Identity:
        """The identity that signed `request`; in strict mode, also proves it did.

        Strict mode raises AWS's errors for unknown keys, expired or mismatched session
        tokens and bad signatures. `protocol` (botocore's protocol name) picks the error
        codes when the caller knows it.
        """
        identity = self.lookup(credential.access_key)
        if not strict:
            return (
                identity if identity is not None else self.lenient_identity(credential.access_key)
            )
        dialect = dialect_for(credential.service, protocol)
        if identity is None:
            if dialect != "s3":  # outside S3, a stale signature is refused before the key
                check_request_time(request, credential, now=now, protocol=protocol)
            raise errors.unknown_access_key(dialect)
        if identity.session_token is not None:
            if credential.security_token != identity.session_token:
                raise errors.invalid_token(dialect)
            if identity.expires_at is not None and now >= identity.expires_at:
                raise errors.expired_token(dialect)
        elif credential.security_token:
            raise errors.invalid_token(dialect)  # a session token sent with a long-term key
        verify(request, credential, identity.secret_key, now=now, protocol=protocol)
        return identity


def parse_credentials_spec(spec: str) -> list[Identity]:
    """Identities from "AKID:SECRET:ACCOUNT[,AKID2:SECRET2:ACCOUNT2]"."""
    identities = []
    for entry in spec.split(","):
        entry = entry.strip()
        if not entry:
            continue
        parts = [part.strip() for part in entry.split(":")]
        if len(parts) != 3 or not all(parts):
            raise ValueError(
                f"{CREDENTIALS_ENV}: expected AKID:SECRET:ACCOUNT entries separated by commas, "
                f"got {entry!r}"
            )
        access_key, secret_key, account_id = parts
        if len(account_id) != 12 or not account_id.isdigit():
            raise ValueError(f"{CREDENTIALS_ENV}: account id {account_id!r} is not 12 digits")
        identities.append(root_identity(access_key, secret_key, account_id))
    return identities
