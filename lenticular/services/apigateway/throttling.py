"""Request throttling as API Gateway does it: token buckets (refilled at the rate limit,
holding at most the burst limit) at account, stage, method and API key level, and usage
plan quotas per period. Counts live in memory: they restart with the server.
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-request-throttling.html
"""

from __future__ import annotations

import datetime
import time
from dataclasses import dataclass, field
from typing import Any

ACCOUNT_RATE = 10000.0  # requests per second, AWS's default account limit
ACCOUNT_BURST = 5000


@dataclass(slots=True)
class TokenBucket:
    rate: float  # tokens added per second
    burst: int  # capacity
    tokens: float = -1.0
    updated: float = field(default_factory=time.monotonic)

    def take(self, now: float) -> bool:
        """Spend one token if there is one."""
        if self.tokens < 0:
            self.tokens = float(self.burst)
        else:
            self.tokens = min(float(self.burst), self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


def period_start(period: str, offset: int, day: datetime.date) -> datetime.date:
    """The first day of the quota period containing `day` (UTC; WEEK periods start on
    Monday, shifted by `offset` days; MONTH periods on the 1st plus `offset`)."""
    if period == "DAY":
        return day
    if period == "WEEK":
        start = day - datetime.timedelta(days=(day.weekday() - offset) % 7)
        return start
    start = day.replace(day=1) + datetime.timedelta(days=offset)
    if start > day:
        previous = (day.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
        start = previous + datetime.timedelta(days=offset)
    return start


class Throttles:
    """Every bucket and quota counter of the server, created on first use."""

    def __init__(self) -> None:
        self._buckets: dict[tuple[Any, ...], TokenBucket] = {}
        self._quotas: dict[tuple[str, str, datetime.date], int] = {}  # (plan, key, start) -> used

    def admit(self, key: tuple[Any, ...], rate: float, burst: int, now: float) -> bool:
        bucket = self._buckets.get(key)
        if bucket is None or bucket.rate != rate or bucket.burst != burst:
            bucket = self._buckets[key] = TokenBucket(rate, burst, updated=now)
        return bucket.take(now)

    def spend_quota(self, plan_id: str, key_id: str, quota: dict[str, Any], today: datetime.date
                    ) -> bool:  # fmt: skip
        """Count one request against the plan's quota for this key; False once used up."""
        start = period_start(quota.get("period", "MONTH"), int(quota.get("offset", 0)), today)
        counter = (plan_id, key_id, start)
        used = self._quotas.get(counter, 0)
        if used >= int(quota.get("limit", 0)):
            return False
        self._quotas[counter] = used + 1
        return True

    def quota_used(self, plan_id: str, key_id: str, quota: dict[str, Any],
                   today: datetime.date) -> int:  # fmt: skip
        start = period_start(quota.get("period", "MONTH"), int(quota.get("offset", 0)), today)
        return self._quotas.get((plan_id, key_id, start), 0)

    def forget(self, prefix: Any) -> None:
        """Drop the buckets whose key starts with `prefix` (their limits changed)."""
        self._buckets = {k: v for k, v in self._buckets.items() if k[0] != prefix}


def stage_limits(stage: dict[str, Any], resource_path: str, http_method: str
                 ) -> list[tuple[str, float, int]]:  # fmt: skip
    """(scope, rate, burst) from the stage's method settings: `*/*` for the whole stage,
    `{resourcePath}/{METHOD}` (path without its leading slash, `/` escaped as `~1`)."""
    settings = stage.get("methodSettings") or {}
    wanted = f"{resource_path.lstrip('/')}/{http_method}"
    limits = []
    for key, setting in settings.items():
        plain = key.replace("~1", "/").lstrip("/")
        if key == "*/*":
            scope = "*/*"
        elif plain == wanted:
            scope = wanted
        else:
            continue
        if "throttlingRateLimit" in setting or "throttlingBurstLimit" in setting:
            limits.append((
                scope, float(setting.get("throttlingRateLimit", ACCOUNT_RATE)),
                int(setting.get("throttlingBurstLimit", ACCOUNT_BURST)),
            ))  # fmt: skip
    return limits
