"""The Lambda engine: functions, versions, aliases and invocation, without the wire.

`LambdaEngine.invoke` is the in-process interface other services (API Gateway, AppSync,
event sources) call to run a function; it costs no HTTP and no extra serialization.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lenticular.services.awslambda import configuration as cfg
from lenticular.services.awslambda.code import CodeStore, Package
from lenticular.services.awslambda.configuration import LATEST, FunctionRef
from lenticular.services.awslambda.credentials import ExecutionRoleCredentials
from lenticular.services.awslambda.errors import (
    InvalidParameterValueException,
    PreconditionFailedException,
    ResourceConflictException,
    ResourceNotFoundException,
    TooManyRequestsException,
)
from lenticular.services.awslambda.layers import LayerCatalog
from lenticular.services.awslambda.runtime import FunctionSpec, InvocationResult, RuntimeManager
from lenticular.services.awslambda.store import FunctionRecord, LambdaStore


def _account_concurrency(raw: str | None) -> int:
    try:
        return max(1, int(raw or 1000))
    except ValueError:
        return 1000


# The account's concurrency quota (AWS's default; LENTICULAR_LAMBDA_ACCOUNT_CONCURRENCY
# sets another, e.g. to try throttling, as new AWS accounts start with a lower one).
ACCOUNT_CONCURRENCY = _account_concurrency(os.environ.get("LENTICULAR_LAMBDA_ACCOUNT_CONCURRENCY"))
MIN_UNRESERVED = 100  # AWS keeps this much of the account's concurrency unreserved


def not_found(arn: str) -> ResourceNotFoundException:
    return ResourceNotFoundException(f"Function not found: {arn}", fields={"Type": "User"})


@dataclass(slots=True)
class Target:
    """What an invocation runs: one version's configuration and code."""

    record: FunctionRecord
    config: dict[str, Any]
    package: Package
    version: str  # "$LATEST" or "3": what X-Amz-Executed-Version reports
    invoked_arn: str  # the ARN as invoked (with the alias when called through one)


