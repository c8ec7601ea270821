"""The Lambda execution-environment engine, with no knowledge of Lambda's wire API.

    RuntimeManager   invoke a function in a warm environment; throttling, faults, logs
    FunctionSpec     what an environment is built from (code, handler, limits, variables)
    InvocationResult the payload, FunctionError, log tail and REPORT figures
    LogSink          where log events go (CloudWatch Logs' engine)

Modules: pool (warm pool, limits, faults), environment (one OS process each), forkserver
(a zygote that forks Python environments with boto3 already imported), bootstrap (the
built-in Python runtime inside an environment), channel (its private frame channel),
runtime_api (the official Runtime API for `provided` runtimes and AWS's runtime interface
clients), logs (capture and START/END/REPORT lines), memory (the memory of an
environment's whole process tree, for the MemorySize limit and Max Memory Used), models.

Python versions: every `python3.x` runtime runs on the interpreter lenticular itself runs
on (sys.executable); a warning is logged once per runtime that names another version.
"""

from __future__ import annotations

from lenticular.services.awslambda.runtime.models import FunctionSpec, InvocationResult, LogSink
from lenticular.services.awslambda.runtime.pool import RuntimeManager

__all__ = ["FunctionSpec", "InvocationResult", "LogSink", "RuntimeManager"]
