"""Execution-role credentials for functions, as AWS gives them.

On AWS a function's environment carries temporary credentials of its execution role
(session name = function name), so `sts get-caller-identity` inside it answers
`arn:aws:sts::<account>:assumed-role/<role>/<function>`. lenticular mints them through
STS in-process, keeps them until an hour before they expire, and so they also pass
`--verify-signatures`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from lenticular.errors import ServiceError

SESSION_SECONDS = 12 * 3600
REFRESH_BEFORE_SECONDS = 3600


class ExecutionRoleCredentials:
    def __init__(self, sts: Callable[[], Any]) -> None:
        self._sts = sts  # the STS provider, looked up on first use
        self._cache: dict[tuple[str, str], tuple[tuple[str, str, str], float]] = {}

    def for_function(self, role_arn: str, function_name: str) -> tuple[str, str, str] | None:
        """(access key, secret, session token), or None when the role ARN is not a role's."""
        key = (role_arn, function_name)
        hit = self._cache.get(key)
        if hit is not None and hit[1] - REFRESH_BEFORE_SECONDS > time.time():
            return hit[0]
        try:
            creds = self._sts().role_credentials(role_arn, function_name[:64], SESSION_SECONDS)
        except ServiceError:  # a role ARN of another shape: keep the lenient account key
            return None
        value = (creds.access_key, creds.secret_key, creds.session_token)
        self._cache[key] = (value, creds.expires_at)
        return value
