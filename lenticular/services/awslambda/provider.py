"""AWS Lambda over the wire: functions, versions, aliases, invocation (sync, async, dry
run), concurrency, permissions, event invoke configs, layers and tags. The behaviour lives
in `functions.LambdaEngine` (which other services call in-process), execution in
`runtime.RuntimeManager`, asynchronous invocation in `async_invoke.EventQueue`, event
source mappings (DynamoDB streams) in `event_sources.EventSourceMappings`.

Running code from a local folder (lenticular only): create or update a function with
`Code={"S3Bucket": "lenticular-local", "S3Key": "/absolute/path/to/folder"}` (CLI:
`--code S3Bucket=lenticular-local,S3Key=$PWD/src`; SAM/CloudFormation: the same bucket and
key). The function runs straight from that folder; edits are picked up on the next invoke
(the folder is re-scanned for changes at most once a second). Its CodeSha256 is derived
from the path, and its CodeSize is 0.

Settings (environment variables of the server): `LENTICULAR_LAMBDA_RETRY_DELAYS` (seconds
between asynchronous retries, default "60,120"), `LENTICULAR_LAMBDA_IDLE_TIMEOUT` (seconds
before an idle execution environment is reaped, default 300),
`LENTICULAR_LAMBDA_ACCOUNT_CONCURRENCY` (the account's concurrency quota, default 1000).

Limitations versus AWS:
- Runtimes: python3.9..python3.14 (all run on the server's own Python, see runtime/),
  provided.al2 and provided.al2023. Other runtimes and container images
  (PackageType Image) answer InvalidParameterValueException.
- Limits: MemorySize covers the environment's whole process tree, measured from /proc
  every 50 ms while an invocation runs (AWS's cgroup is exact; see runtime/memory.py);
  EphemeralStorage bounds each file, not the total of /tmp (runtime/environment.py).
- Code: ZipFile uploads and local folders. S3Bucket/S3Key (other than the local-folder
  bucket) answer InvalidParameterValueException until lenticular has S3. GetFunction's
  Code.Location and a layer's Content.Location are URLs that cannot be downloaded yet.
  Code signing, SnapStart, VPC, file systems, KMS, tracing and DeadLetterConfig are
  recorded and reported, not acted on. Architectures are recorded; code runs on the host.
- Function state: CreateFunction answers State Pending and Update{FunctionCode,
  FunctionConfiguration} answer LastUpdateStatus InProgress, as AWS does; the function is
  Active and the update Successful by the next read (nothing is provisioned), so waiters
  (function_active_v2, function_updated_v2) return at once. Pending and InProgress are
  never observable by a read, so operations that AWS refuses meanwhile always succeed.
- Permissions are recorded (GetPolicy returns them as AWS builds them) but not enforced;
  callers are not authorized against IAM.
- Asynchronous invocation: retries, maximum event age and destinations work; destinations
  other than Lambda functions (SQS, SNS, EventBridge, S3) are logged and dropped until those
  services exist. Queued events are worked again after a restart once the Lambda provider
  is loaded (by any Lambda request). Reserved concurrency applies to asynchronous events
  (throttled events wait and retry, as on AWS).
- Event source mappings: DynamoDB streams only (SQS, Kinesis, Kafka, MQ and DocumentDB
  sources answer InvalidParameterValueException). Pollers start when the Lambda provider
  loads (after a restart: with the first Lambda request). ParallelizationFactor,
  TumblingWindowInSeconds, ScalingConfig, MetricsConfig and KMSKeyArn are recorded, not
  acted on; on-failure destinations may be Lambda functions (AWS allows SQS, SNS, S3 and
  Kafka; those are recorded and their records dropped until lenticular has them). A
  deleted mapping is gone at once (AWS shows it Deleting for a while).
- Not implemented (NotImplemented): function URLs, code signing
  configs, provisioned concurrency, recursion and runtime management configs, layer
  version permissions, durable executions, capacity providers, InvokeWithResponseStream,
  InvokeAsync.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import logging
import os
import time
from typing import TYPE_CHECKING, Any

import orjson

from lenticular.services.awslambda import policy as policies
from lenticular.services.awslambda.async_invoke import EventQueue, retry_delays_from
from lenticular.services.awslambda.code import CodeStore, RequestEntityTooLarge
from lenticular.services.awslambda.configuration import LATEST, FunctionRef, parse_function
from lenticular.services.awslambda.configuration import revision_id as new_revision
from lenticular.services.awslambda.credentials import ExecutionRoleCredentials
from lenticular.services.awslambda.errors import (
    InvalidParameterValueException,
    InvalidRequestContentException,
    PreconditionFailedException,
    ResourceConflictException,
    ResourceNotFoundException,
)
from lenticular.services.awslambda.event_sources import EventSourceMappings
from lenticular.services.awslambda.functions import (
    ACCOUNT_CONCURRENCY,
    InvocationMetrics,
    LambdaEngine,
)
from lenticular.services.awslambda.layers import LayerCatalog, version_item
from lenticular.services.awslambda.paging import page
from lenticular.services.awslambda.runtime import RuntimeManager
from lenticular.services.awslambda.store import MIGRATIONS, LambdaStore, MappingStore

if TYPE_CHECKING:
    from lenticular.context import RequestContext
    from lenticular.services.registry import ServiceRegistry

log = logging.getLogger(__name__)
Params = dict[str, Any]

MAX_SYNC_PAYLOAD = 6 * 1024 * 1024
MAX_ASYNC_PAYLOAD = 256 * 1024
TAIL_BYTES = 4096
_NO_RESOURCE = "The resource you requested does not exist."


class LogsSink:
    """The runtime's log sink: CloudWatch Logs' engine, in-process."""

    def __init__(self, registry: ServiceRegistry) -> None:
        self._registry = registry
        self._engine: Any = None

    def write(
        self, account_id: str, region: str, group: str, stream: str, events: list[tuple[int, str]]
    ) -> None:
        if self._engine is None:
            self._engine = self._registry.get("logs").engine
        self._engine.put_events(account_id, region, group, stream, events, create=True)


class LambdaProvider:
    def __init__(self, registry: ServiceRegistry) -> None:
        endpoint = registry.config.endpoint
        self.store = LambdaStore(registry.data_dir.database("lambda", MIGRATIONS))
        code = CodeStore(registry.data_dir.blob_dir("lambda"))
        self.runtime = RuntimeManager(
            endpoint,
            LogsSink(registry),
            idle_timeout_s=float(os.environ.get("LENTICULAR_LAMBDA_IDLE_TIMEOUT") or 300),
            account_concurrency=ACCOUNT_CONCURRENCY,
        )
        self.layers = LayerCatalog(self.store, code, endpoint)
        self.engine = LambdaEngine(self.store, code, self.layers, self.runtime)
        # AWS/Lambda metrics go to CloudWatch's write-behind buffer, loaded on first use.
        self.engine.metrics = InvocationMetrics(lambda: registry.get("cloudwatch").buffer)
        self.engine.role_credentials = ExecutionRoleCredentials(lambda: registry.get("sts"))
        self.events = EventQueue(
            self.store,
            self.engine,
            retry_delays_from(os.environ.get("LENTICULAR_LAMBDA_RETRY_DELAYS")),
        )
        self.mappings = EventSourceMappings(
            MappingStore(self.store.db), self.engine, lambda: registry.get("dynamodb").streams,
            self.events,
        )  # fmt: skip
        self._endpoint = endpoint
        self._closing: asyncio.Task[None] | None = None
        with contextlib.suppress(RuntimeError):  # no loop: started by the first Event invoke
            asyncio.get_running_loop()
            self.events.start()  # work events left queued by the previous run
            self.mappings.start_all()  # and poll the enabled event source mappings

    def close(self) -> None:
        """Stop the queue and every execution environment. The registry calls this from
        the ASGI lifespan shutdown (on the running loop: the work is scheduled there and
        finishes while the loop winds down) or after the loop ended."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if loop is not None:
            self._closing = loop.create_task(self._shutdown())
            return
        with contextlib.suppress(Exception):
            asyncio.run(self.runtime.close())

    async def _shutdown(self) -> None:
        await self.mappings.stop_all()
        await self.events.stop()
        await self.runtime.close()

    def _ref(self, ctx: RequestContext, name: str, qualifier: str | None = None) -> FunctionRef:
        return parse_function(name, ctx.account_id, ctx.region, qualifier)

    # -- functions -------------------------------------------------------------------------

    def create_function(self, ctx: RequestContext, params: Params) -> Params:
        ref = self._ref(ctx, params["FunctionName"])
        return _pending(self.engine.create(ref, params))

    def get_function(self, ctx: RequestContext, params: Params) -> Params:
        ref = self._ref(ctx, params["FunctionName"], params.get("Qualifier"))
        config = self.engine.configuration(ref)
        record = self.engine.function(ref)
        out: Params = {
            "Configuration": config,
            "Code": {
                "RepositoryType": "S3",
                "Location": f"{self._endpoint}/_lenticular/lambda/code/{ref.name}"
                f"?version={config['Version']}",
            },
        }
        if record.tags:
            out["Tags"] = record.tags
        if record.reserved_concurrency is not None:
            out["Concurrency"] = {"ReservedConcurrentExecutions": record.reserved_concurrency}
        return out

    def get_function_configuration(self, ctx: RequestContext, params: Params) -> Params:
        ref = self._ref(ctx, params["FunctionName"], params.get("Qualifier"))
        return self.engine.configuration(ref)

    def list_functions(self, ctx: RequestContext, params: Params) -> Params:
        if params.get("FunctionVersion") not in (None, "ALL"):
            raise InvalidParameterValueException("Invalid FunctionVersion: must be ALL.")
        functions, _ = self.engine.list(
            ctx.account_id, ctx.region, "", 1_000_000, params.get("FunctionVersion") == "ALL"
        )
        items, marker = page(functions, params.get("Marker"), params.get("MaxItems") or 50)
        return _with_marker({"Functions": items}, marker)

    def update_function_code(self, ctx: RequestContext, params: Params) -> Params:
        ref = self._ref(ctx, params["FunctionName"])
        return _in_progress(self.engine.update_code(ref, params))

    def update_function_configuration(self, ctx: RequestContext, params: Params) -> Params:
        ref = self._ref(ctx, params["FunctionName"])
        return _in_progress(self.engine.update_configuration(ref, params))

    def delete_function(self, ctx: RequestContext, params: Params) -> Params:
        ref = self._ref(ctx, params["FunctionName"], params.get("Qualifier"))
        self.engine.delete(ref)
        return {"StatusCode": 204}

    # -- invocation --------------------------------------------------------------------------

    async def invoke(self, ctx: RequestContext, params: Params) -> Params:
        ref = self._ref(ctx, params["FunctionName"], params.get("Qualifier"))
        kind = params.get("InvocationType") or "RequestResponse"
        payload = params.get("Payload") or b""
        if kind == "Event" and len(payload) > MAX_ASYNC_PAYLOAD:
            raise RequestEntityTooLarge(
                f"{len(payload)} byte payload is too large for the Event invocation type"
                f" (limit {MAX_ASYNC_PAYLOAD} bytes)"
            )
        if len(payload) > MAX_SYNC_PAYLOAD:
            raise RequestEntityTooLarge(
                f"Request must be smaller than {MAX_SYNC_PAYLOAD} bytes for the InvokeFunction"
                " operation"
            )
        _check_json(payload)
        payload = payload or b"{}"
        if kind == "DryRun":
            self.engine.target(ref)
            return {"StatusCode": 204}
        if kind == "Event":
            self.engine.target(ref)
            self.events.submit(ref, ctx.request_id, payload)
            return {"StatusCode": 202}
        tail = params.get("LogType") == "Tail"
        result, version = await self.engine.invoke(
            ref,
            payload,
            request_id=ctx.request_id,
            client_context=_client_context(params.get("ClientContext")),
            tail_logs=tail,
        )
        out: Params = {"StatusCode": 200, "Payload": result.payload, "ExecutedVersion": version}
        if result.function_error:
            out["FunctionError"] = result.function_error
        if tail:
            tail_bytes = (result.log_tail or "").encode()[-TAIL_BYTES:]
            out["LogResult"] = base64.b64encode(tail_bytes).decode()
        return out

    # -- versions and aliases ---------------------------------------------------------------

    def publish_version(self, ctx: RequestContext, params: Params) -> Params:
        ref = self._ref(ctx, params["FunctionName"])
        return self.engine.publish(
            ref, params.get("CodeSha256"), params.get("Description"), params.get("RevisionId")
        )

    def list_versions_by_function(self, ctx: RequestContext, params: Params) -> Params:
        ref = self._ref(ctx, params["FunctionName"])
        items, marker = page(
            self.engine.versions(ref), params.get("Marker"), params.get("MaxItems") or 50
        )
        return _with_marker({"Versions": items}, marker)

    def create_alias(self, ctx: RequestContext, params: Params) -> Params:
        return self.engine.create_alias(self._ref(ctx, params["FunctionName"]), params)

    def get_alias(self, ctx: RequestContext, params: Params) -> Params:
        return self.engine.alias(self._ref(ctx, params["FunctionName"]), params["Name"])

    def update_alias(self, ctx: RequestContext, params: Params) -> Params:
        return self.engine.update_alias(self._ref(ctx, params["FunctionName"]), params)

    def delete_alias(self, ctx: RequestContext, params: Params) -> Params:
        self.engine.delete_alias(self._ref(ctx, params["FunctionName"]), params["Name"])
        return {}

    def list_aliases(self, ctx: RequestContext, params: Params) -> Params:
        ref = self._ref(ctx, params["FunctionName"])
        self.engine.function(ref)
        aliases = self.store.list_docs("aliases", *ref.key)
        if params.get("FunctionVersion"):
            aliases = [a for a in aliases if a["FunctionVersion"] == params["FunctionVersion"]]
        items, marker = page(aliases, params.get("Marker"), params.get("MaxItems") or 50)
        return _with_marker({"Aliases": items}, marker)

    # -- concurrency --------------------------------------------------------------------------

    def put_function_concurrency(self, ctx: RequestContext, params: Params) -> Params:
        ref = self._ref(ctx, params["FunctionName"])
        self.engine.put_concurrency(ref, params["ReservedConcurrentExecutions"])
        return {"ReservedConcurrentExecutions": params["ReservedConcurrentExecutions"]}

    def get_function_concurrency(self, ctx: RequestContext, params: Params) -> Params:
        record = self.engine.function(self._ref(ctx, params["FunctionName"]))
        if record.reserved_concurrency is None:
            return {}
        return {"ReservedConcurrentExecutions": record.reserved_concurrency}

    def delete_function_concurrency(self, ctx: RequestContext, params: Params) -> Params:
        self.engine.delete_concurrency(self._ref(ctx, params["FunctionName"]))
        return {}

    def get_account_settings(self, ctx: RequestContext, params: Params) -> Params:
        count, size = self.store.usage(ctx.account_id, ctx.region)
        reserved = self.store.reserved_total(ctx.account_id, ctx.region)
        return {
            "AccountLimit": {
                "TotalCodeSize": 80530636800,
                "CodeSizeUnzipped": 262144000,
                "CodeSizeZipped": 52428800,
                "ConcurrentExecutions": ACCOUNT_CONCURRENCY,
                "UnreservedConcurrentExecutions": ACCOUNT_CONCURRENCY - reserved,
            },
            "AccountUsage": {"TotalCodeSize": size, "FunctionCount": count},
        }

    # -- permissions --------------------------------------------------------------------------

    def _policy_key(self, ref: FunctionRef) -> tuple[str, str, str, str]:
        if ref.qualifier not in (None, LATEST):
            self.engine.configuration(ref)  # the version or alias must exist
        else:
            self.engine.function(ref)
        return (*ref.key, ref.qualifier or "")

    def add_permission(self, ctx: RequestContext, params: Params) -> Params:
        ref = self._ref(ctx, params["FunctionName"], params.get("Qualifier"))
        key = self._policy_key(ref)
        doc = self.store.get_doc("policies", key) or {
            "Policy": policies.empty_policy(),
            "RevisionId": new_revision(),
        }
        _check_policy_revision(doc, params.get("RevisionId"))
        if policies.find(doc["Policy"], params["StatementId"]) is not None:
            raise ResourceConflictException(
                "The statement id (sid) provided already exists. Please provide a new statement"
                " id, or remove the existing statement.",
                fields={"Type": "User"},
            )
        statement = policies.statement(params, ref.arn(ref.qualifier))
        doc["Policy"]["Statement"].append(statement)
        doc["RevisionId"] = new_revision()
        self.store.put_doc("policies", key, doc, revision=doc["RevisionId"])
        return {"Statement": _compact(statement)}

    def remove_permission(self, ctx: RequestContext, params: Params) -> Params:
        ref = self._ref(ctx, params["FunctionName"], params.get("Qualifier"))
        key = self._policy_key(ref)
        doc = self.store.get_doc("policies", key)
        sid = params["StatementId"]
        index = policies.find(doc["Policy"], sid) if doc is not None else None
        if doc is None or index is None:
            raise ResourceNotFoundException(
                f"Statement {sid} is not found in resource policy.", fields={"Type": "User"}
            )
        _check_policy_revision(doc, params.get("RevisionId"))
        del doc["Policy"]["Statement"][index]
        if doc["Policy"]["Statement"]:
            doc["RevisionId"] = new_revision()
            self.store.put_doc("policies", key, doc, revision=doc["RevisionId"])
        else:
            self.store.delete_doc("policies", key)
        return {}

    def get_policy(self, ctx: RequestContext, params: Params) -> Params:
        ref = self._ref(ctx, params["FunctionName"], params.get("Qualifier"))
        doc = self.store.get_doc("policies", self._policy_key(ref))
        if doc is None:
            raise ResourceNotFoundException(_NO_RESOURCE, fields={"Type": "User"})
        return {"Policy": _compact(doc["Policy"]), "RevisionId": doc["RevisionId"]}

    # -- event invoke configs -------------------------------------------------------------

    def _event_config_key(self, ref: FunctionRef) -> tuple[str, str, str, str]:
        if ref.qualifier not in (None, LATEST):
            self.engine.configuration(ref)
        else:
            self.engine.function(ref)
        return (*ref.key, ref.qualifier or "")

    def put_function_event_invoke_config(self, ctx: RequestContext, params: Params) -> Params:
        return self._write_event_config(ctx, params, merge=False)

    def update_function_event_invoke_config(self, ctx: RequestContext, params: Params) -> Params:
        return self._write_event_config(ctx, params, merge=True)

    def _write_event_config(self, ctx: RequestContext, params: Params, *, merge: bool) -> Params:
        ref = self._ref(ctx, params["FunctionName"], params.get("Qualifier"))
        key = self._event_config_key(ref)
        doc: Params = (self.store.get_doc("event_invoke_configs", key) or {}) if merge else {}
        for member in ("MaximumRetryAttempts", "MaximumEventAgeInSeconds"):
            if params.get(member) is not None:
                doc[member] = params[member]
        if params.get("DestinationConfig") is not None or "DestinationConfig" not in doc:
            given = params.get("DestinationConfig") or {}
            old = doc.get("DestinationConfig") or {}
            doc["DestinationConfig"] = {
                which: given.get(which, old.get(which, {}) if merge else {})
                for which in ("OnSuccess", "OnFailure")
            }
        doc["FunctionArn"] = ref.arn(ref.qualifier or LATEST)
        doc["LastModified"] = time.time()
        self.store.put_doc("event_invoke_configs", key, doc)
        return doc

    def get_function_event_invoke_config(self, ctx: RequestContext, params: Params) -> Params:
        ref = self._ref(ctx, params["FunctionName"], params.get("Qualifier"))
        doc = self.store.get_doc("event_invoke_configs", self._event_config_key(ref))
        if doc is None:
            raise _no_event_config(ref)
        return doc

    def delete_function_event_invoke_config(self, ctx: RequestContext, params: Params) -> Params:
        ref = self._ref(ctx, params["FunctionName"], params.get("Qualifier"))
        if not self.store.delete_doc("event_invoke_configs", self._event_config_key(ref)):
            raise _no_event_config(ref)
        return {}

    def list_function_event_invoke_configs(self, ctx: RequestContext, params: Params) -> Params:
        ref = self._ref(ctx, params["FunctionName"])
        self.engine.function(ref)
        docs = self.store.list_docs("event_invoke_configs", *ref.key)
        items, marker = page(docs, params.get("Marker"), params.get("MaxItems") or 50)
        return _with_marker({"FunctionEventInvokeConfigs": items}, marker)

    # -- event source mappings ------------------------------------------------------------

    def create_event_source_mapping(self, ctx: RequestContext, params: Params) -> Params:
        return self.mappings.create(ctx.account_id, ctx.region, params)

    def get_event_source_mapping(self, ctx: RequestContext, params: Params) -> Params:
        return self.mappings.get(params["UUID"])

    def list_event_source_mappings(self, ctx: RequestContext, params: Params) -> Params:
        return self.mappings.list(ctx.account_id, ctx.region, params)

    def update_event_source_mapping(self, ctx: RequestContext, params: Params) -> Params:
        return self.mappings.update(params["UUID"], params)

    def delete_event_source_mapping(self, ctx: RequestContext, params: Params) -> Params:
        return self.mappings.delete(params["UUID"])

    # -- layers ---------------------------------------------------------------------------

    def publish_layer_version(self, ctx: RequestContext, params: Params) -> Params:
        return self.layers.publish(ctx.account_id, ctx.region, params["LayerName"], params)

    def get_layer_version(self, ctx: RequestContext, params: Params) -> Params:
        doc, _ = self.layers.get(
            ctx.account_id, ctx.region, params["LayerName"], params["VersionNumber"]
        )
        return doc

    def get_layer_version_by_arn(self, ctx: RequestContext, params: Params) -> Params:
        return self.layers.by_arn(params["Arn"])[0]

    def list_layer_versions(self, ctx: RequestContext, params: Params) -> Params:
        docs = self.layers.versions(
            ctx.account_id,
            ctx.region,
            params["LayerName"],
            params.get("CompatibleRuntime"),
            params.get("CompatibleArchitecture"),
        )
        items, marker = page(
            [version_item(d) for d in docs], params.get("Marker"), params.get("MaxItems") or 50
        )
        return _with_marker({"LayerVersions": items}, marker)

    def list_layers(self, ctx: RequestContext, params: Params) -> Params:
        docs = self.layers.versions(
            ctx.account_id,
            ctx.region,
            None,
            params.get("CompatibleRuntime"),
            params.get("CompatibleArchitecture"),
        )
        latest: dict[str, Params] = {}
        for doc in docs:  # newest first within each layer
            latest.setdefault(doc["LayerArn"], doc)
        layers = [
            {
                "LayerName": arn.rsplit(":", 1)[1],
                "LayerArn": arn,
                "LatestMatchingVersion": version_item(doc),
            }
            for arn, doc in latest.items()
        ]
        items, marker = page(layers, params.get("Marker"), params.get("MaxItems") or 50)
        return _with_marker({"Layers": items}, marker)

    def delete_layer_version(self, ctx: RequestContext, params: Params) -> Params:
        self.layers.delete(ctx.account_id, ctx.region, params["LayerName"], params["VersionNumber"])
        return {}

    # -- tags -----------------------------------------------------------------------------

    def _tagged(self, ctx: RequestContext, resource: str) -> Any:
        ref = self._ref(ctx, resource)
        if ref.qualifier is not None:
            raise InvalidParameterValueException(
                "Tags are not supported on function versions or aliases."
            )
        return self.engine.function(ref)

    def tag_resource(self, ctx: RequestContext, params: Params) -> Params:
        record = self._tagged(ctx, params["Resource"])
        record.tags.update(params["Tags"])
        self.store.update_function(record)
        return {}

    def untag_resource(self, ctx: RequestContext, params: Params) -> Params:
        record = self._tagged(ctx, params["Resource"])
        for key in params["TagKeys"]:
            record.tags.pop(key, None)
        self.store.update_function(record)
        return {}

    def list_tags(self, ctx: RequestContext, params: Params) -> Params:
        return {"Tags": self._tagged(ctx, params["Resource"]).tags}


