-- CloudFormation stacks, one row each, kept after deletion (ListStacks shows them as
-- DELETE_COMPLETE). The stack itself (template, resources, outputs) is a JSON document.
CREATE TABLE stacks (
    stack_id    TEXT PRIMARY KEY,  -- the stack's ARN
    account_id  TEXT NOT NULL,
    region      TEXT NOT NULL,
    name        TEXT NOT NULL,
    status      TEXT NOT NULL,
    created_at  REAL NOT NULL,
    doc         TEXT NOT NULL      -- models.Stack as JSON
);
CREATE INDEX stacks_by_name ON stacks (account_id, region, name);

-- DescribeStackEvents, newest first by seq.
CREATE TABLE stack_events (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    stack_id  TEXT NOT NULL,
    doc       TEXT NOT NULL        -- models.StackEvent as JSON
);
CREATE INDEX stack_events_by_stack ON stack_events (stack_id, seq);