class LambdaEngine:
    def __init__(
        self,
        store: LambdaStore,
        code: CodeStore,
        layers: LayerCatalog,
        runtime: RuntimeManager,
    ) -> None:
        self.store = store
        self.code = code
        self.layers = layers
        self.runtime = runtime
        self.metrics: InvocationMetrics | None = None  # AWS/Lambda metrics, set by the provider
        self.role_credentials: ExecutionRoleCredentials | None = None  # set by the provider

    # -- functions -------------------------------------------------------------------------

    def function(self, ref: FunctionRef) -> FunctionRecord:
        record = self.store.get_function(*ref.key)
        if record is None:
            raise not_found(ref.arn())
        return record

    def create(self, ref: FunctionRef, params: dict[str, Any]) -> dict[str, Any]:
        if params.get("PackageType") == "Image":
            raise InvalidParameterValueException(
                "lenticular does not run container images (PackageType Image)."
            )
        cfg.check_runtime(params.get("Runtime"), params.get("Handler"), creating=True)
        cfg.check_timeout(params.get("Timeout"))
        cfg.check_environment(params.get("Environment"))
        if self.store.get_function(*ref.key) is not None:
            raise ResourceConflictException(
                f"Function already exist: {ref.name}", fields={"Type": "User"}
            )
        layers = self.layers.resolve(params.get("Layers") or [])
        package = self.code.from_params(params.get("Code") or {})
        config = cfg.new_configuration(ref, params)
        _set_code(config, package)
        if layers:
            config["Layers"] = layers
        record = FunctionRecord(
            ref.account_id, ref.region, ref.name, config, package.to_json(),
            dict(params.get("Tags") or {}), None, 0,
        )  # fmt: skip
        if not self.store.create_function(record):
            raise ResourceConflictException(
                f"Function already exist: {ref.name}", fields={"Type": "User"}
            )
        if params.get("Publish"):
            return self.publish(ref, None, None, None)
        return config

    def configuration(self, ref: FunctionRef) -> dict[str, Any]:
        """GetFunctionConfiguration: $LATEST, a version, or the version an alias names."""
        record = self.function(ref)
        if ref.qualifier in (None, LATEST):
            return record.config
        if ref.qualifier.isdigit():
            found = self.store.get_version(*ref.key, int(ref.qualifier))
            if found is None:
                raise not_found(ref.arn(ref.qualifier))
            return found[0]
        alias = self.alias(ref, ref.qualifier)
        return self.configuration(FunctionRef(*ref.key, alias["FunctionVersion"]))

    def update_code(self, ref: FunctionRef, params: dict[str, Any]) -> dict[str, Any]:
        record = self.function(ref)
        _check_revision(record.config, params.get("RevisionId"))
        package = self.code.from_params(params)
        if params.get("DryRun"):
            return {**record.config, "CodeSha256": package.sha256, "CodeSize": package.size}
        config = dict(record.config)
        _set_code(config, package)
        if params.get("Architectures"):
            config["Architectures"] = params["Architectures"]
        config["LastModified"] = cfg.timestamp()
        config["RevisionId"] = cfg.revision_id()
        record.config, record.code = config, package.to_json()
        self.store.update_function(record)
        self.runtime.invalidate(ref.arn())
        if params.get("Publish"):
            return self.publish(ref, None, None, None)
        return config

    def update_configuration(self, ref: FunctionRef, params: dict[str, Any]) -> dict[str, Any]:
        record = self.function(ref)
        _check_revision(record.config, params.get("RevisionId"))
        cfg.check_runtime(params.get("Runtime"), None, creating=False)
        cfg.check_timeout(params.get("Timeout"))
        cfg.check_environment(params.get("Environment"))
        config = dict(record.config)
        if params.get("Layers") is not None:
            layers = self.layers.resolve(params["Layers"])
            if layers:
                config["Layers"] = layers
            else:
                config.pop("Layers", None)
        cfg.apply_configuration(config, params)
        record.config = config
        self.store.update_function(record)
        self.runtime.invalidate(ref.arn())
        return config

    def delete(self, ref: FunctionRef) -> None:
        record = self.function(ref)
        if ref.qualifier in (None, LATEST):
            if ref.qualifier == LATEST:
                raise InvalidParameterValueException(
                    "$LATEST version cannot be deleted without deleting the function."
                )
            self.store.delete_function(*ref.key)
            self.runtime.invalidate(ref.arn())
            return
        if not ref.qualifier.isdigit():
            raise InvalidParameterValueException(
                "Deletion of aliases is not supported with DeleteFunction; use DeleteAlias."
            )
        if self.store.get_version(*ref.key, int(ref.qualifier)) is None:
            raise not_found(ref.arn(ref.qualifier))
        users = [
            a["Name"]
            for a in self.store.list_docs("aliases", *ref.key)
            if a["FunctionVersion"] == ref.qualifier
        ]
        if users:
            raise ResourceConflictException(
                f"Unable to delete version because the following aliases reference it: {users}",
                fields={"Type": "User"},
            )
        self.store.delete_version(*ref.key, int(ref.qualifier))
        self.runtime.invalidate(record.config["FunctionArn"] + ":" + ref.qualifier)

    def list(
        self, account_id: str, region: str, after: str, limit: int, all_versions: bool
    ) -> tuple[list[dict[str, Any]], str | None]:
        records = self.store.list_functions(account_id, region, after, limit + 1)
        more = len(records) > limit
        records = records[:limit]
        out: list[dict[str, Any]] = []
        for record in records:
            out.append(record.config)
            if all_versions:
                out.extend(self.store.list_versions(*_key(record)))
        return out, (records[-1].name if more and records else None)

    # -- versions ---------------------------------------------------------------------------

    def publish(
        self,
        ref: FunctionRef,
        code_sha256: str | None,
        description: str | None,
        revision: str | None,
    ) -> dict[str, Any]:
        record = self.function(ref)
        _check_revision(record.config, revision)
        if code_sha256 and code_sha256 != record.config["CodeSha256"]:
            raise InvalidParameterValueException(
                f"CodeSHA256 ({code_sha256}) is different from current CodeSHA256 in $LATEST"
                f" ({record.config['CodeSha256']}). Please try again with the CodeSHA256 in"
                " $LATEST."
            )
        if record.last_version:
            last = self.store.get_version(*ref.key, record.last_version)
            if last is not None and cfg.same_code_and_configuration(record.config, last[0]):
                return last[0]
        version = record.last_version + 1
        config = cfg.published(record.config, version, description)
        self.store.add_version(record, version, config)
        return config

    def versions(self, ref: FunctionRef) -> list[dict[str, Any]]:
        record = self.function(ref)
        return [record.config, *self.store.list_versions(*ref.key)]

    # -- aliases ----------------------------------------------------------------------------

    def alias(self, ref: FunctionRef, name: str) -> dict[str, Any]:
        self.function(ref)
        alias = self.store.get_doc("aliases", (*ref.key, name))
        if alias is None:
            raise ResourceNotFoundException(
                f"Alias not found: {ref.arn(name)}", fields={"Type": "User"}
            )
        return alias

    def _check_alias_target(self, ref: FunctionRef, params: dict[str, Any]) -> None:
        version = params.get("FunctionVersion")
        if version is not None and version != LATEST:
            if not version.isdigit() or self.store.get_version(*ref.key, int(version)) is None:
                raise not_found(ref.arn(version))
        weights = (params.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}
        for extra in weights:
            if not extra.isdigit() or self.store.get_version(*ref.key, int(extra)) is None:
                raise not_found(ref.arn(extra))

    def create_alias(self, ref: FunctionRef, params: dict[str, Any]) -> dict[str, Any]:
        self.function(ref)
        name = params["Name"]
        if self.store.get_doc("aliases", (*ref.key, name)) is not None:
            raise ResourceConflictException(
                f"Alias already exists: {ref.arn(name)}", fields={"Type": "User"}
            )
        self._check_alias_target(ref, params)
        alias: dict[str, Any] = {
            "AliasArn": ref.arn(name),
            "Name": name,
            "FunctionVersion": params["FunctionVersion"],
            "Description": params.get("Description", ""),
            "RevisionId": cfg.revision_id(),
        }
        if params.get("RoutingConfig"):
            alias["RoutingConfig"] = params["RoutingConfig"]
        self.store.put_doc("aliases", (*ref.key, name), alias)
        return alias

    def update_alias(self, ref: FunctionRef, params: dict[str, Any]) -> dict[str, Any]:
        alias = dict(self.alias(ref, params["Name"]))
        if params.get("RevisionId") and params["RevisionId"] != alias["RevisionId"]:
            raise PreconditionFailedException(
                "The Revision Id provided does not match the latest Revision Id. Call the"
                " GetAlias API to retrieve the latest Revision Id",
                fields={"Type": "User"},
            )
        self._check_alias_target(ref, params)
        for member in ("FunctionVersion", "Description", "RoutingConfig"):
            if params.get(member) is not None:
                alias[member] = params[member]
        alias["RevisionId"] = cfg.revision_id()
        self.store.put_doc("aliases", (*ref.key, params["Name"]), alias)
        return alias

    def delete_alias(self, ref: FunctionRef, name: str) -> None:
        self.function(ref)
        self.store.delete_doc("aliases", (*ref.key, name))
        self.runtime.invalidate(ref.arn(name))

    # -- invocation -------------------------------------------------------------------------

    def target(self, ref: FunctionRef) -> Target:
        """The version an invocation of `ref` runs (an alias picks by its weights)."""
        record = self.function(ref)
        qualifier = ref.qualifier
        if qualifier in (None, LATEST):
            return Target(
                record, record.config, Package.from_json(record.code), LATEST, ref.arn(qualifier)
            )
        invoked = ref.arn(qualifier)
        if not qualifier.isdigit():
            alias = self.store.get_doc("aliases", (*ref.key, qualifier))
            if alias is None:
                raise not_found(invoked)
            qualifier = _pick_version(alias)
            if qualifier == LATEST:
                return Target(
                    record, record.config, Package.from_json(record.code), LATEST, invoked
                )
        found = self.store.get_version(*ref.key, int(qualifier))
        if found is None:
            raise not_found(invoked)
        return Target(record, found[0], Package.from_json(found[1]), qualifier, invoked)

    def spec(self, target: Target) -> FunctionSpec:
        config = target.config
        return FunctionSpec(
            function_name=config["FunctionName"],
            function_arn=target.invoked_arn,
            version=target.version,
            runtime=config["Runtime"],
            handler=config.get("Handler") or "",
            code_dir=Path(target.package.path),
            layer_dirs=tuple(Path(p) for p in self.layers.paths(config.get("Layers") or [])),
            environment=dict((config.get("Environment") or {}).get("Variables") or {}),
            memory_mb=int(config["MemorySize"]),
            timeout_s=float(config["Timeout"]),
            ephemeral_storage_mb=int((config.get("EphemeralStorage") or {}).get("Size", 512)),
            account_id=target.record.account_id,
            region=target.record.region,
            code_sha256=self.code.fingerprint(target.package),
            credentials=(
                self.role_credentials.for_function(config.get("Role", ""), config["FunctionName"])
                if self.role_credentials is not None
                else None
            ),
        )

    async def invoke(
        self,
        ref: FunctionRef,
        payload: bytes,
        *,
        request_id: str,
        client_context: str | None = None,
        cognito_identity: dict | None = None,
        tail_logs: bool = False,
    ) -> tuple[InvocationResult, str]:
        """Run `ref` synchronously: (the result, the version that ran)."""
        target = self.target(ref)
        metrics = self.metrics
        sample = metrics.start(target.record, ref.qualifier) if metrics is not None else None
        try:
            result = await self.runtime.invoke(
                self.spec(target),
                payload,
                request_id=request_id,
                client_context=client_context,
                cognito_identity=cognito_identity,
                tail_logs=tail_logs,
                reserved_concurrency=target.record.reserved_concurrency,
            )
        except BaseException as error:
            if metrics is not None and sample is not None:
                metrics.finish(sample, None, isinstance(error, TooManyRequestsException))
            raise
        if metrics is not None and sample is not None:
            metrics.finish(sample, result, False)
        return result, target.version

    # -- concurrency --------------------------------------------------------------------------

    def put_concurrency(self, ref: FunctionRef, reserved: int) -> None:
        record = self.function(ref)
        others = self.store.reserved_total(ref.account_id, ref.region, excluding=ref.name)
        if ACCOUNT_CONCURRENCY - others - reserved < MIN_UNRESERVED:
            raise InvalidParameterValueException(
                "Specified ReservedConcurrentExecutions for function decreases account's"
                " UnreservedConcurrentExecution below its minimum value of"
                f" [{MIN_UNRESERVED}]."
            )
        record.reserved_concurrency = reserved
        self.store.update_function(record)

    def delete_concurrency(self, ref: FunctionRef) -> None:
        record = self.function(ref)
        record.reserved_concurrency = None
        self.store.update_function(record)


