"""The control plane: CreateTable's validation and the TableDescription, the catalog of
tables (cached in memory; the store is the truth), and the table-level settings that are
recorded (TTL, continuous backups, streams, tags).

Tables are ACTIVE as soon as CreateTable returns and gone as soon as DeleteTable returns
(which answers with the description in DELETING state, as AWS does).
"""

from __future__ import annotations

import re
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from lenticular.services.dynamodb.errors import (
    ResourceInUseException,
    ResourceNotFoundException,
    ValidationException,
)
from lenticular.services.dynamodb.models import Table
from lenticular.services.dynamodb.store import DynamoDBStore
from lenticular.services.dynamodb.tags import check_tags
from lenticular.services.dynamodb.values import INVALID

NOT_FOUND = "Requested resource not found"
_NAME = re.compile(r"[a-zA-Z0-9_.-]+")
_ARN = re.compile(r"arn:aws[a-z-]*:dynamodb:([^:]*):(\d{12}):table/([^/]+)(/.*)?")


def check_table_name(name: str, member: str = "tableName") -> None:
    if not 3 <= len(name) <= 255:
        raise ValidationException(
            "TableName must be at least 3 characters long and at most 255 characters long"
        )
    if not _NAME.fullmatch(name):
        raise ValidationException(
            f"1 validation error detected: Value '{name}' at '{member}' failed to satisfy"
            " constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"
        )


def public(description: dict[str, Any]) -> dict[str, Any]:
    """The description without lenticular's private bookkeeping (keys starting with _)."""
    return {k: v for k, v in description.items() if not k.startswith("_")}


class Catalog:
    """The tables of every account and region, by (account, region, name)."""

    def __init__(self, store: DynamoDBStore) -> None:
        self.store = store
        self._tables: dict[tuple[str, str, str], Table] = {}
        for table_id, account, region, description in store.tables():
            table = Table.from_description(table_id, account, region, description)
            self._tables[(account, region, table.name)] = table

    # -- lookup ---------------------------------------------------------------------------

    def find(self, account: str, region: str, name: str) -> Table | None:
        table = self._tables.get((account, region, name))
        if table is None and name.startswith("arn:"):
            match = _ARN.fullmatch(name)
            if match is not None:
                table = self._tables.get((match[2], match[1], match[3]))
        return table

    def get(self, account: str, region: str, name: str, message: str = NOT_FOUND) -> Table:
        table = self.find(account, region, name)
        if table is None:
            if not name.startswith("arn:"):
                check_table_name(name)  # a name no table can have is a ValidationException
            raise ResourceNotFoundException(message)
        return table

    def describe_missing(self, name: str) -> ResourceNotFoundException:
        return ResourceNotFoundException(f"Requested resource not found: Table: {name} not found")

    def by_arn(self, arn: str) -> Table:
        match = _ARN.fullmatch(arn)
        if match is None or match[4]:
            raise ValidationException(
                f"Invalid TableArn: Invalid ResourceArn provided as input {arn}"
            )
        table = self._tables.get((match[2], match[1], match[3]))
        if table is None:
            raise ResourceNotFoundException(
                f"Requested resource not found: ResourceArn: {arn} not found"
            )
        return table

    def all(self) -> list[Table]:
        return list(self._tables.values())

    def names(self, account: str, region: str) -> list[str]:
        return sorted(name for (a, r, name) in self._tables if a == account and r == region)

    # -- changes --------------------------------------------------------------------------

    def create(self, account: str, region: str, params: dict[str, Any]) -> Table:
        description = new_description(account, region, params)
        if params.get("Tags"):  # an empty list is fine here (TagResource refuses it)
            check_tags(params["Tags"])
        if (account, region, description["TableName"]) in self._tables:
            raise ResourceInUseException(f"Table already exists: {description['TableName']}")
        table_id = self.store.create_table(account, region, description)
        table = Table.from_description(table_id, account, region, description)
        self._tables[(account, region, table.name)] = table
        if params.get("Tags"):
            self.store.tag(table_id, [(t["Key"], t["Value"]) for t in params["Tags"]])
        return table

    def save(self, table: Table) -> None:
        self.store.save_description(table.id, table.description)

    def delete(self, table: Table) -> dict[str, Any]:
        description = self.describe(table)
        description["TableStatus"] = "DELETING"
        # DeleteTable's description leaves out the schema, as AWS's does
        for key in ("CreationDateTime", "KeySchema", "AttributeDefinitions",
                    "GlobalSecondaryIndexes", "LocalSecondaryIndexes"):  # fmt: skip
            description.pop(key, None)
        self.store.delete_table(table.id)
        self._tables.pop((table.account_id, table.region, table.name), None)
        return description

    def describe(self, table: Table) -> dict[str, Any]:
        count, size = self.store.table_stats(table.id)
        description = public(table.description)
        description["ItemCount"] = count
        description["TableSizeBytes"] = size
        for key in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
            if key in description:
                description[key] = [self._describe_index(table, i) for i in description[key]]
        return description

    def _describe_index(self, table: Table, index: dict[str, Any]) -> dict[str, Any]:
        out = dict(index)
        out["ItemCount"], out["IndexSizeBytes"] = self.store.index_stats(
            table.id, index["IndexName"]
        )
        return out