# -- helpers ---------------------------------------------------------------------------------


def _pending(config: Params) -> Params:
    """CreateFunction answers with the function Pending, as AWS does while it provisions;
    the function is Active by the next read (nothing is provisioned here)."""
    out = {k: v for k, v in config.items() if not k.startswith("LastUpdateStatus")}
    out.update(
        State="Pending",
        StateReason="The function is being created.",
        StateReasonCode="Creating",
    )
    return out


def _in_progress(config: Params) -> Params:
    """Update{FunctionCode,FunctionConfiguration} answer with the update InProgress, as AWS
    does; it is Successful by the next read."""
    return {
        **config,
        "LastUpdateStatus": "InProgress",
        "LastUpdateStatusReason": "The function is being created.",
        "LastUpdateStatusReasonCode": "Creating",
    }


def _with_marker(out: Params, marker: str | None) -> Params:
    if marker:
        out["NextMarker"] = marker
    return out


def _compact(value: Any) -> str:
    return orjson.dumps(value).decode()


def _check_json(payload: bytes) -> None:
    if not payload:
        return
    try:
        orjson.loads(payload)
    except orjson.JSONDecodeError as e:
        raise InvalidRequestContentException(
            f"Could not parse request body into json: Could not parse payload into json: {e}",
            fields={"Type": "User"},
        ) from None


def _client_context(value: str | None) -> str | None:
    """X-Amz-Client-Context: base64 of a JSON object -> the JSON text."""
    if not value:
        return None
    try:
        text = base64.b64decode(value, validate=True).decode()
        orjson.loads(text)
    except (binascii.Error, UnicodeDecodeError, orjson.JSONDecodeError):
        raise InvalidRequestContentException(
            "Client context must be a valid Base64-encoded JSON object.", fields={"Type": "User"}
        ) from None
    return text


def _check_policy_revision(doc: Params, revision: str | None) -> None:
    if revision and revision != doc["RevisionId"]:
        raise PreconditionFailedException(
            "The Revision Id provided does not match the latest Revision Id. Call the GetPolicy"
            " API to retrieve the latest Revision Id",
            fields={"Type": "User"},
        )


def _no_event_config(ref: FunctionRef) -> ResourceNotFoundException:
    return ResourceNotFoundException(
        f"The function {ref.arn(ref.qualifier or LATEST)} doesn't have an EventInvokeConfig",
        fields={"Type": "User"},
    )
