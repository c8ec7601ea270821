"""Query and Scan: key ranges, paging, Limit, the 1 MB page, filters, Select.

A Query seeks to one partition's sort-key range in the store (never loading a whole
partition) and reads it in order, in chunks, until the page ends: `Limit` items were
*evaluated* (Limit applies before the filter, as in DynamoDB), or 1 MB of item data was
read, or the range is exhausted. A Scan walks the table in store order (partition token
order); a parallel-scan segment is a contiguous range of tokens (see `keys`).
"""

from __future__ import annotations

import time
from typing import Any

from lenticular.services.dynamodb import expressions as expr
from lenticular.services.dynamodb.capacity import consumed, read_units
from lenticular.services.dynamodb.errors import ValidationException
from lenticular.services.dynamodb.indexes import Index
from lenticular.services.dynamodb.keys import (
    encode_tuple,
    encode_value,
    escape_part,
    hash_column,
    segment_bounds,
)
from lenticular.services.dynamodb.models import Table
from lenticular.services.dynamodb.store import DynamoDBStore, Row, load_item, wire_item
from lenticular.services.dynamodb.ttl import expiry, is_expired
from lenticular.services.dynamodb.values import INVALID, check_values

PAGE_BYTES = 1024 * 1024
_CHUNK = 256
OUTSIDE_QUERY = "The provided starting key is outside query boundaries based on provided conditions"
BAD_START = (
    "The provided starting key is invalid: The provided key element does not match the schema"
)


