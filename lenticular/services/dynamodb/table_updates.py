"""UpdateTable: validating a request and applying it to a table's description.

Index creation and deletion are recorded in the description; building and dropping the
index rows (backfill) is the caller's job (see `changes.backfill`). Like DynamoDB, one
request creates or deletes at most one index, and the key attributes of a new index must
be in the request's AttributeDefinitions.

Limitations versus AWS: indexes are ACTIVE at once (no CREATING/DELETING phases); the
messages for malformed GlobalSecondaryIndexUpdates entries are lenticular's wording.
"""

from __future__ import annotations

import time
from typing import Any

from lenticular.services.dynamodb.errors import (
    LimitExceededException,
    ResourceNotFoundException,
    ValidationException,
)
from lenticular.services.dynamodb.models import Table
from lenticular.services.dynamodb.tables import (
    apply_stream_specification,
    check_key_schema,
    index_description,
    provisioned,
)
from lenticular.services.dynamodb.values import INVALID


def update_description(table: Table, params: dict[str, Any]) -> None:
    """Apply UpdateTable's changes to `table.description` (validated first)."""
    description = table.description
    billing = params.get("BillingMode")
    throughput = params.get("ProvisionedThroughput")
    changes = ("BillingMode", "ProvisionedThroughput", "StreamSpecification", "TableClass",
               "DeletionProtectionEnabled", "GlobalSecondaryIndexUpdates", "SSESpecification",
               "ReplicaUpdates", "OnDemandThroughput", "WarmThroughput", "AttributeDefinitions")  # fmt: skip
    gsi_updates = params.get("GlobalSecondaryIndexUpdates") or []
    if not any(key in params for key in changes if key != "GlobalSecondaryIndexUpdates") and (
        not gsi_updates  # an empty list is no change
    ):
        raise ValidationException(
            "UpdateTable requires at least one of ProvisionedThroughput, BillingMode,"
            " UpdateStreamEnabled, GlobalSecondaryIndexUpdates or SSESpecification or"
            " ReplicaUpdates"
        )
    _check_gsi_updates(description, gsi_updates, params.get("AttributeDefinitions") or [])
    current_billing = description.get("BillingModeSummary", {}).get("BillingMode", "PROVISIONED")
    new_billing = billing or current_billing
    if new_billing == "PAY_PER_REQUEST" and throughput is not None:
        raise ValidationException(
            f"{INVALID}Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when"
            " BillingMode is PAY_PER_REQUEST"
        )
    if billing == "PROVISIONED" and current_billing != "PROVISIONED" and throughput is None:
        raise ValidationException(
            f"{INVALID}ReadCapacityUnits and WriteCapacityUnits must both be specified when"
            " BillingMode is PROVISIONED"
        )
    now = time.time()
    if throughput is not None and billing is None:
        current = description["ProvisionedThroughput"]
        if (
            current["ReadCapacityUnits"] == throughput["ReadCapacityUnits"]
            and current["WriteCapacityUnits"] == throughput["WriteCapacityUnits"]
        ):
            raise ValidationException(
                "The provisioned throughput for the table will not change. The requested value"
                " equals the current value. Current ReadCapacityUnits provisioned for the table:"
                f" {current['ReadCapacityUnits']}. Requested ReadCapacityUnits:"
                f" {throughput['ReadCapacityUnits']}. Current WriteCapacityUnits provisioned for"
                f" the table: {current['WriteCapacityUnits']}. Requested WriteCapacityUnits:"
                f" {throughput['WriteCapacityUnits']}. Refer to the Amazon DynamoDB Developer Guide"
                " for current limits and how to request higher limits."
            )
    if billing is not None:
        if billing == "PAY_PER_REQUEST":
            description["BillingModeSummary"] = {
                "BillingMode": "PAY_PER_REQUEST",
                "LastUpdateToPayPerRequestDateTime": now,
            }
            description["ProvisionedThroughput"] = provisioned(None)
        else:
            description["BillingModeSummary"] = {"BillingMode": "PROVISIONED"}
    if throughput is not None:
        previous = description.get("ProvisionedThroughput", provisioned(None))
        updated = provisioned(throughput)
        if updated["ReadCapacityUnits"] > previous["ReadCapacityUnits"] or (
            updated["WriteCapacityUnits"] > previous["WriteCapacityUnits"]
        ):
            updated["LastIncreaseDateTime"] = now
        description["ProvisionedThroughput"] = updated
    if "AttributeDefinitions" in params:
        known = {d["AttributeName"]: d for d in description["AttributeDefinitions"]}
        for definition in params["AttributeDefinitions"]:
            known.setdefault(definition["AttributeName"], dict(definition))
        description["AttributeDefinitions"] = list(known.values())
    for update in params.get("GlobalSecondaryIndexUpdates") or ():
        _update_gsi(description, update, new_billing)
    if "StreamSpecification" in params:
        apply_stream_specification(description, params["StreamSpecification"])
    if "TableClass" in params:
        description["TableClassSummary"] = {
            "TableClass": params["TableClass"],
            "LastUpdateDateTime": now,
        }
    if "DeletionProtectionEnabled" in params:
        description["DeletionProtectionEnabled"] = params["DeletionProtectionEnabled"]


