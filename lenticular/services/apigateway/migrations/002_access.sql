-- What controls access to REST APIs: Lambda authorizers (children of an API), API keys,
-- usage plans and the keys attached to them. Each is one JSON document in its wire shape.
CREATE TABLE access_documents (
    kind       TEXT NOT NULL,             -- authorizer | apikey | usageplan | planKey
    id         TEXT NOT NULL,             -- the document's id (planKey: "{planId}/{keyId}")
    account_id TEXT NOT NULL,
    region     TEXT NOT NULL,
    parent     TEXT NOT NULL DEFAULT '',  -- authorizer: the API id; planKey: the plan id
    doc        TEXT NOT NULL,             -- JSON: the Authorizer/ApiKey/UsagePlan/UsagePlanKey
    PRIMARY KEY (kind, id)
);
CREATE INDEX access_documents_by_parent ON access_documents (kind, parent);