class _Request:
    """What Query and Scan share: parsed expressions, Select, paging."""

    def __init__(self, params: dict[str, Any], operation: str) -> None:
        self.params = params
        self.operation = operation
        expr.check_no_mixing(params, operation)
        self.ctx = expr.ExpressionContext(
            params.get("ExpressionAttributeNames"), params.get("ExpressionAttributeValues")
        )
        operator = params.get("ConditionalOperator")
        legacy_filter = params.get("QueryFilter" if operation == "Query" else "ScanFilter")
        self.filter: Any = None
        if "FilterExpression" in params:
            self.filter = self.ctx.filter(params["FilterExpression"])
        elif legacy_filter:
            self.filter = expr.legacy_filter(legacy_filter, operator)
        self.projection: Any = None
        if "ProjectionExpression" in params:
            self.projection = self.ctx.projection(params["ProjectionExpression"])
        elif "AttributesToGet" in params:
            self.projection = expr.legacy_projection(params["AttributesToGet"])
        self.select = params.get("Select")
        self._check_select()
        self.limit: int | None = params.get("Limit")
        self.count_only = self.select == "COUNT"
        start = params.get("ExclusiveStartKey")
        if start is not None:
            check_values(start)

    def _check_select(self) -> None:
        select = self.select
        if select is None:
            return
        if select == "SPECIFIC_ATTRIBUTES":
            if "ProjectionExpression" not in self.params and "AttributesToGet" not in self.params:
                prefix = "1 validation error detected: " if self.operation == "Query" else ""
                raise ValidationException(
                    f"{prefix}Must specify the AttributesToGet or ProjectionExpression when"
                    " choosing to get SPECIFIC_ATTRIBUTES"
                )
            return
        prefix = "1 validation error detected: " if self.operation == "Query" else ""
        what = "only the Count" if select == "COUNT" else select
        if "ProjectionExpression" in self.params:
            raise ValidationException(
                f"{prefix}Cannot specify the ProjectionExpression when choosing to get {what}"
            )
        if "AttributesToGet" in self.params:
            raise ValidationException(
                f"{prefix}Cannot specify the AttributesToGet when choosing to get {what}"
            )
        if select == "ALL_PROJECTED_ATTRIBUTES" and "IndexName" not in self.params:
            verb = "Querying" if self.operation == "Query" else "Scanning"
            raise ValidationException(
                f"{INVALID}ALL_PROJECTED_ATTRIBUTES can be used only when {verb} using an IndexName"
            )

    def check_index(self, table: Table) -> Index | None:
        """The index the request reads (None: the table), with the index-only checks."""
        name = self.params.get("IndexName")
        if name is None:
            return None
        index = table.index(name)
        if index is None:
            raise ValidationException(f"The table does not have the specified index: {name}")
        if index.is_global and self.params.get("ConsistentRead"):
            raise ValidationException(
                "Consistent reads are not supported on global secondary indexes"
            )
        if index.is_global and index.projection != "ALL":
            if self.select == "ALL_ATTRIBUTES":
                raise ValidationException(
                    f"{INVALID}Select type ALL_ATTRIBUTES is not supported for global secondary"
                    f" index {name} because its projection type is not ALL"
                )
            wanted = self.projection.paths if self.projection is not None else ()
            missing = [
                str(p.elements[0]) for p in wanted if str(p.elements[0]) not in index.projected
            ]
            if missing:
                raise ValidationException(
                    f"{INVALID}Global secondary index {name} does not project the requested"
                    f" attributes: [{', '.join(dict.fromkeys(missing))}]"
                )
        return index

    def page(
        self, table: Table, fetch: Any, index: Index | None = None, wire: bool = False
    ) -> dict[str, Any]:
        """Read rows through `fetch(after_row, n)` until the page ends; the response. With
        `wire` (it goes straight to the response), items that need no expiry check, view,
        filter or projection are passed on as their stored JSON (see `store.wire_item`)."""
        view = None
        if index is not None and index.projection != "ALL":
            everything = self.select == "ALL_ATTRIBUTES" or self.projection is not None
            if index.is_global or not everything:  # an LSI fetches from the table
                view = index.project
        limit = self.limit
        items: list[dict[str, Any]] = []
        count = scanned = read = 0
        last: Row | None = None
        more = False
        filt, proj, count_only = self.filter, self.projection, self.count_only
        ttl_name = table.description.get("_ttl")  # expired items are skipped (see `ttl`)
        now = time.time()
        as_stored = wire and not ttl_name and view is None and filt is None and proj is None
        while not more:
            want = _CHUNK if limit is None else min(_CHUNK, limit - scanned)
            rows = fetch(last, want)
            for row in rows:
                last = row
                if ttl_name:
                    item = load_item(row[2])
                    if is_expired(expiry(ttl_name, item), now):
                        continue
                scanned += 1
                read += row[3]
                if as_stored and not count_only:
                    count += 1
                    items.append(wire_item(row[2]))
                elif filt is not None or not count_only:
                    if not ttl_name:
                        item = load_item(row[2])
                    if view is not None:
                        item = view(item)
                    if filt is None or filt.matches(item):
                        count += 1
                        if not count_only:
                            items.append(proj.apply(item) if proj is not None else item)
                else:
                    count += 1
                if scanned == limit or read >= PAGE_BYTES:
                    more = True
                    break
            if len(rows) < want:
                break
        out: dict[str, Any] = {"Count": count, "ScannedCount": scanned}
        if not count_only:
            out["Items"] = items
        if more and last is not None:
            out["LastEvaluatedKey"] = (index or table).key_attributes(load_item(last[2]))
        units = read_units(read, bool(self.params.get("ConsistentRead")))
        mode = self.params.get("ReturnConsumedCapacity")
        if index is None:
            capacity = consumed(mode, table.name, units)
        else:
            capacity = consumed(mode, table.name, 0.0, {index.name: (index.is_global, units)})
        if capacity is not None:
            out["ConsumedCapacity"] = capacity
        return out