def _check_gsi_updates(
    description: dict[str, Any], updates: list[dict[str, Any]], definitions: list[dict[str, Any]]
) -> None:
    """The shape of GlobalSecondaryIndexUpdates, before anything changes: one action per
    entry, one index created or deleted per request, key attributes defined in this
    request and not redefined with another type."""
    online = 0
    for update in updates:
        actions = [k for k in ("Create", "Update", "Delete") if update.get(k) is not None]
        if not actions:
            raise ValidationException(
                "Invalid GlobalSecondaryIndexUpdate: one of Create, Update or Delete is required"
            )
        if len(actions) > 1:
            raise ValidationException(
                "Invalid GlobalSecondaryIndexUpdate: only one of Create, Update or Delete may be"
                f" given, found: {', '.join(actions)}"
            )
        online += actions[0] != "Update"
    if online > 1:
        raise LimitExceededException(
            "Subscriber limit exceeded: Only 1 online index can be created or deleted"
            " simultaneously per table"
        )
    existing = {d["AttributeName"]: d["AttributeType"] for d in description["AttributeDefinitions"]}
    for definition in definitions:
        name, kind = definition.get("AttributeName"), definition.get("AttributeType")
        if name in existing and existing[name] != kind:
            raise ValidationException(
                f"{INVALID}Cannot update attribute {name}. The attribute is being redefined from"
                f" type {existing[name]} to type {kind}"
            )
    given = {d.get("AttributeName") for d in definitions}
    taken = {i["IndexName"] for key in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes")
             for i in description.get(key) or ()}  # fmt: skip
    for update in updates:
        spec = update.get("Create")
        if spec is None:
            continue
        if spec.get("IndexName") in taken:
            raise ValidationException(
                f"{INVALID}Attempting to create an index which already exists: {spec['IndexName']}"
            )
        missing = [
            e["AttributeName"]
            for e in spec.get("KeySchema") or ()
            if e["AttributeName"] not in given
        ]
        if missing:
            raise ValidationException(
                f"{INVALID}Some index key attributes are not defined in AttributeDefinitions."
                f" Keys: [{', '.join(missing)}], AttributeDefinitions: [{', '.join(sorted(g for g in given if g))}]"
            )


def _update_gsi(description: dict[str, Any], update: dict[str, Any], billing: str) -> None:
    """Record a GSI added or removed (index maintenance and backfill come with indexes)."""
    indexes = description.setdefault("GlobalSecondaryIndexes", [])
    if "Create" in update:
        spec = update["Create"]
        types = {d["AttributeName"] for d in description["AttributeDefinitions"]}
        missing = [e["AttributeName"] for e in spec["KeySchema"] if e["AttributeName"] not in types]
        if missing:
            raise ValidationException(
                f"{INVALID}Some index key attributes are not defined in AttributeDefinitions."
                f" Keys: [{', '.join(missing)}], AttributeDefinitions: [{', '.join(sorted(types))}]"
            )
        names = {i["IndexName"] for i in indexes}
        if spec["IndexName"] in names:
            raise ValidationException(
                f"Attempting to create an index which already exists: {spec['IndexName']}"
            )
        check_key_schema(spec["KeySchema"], spec["IndexName"], is_global=True)
        throughput = spec.get("ProvisionedThroughput") or {}
        indexes.append(index_description(description["TableArn"], spec, throughput, set()))
    elif "Delete" in update:
        name = update["Delete"]["IndexName"]
        if not any(i["IndexName"] == name for i in indexes):
            raise ResourceNotFoundException(
                f"Requested resource not found: Index: {name} not found"
            )
        description["GlobalSecondaryIndexes"] = [i for i in indexes if i["IndexName"] != name]
    elif "Update" in update:
        name = update["Update"]["IndexName"]
        for index in indexes:
            if index["IndexName"] == name:
                if "ProvisionedThroughput" in update["Update"]:
                    index["ProvisionedThroughput"] = provisioned(
                        update["Update"]["ProvisionedThroughput"]
                    )
                break
        else:
            raise ResourceNotFoundException(
                f"Requested resource not found: Index: {name} not found"
            )
    if not description["GlobalSecondaryIndexes"]:
        del description["GlobalSecondaryIndexes"]
