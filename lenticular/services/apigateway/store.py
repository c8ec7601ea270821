"""Where API Gateway keeps its REST APIs, deployments, stages and access documents
(authorizers, API keys, usage plans). Each write is one statement or one transaction;
documents are stored as JSON."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import orjson

from lenticular.services.apigateway.models import Deployment, RestApi, Stage
from lenticular.state.sqlite import Database

MIGRATIONS = Path(__file__).parent / "migrations"


def _dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def _api(row: sqlite3.Row) -> RestApi:
    return RestApi(row[0], row[1], row[2], orjson.loads(row[3]), orjson.loads(row[4]))


class ApiGatewayStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- REST APIs ------------------------------------------------------------------------

    def create_api(self, api: RestApi) -> bool:
        """Add an API; False if its id is taken."""
        try:
            self.db.execute(
                "INSERT INTO rest_apis (id, account_id, region, api, resources)"
                " VALUES (?, ?, ?, ?, ?)",
                (api.id, api.account_id, api.region, _dumps(api.api), _dumps(api.resources)),
            )
        except sqlite3.IntegrityError:
            return False
        return True

    def get_api(self, api_id: str) -> RestApi | None:
        row = self.db.query_one(
            "SELECT id, account_id, region, api, resources FROM rest_apis WHERE id = ?",
            (api_id,),
        )
        return _api(row) if row is not None else None

    def save_api(self, api: RestApi) -> None:
        self.db.execute(
            "UPDATE rest_apis SET api = ?, resources = ? WHERE id = ?",
            (_dumps(api.api), _dumps(api.resources), api.id),
        )

    def delete_api(self, api_id: str) -> None:
        self.db.execute("DELETE FROM rest_apis WHERE id = ?", (api_id,))

    def list_apis(self, account_id: str, region: str) -> list[RestApi]:
        rows = self.db.query(
            "SELECT id, account_id, region, api, resources FROM rest_apis"
            " WHERE account_id = ? AND region = ? ORDER BY rowid",
            (account_id, region),
        )
        return [_api(row) for row in rows]

    # -- deployments ----------------------------------------------------------------------

    def add_deployment(self, deployment: Deployment, stage: Stage | None = None) -> None:
        """Store a deployment, and the stage that now serves it, in one transaction."""
        with self.db.write() as conn:
            conn.execute(
                "INSERT INTO deployments (api_id, id, created, deployment, snapshot)"
                " VALUES (?, ?, ?, ?, ?)",
                (
                    deployment.api_id,
                    deployment.id,
                    deployment.created,
                    _dumps(deployment.deployment),
                    _dumps(deployment.snapshot),
                ),
            )
            if stage is not None:
                conn.execute(
                    "INSERT OR REPLACE INTO stages (api_id, name, stage) VALUES (?, ?, ?)",
                    (stage.api_id, stage.name, _dumps(stage.stage)),
                )

    def get_deployment(self, api_id: str, deployment_id: str) -> Deployment | None:
        row = self.db.query_one(
            "SELECT api_id, id, created, deployment, snapshot FROM deployments"
            " WHERE api_id = ? AND id = ?",
            (api_id, deployment_id),
        )
        if row is None:
            return None
        return Deployment(row[0], row[1], row[2], orjson.loads(row[3]), orjson.loads(row[4]))

    def list_deployments(self, api_id: str) -> list[Deployment]:
        rows = self.db.query(
            "SELECT api_id, id, created, deployment, snapshot FROM deployments"
            " WHERE api_id = ? ORDER BY created, rowid",
            (api_id,),
        )
        return [Deployment(r[0], r[1], r[2], orjson.loads(r[3]), orjson.loads(r[4])) for r in rows]

    def delete_deployment(self, api_id: str, deployment_id: str) -> None:
        self.db.execute(
            "DELETE FROM deployments WHERE api_id = ? AND id = ?", (api_id, deployment_id)
        )

    # -- stages ---------------------------------------------------------------------------

    def create_stage(self, stage: Stage) -> bool:
        try:
            self.db.execute(
                "INSERT INTO stages (api_id, name, stage) VALUES (?, ?, ?)",
                (stage.api_id, stage.name, _dumps(stage.stage)),
            )
        except sqlite3.IntegrityError:
            return False
        return True

    def get_stage(self, api_id: str, name: str) -> Stage | None:
        row = self.db.query_one(
            "SELECT stage FROM stages WHERE api_id = ? AND name = ?", (api_id, name)
        )
        return Stage(api_id, name, orjson.loads(row[0])) if row is not None else None

    def save_stage(self, stage: Stage) -> None:
        self.db.execute(
            "UPDATE stages SET stage = ? WHERE api_id = ? AND name = ?",
            (_dumps(stage.stage), stage.api_id, stage.name),
        )

    def delete_stage(self, api_id: str, name: str) -> bool:
        return (
            self.db.execute("DELETE FROM stages WHERE api_id = ? AND name = ?", (api_id, name)) > 0
        )

    def list_stages(self, api_id: str) -> list[Stage]:
        rows = self.db.query(
            "SELECT name, stage FROM stages WHERE api_id = ? ORDER BY name", (api_id,)
        )
        return [Stage(api_id, row[0], orjson.loads(row[1])) for row in rows]

    # -- authorizers, API keys, usage plans and their keys ----------------------------------

    def put_doc(
        self, kind: str, doc_id: str, account_id: str, region: str, doc: Any, parent: str = ""
    ) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO access_documents (kind, id, account_id, region, parent, doc)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (kind, doc_id, account_id, region, parent, _dumps(doc)),
        )

    def get_doc(self, kind: str, doc_id: str, account_id: str, region: str) -> Any | None:
        row = self.db.query_one(
            "SELECT doc FROM access_documents"
            " WHERE kind = ? AND id = ? AND account_id = ? AND region = ?",
            (kind, doc_id, account_id, region),
        )
        return orjson.loads(row[0]) if row is not None else None

    def list_docs(
        self, kind: str, account_id: str | None = None, region: str | None = None,
        parent: str | None = None,
    ) -> list[Any]:  # fmt: skip
        """Documents of a kind (oldest first), of one owner and/or one parent."""
        sql = "SELECT doc FROM access_documents WHERE kind = ?"
        args: list[Any] = [kind]
        for column, value in (("account_id", account_id), ("region", region), ("parent", parent)):
            if value is not None:
                sql += f" AND {column} = ?"
                args.append(value)
        return [orjson.loads(row[0]) for row in self.db.query(sql + " ORDER BY rowid", args)]

    def delete_doc(self, kind: str, doc_id: str) -> bool:
        return (
            self.db.execute(
                "DELETE FROM access_documents WHERE kind = ? AND id = ?", (kind, doc_id)
            )
            > 0
        )

    def delete_children(self, kind: str, parent: str) -> None:
        self.db.execute(
            "DELETE FROM access_documents WHERE kind = ? AND parent = ?", (kind, parent)
        )
