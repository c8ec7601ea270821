"""ConsumedCapacity as DynamoDB computes it: reads in 4 KB units (halved when eventually
consistent), writes in 1 KB units, at least one unit per item touched.
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html
"""

from __future__ import annotations

from typing import Any

READ_UNIT = 4096
WRITE_UNIT = 1024


def read_units(size: int, consistent: bool) -> float:
    units = max(1, -(-size // READ_UNIT))
    return float(units) if consistent else units / 2


def write_units(size: int) -> float:
    return float(max(1, -(-size // WRITE_UNIT)))


def consumed(
    mode: str | None,
    table: str,
    units: float,
    indexes: dict[str, tuple[bool, float]] | None = None,
) -> dict[str, Any] | None:
    """The ConsumedCapacity member for ReturnConsumedCapacity `mode` (None for NONE);
    `indexes` maps an index name to (is it a GSI, units consumed on it)."""
    if mode is None or mode == "NONE":
        return None
    total = units
    if indexes:
        total += sum(u for _, u in indexes.values())
    out: dict[str, Any] = {"TableName": table, "CapacityUnits": total}
    if mode == "INDEXES":
        out["Table"] = {"CapacityUnits": units}
        for name, (is_global, index_units) in (indexes or {}).items():
            key = "GlobalSecondaryIndexes" if is_global else "LocalSecondaryIndexes"
            out.setdefault(key, {})[name] = {"CapacityUnits": index_units}
    return out


def merge(into: dict[str, Any] | None, more: dict[str, Any] | None) -> dict[str, Any] | None:
    """Add ConsumedCapacity `more` to `into` (same table): per-table totals of batches."""
    if into is None:
        return more
    if more is None:
        return into
    into["CapacityUnits"] += more["CapacityUnits"]
    for key in ("Table", "ReadCapacityUnits", "WriteCapacityUnits"):
        if key in more:
            into.setdefault(key, {"CapacityUnits": 0.0})["CapacityUnits"] += more[key][
                "CapacityUnits"
            ]
    for key in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
        for name, value in more.get(key, {}).items():
            target = into.setdefault(key, {}).setdefault(name, {"CapacityUnits": 0.0})
            target["CapacityUnits"] += value["CapacityUnits"]
    return into
