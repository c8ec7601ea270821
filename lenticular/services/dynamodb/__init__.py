"""Amazon DynamoDB on the embedded store.

provider.py      wire operations (thin): parameters in, engine calls, results out
errors.py        DynamoDB's modelled errors, one line each
values.py        AttributeValues: validation, number normalisation, item size
keys.py          order-preserving byte encoding of key attributes (SQLite sorts them)
models.py        a table's key schema and how keys become store bytes
capacity.py      ConsumedCapacity arithmetic
store.py         SQLite persistence: tables, items, index entries, collections, tokens
migrations/      versioned SQL for the store
tables.py        control plane semantics (create/describe/update/delete, tags, stream spec)
indexes.py       secondary indexes: index keys (sparse), projections
changes.py       the single write path: item changes + index entries + observers, one transaction
items.py         single-item reads and writes with conditions and return values
batch.py         BatchGetItem and BatchWriteItem
transactions.py  TransactGetItems and TransactWriteItems (cancellation reasons, tokens)
scans.py         Query and Scan: key ranges, paging, limits, filters, Select
streams.py       DynamoDB Streams, table side: stream lifecycle, the record observer, reads
stream_store.py  SQLite persistence of streams and their records
ttl.py           Time to Live: the TTL spec, hiding expired items, the expiry index, sweeps
expressions/     the expression language: tokenize -> parse -> validate -> evaluate
"""
