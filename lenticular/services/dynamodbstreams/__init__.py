"""Amazon DynamoDB Streams: reading the change records of DynamoDB tables.

provider.py   wire operations: ListStreams, DescribeStream, GetShardIterator, GetRecords
iterators.py  shard iterators: opaque strings holding a position, valid for 15 minutes
errors.py     the service's modelled errors, one line each

The streams themselves (lifecycle, records written with the items) belong to DynamoDB
(`lenticular.services.dynamodb.streams`); this package reads them through its
`StreamLog` engine interface, never over HTTP and never through DynamoDB's SQL.
"""
