-- Lambda: event source mappings (DynamoDB streams) and where each one has read up to.
-- A mapping is kept as the EventSourceMappingConfiguration document the API returns; it
-- outlives its function, as on AWS (its invocations then fail until the function exists).
CREATE TABLE event_source_mappings (
    uuid          TEXT PRIMARY KEY,
    account_id    TEXT NOT NULL,
    region        TEXT NOT NULL,
    function_name TEXT NOT NULL,   -- the function's name (for ListEventSourceMappings)
    source_arn    TEXT NOT NULL,   -- the event source (a DynamoDB stream ARN)
    enabled       INTEGER NOT NULL,  -- 1: the mapping polls its source
    config        TEXT NOT NULL,   -- EventSourceMappingConfiguration (JSON)
    position      INTEGER NOT NULL,  -- checkpoint: stream position of the next record to deliver
    created_at    REAL NOT NULL    -- epoch seconds (list order)
);
CREATE INDEX event_source_mappings_by_account
    ON event_source_mappings (account_id, region, created_at);
