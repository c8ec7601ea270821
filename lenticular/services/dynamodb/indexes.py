"""Secondary indexes as the data plane sees them: an index's key schema, which items it
holds (sparse: an item missing an index key attribute is not in the index), the store
key of an item's entry, and which attributes the index projects.

Index entries live in `ddb_index_entries` (see the migrations), ordered by (index
partition key bytes, index sort key bytes, table key bytes), and point at the table
item; reads join the item and cut it down to the projection, so an index never holds a
stale copy. A GSI's partition column carries the same 4-byte token as the items table
(Scan and parallel scan work the same way); an LSI shares the table's partition column.
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/SecondaryIndexes.html

A GSI's partition and sort key may each be made of up to four attributes (multi-attribute
keys); such a key is stored as the tuple encoding of its parts (`keys.encode_tuple`), so
the sort key orders by its first attribute, then its second, and so on.
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html#GSI.MultiAttributeKeys
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lenticular.services.dynamodb.errors import ValidationException
from lenticular.services.dynamodb.keys import encode_tuple, encode_value, hash_column
from lenticular.services.dynamodb.values import INVALID, MAX_HASH_KEY, MAX_RANGE_KEY, item_size

_EMPTY = (
    "One or more parameter values are not valid. A value specified for a secondary index key"
    " is not supported. The AttributeValue for a key attribute cannot contain an empty {what}"
    " value. IndexName: {index}, IndexKey: {key}"
)


@dataclass(slots=True)
class Index:
    name: str
    is_global: bool
    hash_name: str  # index partition key attribute
    hash_type: str
    range_name: str | None  # index sort key attribute (None: hash-only GSI)
    range_type: str | None
    projection: str  # "ALL", "KEYS_ONLY" or "INCLUDE"
    table_keys: tuple[str, ...]  # the table's key attributes (always projected)
    projected: frozenset[str]  # every projected attribute (for ALL: just the keys)
    hash_keys: tuple[tuple[str, str], ...] = ()  # every partition key (name, type), in order
    range_keys: tuple[tuple[str, str], ...] = ()  # every sort key (name, type), in order

    @property
    def composite(self) -> bool:
        """Whether the partition or sort key has several attributes."""
        return len(self.hash_keys) > 1 or len(self.range_keys) > 1

    @property
    def own_key_names(self) -> tuple[str, ...]:
        """The index's key attributes (partition then sort)."""
        return tuple(name for name, _ in (*self.hash_keys, *self.range_keys))

    @property
    def key_names(self) -> tuple[str, ...]:
        """Index key then table key attributes: what a LastEvaluatedKey holds."""
        return tuple(dict.fromkeys([*self.own_key_names, *self.table_keys]))

    # -- writes -------------------------------------------------------------------------

    def entry_key(self, item: dict[str, Any]) -> tuple[bytes, bytes] | None:
        """The (partition, sort) store key of `item`'s entry; None when the item lacks an
        index key attribute (sparse). Raises DynamoDB's errors for bad key values, also
        when another key attribute is missing."""
        if self.composite:
            return self._composite_entry_key(item)
        value = item.get(self.hash_name)
        hash_bytes = (
            None if value is None
            else self._encode(value, self.hash_name, self.hash_type, MAX_HASH_KEY)
        )  # fmt: skip
        if self.range_name is None:
            return None if hash_bytes is None else (hash_column(hash_bytes), b"")
        value = item.get(self.range_name)
        if value is None or hash_bytes is None:
            if value is not None:
                self._encode(value, self.range_name, self.range_type, MAX_RANGE_KEY)
            return None
        range_bytes = self._encode(value, self.range_name, self.range_type, MAX_RANGE_KEY)
        return hash_column(hash_bytes), range_bytes

    def _composite_entry_key(self, item: dict[str, Any]) -> tuple[bytes, bytes] | None:
        """entry_key for multi-attribute keys: in the index only if EVERY key attribute
        is present; each present one is checked all the same."""
        parts: list[list[bytes]] = [[], []]
        complete = True
        for i, (keys, limit) in enumerate(
            ((self.hash_keys, MAX_HASH_KEY), (self.range_keys, MAX_RANGE_KEY))
        ):
            for name, kind in keys:
                value = item.get(name)
                if value is None:
                    complete = False
                else:
                    parts[i].append(self._encode(value, name, kind, limit))
        if not complete:
            return None
        hash_parts, range_parts = parts
        hash_bytes = hash_parts[0] if len(hash_parts) == 1 else encode_tuple(hash_parts)
        if not range_parts:
            return hash_column(hash_bytes), b""
        range_bytes = range_parts[0] if len(range_parts) == 1 else encode_tuple(range_parts)
        return hash_column(hash_bytes), range_bytes

    def _encode(self, value: dict[str, Any], name: str, kind: Any, limit: int) -> bytes:
        inner = value.get(kind)
        if inner is None or len(value) != 1:
            actual = next(iter(value), "")
            raise ValidationException(
                f"{INVALID}Type mismatch for Index Key {name} Expected: {kind} Actual: {actual}"
                f" IndexName: {self.name}"
            )
        if kind != "N" and not inner:
            what = "string" if kind == "S" else "binary"
            raise ValidationException(_EMPTY.format(what=what, index=self.name, key=name))
        encoded = encode_value(kind, inner)
        if kind != "N" and len(encoded) > limit:
            raise ValidationException(
                f"{INVALID}Size of {'hashkey' if limit == MAX_HASH_KEY else 'rangekey'} has"
                f" exceeded the maximum size limit of {limit} bytes"
            )
        return encoded

    # -- reads --------------------------------------------------------------------------

    def project(self, item: dict[str, Any]) -> dict[str, Any]:
        """The attributes of `item` this index holds."""
        if self.projection == "ALL":
            return item
        projected = self.projected
        return {k: v for k, v in item.items() if k in projected}

    def entry_size(self, item: dict[str, Any]) -> int:
        return item_size(self.project(item))

    def key_attributes(self, item: dict[str, Any]) -> dict[str, Any]:
        return {name: item[name] for name in self.key_names}