def _key(record: FunctionRecord) -> tuple[str, str, str]:
    return (record.account_id, record.region, record.name)


def _set_code(config: dict[str, Any], package: Package) -> None:
    config["CodeSha256"] = package.sha256
    config["CodeSize"] = package.size


def _check_revision(config: dict[str, Any], revision: str | None) -> None:
    if revision and revision != config.get("RevisionId"):
        raise PreconditionFailedException(
            "The Revision Id provided does not match the latest Revision Id. Call the"
            " GetFunction/GetAlias API to retrieve the latest Revision Id",
            fields={"Type": "User"},
        )


def _pick_version(alias: dict[str, Any]) -> str:
    """The alias's version, or one of its weighted additional versions."""
    weights = (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}
    roll = random.random()
    for version, weight in weights.items():
        if roll < weight:
            return version
        roll -= weight
    return alias["FunctionVersion"]


@dataclass(slots=True)
class _Sample:
    """One invocation in flight, as InvocationMetrics sees it."""

    account_id: str
    region: str
    dimension_sets: list[dict[str, str]]
    started: float  # epoch seconds
    concurrent: int  # the function's in-flight invocations, this one included
    account_concurrent: int  # the account's (and region's)


class InvocationMetrics:
    """The CloudWatch metrics every invocation reports (namespace AWS/Lambda), by
    FunctionName, by FunctionName+Resource for qualified invokes, and account-wide:
    Invocations, Errors (0 or 1), Duration (ms), ConcurrentExecutions (in-flight
    invocations, sampled as each one starts), and Throttles instead for a throttled one.
    Datapoints go to CloudWatch's MetricBuffer (`buffer()`), written about once a second.
    https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html
    """

    def __init__(self, buffer: Callable[[], Any]) -> None:
        self._get_buffer = buffer
        self._buffer: Any = None
        self._in_flight: dict[tuple[str, str, str], int] = {}
        self._account_in_flight: dict[tuple[str, str], int] = {}

    def start(self, record: FunctionRecord, qualifier: str | None) -> _Sample:
        key = (record.account_id, record.region, record.name)
        account = (record.account_id, record.region)
        self._in_flight[key] = self._in_flight.get(key, 0) + 1
        self._account_in_flight[account] = self._account_in_flight.get(account, 0) + 1
        sets: list[dict[str, str]] = [{"FunctionName": record.name}, {}]
        if qualifier is not None:
            sets.append({"FunctionName": record.name, "Resource": f"{record.name}:{qualifier}"})
        return _Sample(
            record.account_id, record.region, sets, time.time(),
            self._in_flight[key], self._account_in_flight[account],
        )  # fmt: skip

    def finish(self, sample: _Sample, result: InvocationResult | None, throttled: bool) -> None:
        """Report an invocation that ended (`result`), was throttled, or failed otherwise."""
        name = sample.dimension_sets[0]["FunctionName"]
        self._in_flight[(sample.account_id, sample.region, name)] -= 1
        self._account_in_flight[(sample.account_id, sample.region)] -= 1
        if throttled:
            points = [("Throttles", 1.0, "Count")]
        elif result is not None:
            points = [
                ("Invocations", 1.0, "Count"),
                ("Errors", 1.0 if result.function_error else 0.0, "Count"),
                ("Duration", result.duration_ms, "Milliseconds"),
                ("ConcurrentExecutions", 0.0, "Count"),  # the value is per dimension set
            ]
        else:
            return
        try:
            if self._buffer is None:
                self._buffer = self._get_buffer()
            for dims in sample.dimension_sets:
                concurrent = sample.concurrent if dims else sample.account_concurrent
                for metric, value, unit in points:
                    if metric == "ConcurrentExecutions":
                        value = float(concurrent)
                    self._buffer.add(
                        sample.account_id, sample.region, "AWS/Lambda", metric, dims,
                        value, unit, sample.started,
                    )  # fmt: skip
        except Exception:  # metrics never fail an invocation
            return
