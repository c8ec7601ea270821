"""Minting temporary credentials and naming the identities they act as.

Formats follow AWS: access keys `ASIA` + 16 characters, 40-character secrets, role ids
`AROA` + 17 characters (stable per role ARN), assumed-role ARNs
`arn:aws:sts::<account>:assumed-role/<role name>/<session name>`.
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import string
import time

from lenticular.services.sts.errors import ValidationError
from lenticular.services.sts.store import TemporaryCredentials

_KEY_ALPHABET = string.ascii_uppercase + "234567"


def _random_id(prefix: str, length: int) -> str:
    return prefix + "".join(secrets.choice(_KEY_ALPHABET) for _ in range(length))


def role_id(role_arn: str) -> str:
    """A stable unique id for a role (`AROA...`), the same for every call on that ARN."""
    digest = base64.b32encode(hashlib.sha256(role_arn.encode()).digest()).decode()
    return "AROA" + digest[:17]


def parse_role_arn(role_arn: str) -> tuple[str, str]:
    """(account id, role name) of an IAM role ARN; ValidationError if it is not one."""
    parts = role_arn.split(":", 5)
    if (
        len(parts) != 6
        or parts[0] != "arn"
        or parts[2] != "iam"
        or parts[3] != ""
        or not (len(parts[4]) == 12 and parts[4].isdigit())
        or not parts[5].startswith("role/")
        or parts[5].endswith("/")
    ):
        raise ValidationError(f"{role_arn} is invalid")
    return parts[4], parts[5].rsplit("/", 1)[1]


def mint(account_id: str, arn: str, user_id: str, duration_seconds: int) -> TemporaryCredentials:
    token = base64.b64encode(b"\x00lenticular" + secrets.token_bytes(180)).decode()
    return TemporaryCredentials(
        access_key=_random_id("ASIA", 16),
        secret_key=base64.b64encode(secrets.token_bytes(30)).decode(),
        session_token=token,
        account_id=account_id,
        arn=arn,
        user_id=user_id,
        # AWS reports expirations to the second.
        expires_at=float(int(time.time()) + duration_seconds),
    )


def assumed_role(role_arn: str, session_name: str, duration_seconds: int) -> TemporaryCredentials:
    account_id, role_name = parse_role_arn(role_arn)
    assumed_role_id = f"{role_id(role_arn)}:{session_name}"
    arn = f"arn:aws:sts::{account_id}:assumed-role/{role_name}/{session_name}"
    return mint(account_id, arn, assumed_role_id, duration_seconds)