def indexes_of(description: dict[str, Any], table_keys: tuple[str, ...]) -> tuple[Index, ...]:
    """The indexes (LSIs first, then GSIs) of a TableDescription."""
    types = {d["AttributeName"]: d["AttributeType"] for d in description["AttributeDefinitions"]}
    out: list[Index] = []
    for key, is_global in (("LocalSecondaryIndexes", False), ("GlobalSecondaryIndexes", True)):
        for spec in description.get(key, ()):
            schema = spec["KeySchema"]
            hash_keys = tuple(
                (e["AttributeName"], types[e["AttributeName"]])
                for e in schema if e["KeyType"] == "HASH"
            )  # fmt: skip
            range_keys = tuple(
                (e["AttributeName"], types[e["AttributeName"]])
                for e in schema if e["KeyType"] != "HASH"
            )  # fmt: skip
            hash_name = hash_keys[0][0]
            range_name = range_keys[0][0] if range_keys else None
            projection = spec.get("Projection", {})
            kind = projection.get("ProjectionType", "ALL")
            projected = {*(e["AttributeName"] for e in schema), *table_keys}
            if kind == "INCLUDE":
                projected.update(projection.get("NonKeyAttributes", ()))
            out.append(
                Index(
                    name=spec["IndexName"],
                    is_global=is_global,
                    hash_name=hash_name,
                    hash_type=types[hash_name],
                    range_name=range_name,
                    range_type=types[range_name] if range_name else None,
                    projection=kind,
                    table_keys=table_keys,
                    projected=frozenset(projected),
                    hash_keys=hash_keys,
                    range_keys=range_keys,
                )
            )
    return tuple(out)
