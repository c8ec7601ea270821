-- CloudWatch Logs: groups per account and region, their streams, and the events in them.
CREATE TABLE log_groups (
    id                  INTEGER PRIMARY KEY,
    account_id          TEXT NOT NULL,
    region              TEXT NOT NULL,
    name                TEXT NOT NULL,
    creation_time       INTEGER NOT NULL,             -- epoch milliseconds
    retention_days      INTEGER,                      -- NULL: never expire
    kms_key_id          TEXT,                         -- recorded, not used to encrypt
    log_group_class     TEXT NOT NULL DEFAULT 'STANDARD',
    deletion_protection INTEGER NOT NULL DEFAULT 0,
    stored_bytes        INTEGER NOT NULL DEFAULT 0,
    tags                TEXT NOT NULL DEFAULT '{}',   -- JSON object
    UNIQUE (account_id, region, name)
);

CREATE TABLE log_streams (
    id                    INTEGER PRIMARY KEY,
    group_id              INTEGER NOT NULL REFERENCES log_groups (id) ON DELETE CASCADE,
    name                  TEXT NOT NULL,
    creation_time         INTEGER NOT NULL,
    first_event_timestamp INTEGER,
    last_event_timestamp  INTEGER,
    last_ingestion_time   INTEGER,
    sequence              INTEGER NOT NULL DEFAULT 1,  -- uploadSequenceToken's counter
    stored_bytes          INTEGER NOT NULL DEFAULT 0,
    UNIQUE (group_id, name)
);

-- The event id is the row id; group_id is denormalised so a group reads by time alone.
CREATE TABLE log_events (
    id             INTEGER PRIMARY KEY,
    group_id       INTEGER NOT NULL,
    stream_id      INTEGER NOT NULL REFERENCES log_streams (id) ON DELETE CASCADE,
    timestamp      INTEGER NOT NULL,   -- the event's own time, epoch milliseconds
    ingestion_time INTEGER NOT NULL,   -- when lenticular stored it
    message        TEXT NOT NULL
);
CREATE INDEX log_events_by_stream ON log_events (stream_id, timestamp, id);
CREATE INDEX log_events_by_group ON log_events (group_id, timestamp, id);