# -- CreateTable ---------------------------------------------------------------------------------


def new_description(account: str, region: str, params: dict[str, Any]) -> dict[str, Any]:
    """Validate CreateTable's input as DynamoDB does; the new TableDescription."""
    name = params["TableName"]
    check_table_name(name)
    key_schema = params["KeySchema"]
    definitions = params.get("AttributeDefinitions") or []  # missing: every key undefined
    check_key_schema(key_schema, "")
    types: dict[str, str] = {}
    for definition in definitions:
        types[definition["AttributeName"]] = definition["AttributeType"]
    gsis = params.get("GlobalSecondaryIndexes") or []
    lsis = params.get("LocalSecondaryIndexes") or []
    used = [e["AttributeName"] for e in key_schema]
    for index, is_global in [*((i, True) for i in gsis), *((i, False) for i in lsis)]:
        check_key_schema(index["KeySchema"], index["IndexName"], is_global)
        used += [e["AttributeName"] for e in index["KeySchema"]]
    missing = [n for n in dict.fromkeys(used) if n not in types]
    if missing:
        raise ValidationException(
            f"{INVALID}Some index key attributes are not defined in AttributeDefinitions."
            f" Keys: [{', '.join(missing)}], AttributeDefinitions: [{', '.join(types)}]"
        )
    if len(definitions) != len(types):
        seen: set[str] = set()
        twice = next(
            d["AttributeName"] for d in definitions
            if d["AttributeName"] in seen or seen.add(d["AttributeName"])
        )  # fmt: skip
        raise ValidationException(
            f"{INVALID}Cannot have two attributes with the same name: Duplicate AttributeName"
            f" in AttributeDefinitions: {twice}"
        )
    if set(types) - set(used):
        if not gsis and not lsis:
            raise ValidationException(
                f"{INVALID}Number of attributes in KeySchema does not exactly match number of"
                " attributes defined in AttributeDefinitions"
            )
        raise ValidationException(
            f"{INVALID}Some AttributeDefinitions are not used. AttributeDefinitions:"
            f" [{', '.join(types)}], keys used: [{', '.join(dict.fromkeys(used))}]"
        )
    billing = params.get("BillingMode")
    throughput = params.get("ProvisionedThroughput")
    if billing == "PAY_PER_REQUEST":
        if throughput is not None:
            raise ValidationException(
                f"{INVALID}Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when"
                " BillingMode is PAY_PER_REQUEST"
            )
    elif throughput is None:
        if billing is None:
            raise ValidationException("No provisioned throughput specified for the table")
        raise ValidationException(
            f"{INVALID}ReadCapacityUnits and WriteCapacityUnits must both be specified when"
            " BillingMode is PROVISIONED"
        )
    now = time.time()
    arn = f"arn:aws:dynamodb:{region}:{account}:table/{name}"
    description: dict[str, Any] = {
        "AttributeDefinitions": [
            {"AttributeName": d["AttributeName"], "AttributeType": d["AttributeType"]}
            for d in definitions
        ],
        "TableName": name,
        "KeySchema": [
            {"AttributeName": e["AttributeName"], "KeyType": e["KeyType"]} for e in key_schema
        ],
        "TableStatus": "ACTIVE",
        "CreationDateTime": now,
        "ProvisionedThroughput": provisioned(throughput),
        "TableArn": arn,
        "TableId": str(uuid.uuid4()),
        "DeletionProtectionEnabled": bool(params.get("DeletionProtectionEnabled", False)),
    }
    if billing == "PAY_PER_REQUEST":
        description["BillingModeSummary"] = {
            "BillingMode": "PAY_PER_REQUEST",
            "LastUpdateToPayPerRequestDateTime": now,
        }
    names: set[str] = set()
    if lsis:
        check_local_indexes(lsis, key_schema)
        description["LocalSecondaryIndexes"] = [
            index_description(arn, index, None, names) for index in lsis
        ]
    if gsis:
        for index in gsis:
            if billing == "PAY_PER_REQUEST" and index.get("ProvisionedThroughput"):
                raise ValidationException(
                    f"{INVALID}ProvisionedThroughput should not be specified for index:"
                    f" {index['IndexName']} when BillingMode is PAY_PER_REQUEST"
                )
            if billing != "PAY_PER_REQUEST" and not index.get("ProvisionedThroughput"):
                raise ValidationException(
                    f"{INVALID}ProvisionedThroughput is not specified for index: {index['IndexName']}"
                )
        description["GlobalSecondaryIndexes"] = [
            index_description(arn, index, index.get("ProvisionedThroughput") or {}, names)
            for index in gsis
        ]
    stream = params.get("StreamSpecification")
    if stream is not None:
        apply_stream_specification(description, stream, creating=True)
    if params.get("TableClass"):
        description["TableClassSummary"] = {"TableClass": params["TableClass"]}
    sse = params.get("SSESpecification")
    if sse and sse.get("Enabled"):
        description["SSEDescription"] = {
            "Status": "ENABLED",
            "SSEType": sse.get("SSEType", "KMS"),
            "KMSMasterKeyArn": sse.get("KMSMasterKeyId")
            or f"arn:aws:kms:{region}:{account}:key/{uuid.uuid4()}",
        }
    return description


