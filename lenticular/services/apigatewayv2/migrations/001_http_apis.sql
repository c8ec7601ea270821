-- API Gateway HTTP APIs. An API is one JSON document (its Api wire shape); its routes,
-- integrations, authorizers, deployments and stages are child documents. A deployment
-- carries an immutable snapshot of what it deployed (routes, integrations, authorizers,
-- CORS); a stage names the deployment it serves.
CREATE TABLE http_apis (
    id         TEXT PRIMARY KEY,          -- 10 lowercase alphanumerics, unique on the server
    account_id TEXT NOT NULL,
    region     TEXT NOT NULL,
    doc        TEXT NOT NULL              -- JSON: the Api as GetApi returns it
);
CREATE INDEX http_apis_by_owner ON http_apis (account_id, region);

CREATE TABLE http_api_parts (
    api_id     TEXT NOT NULL REFERENCES http_apis (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,             -- route | integration | authorizer | deployment | stage
    id         TEXT NOT NULL,             -- the part's id (a stage: its name)
    doc        TEXT NOT NULL,             -- JSON: the part in its wire shape
    snapshot   TEXT,                      -- JSON: a deployment's deployed definition
    PRIMARY KEY (api_id, kind, id)
);
