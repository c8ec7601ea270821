"""Where STS keeps the temporary credentials it mints (SQLite, one row per key)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from lenticular.state.sqlite import Database

MIGRATIONS = Path(__file__).parent / "migrations"


@dataclass(slots=True, frozen=True)
class TemporaryCredentials:
    access_key: str
    secret_key: str
    session_token: str
    account_id: str
    arn: str
    user_id: str
    expires_at: float  # epoch seconds


class StsStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def put(self, creds: TemporaryCredentials) -> None:
        self.db.execute(
            "INSERT INTO temporary_credentials (access_key, secret_key, session_token,"
            " account_id, arn, user_id, expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                creds.access_key,
                creds.secret_key,
                creds.session_token,
                creds.account_id,
                creds.arn,
                creds.user_id,
                creds.expires_at,
                time.time(),
            ),
        )

    def get(self, access_key: str) -> TemporaryCredentials | None:
        row = self.db.query_one(
            "SELECT access_key, secret_key, session_token, account_id, arn, user_id, expires_at"
            " FROM temporary_credentials WHERE access_key = ?",
            (access_key,),
        )
        return TemporaryCredentials(*row) if row is not None else None

    def purge_expired(self, older_than: float) -> int:
        """Forget credentials that expired before `older_than` (epoch seconds)."""
        return self.db.execute(
            "DELETE FROM temporary_credentials WHERE expires_at < ?", (older_than,)
        )