def query(
    store: DynamoDBStore, params: dict[str, Any], get_table: Any, wire: bool = False
) -> dict[str, Any]:
    request = _Request(params, "Query")
    table: Table = get_table()
    index = request.check_index(table)
    target: Any = index or table
    multi: dict[str, Any] = {}
    if index is not None and index.composite:
        multi["hash_keys"] = tuple(name for name, _ in index.hash_keys)
        multi["range_keys"] = tuple(name for name, _ in index.range_keys)
    if "KeyConditionExpression" in params:
        kc = request.ctx.key_condition(
            params["KeyConditionExpression"], hash_key=target.hash_name,
            range_key=target.range_name, **multi,
        )  # fmt: skip
    elif "KeyConditions" in params:
        kc = expr.legacy_key_condition(
            params["KeyConditions"], hash_key=target.hash_name, range_key=target.range_name,
            **multi,
        )  # fmt: skip
    else:
        raise ValidationException(
            "Either the KeyConditions or KeyConditionExpression parameter must be specified in"
            " the request."
        )
    request.ctx.finish()
    _check_filter_keys(request, index.own_key_names if index is not None else table.key_names)
    if index is not None and index.composite:
        hash_key, (low, high) = _multi_bounds(kc, index)
    else:
        hash_key = hash_column(_operand(kc.hash_value, target.hash_type))
        low, high = _range_bounds(kc, target)
    start = params.get("ExclusiveStartKey")
    forward = params.get("ScanIndexForward", True)
    if index is not None:
        first = _index_start(table, index, start) if start is not None else None
        if first is not None and (
            first[0] != hash_key or not (index.composite or _within(first[1], low, high))
        ):
            raise ValidationException(OUTSIDE_QUERY)

        def fetch_index(after: Any, n: int) -> list[Any]:
            position = (after[1], after[4], after[5]) if after is not None else None
            if position is None and first is not None:
                position = first[1:]
            return store.index_partition(
                table.id, index.name, hash_key, low, high, position, forward, n
            )

        return request.page(table, fetch_index, index, wire)
    if start is not None:
        if table.range_name is None:  # a one-item partition has nothing after any key
            shown = ", ".join(
                f"{name}=AttributeValue: {{{kind}:{inner}}}"
                for name, value in start.items()
                for kind, inner in value.items()
            )
            raise ValidationException(
                f"The provided exclusive start key is invalid: ExclusiveStartKey: {{{shown}}}"
            )
        start_hash, start_range = table.key_of(start, BAD_START)
        if start_hash != hash_key or not _within(start_range, low, high):
            raise ValidationException(OUTSIDE_QUERY)
        if forward:
            low = _tighter_low(low, (start_range, False))
        else:
            high = _tighter_high(high, (start_range, False))

    def fetch(after: Row | None, n: int) -> list[Row]:
        lo, hi = low, high
        if after is not None:
            if forward:
                lo = (after[1], False)
            else:
                hi = (after[1], False)
        return store.partition(table.id, hash_key, lo, hi, forward, n)

    return request.page(table, fetch, wire=wire)


def _check_filter_keys(request: _Request, keys: tuple[str, ...]) -> None:
    """A Query's filter may not use the key attributes of what it reads (they belong in
    the key condition)."""
    if request.filter is None:
        return
    if "FilterExpression" in request.params:
        used = expr.top_level_names(request.filter.tree)
        what = "Filter Expression"
    else:
        used = list(request.params.get("QueryFilter") or ())
        what = "QueryFilter"
    for name in used:
        if name in keys:
            raise ValidationException(
                f"{what} can only contain non-primary key attributes: Primary key attribute: {name}"
            )


def _index_start(table: Table, index: Index, start: dict[str, Any]) -> tuple[bytes, ...]:
    """The store position (index hash, index range, item hash, item range) of an
    ExclusiveStartKey on an index (which holds the index key and the table key)."""
    names = index.key_names
    if len(start) != len(names) or any(name not in start for name in names):
        raise ValidationException(BAD_START)
    item_key = table.key_of({name: start[name] for name in table.key_names}, BAD_START)
    try:
        entry = index.entry_key(start)
    except ValidationException:
        raise ValidationException(BAD_START) from None
    assert entry is not None
    return (*entry, *item_key)


def scan(store: DynamoDBStore, params: dict[str, Any], get_table: Any) -> dict[str, Any]:
    segment = params.get("Segment")
    total = params.get("TotalSegments")
    if segment is not None and total is None:
        raise ValidationException(
            "The TotalSegments parameter is required but was not present in the request when"
            " Segment parameter is present"
        )
    if total is not None and segment is None:
        raise ValidationException(
            "The Segment parameter is required but was not present in the request when"
            " parameter TotalSegments is present"
        )
    if segment is not None and segment >= total:
        raise ValidationException(
            "The Segment parameter is zero-based and must be less than parameter TotalSegments:"
            f" Segment: {segment} is not less than TotalSegments: {total}"
        )
    request = _Request(params, "Scan")
    request.ctx.finish()
    table: Table = get_table()
    index = request.check_index(table)
    low_hash, high_hash = segment_bounds(segment, total) if total else (None, None)
    start = params.get("ExclusiveStartKey")
    if index is not None:
        position = _index_start(table, index, start) if start is not None else None

        def fetch_index(after: Any, n: int) -> list[Any]:
            at = (after[0], after[1], after[4], after[5]) if after is not None else position
            return store.index_walk(table.id, index.name, at, low_hash, high_hash, n)

        return request.page(table, fetch_index, index)
    first = table.key_of(start, BAD_START) if start is not None else None
    if (
        first is not None
        and low_hash is not None
        and not (low_hash <= first[0] and (high_hash is None or first[0] < high_hash))
    ):
        raise ValidationException(
            "The provided Exclusive start key does not map to the provided Segment and"
            " TotalSegments values."
        )

    def fetch(after: Row | None, n: int) -> list[Row]:
        position = (after[0], after[1]) if after is not None else first
        return store.walk(table.id, position, low_hash, high_hash, n)

    return request.page(table, fetch)


