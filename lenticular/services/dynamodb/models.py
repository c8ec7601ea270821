"""A table as the data plane sees it: its key schema, and how keys become store bytes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lenticular.services.dynamodb.errors import ValidationException
from lenticular.services.dynamodb.indexes import Index, indexes_of
from lenticular.services.dynamodb.keys import encode_value, hash_column
from lenticular.services.dynamodb.values import (
    INVALID,
    MAX_HASH_KEY,
    MAX_RANGE_KEY,
)

NO_MATCH = "The provided key element does not match the schema"


@dataclass(slots=True)
class Table:
    id: int  # row id in ddb_tables; never reused
    account_id: str
    region: str
    name: str
    hash_name: str  # partition key attribute
    hash_type: str  # "S", "N" or "B"
    range_name: str | None  # sort key attribute, None for hash-only tables
    range_type: str | None
    description: dict[str, Any] = field(default_factory=dict)  # TableDescription (JSON-able)
    indexes: tuple[Index, ...] = ()  # LSIs then GSIs, maintained by `changes.Writer`

    @classmethod
    def from_description(
        cls, table_id: int, account_id: str, region: str, description: dict[str, Any]
    ) -> Table:
        types = {
            a["AttributeName"]: a["AttributeType"] for a in description["AttributeDefinitions"]
        }
        hash_name = range_name = None
        for element in description["KeySchema"]:
            if element["KeyType"] == "HASH":
                hash_name = element["AttributeName"]
            else:
                range_name = element["AttributeName"]
        assert hash_name is not None
        table = cls(
            id=table_id,
            account_id=account_id,
            region=region,
            name=description["TableName"],
            hash_name=hash_name,
            hash_type=types[hash_name],
            range_name=range_name,
            range_type=types[range_name] if range_name else None,
            description=description,
        )
        table.refresh_indexes()
        return table

    def refresh_indexes(self) -> None:
        """Re-read the indexes from the description (after UpdateTable)."""
        self.indexes = indexes_of(self.description, self.key_names)

    def index(self, name: str) -> Index | None:
        for index in self.indexes:
            if index.name == name:
                return index
        return None

    @property
    def has_lsi(self) -> bool:
        return any(not index.is_global for index in self.indexes)

    @property
    def key_names(self) -> tuple[str, ...]:
        if self.range_name is None:
            return (self.hash_name,)
        return (self.hash_name, self.range_name)

    # -- keys ----------------------------------------------------------------------------

    def item_key(self, item: dict[str, Any]) -> tuple[bytes, bytes]:
        """The store key of an item to write (PutItem's messages for a bad key)."""
        hash_col = hash_column(self._item_part(item, self.hash_name, self.hash_type, True))
        if self.range_name is None:
            return hash_col, b""
        return hash_col, self._item_part(item, self.range_name, self.range_type, False)

    def _item_part(self, item: dict[str, Any], name: str, kind: Any, is_hash: bool) -> bytes:
        value = item.get(name)
        if value is None:
            raise ValidationException(f"{INVALID}Missing the key {name} in the item")
        inner = value.get(kind)
        if inner is None or len(value) != 1:
            actual = next(iter(value), "")
            raise ValidationException(
                f"{INVALID}Type mismatch for key {name} expected: {kind} actual: {actual}"
            )
        return _encode_checked(kind, inner, name, is_hash)

    def key_of(self, key: dict[str, Any], message: str = NO_MATCH) -> tuple[bytes, bytes]:
        """The store key of a `Key` parameter (GetItem's messages for a bad key)."""
        if len(key) != (1 if self.range_name is None else 2):
            raise ValidationException(message)
        value = key.get(self.hash_name)
        if value is None or len(value) != 1 or self.hash_type not in value:
            raise ValidationException(message)
        hash_col = hash_column(
            _encode_checked(self.hash_type, value[self.hash_type], self.hash_name, True)
        )
        if self.range_name is None:
            return hash_col, b""
        value = key.get(self.range_name)
        if value is None or len(value) != 1 or self.range_type not in value:
            raise ValidationException(message)
        inner = value[self.range_type]  # type: ignore[index]
        return hash_col, _encode_checked(self.range_type, inner, self.range_name, False)

    def key_attributes(self, item: dict[str, Any]) -> dict[str, Any]:
        """The key attributes of a stored item (for LastEvaluatedKey)."""
        if self.range_name is None:
            return {self.hash_name: item[self.hash_name]}
        return {self.hash_name: item[self.hash_name], self.range_name: item[self.range_name]}


def _encode_checked(kind: Any, inner: Any, name: str, is_hash: bool) -> bytes:
    if kind == "S":
        if not inner:
            raise ValidationException(
                "One or more parameter values are not valid. The AttributeValue for a key"
                f" attribute cannot contain an empty string value. Key: {name}"
            )
    elif kind == "B" and not inner:
        raise ValidationException(
            "One or more parameter values are not valid. The AttributeValue for a key"
            f" attribute cannot contain an empty binary value. Key: {name}"
        )
    encoded = encode_value(kind, inner)
    if kind != "N":
        if is_hash and len(encoded) > MAX_HASH_KEY:
            raise ValidationException(
                f"{INVALID}Size of hashkey has exceeded the maximum size limit of2048 bytes"
            )
        if not is_hash and len(encoded) > MAX_RANGE_KEY:
            raise ValidationException(
                f"{INVALID}Aggregated size of all range keys has exceeded the size limit of"
                " 1024 bytes"
            )
    return encoded


@dataclass(slots=True)
class Stream:
    """One stream of a table (enabled, or disabled and still readable for 24 hours)."""

    id: int  # row id in ddb_streams
    table_id: int
    account_id: str
    region: str
    table_name: str
    arn: str  # {table ARN}/stream/{label}
    label: str  # the ISO timestamp in the ARN
    view_type: str  # KEYS_ONLY, NEW_IMAGE, OLD_IMAGE or NEW_AND_OLD_IMAGES
    key_schema: list[dict[str, Any]]  # the table's KeySchema
    created_at: float  # epoch seconds
    disabled_at: float | None  # None while enabled
    shard_id: str  # the stream's one shard
    start_seq: int  # first sequence number of the shard
    end_seq: int | None  # last sequence number once the shard is closed
    trimmed_to: int  # records up to this sequence number were trimmed (24 hours)

    @property
    def enabled(self) -> bool:
        return self.disabled_at is None
