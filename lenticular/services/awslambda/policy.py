"""Resource-based policies: the statements AddPermission adds, shaped as AWS builds them.

https://docs.aws.amazon.com/lambda/latest/dg/access-control-resource-based.html
"""

from __future__ import annotations

import re
from typing import Any

_ACCOUNT = re.compile(r"^\d{12}$")


def empty_policy() -> dict[str, Any]:
    return {"Version": "2012-10-17", "Id": "default", "Statement": []}


def principal(value: str) -> Any:
    if value == "*":
        return "*"
    if _ACCOUNT.match(value):
        return {"AWS": f"arn:aws:iam::{value}:root"}
    if value.startswith("arn:"):
        return {"AWS": value}
    return {"Service": value}


def statement(params: dict[str, Any], resource: str) -> dict[str, Any]:
    """The statement AddPermission adds for its parameters."""
    out: dict[str, Any] = {
        "Sid": params["StatementId"],
        "Effect": "Allow",
        "Principal": principal(params["Principal"]),
        "Action": params["Action"],
        "Resource": resource,
    }
    condition: dict[str, dict[str, str]] = {}
    if params.get("SourceAccount"):
        condition.setdefault("StringEquals", {})["AWS:SourceAccount"] = params["SourceAccount"]
    if params.get("PrincipalOrgID"):
        condition.setdefault("StringEquals", {})["aws:PrincipalOrgID"] = params["PrincipalOrgID"]
    if params.get("EventSourceToken"):
        condition.setdefault("StringEquals", {})["lambda:EventSourceToken"] = params[
            "EventSourceToken"
        ]
    if params.get("FunctionUrlAuthType"):
        condition.setdefault("StringEquals", {})["lambda:FunctionUrlAuthType"] = params[
            "FunctionUrlAuthType"
        ]
    if params.get("SourceArn"):
        condition["ArnLike"] = {"AWS:SourceArn": params["SourceArn"]}
    if condition:
        out["Condition"] = condition
    return out


def find(policy: dict[str, Any], sid: str) -> int | None:
    for index, existing in enumerate(policy["Statement"]):
        if existing.get("Sid") == sid:
            return index
    return None