# -- key conditions -> store bounds ---------------------------------------------------------------

Bound = tuple[bytes, bool] | None  # (encoded sort key, inclusive), None: unbounded


def _operand(value: dict[str, Any], kind: str | None) -> bytes:
    if kind is None or len(value) != 1 or kind not in value:
        raise ValidationException(f"{INVALID}Condition parameter type does not match schema type")
    inner = value[kind]
    return encode_value(kind, inner)


def _range_bounds(kc: Any, table: Table) -> tuple[Bound, Bound]:
    op = kc.range_op
    if op is None:
        return None, None
    values = [_operand(v, table.range_type) for v in kc.range_values]
    if op == "=":
        return (values[0], True), (values[0], True)
    if op == "<":
        return None, (values[0], False)
    if op == "<=":
        return None, (values[0], True)
    if op == ">":
        return (values[0], False), None
    if op == ">=":
        return (values[0], True), None
    if op == "BETWEEN":
        return (values[0], True), (values[1], True)
    # BEGINS_WITH: [prefix, next prefix)
    prefix = values[0]
    return (prefix, True), _prefix_end(prefix)


def _multi_bounds(kc: Any, index: Index) -> tuple[bytes, tuple[Bound, Bound]]:
    """The partition column and sort-key bounds of a Query on a multi-attribute key (see
    `keys.encode_tuple`: the leading `=` parts make a byte prefix of the sort key)."""
    hash_parts = [
        _operand(v, kind) for v, (_, kind) in zip(kc.hash_values, index.hash_keys, strict=True)
    ]
    hash_bytes = hash_parts[0] if len(hash_parts) == 1 else encode_tuple(hash_parts)
    hash_key = hash_column(hash_bytes)
    op = kc.range_op
    if op is None:
        return hash_key, (None, None)
    kinds = [kind for _, kind in index.range_keys]
    if len(kinds) == 1:  # one sort key attribute: the plain encoding
        return hash_key, _range_bounds(kc, index)
    prefix = encode_tuple([_operand(v, k) for v, k in zip(kc.range_prefix, kinds, strict=False)])
    kind = kinds[len(kc.range_prefix)]
    values = [encode_tuple([_operand(v, kind)]) for v in kc.range_values]
    floor: Bound = (prefix, True) if prefix else None
    ceiling = _prefix_end(prefix) if prefix else None
    if op == "=":
        return hash_key, ((prefix + values[0], True), _prefix_end(prefix + values[0]))
    if op == "<":
        return hash_key, (floor, (prefix + values[0], False))
    if op == "<=":
        return hash_key, (floor, _prefix_end(prefix + values[0]))
    if op == ">":
        after = _prefix_end(prefix + values[0])
        return hash_key, ((after[0], True) if after else None, ceiling)
    if op == ">=":
        return hash_key, ((prefix + values[0], True), ceiling)
    if op == "BETWEEN":
        return hash_key, ((prefix + values[0], True), _prefix_end(prefix + values[1]))
    # BEGINS_WITH: the part starts with the value (its escaped bytes, no terminator)
    start = prefix + escape_part(_operand(kc.range_values[0], kind))
    return hash_key, ((start, True), _prefix_end(start))


def _prefix_end(prefix: bytes) -> Bound:
    trimmed = prefix.rstrip(b"\xff")
    if not trimmed:
        return None
    return (trimmed[:-1] + bytes((trimmed[-1] + 1,)), False)


def _within(value: bytes, low: Bound, high: Bound) -> bool:
    """Whether an encoded sort key lies inside a key condition's bounds."""
    if low is not None and (value < low[0] or (value == low[0] and not low[1])):
        return False
    return high is None or value < high[0] or (value == high[0] and high[1])


def _tighter_low(a: Bound, b: Bound) -> Bound:
    if a is None:
        return b
    assert b is not None
    if b[0] > a[0] or (b[0] == a[0] and not b[1]):
        return b
    return a


def _tighter_high(a: Bound, b: Bound) -> Bound:
    if a is None:
        return b
    assert b is not None
    if b[0] < a[0] or (b[0] == a[0] and not b[1]):
        return b
    return a
