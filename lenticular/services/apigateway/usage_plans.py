"""API keys, usage plans and the keys attached to them (management), plus what the data
plane asks of them: which enabled key has a value, and which of its usage plans covers an
API stage. A key only opens a method whose plan lists that API and stage.
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-usage-plans.html
"""

from __future__ import annotations

import datetime
import secrets
import string
import time
from typing import Any

from lenticular.services.apigateway import errors
from lenticular.services.apigateway.errors import BadRequestException, ConflictException
from lenticular.services.apigateway.models import new_id
from lenticular.services.apigateway.patch import invalid_path
from lenticular.services.apigateway.store import ApiGatewayStore

Doc = dict[str, Any]
_KEY_ALPHABET = string.ascii_letters + string.digits
PERIODS = ("DAY", "WEEK", "MONTH")


def _number(value: Any, kind: type, path: str) -> Any:
    try:
        return kind(value)
    except (TypeError, ValueError):
        raise BadRequestException(f"Invalid value for {path}: {value}") from None


class UsagePlanEngine:
    def __init__(self, store: ApiGatewayStore) -> None:
        self.store = store
        self._by_value: dict[str, Doc] | None = None  # key value -> ApiKey, rebuilt on change
        self._plans_of: dict[str, list[Doc]] = {}  # key id -> its usage plans
        self.usage: dict[tuple[str, str, str], int] = {}  # (plan, key, yyyy-mm-dd) -> requests

    def _changed(self) -> None:
        self._by_value = None

    # -- API keys -------------------------------------------------------------------------

    def _key(self, account_id: str, region: str, key_id: str) -> Doc:
        found = self.store.get_doc("apikey", key_id, account_id, region)
        if found is None:
            raise errors.api_key_not_found()
        return found

    def create_key(self, account_id: str, region: str, params: Doc) -> Doc:
        value = params.get("value") or "".join(secrets.choice(_KEY_ALPHABET) for _ in range(40))
        if len(value) < 20:
            raise BadRequestException("API Key value should be at least 20 characters")
        if any(k["value"] == value for k in self.store.list_docs("apikey", account_id, region)):
            raise ConflictException("API Key already exists")
        now = int(time.time())
        key: Doc = {
            "id": new_id(), "value": value, "name": params.get("name") or "",
            "enabled": bool(params.get("enabled", False)), "createdDate": now,
            "lastUpdatedDate": now, "stageKeys": [],
        }  # fmt: skip
        for member in ("description", "customerId", "tags"):
            if params.get(member):
                key[member] = params[member]
        for stage_key in params.get("stageKeys") or []:
            key["stageKeys"].append(f"{stage_key.get('restApiId')}/{stage_key.get('stageName')}")
        self.store.put_doc("apikey", key["id"], account_id, region, key)
        self._changed()
        return key

    def get_key(self, account_id: str, region: str, key_id: str, include_value: bool) -> Doc:
        return _shown(self._key(account_id, region, key_id), include_value)

    def list_keys(self, account_id: str, region: str, params: Doc) -> list[Doc]:
        keys = self.store.list_docs("apikey", account_id, region)
        name = params.get("nameQuery")
        customer = params.get("customerId")
        return [
            _shown(k, bool(params.get("includeValues")))
            for k in keys
            if (not name or k["name"].startswith(name))
            and (not customer or k.get("customerId") == customer)
        ]

    def update_key(self, account_id: str, region: str, key_id: str, operations: list[Doc]) -> Doc:
        key = self._key(account_id, region, key_id)
        for operation in operations:
            path, value = operation.get("path") or "", operation.get("value")
            if operation.get("op") != "replace":
                raise invalid_path(path)
            if path in ("/name", "/description", "/customerId"):
                key[path[1:]] = value or ""
            elif path == "/enabled":
                key["enabled"] = str(value).lower() == "true"
            else:
                raise invalid_path(path)
        key["lastUpdatedDate"] = int(time.time())
        self.store.put_doc("apikey", key_id, account_id, region, key)
        self._changed()
        return _shown(key, False)

    def delete_key(self, account_id: str, region: str, key_id: str) -> None:
        self._key(account_id, region, key_id)
        self.store.delete_doc("apikey", key_id)
        for plan in self.store.list_docs("usageplan", account_id, region):
            self.store.delete_doc("planKey", f"{plan['id']}/{key_id}")
        self._changed()

    # -- usage plans ----------------------------------------------------------------------

    def _plan(self, account_id: str, region: str, plan_id: str) -> Doc:
        found = self.store.get_doc("usageplan", plan_id, account_id, region)
        if found is None:
            raise errors.usage_plan_not_found()
        return found

    def _check_plan(self, account_id: str, region: str, plan: Doc) -> None:
        for api_stage in plan.get("apiStages") or []:
            api_id, stage = api_stage.get("apiId") or "", api_stage.get("stage") or ""
            owner = self.store.get_api(api_id)
            if (
                owner is None or owner.account_id != account_id or owner.region != region
                or self.store.get_stage(api_id, stage) is None
            ):  # fmt: skip
                raise BadRequestException(
                    f"Invalid API Stage {{api: {api_id}, stage: {stage}}} specified for"
                    f" usageplan {plan['name']}"
                )
        quota = plan.get("quota")
        if quota is not None:
            if quota.get("period") not in PERIODS:
                raise BadRequestException("Invalid quota period specified. Must be one of DAY,"
                                          " WEEK, MONTH")  # fmt: skip
            if int(quota.get("limit", 0)) < 0:
                raise BadRequestException("Quota limit must be a non-negative number")

    def create_plan(self, account_id: str, region: str, params: Doc) -> Doc:
        plan: Doc = {"id": new_id(6), "name": params["name"], "apiStages": []}
        for member in ("description", "apiStages", "throttle", "quota", "tags", "productCode"):
            if params.get(member) not in (None, "", {}):
                plan[member] = params[member]
        self._check_plan(account_id, region, plan)
        self.store.put_doc("usageplan", plan["id"], account_id, region, plan)
        self._changed()
        return plan

    def get_plan(self, account_id: str, region: str, plan_id: str) -> Doc:
        return self._plan(account_id, region, plan_id)

    def list_plans(self, account_id: str, region: str, key_id: str | None) -> list[Doc]:
        plans = self.store.list_docs("usageplan", account_id, region)
        if key_id:
            self._key(account_id, region, key_id)
            plans = [p for p in plans if self.store.get_doc(
                "planKey", f"{p['id']}/{key_id}", account_id, region) is not None]  # fmt: skip
        return plans

    def update_plan(self, account_id: str, region: str, plan_id: str, operations: list[Doc]) -> Doc:
        plan = self._plan(account_id, region, plan_id)
        for operation in operations:
            op, path, value = (
                operation.get("op"),
                operation.get("path") or "",
                operation.get("value"),
            )
            group, _, member = path[1:].partition("/")
            if path in ("/name", "/description", "/productCode") and op == "replace":
                plan[path[1:]] = value or ""
            elif group == "throttle" and member in ("rateLimit", "burstLimit"):
                throttle = plan.setdefault("throttle", {})
                if op == "remove":
                    throttle.pop(member, None)
                else:
                    throttle[member] = _number(value, float if member == "rateLimit" else int, path)
            elif group == "throttle" and op == "remove" and not member:
                plan.pop("throttle", None)
            elif group == "quota" and member in ("limit", "offset", "period"):
                quota = plan.setdefault("quota", {"limit": 0, "offset": 0, "period": "DAY"})
                quota[member] = value if member == "period" else _number(value, int, path)
            elif group == "quota" and op == "remove" and not member:
                plan.pop("quota", None)
            elif path == "/apiStages" and op in ("add", "remove"):
                api_id, _, stage = str(value).partition(":")
                stages = [s for s in plan["apiStages"]
                          if (s["apiId"], s["stage"]) != (api_id, stage)]  # fmt: skip
                if op == "add":
                    stages.append({"apiId": api_id, "stage": stage})
                plan["apiStages"] = stages
            else:
                raise invalid_path(path)
        self._check_plan(account_id, region, plan)
        self.store.put_doc("usageplan", plan_id, account_id, region, plan)
        self._changed()
        return plan

    def delete_plan(self, account_id: str, region: str, plan_id: str) -> None:
        self._plan(account_id, region, plan_id)
        self.store.delete_doc("usageplan", plan_id)
        self.store.delete_children("planKey", plan_id)
        self._changed()

    # -- usage plan keys ------------------------------------------------------------------

    def add_plan_key(self, account_id: str, region: str, plan_id: str, key_id: str,
                     key_type: str) -> Doc:  # fmt: skip
        plan = self._plan(account_id, region, plan_id)
        if key_type != "API_KEY":
            raise BadRequestException(f"Invalid key type specified: {key_type}")
        key = self._key(account_id, region, key_id)
        stages = {(s["apiId"], s["stage"]) for s in plan["apiStages"]}
        for other in self.list_plans(account_id, region, key_id):
            if other["id"] == plan_id:
                raise ConflictException(f"Usage Plan {plan_id} already contains API Key {key_id}")
            if stages & {(s["apiId"], s["stage"]) for s in other["apiStages"]}:
                raise ConflictException(
                    f"Usage Plan {plan_id} cannot be added because API Key {key_id} cannot"
                    " reference multiple Usage Plans with the same API Stage"
                )
        self.store.put_doc("planKey", f"{plan_id}/{key_id}", account_id, region,
                           {"id": key_id}, parent=plan_id)  # fmt: skip
        self._changed()
        return _plan_key(key)

    def get_plan_key(self, account_id: str, region: str, plan_id: str, key_id: str) -> Doc:
        self._plan(account_id, region, plan_id)
        if self.store.get_doc("planKey", f"{plan_id}/{key_id}", account_id, region) is None:
            raise errors.usage_plan_key_not_found()
        return _plan_key(self._key(account_id, region, key_id))

    def list_plan_keys(self, account_id: str, region: str, plan_id: str) -> list[Doc]:
        self._plan(account_id, region, plan_id)
        ids = [d["id"] for d in self.store.list_docs("planKey", parent=plan_id)]
        keys = (self.store.get_doc("apikey", i, account_id, region) for i in ids)
        return [_plan_key(k) for k in keys if k is not None]

    def delete_plan_key(self, account_id: str, region: str, plan_id: str, key_id: str) -> None:
        self.get_plan_key(account_id, region, plan_id, key_id)
        self.store.delete_doc("planKey", f"{plan_id}/{key_id}")
        self._changed()

    # -- usage ----------------------------------------------------------------------------

    def get_usage(self, account_id: str, region: str, params: Doc) -> Doc:
        plan = self._plan(account_id, region, params["usagePlanId"])
        try:
            start = datetime.date.fromisoformat(params["startDate"])
            end = datetime.date.fromisoformat(params["endDate"])
        except ValueError:
            raise BadRequestException("Invalid date format. Must be yyyy-MM-dd") from None
        if end < start:
            raise BadRequestException("The end date must not be before the start date")
        key_ids = [d["id"] for d in self.store.list_docs("planKey", parent=plan["id"])]
        if params.get("keyId"):
            if params["keyId"] not in key_ids:
                raise errors.usage_plan_key_not_found()
            key_ids = [params["keyId"]]
        limit = (plan.get("quota") or {}).get("limit")
        items: Doc = {}
        for key_id in key_ids:
            days, day = [], start
            while day <= end:
                used = self.usage.get((plan["id"], key_id, day.isoformat()), 0)
                days.append([used, max(limit - used, 0) if limit is not None else 0])
                day += datetime.timedelta(days=1)
            items[key_id] = days
        return {"usagePlanId": plan["id"], "startDate": params["startDate"],
                "endDate": params["endDate"], "items": items}  # fmt: skip

    def record(self, plan_id: str, key_id: str, day: datetime.date) -> None:
        counter = (plan_id, key_id, day.isoformat())
        self.usage[counter] = self.usage.get(counter, 0) + 1

    # -- the data plane's questions -------------------------------------------------------

    def key_by_value(self, value: str) -> Doc | None:
        if self._by_value is None:
            self._by_value = {}
            self._plans_of = {}
            for key in self.store.list_docs("apikey"):
                self._by_value[key["value"]] = key
            for plan in self.store.list_docs("usageplan"):
                for link in self.store.list_docs("planKey", parent=plan["id"]):
                    self._plans_of.setdefault(link["id"], []).append(plan)
        return self._by_value.get(value)

    def plan_for(self, key_id: str, api_id: str, stage: str) -> Doc | None:
        """The usage plan through which `key_id` may call this API stage, if any."""
        for plan in self._plans_of.get(key_id, []):
            if any(s["apiId"] == api_id and s["stage"] == stage for s in plan["apiStages"]):
                return plan
        return None


def _shown(key: Doc, include_value: bool) -> Doc:
    return key if include_value else {k: v for k, v in key.items() if k != "value"}


def _plan_key(key: Doc) -> Doc:
    return {"id": key["id"], "type": "API_KEY", "value": key["value"], "name": key["name"]}
