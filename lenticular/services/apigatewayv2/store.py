"""Where HTTP APIs are kept: one JSON document per API and one per route, integration,
authorizer, deployment (with the snapshot it deployed) and stage. Each write is one
statement or one transaction."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import orjson

from lenticular.state.sqlite import Database

MIGRATIONS = Path(__file__).parent / "migrations"
Doc = dict[str, Any]


def _dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


class HttpApiStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- APIs -----------------------------------------------------------------------------

    def create_api(self, api_id: str, account_id: str, region: str, doc: Doc) -> bool:
        """Add an API; False if its id is taken."""
        return self._insert(
            "INSERT INTO http_apis (id, account_id, region, doc) VALUES (?, ?, ?, ?)",
            (api_id, account_id, region, _dumps(doc)),
        )

    def _insert(self, sql: str, args: tuple[Any, ...]) -> bool:
        """Run an INSERT; False if the row's key is taken."""
        try:
            self.db.execute(sql, args)
        except sqlite3.IntegrityError:
            return False
        return True

    def get_api(self, api_id: str) -> tuple[str, str, Doc] | None:
        """(account, region, Api document) of an API, whoever owns it."""
        row = self.db.query_one(
            "SELECT account_id, region, doc FROM http_apis WHERE id = ?", (api_id,)
        )
        return (row[0], row[1], orjson.loads(row[2])) if row is not None else None

    def save_api(self, api_id: str, doc: Doc) -> None:
        self.db.execute("UPDATE http_apis SET doc = ? WHERE id = ?", (_dumps(doc), api_id))

    def delete_api(self, api_id: str) -> None:
        with self.db.write() as conn:
            conn.execute("DELETE FROM http_api_parts WHERE api_id = ?", (api_id,))
            conn.execute("DELETE FROM http_apis WHERE id = ?", (api_id,))

    def list_apis(self, account_id: str, region: str) -> list[Doc]:
        rows = self.db.query(
            "SELECT doc FROM http_apis WHERE account_id = ? AND region = ? ORDER BY rowid",
            (account_id, region),
        )
        return [orjson.loads(row[0]) for row in rows]

    # -- routes, integrations, authorizers, deployments, stages ----------------------------

    def put_part(self, api_id: str, kind: str, part_id: str, doc: Doc,
                 snapshot: Doc | None = None) -> None:  # fmt: skip
        self.db.execute(
            "INSERT OR REPLACE INTO http_api_parts (api_id, kind, id, doc, snapshot)"
            " VALUES (?, ?, ?, ?, ?)",
            (api_id, kind, part_id, _dumps(doc), None if snapshot is None else _dumps(snapshot)),
        )

    def add_part(self, api_id: str, kind: str, part_id: str, doc: Doc) -> bool:
        """Add a part; False if one of that kind and id exists."""
        return self._insert(
            "INSERT INTO http_api_parts (api_id, kind, id, doc) VALUES (?, ?, ?, ?)",
            (api_id, kind, part_id, _dumps(doc)),
        )

    def get_part(self, api_id: str, kind: str, part_id: str) -> Doc | None:
        row = self.db.query_one(
            "SELECT doc FROM http_api_parts WHERE api_id = ? AND kind = ? AND id = ?",
            (api_id, kind, part_id),
        )
        return orjson.loads(row[0]) if row is not None else None

    def get_snapshot(self, api_id: str, deployment_id: str) -> Doc | None:
        row = self.db.query_one(
            "SELECT snapshot FROM http_api_parts"
            " WHERE api_id = ? AND kind = 'deployment' AND id = ?",
            (api_id, deployment_id),
        )
        return orjson.loads(row[0]) if row is not None and row[0] else None

    def list_parts(self, api_id: str, kind: str) -> list[Doc]:
        rows = self.db.query(
            "SELECT doc FROM http_api_parts WHERE api_id = ? AND kind = ? ORDER BY rowid",
            (api_id, kind),
        )
        return [orjson.loads(row[0]) for row in rows]

    def delete_part(self, api_id: str, kind: str, part_id: str) -> bool:
        return (
            self.db.execute(
                "DELETE FROM http_api_parts WHERE api_id = ? AND kind = ? AND id = ?",
                (api_id, kind, part_id),
            )
            > 0
        )
