"""Amazon DynamoDB over the wire: the control plane and the single-item and Query/Scan
data plane, on the embedded SQLite store.

Limitations versus AWS:
- Tables are ACTIVE the moment CreateTable returns; there is no CREATING/UPDATING phase.
  DeleteTable answers DELETING and the table is gone at once.
- Secondary indexes are accepted by CreateTable and UpdateTable and described, but not
  maintained yet: Query/Scan with IndexName answer ValidationException.
- StreamSpecification, TTL and point-in-time recovery settings are recorded and
  described; no stream records are produced and expired items are not deleted yet.
- ReturnItemCollectionMetrics is accepted and returns nothing (no LSIs are maintained).
- Capacity is computed and reported (ReturnConsumedCapacity), never enforced: there is
  no throttling, and ProvisionedThroughput only shows in descriptions.
- ItemCount and TableSizeBytes are exact and current (AWS refreshes them about every six
  hours).
- Batch, transaction, PartiQL, backup/restore, import/export, global table and resource
  policy operations answer NotImplemented.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from lenticular.services.dynamodb import scans, tables
from lenticular.services.dynamodb.errors import (
    TableNotFoundException,
    ValidationException,
)
from lenticular.services.dynamodb.items import ItemEngine
from lenticular.services.dynamodb.store import MIGRATIONS, DynamoDBStore
from lenticular.services.dynamodb.tables import Catalog

if TYPE_CHECKING:
    from lenticular.context import RequestContext
    from lenticular.services.dynamodb.models import Table
    from lenticular.services.registry import ServiceRegistry


class DynamoDBProvider:
    def __init__(self, registry: ServiceRegistry) -> None:
        self.store = DynamoDBStore(registry.data_dir.database("dynamodb", MIGRATIONS))
        self.catalog = Catalog(self.store)
        self.items = ItemEngine(self.store)

    def _table(self, ctx: RequestContext, name: str) -> Table:
        return self.catalog.get(ctx.account_id, ctx.region, name)

    def _describe_target(self, ctx: RequestContext, name: str) -> Table:
        table = self.catalog.find(ctx.account_id, ctx.region, name)
        if table is None:
            raise self.catalog.describe_missing(name)
        return table

    # -- tables ------------------------------------------------------------------------------

    def create_table(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        table = self.catalog.create(ctx.account_id, ctx.region, params)
        return {"TableDescription": self.catalog.describe(table)}

    def describe_table(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        table = self._describe_target(ctx, params["TableName"])
        return {"Table": self.catalog.describe(table)}

    def list_tables(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        names = self.catalog.names(ctx.account_id, ctx.region)
        start = params.get("ExclusiveStartTableName")
        if start is not None:
            names = [n for n in names if n > start]
        limit = params.get("Limit", 100)
        out: dict[str, Any] = {"TableNames": names[:limit]}
        if len(names) > limit:
            out["LastEvaluatedTableName"] = names[limit - 1]
        return out

    def update_table(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        table = self._describe_target(ctx, params["TableName"])
        before = copy.deepcopy(table.description)
        try:
            tables.update_description(table, params)
        except Exception:
            table.description = before
            raise
        self.catalog.save(table)
        return {"TableDescription": self.catalog.describe(table)}

    def delete_table(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        table = self._describe_target(ctx, params["TableName"])
        if table.description.get("DeletionProtectionEnabled"):
            raise ValidationException(
                "Resource cannot be deleted as it is currently protected against deletion."
                " Disable deletion protection first."
            )
        return {"TableDescription": self.catalog.delete(table)}

    def describe_limits(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "AccountMaxReadCapacityUnits": 80000,
            "AccountMaxWriteCapacityUnits": 80000,
            "TableMaxReadCapacityUnits": 40000,
            "TableMaxWriteCapacityUnits": 40000,
        }

    def describe_endpoints(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "Endpoints": [
                {"Address": f"dynamodb.{ctx.region}.amazonaws.com", "CachePeriodInMinutes": 1440}
            ]
        }

    # -- tags --------------------------------------------------------------------------------

    def tag_resource(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        table = self.catalog.by_arn(params["ResourceArn"])
        self.store.tag(table.id, [(t["Key"], t["Value"]) for t in params["Tags"]])
        return {}

    def untag_resource(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        table = self.catalog.by_arn(params["ResourceArn"])
        self.store.untag(table.id, params["TagKeys"])
        return {}

    def list_tags_of_resource(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        table = self.catalog.by_arn(params["ResourceArn"])
        return {"Tags": [{"Key": k, "Value": v} for k, v in self.store.tags(table.id)]}

    # -- recorded settings -------------------------------------------------------------------

    def describe_time_to_live(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        table = self._describe_target(ctx, params["TableName"])
        return {"TimeToLiveDescription": tables.describe_ttl(table)}

    def update_time_to_live(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        table = self._table(ctx, params["TableName"])
        spec = params["TimeToLiveSpecification"]
        tables.update_ttl(table, spec)
        self.catalog.save(table)
        return {"TimeToLiveSpecification": spec}

    def describe_continuous_backups(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        table = self._backup_target(ctx, params["TableName"])
        return {"ContinuousBackupsDescription": tables.describe_backups(table)}

    def update_continuous_backups(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        table = self._backup_target(ctx, params["TableName"])
        tables.update_backups(table, params["PointInTimeRecoverySpecification"])
        self.catalog.save(table)
        return {"ContinuousBackupsDescription": tables.describe_backups(table)}

    def _backup_target(self, ctx: RequestContext, name: str) -> Table:
        table = self.catalog.find(ctx.account_id, ctx.region, name)
        if table is None:
            raise TableNotFoundException(f"Table not found: {name}")
        return table

    # -- items -------------------------------------------------------------------------------

    def put_item(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return self.items.put_item(params, lambda: self._table(ctx, params["TableName"]))

    def get_item(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return self.items.get_item(params, lambda: self._table(ctx, params["TableName"]))

    def update_item(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return self.items.update_item(params, lambda: self._table(ctx, params["TableName"]))

    def delete_item(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return self.items.delete_item(params, lambda: self._table(ctx, params["TableName"]))

    def query(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return scans.query(self.store, params, lambda: self._table(ctx, params["TableName"]))

    def scan(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return scans.scan(self.store, params, lambda: self._table(ctx, params["TableName"]))
