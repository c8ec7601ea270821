-- Lambda: functions per account and region, their published versions, aliases, resource
-- policies, event invoke configs, layers, and the durable queue of asynchronous invokes.
-- Configurations are kept as the JSON documents the API returns (FunctionConfiguration,
-- AliasConfiguration, ...), so a new model member needs no migration.
CREATE TABLE functions (
    account_id           TEXT NOT NULL,
    region               TEXT NOT NULL,
    name                 TEXT NOT NULL,
    config               TEXT NOT NULL,   -- $LATEST's FunctionConfiguration (JSON)
    code                 TEXT NOT NULL,   -- where the code lives (JSON: kind, path, sha)
    tags                 TEXT NOT NULL DEFAULT '{}',
    reserved_concurrency INTEGER,         -- NULL: none reserved
    last_version         INTEGER NOT NULL DEFAULT 0,  -- highest published version number
    PRIMARY KEY (account_id, region, name)
);

CREATE TABLE function_versions (
    account_id TEXT NOT NULL,
    region     TEXT NOT NULL,
    name       TEXT NOT NULL,
    version    INTEGER NOT NULL,
    config     TEXT NOT NULL,   -- the published FunctionConfiguration (JSON)
    code       TEXT NOT NULL,
    PRIMARY KEY (account_id, region, name, version),
    FOREIGN KEY (account_id, region, name) REFERENCES functions ON DELETE CASCADE
);

CREATE TABLE aliases (
    account_id TEXT NOT NULL,
    region     TEXT NOT NULL,
    name       TEXT NOT NULL,
    alias      TEXT NOT NULL,
    config     TEXT NOT NULL,   -- AliasConfiguration (JSON)
    PRIMARY KEY (account_id, region, name, alias),
    FOREIGN KEY (account_id, region, name) REFERENCES functions ON DELETE CASCADE
);

-- Resource policies and event invoke configs per qualifier ('' for the unqualified ARN).
CREATE TABLE policies (
    account_id TEXT NOT NULL,
    region     TEXT NOT NULL,
    name       TEXT NOT NULL,
    qualifier  TEXT NOT NULL,
    policy     TEXT NOT NULL,   -- the policy document (JSON)
    revision   TEXT NOT NULL,
    PRIMARY KEY (account_id, region, name, qualifier),
    FOREIGN KEY (account_id, region, name) REFERENCES functions ON DELETE CASCADE
);

CREATE TABLE event_invoke_configs (
    account_id TEXT NOT NULL,
    region     TEXT NOT NULL,
    name       TEXT NOT NULL,
    qualifier  TEXT NOT NULL,
    config     TEXT NOT NULL,   -- FunctionEventInvokeConfig (JSON)
    PRIMARY KEY (account_id, region, name, qualifier),
    FOREIGN KEY (account_id, region, name) REFERENCES functions ON DELETE CASCADE
);

CREATE TABLE layer_versions (
    account_id TEXT NOT NULL,
    region     TEXT NOT NULL,
    name       TEXT NOT NULL,
    version    INTEGER NOT NULL,
    config     TEXT NOT NULL,   -- GetLayerVersionResponse (JSON)
    path       TEXT NOT NULL,   -- the unpacked content
    PRIMARY KEY (account_id, region, name, version)
);

-- The highest version number each layer name has used (numbers are never reused).
CREATE TABLE layer_counters (
    account_id   TEXT NOT NULL,
    region       TEXT NOT NULL,
    name         TEXT NOT NULL,
    last_version INTEGER NOT NULL,
    PRIMARY KEY (account_id, region, name)
);

-- Asynchronous invocations waiting for (another) attempt.
CREATE TABLE async_events (
    id           INTEGER PRIMARY KEY,
    account_id   TEXT NOT NULL,
    region       TEXT NOT NULL,
    name         TEXT NOT NULL,
    qualifier    TEXT,            -- NULL: $LATEST
    request_id   TEXT NOT NULL,
    payload      BLOB NOT NULL,
    enqueued_at  REAL NOT NULL,   -- epoch seconds
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_attempt REAL NOT NULL    -- epoch seconds
);
CREATE INDEX async_events_due ON async_events (next_attempt);
