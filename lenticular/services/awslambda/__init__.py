"""AWS Lambda (botocore name "lambda", a Python keyword, hence "awslambda").

provider.py       the wire operations (thin); its docstring lists the limitations
functions.py      the engine: functions, versions, aliases, concurrency, invoke
configuration.py  function ARNs and names, the FunctionConfiguration document, checks
code.py           zip unpacking by content, local-folder code, size limits
layers.py         layer versions and the folders functions mount
policy.py         resource-policy statements as AddPermission builds them
async_invoke.py   the durable queue of Event invocations: retries, destinations
paging.py         Marker/MaxItems paging
store.py          SQLite persistence (migrations/)
runtime/          execution environments: one OS process each, warm pool, Runtime API,
                  the built-in Python runtime, limits and faults, log capture
errors.py         Lambda's modelled errors, one line each
"""