def check_key_schema(schema: list[dict[str, Any]], index: str, is_global: bool = False) -> None:
    prefix = "Invalid KeySchema: " if not index else f"{INVALID}Index KeySchema: "
    if schema[0]["KeyType"] != "HASH":
        raise ValidationException(f"{prefix}The first KeySchemaElement is not a HASH key type")
    if is_global and len(schema) > 1:
        check_multi_attribute_key(schema, index)
        return
    if len(schema) > 2:
        raise ValidationException(
            f"1 validation error detected: Value at '{'keySchema' if not index else index}'"
            " failed to satisfy constraint: Member must have length less than or equal to 2"
        )
    if len(schema) > 1:
        if schema[1]["KeyType"] != "RANGE":
            raise ValidationException(
                f"{prefix}The second KeySchemaElement is not a RANGE key type"
            )
        if schema[0]["AttributeName"] == schema[1]["AttributeName"]:
            raise ValidationException(
                f"{INVALID}Both the Hash Key and the Range Key element in the KeySchema have the"
                " same name"
            )


MAX_KEY_PARTS = 4  # attributes per partition key and per sort key of a GSI


def check_multi_attribute_key(schema: list[dict[str, Any]], index: str) -> None:
    """A GSI's key: up to 4 HASH then up to 4 RANGE attributes, each named once.
    https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html#GSI.MultiAttributeKeys
    """
    kinds = [e["KeyType"] for e in schema]
    if "RANGE" in kinds and "HASH" in kinds[kinds.index("RANGE") :]:
        raise ValidationException(
            f"{INVALID}Index KeySchema: all HASH key elements must precede all RANGE key"
            f" elements for index: {index}"
        )
    for kind in ("HASH", "RANGE"):
        if kinds.count(kind) > MAX_KEY_PARTS:
            raise ValidationException(
                f"{INVALID}Index KeySchema: a global secondary index can have at most"
                f" {MAX_KEY_PARTS} {kind} key attributes, got {kinds.count(kind)} for index:"
                f" {index}"
            )
    names = [e["AttributeName"] for e in schema]
    if len(schema) == 2 and names[0] == names[1]:
        raise ValidationException(
            f"{INVALID}Both the Hash Key and the Range Key element in the KeySchema have the"
            " same name"
        )
    if len(set(names)) != len(names):
        raise ValidationException(
            f"{INVALID}Index KeySchema: two KeySchemaElements have the same name for index: {index}"
        )


def check_local_indexes(lsis: list[dict[str, Any]], key_schema: list[dict[str, Any]]) -> None:
    if len(key_schema) < 2:
        raise ValidationException(
            f"{INVALID}Table KeySchema does not have a range key, which is required when"
            " specifying a LocalSecondaryIndex"
        )
    for index in lsis:
        schema = index["KeySchema"]
        if len(schema) != 2 or schema[0]["AttributeName"] != key_schema[0]["AttributeName"]:
            raise ValidationException(
                f"{INVALID}Index KeySchema does not have the same leading hash key as table"
                f" KeySchema for index: {index['IndexName']}. index hash key:"
                f" {schema[0]['AttributeName']}, table hash key: {key_schema[0]['AttributeName']}"
            )


