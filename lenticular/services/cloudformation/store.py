"""Where CloudFormation keeps stacks and their events (SQLite, rows keyed by account and
region; a stack is one JSON document)."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from lenticular.services.cloudformation.models import Stack, StackEvent
from lenticular.state.sqlite import Database

MIGRATIONS = Path(__file__).parent / "migrations"


class StackStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def put(self, stack: Stack) -> None:
        self.db.execute(
            "INSERT INTO stacks (stack_id, account_id, region, name, status, created_at, doc)"
            " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (stack_id) DO UPDATE SET"
            " status = excluded.status, doc = excluded.doc",
            (stack.stack_id, stack.account_id, stack.region, stack.name, stack.status,
             stack.created_at, json.dumps(stack.to_json())),
        )  # fmt: skip

    def live(self, account_id: str, region: str, name: str) -> Stack | None:
        """The stack called `name` that is not deleted."""
        row = self.db.query_one(
            "SELECT doc FROM stacks WHERE account_id = ? AND region = ? AND name = ?"
            " AND status != 'DELETE_COMPLETE' ORDER BY created_at DESC LIMIT 1",
            (account_id, region, name),
        )
        return Stack.from_json(json.loads(row[0])) if row is not None else None

    def find(self, account_id: str, region: str, name_or_id: str) -> Stack | None:
        """By name (live stacks only) or by stack id (deleted ones too), as AWS looks up."""
        if name_or_id.startswith("arn:"):
            row = self.db.query_one(
                "SELECT doc FROM stacks WHERE account_id = ? AND region = ? AND stack_id = ?",
                (account_id, region, name_or_id),
            )
            return Stack.from_json(json.loads(row[0])) if row is not None else None
        return self.live(account_id, region, name_or_id)

    def all(self, account_id: str, region: str, *, live_only: bool = False) -> list[Stack]:
        sql = "SELECT doc FROM stacks WHERE account_id = ? AND region = ?"
        if live_only:
            sql += " AND status != 'DELETE_COMPLETE'"
        rows = self.db.query(sql + " ORDER BY created_at DESC", (account_id, region))
        return [Stack.from_json(json.loads(r[0])) for r in rows]

    def add_event(self, event: StackEvent) -> None:
        self.db.execute(
            "INSERT INTO stack_events (stack_id, doc) VALUES (?, ?)",
            (event.stack_id, json.dumps(asdict(event))),
        )

    def events(self, stack_id: str) -> list[StackEvent]:
        rows = self.db.query(
            "SELECT doc FROM stack_events WHERE stack_id = ? ORDER BY seq DESC", (stack_id,)
        )
        return [StackEvent(**json.loads(r[0])) for r in rows]
