"""Amazon DynamoDB over the wire: the control plane and the single-item and Query/Scan
data plane, on the embedded SQLite store.

Limitations versus AWS:
- Tables are ACTIVE the moment CreateTable returns; there is no CREATING/UPDATING phase.
  DeleteTable answers DELETING and the table is gone at once.
- Secondary indexes are maintained in the same transaction as the item, so a GSI is
  strongly consistent (AWS: eventually consistent); a GSI added by UpdateTable is
  backfilled before UpdateTable returns and is ACTIVE at once (no CREATING/backfilling).
- BatchWriteItem is applied in one transaction and never leaves UnprocessedItems;
  BatchGetItem leaves keys unprocessed only past 16 MB.
- Transactions never conflict (TransactionConflictException is never raised): requests
  run one at a time, so they are serializable without it.
- Streams: one shard per stream for its whole life (AWS rolls shards about every four
  hours and splits them under load); records are written in the same transaction as the
  items, so they are readable at once. The dynamodbstreams API is its own provider.
- TTL: expired items vanish from reads at once and a sweeper deletes them within about a
  second (AWS: within days, visible until then); `sweep_expired` does it on demand. A
  write's condition still sees an expired item that the sweeper has not deleted yet.
  The sweeper starts with the provider (the first DynamoDB or Streams request).
- Point-in-time recovery settings are recorded and described.
- ItemCollectionMetrics' SizeEstimateRangeGB is [whole GB, whole GB + 1] of the exact size.
- Capacity is computed and reported (ReturnConsumedCapacity), never enforced: there is
  no throttling, and ProvisionedThroughput only shows in descriptions.
- ItemCount and TableSizeBytes are exact and current (AWS refreshes them about every six
  hours).
- PartiQL, backup/restore, import/export, global table and resource
  policy operations answer NotImplemented.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import time
from typing import TYPE_CHECKING, Any

from lenticular.services.dynamodb import batch, scans, table_updates, tables, transactions, ttl
from lenticular.services.dynamodb.changes import Writer, backfill
from lenticular.services.dynamodb.errors import (
    TableNotFoundException,
    ValidationException,
)
from lenticular.services.dynamodb.items import ItemEngine
from lenticular.services.dynamodb.partiql import execute as partiql
from lenticular.services.dynamodb.store import MIGRATIONS, DynamoDBStore
from lenticular.services.dynamodb.stream_store import StreamStore
from lenticular.services.dynamodb.streams import StreamLog
from lenticular.services.dynamodb.tables import Catalog
from lenticular.services.dynamodb.tags import check_tags

if TYPE_CHECKING:
    from lenticular.context import RequestContext
    from lenticular.services.dynamodb.models import Table
    from lenticular.services.registry import ServiceRegistry

log = logging.getLogger("lenticular.dynamodb")
SWEEP_INTERVAL = 1.0  # seconds between background TTL sweeps
TRIM_EVERY = 60  # sweeps between stream retention trims


class DynamoDBProvider:
    def __init__(self, registry: ServiceRegistry) -> None:
        self.store = DynamoDBStore(registry.data_dir.database("dynamodb", MIGRATIONS))
        self.catalog = Catalog(self.store)
        self.writer = Writer(self.store)  # every item write goes through it
        self.streams = StreamLog(StreamStore(self.store.db))  # dynamodbstreams reads it
        self.expiries = ttl.ExpiryIndex(self.store)
        self.writer.observers += [self.streams, self.expiries]
        self.items = ItemEngine(self.store, self.writer)
        self._sweeper: asyncio.Task[None] | None = None
        self.start_sweeper()

    # -- background work: TTL deletions and stream retention ---------------------------------

    def start_sweeper(self) -> None:
        """Start the background sweeper on the running event loop (if there is one)."""
        if self._sweeper is not None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # created outside a server (engine tests): sweep_expired() by hand
        self._sweeper = loop.create_task(self._sweep_forever())

    async def _sweep_forever(self) -> None:
        ticks = 0
        while True:
            await asyncio.sleep(SWEEP_INTERVAL)
            ticks += 1
            try:
                self.sweep_expired(limit=ttl.SWEEP_BATCH)
                if ticks % TRIM_EVERY == 0:
                    self.streams.trim()
            except Exception:  # keep sweeping; a bug here must not stop TTL for good
                log.exception("DynamoDB sweep failed")

    def sweep_expired(self, now: float | None = None, limit: int | None = None) -> int:
        """Delete every item expired at `now` (default: the current time) from every
        TTL-enabled table, as DynamoDB's TTL does (stream REMOVE records carry the
        service identity); at most `limit` per table when given. The number deleted.
        This is the deterministic "expire now" hook."""
        when = now if now is not None else time.time()
        return ttl.sweep(self.store, self.writer, self.catalog.all(), when, limit)

    def close(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            self._sweeper = None

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
        if self.streams.sync(table):
            self.catalog.save(table)
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
            table_updates.update_description(table, params)
        except Exception:
            table.description = before
            raise
        old_names = {i.name for i in table.indexes if i.is_global}
        table.refresh_indexes()
        new_names = {i.name for i in table.indexes if i.is_global}
        for name in old_names - new_names:
            self.store.drop_index(table.id, name)
        for name in new_names - old_names:
            backfill(self.store, table, name)
        self.streams.sync(table)
        self.catalog.save(table)
        return {"TableDescription": self.catalog.describe(table)}

    def delete_table(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        table = self._describe_target(ctx, params["TableName"])
        if table.description.get("DeletionProtectionEnabled"):
            raise ValidationException(
                "Resource cannot be deleted as it is currently protected against deletion."
                " Disable deletion protection first."
            )
        self.streams.table_deleted(table)
        return {"TableDescription": self.catalog.delete(table)}

    def describe_limits(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "AccountMaxReadCapacityUnits": 80000,
            "AccountMaxWriteCapacityUnits": 80000,
            "TableMaxReadCapacityUnits": 40000,
            "TableMaxWriteCapacityUnits": 40000,
        }

    def describe_endpoints(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        # DynamoDB names the endpoint the client reached (its regional host): here that is
        # this server, as the client addressed it, so endpoint discovery stays on it.
        address = ctx.request.headers.get("host") or f"dynamodb.{ctx.region}.amazonaws.com"
        return {"Endpoints": [{"Address": address, "CachePeriodInMinutes": 1440}]}

    # -- tags --------------------------------------------------------------------------------

    def tag_resource(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        table = self.catalog.by_arn(params["ResourceArn"])
        check_tags(params["Tags"], {key for key, _ in self.store.tags(table.id)})
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
        return {"TimeToLiveDescription": ttl.describe_ttl(table)}

    def update_time_to_live(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        table = self._table(ctx, params["TableName"])
        spec = params["TimeToLiveSpecification"]
        ttl.update_ttl(table, spec)
        self.catalog.save(table)
        self.expiries.rebuild(table)
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
        wire = ctx.operation_name == "GetItem"  # not PartiQL, which reads the items
        return self.items.get_item(params, lambda: self._table(ctx, params["TableName"]), wire)

    def update_item(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return self.items.update_item(params, lambda: self._table(ctx, params["TableName"]))

    def delete_item(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return self.items.delete_item(params, lambda: self._table(ctx, params["TableName"]))

    def query(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        wire = ctx.operation_name == "Query"  # not PartiQL, which reads the items
        return scans.query(self.store, params, lambda: self._table(ctx, params["TableName"]), wire)

    def scan(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return scans.scan(self.store, params, lambda: self._table(ctx, params["TableName"]))

    # -- batches and transactions ------------------------------------------------------------

    def batch_get_item(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return batch.batch_get_item(self.store, params, lambda name: self._table(ctx, name))

    def batch_write_item(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return batch.batch_write_item(
            self.store, self.writer, params, lambda name: self._table(ctx, name)
        )

    def transact_get_items(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return transactions.transact_get_items(
            self.store, params, lambda name: self._table(ctx, name)
        )

    def transact_write_items(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return transactions.transact_write_items(
            self.store,
            self.writer,
            params,
            lambda name: self._table(ctx, name),
            (ctx.account_id, ctx.region),
        )

    # -- PartiQL -----------------------------------------------------------------------------

    def execute_statement(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return partiql.execute_statement(self, ctx, params, lambda name: self._table(ctx, name))

    def batch_execute_statement(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        return partiql.batch_execute_statement(
            self, ctx, params, lambda name: self._table(ctx, name)
        )

    def execute_transaction(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return partiql.execute_transaction(self, ctx, params, lambda name: self._table(ctx, name))
