-- Temporary credentials minted by AssumeRole and GetSessionToken. They are global
-- (STS credentials work in every region), keyed by their access key id.
CREATE TABLE temporary_credentials (
    access_key    TEXT PRIMARY KEY,
    secret_key    TEXT NOT NULL,
    session_token TEXT NOT NULL,
    account_id    TEXT NOT NULL,
    arn           TEXT NOT NULL,   -- the identity the credentials act as
    user_id       TEXT NOT NULL,   -- what GetCallerIdentity reports as UserId
    expires_at    REAL NOT NULL,   -- epoch seconds
    created_at    REAL NOT NULL
);
CREATE INDEX temporary_credentials_expiry ON temporary_credentials (expires_at);
