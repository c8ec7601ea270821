-- API Gateway REST APIs. An API's resources, methods and integrations live in one JSON
-- document (an API is small and always read whole); a deployment is an immutable copy of
-- that document; a stage names the deployment it serves.
CREATE TABLE rest_apis (
    id         TEXT PRIMARY KEY,          -- 10 lowercase alphanumerics, unique on the server
    account_id TEXT NOT NULL,
    region     TEXT NOT NULL,
    api        TEXT NOT NULL,             -- JSON: the RestApi's own attributes
    resources  TEXT NOT NULL              -- JSON: resource id -> Resource (with methods)
);
CREATE INDEX rest_apis_by_owner ON rest_apis (account_id, region);

CREATE TABLE deployments (
    api_id     TEXT NOT NULL REFERENCES rest_apis (id) ON DELETE CASCADE,
    id         TEXT NOT NULL,
    created    INTEGER NOT NULL,          -- epoch seconds
    deployment TEXT NOT NULL,             -- JSON: the Deployment's attributes
    snapshot   TEXT NOT NULL,             -- JSON: the API document as deployed
    PRIMARY KEY (api_id, id)
);

CREATE TABLE stages (
    api_id     TEXT NOT NULL REFERENCES rest_apis (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    stage      TEXT NOT NULL,             -- JSON: the Stage as GetStage returns it
    PRIMARY KEY (api_id, name)
);
