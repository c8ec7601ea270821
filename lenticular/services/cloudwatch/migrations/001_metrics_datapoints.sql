-- CloudWatch metrics: each metric (namespace + name + dimensions) per account and region,
-- and the datapoints put to it. Dimensions are canonical JSON: [[name, value], ...] sorted.
CREATE TABLE metrics (
    id          INTEGER PRIMARY KEY,
    account_id  TEXT NOT NULL,
    region      TEXT NOT NULL,
    namespace   TEXT NOT NULL,
    metric_name TEXT NOT NULL,
    dimensions  TEXT NOT NULL,
    last_put    REAL NOT NULL,                 -- epoch seconds of the latest PutMetricData
    UNIQUE (account_id, region, namespace, metric_name, dimensions)
);
CREATE INDEX metrics_by_name ON metrics (account_id, region, namespace, metric_name);

-- One row per datum as put: a single value, a Values/Counts array, or a statistic set.
CREATE TABLE datapoints (
    id                 INTEGER PRIMARY KEY,
    metric_id          INTEGER NOT NULL REFERENCES metrics (id) ON DELETE CASCADE,
    timestamp          REAL NOT NULL,          -- the datum's own time, epoch seconds
    sample_count       REAL NOT NULL,
    sum                REAL NOT NULL,
    minimum            REAL NOT NULL,
    maximum            REAL NOT NULL,
    value_counts       TEXT,                   -- JSON [[value, count], ...]; NULL for a statistic set
    unit               TEXT NOT NULL DEFAULT 'None',
    storage_resolution INTEGER NOT NULL DEFAULT 60
);
CREATE INDEX datapoints_by_metric ON datapoints (metric_id, timestamp);
CREATE INDEX datapoints_by_time ON datapoints (timestamp);
