"""Recently read items, so a GetItem of a hot item does not go to SQLite again.

An entry is an item's stored bytes and size, by (table id, hash key, range key): exactly
what `DynamoDBStore.get` returns, immutable. The rules that keep it from ever serving an
item that is not the committed one (all under the database's lock, which every write
holds while it writes):
- a read adds what it read only when no write transaction is open on the connection (a
  read inside a transaction may see that transaction's own writes, which could still
  roll back);
- every write of an item drops its entry first (rolled back or not, the next read goes
  to SQLite); deleting a table drops every entry.
Lookups take no lock: a dict lookup is atomic, and an entry that is present is the
committed item as of the last write that finished.

Bounded: items up to `MAX_ITEM_BYTES`, `MAX_BYTES` in all; the oldest entry goes first.
"""

from __future__ import annotations

MAX_ITEM_BYTES = 16 * 1024
MAX_BYTES = 32 * 1024 * 1024

Key = tuple[int, bytes, bytes]  # table id, hash key, range key
Entry = tuple[bytes, int]  # stored item bytes, item size


class ItemCache:
    __slots__ = ("_entries", "_bytes", "max_bytes")

    def __init__(self, max_bytes: int = MAX_BYTES) -> None:
        self._entries: dict[Key, Entry] = {}
        self._bytes = 0
        self.max_bytes = max_bytes

    def get(self, key: Key) -> Entry | None:
        return self._entries.get(key)

    def add(self, key: Key, entry: Entry) -> None:
        """Remember `entry` (the caller holds the database lock and no transaction is open)."""
        size = len(entry[0])
        if size > MAX_ITEM_BYTES:
            return
        entries = self._entries
        old = entries.pop(key, None)
        if old is not None:
            self._bytes -= len(old[0])
        while entries and self._bytes + size > self.max_bytes:
            oldest = next(iter(entries))
            self._bytes -= len(entries.pop(oldest)[0])
        entries[key] = entry
        self._bytes += size

    def discard(self, key: Key) -> None:
        """Forget `key` (the caller holds the database lock, before it writes the item)."""
        old = self._entries.pop(key, None)
        if old is not None:
            self._bytes -= len(old[0])

    def clear(self) -> None:
        self._entries.clear()
        self._bytes = 0

    def __len__(self) -> int:
        return len(self._entries)