def index_description(
    table_arn: str, index: dict[str, Any], throughput: dict[str, Any] | None, names: set[str]
) -> dict[str, Any]:
    name = index["IndexName"]
    if name in names:
        raise ValidationException(f"{INVALID}Duplicate index name: {name}")
    names.add(name)
    projection = index["Projection"]
    kind = projection.get("ProjectionType")
    if kind not in ("ALL", "KEYS_ONLY", "INCLUDE"):
        raise ValidationException(f"{INVALID}Unknown ProjectionType: {kind or 'null'}")
    extra = projection.get("NonKeyAttributes")
    if kind == "INCLUDE" and not extra:
        raise ValidationException(
            f"{INVALID}ProjectionType is INCLUDE, but NonKeyAttributes is not specified"
        )
    if extra and len(set(extra)) != len(extra):
        twice = next(a for i, a in enumerate(extra) if a in extra[:i])
        raise ValidationException(f"{INVALID}Duplicate NonKeyAttributes in Projection: {twice}")
    if projection.get("ProjectionType") != "INCLUDE" and projection.get("NonKeyAttributes"):
        raise ValidationException(
            f"{INVALID}ProjectionType is {projection.get('ProjectionType')}, but NonKeyAttributes"
            " is specified"
        )
    out: dict[str, Any] = {
        "IndexName": name,
        "KeySchema": index["KeySchema"],
        "Projection": projection,
        "IndexSizeBytes": 0,
        "ItemCount": 0,
        "IndexArn": f"{table_arn}/index/{name}",
    }
    if throughput is not None:  # a GSI
        out["IndexStatus"] = "ACTIVE"
        out["ProvisionedThroughput"] = provisioned(throughput or None)
    return out


def provisioned(throughput: dict[str, Any] | None) -> dict[str, Any]:
    if not throughput:
        return {"NumberOfDecreasesToday": 0, "ReadCapacityUnits": 0, "WriteCapacityUnits": 0}
    return {
        "NumberOfDecreasesToday": 0,
        "ReadCapacityUnits": throughput["ReadCapacityUnits"],
        "WriteCapacityUnits": throughput["WriteCapacityUnits"],
    }


def apply_stream_specification(
    description: dict[str, Any], spec: dict[str, Any], creating: bool = False
) -> None:
    """Enable or disable the table's stream in its description (`streams.StreamLog.sync`
    then opens or closes the stream itself). Enabling again after disabling makes a new
    stream with a new label and ARN."""
    name = description["TableName"]
    current = description.get("StreamSpecification")
    is_on = bool(current and current.get("StreamEnabled"))
    if spec.get("StreamEnabled"):
        if not spec.get("StreamViewType"):
            raise ValidationException(
                f"{INVALID}StreamViewType must be specified when StreamEnabled is true"
            )
        if is_on:
            raise ValidationException(f"Table already has an enabled stream: TableName: {name}")
        label = _next_label(description.get("LatestStreamLabel"))
        description["StreamSpecification"] = {
            "StreamEnabled": True,
            "StreamViewType": spec["StreamViewType"],
        }
        description["LatestStreamLabel"] = label
        description["LatestStreamArn"] = f"{description['TableArn']}/stream/{label}"
        return
    if spec.get("StreamViewType"):
        raise ValidationException(
            f"{INVALID}StreamViewType must not be specified when StreamEnabled is false"
            if creating
            else f"{INVALID}If stream is being disabled, then UpdateViewType must not be specified"
        )
    if creating:
        return
    if not is_on:
        raise ValidationException(f"Table has no stream to disable: TableName: {name}")
    description["StreamSpecification"] = {"StreamEnabled": False}


_LABEL = "%Y-%m-%dT%H:%M:%S.%f"


def _next_label(previous: str | None) -> str:
    """A stream label (an ISO timestamp in milliseconds) later than `previous`, so a
    stream enabled again at once still gets an ARN of its own."""
    now = datetime.now(UTC).replace(tzinfo=None)
    if previous:
        try:
            last = datetime.strptime(previous, _LABEL)
        except ValueError:
            last = None
        if last is not None and now <= last:
            now = last + timedelta(milliseconds=1)
    return now.strftime(_LABEL)[:-3]


# -- continuous backups (recorded) ---------------------------------------------------------


def describe_backups(table: Table) -> dict[str, Any]:
    pitr = table.description.get("_pitr")
    if not pitr:
        recovery: dict[str, Any] = {"PointInTimeRecoveryStatus": "DISABLED"}
    else:
        recovery = {
            "PointInTimeRecoveryStatus": "ENABLED",
            "RecoveryPeriodInDays": pitr["days"],
            "EarliestRestorableDateTime": pitr["since"],
            "LatestRestorableDateTime": time.time() - 300,
        }
    return {"ContinuousBackupsStatus": "ENABLED", "PointInTimeRecoveryDescription": recovery}


def update_backups(table: Table, spec: dict[str, Any]) -> None:
    if spec["PointInTimeRecoveryEnabled"]:
        days = spec.get("RecoveryPeriodInDays", 35)
        since = (table.description.get("_pitr") or {}).get("since", time.time())
        table.description["_pitr"] = {"days": days, "since": since}
    else:
        table.description.pop("_pitr", None)
