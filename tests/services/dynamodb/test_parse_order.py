"""Bodies the json codec may vouch for in one walk (validation's quick test) against the
ones it must still check kind by kind: nulls are dropped, a wrong JSON kind is a
SerializationException before any ValidationException, and valid bodies behave the same
whichever path they take."""

from __future__ import annotations

import json
from typing import Any

from tests.services.dynamodb.conftest import post_raw


def _raw(server: Any, target: str, body: bytes) -> tuple[int, dict[str, Any]]:
    """POST one DynamoDB request body as given; (status, decoded JSON answer)."""
    status, _, raw = post_raw(server, target, body)
    return status, json.loads(raw) if raw else {}


def _error(answer: dict[str, Any]) -> tuple[str, str]:
    return answer["__type"].rsplit("#", 1)[-1], answer.get("message", answer.get("Message", ""))


def test_null_members_are_dropped(lenticular_server: Any, ddb: Any, make_table: Any) -> None:
    table = make_table()
    put = {
        "TableName": table,
        "Item": {"pk": {"S": "a"}, "v": {"S": "null"}},
        "ConditionExpression": None,
        "ReturnValues": None,
    }
    status, answer = _raw(lenticular_server, "PutItem", json.dumps(put).encode())
    assert (status, answer) == (200, {})
    get = {"TableName": table, "Key": {"pk": {"S": "a"}}, "ProjectionExpression": None}
    status, answer = _raw(lenticular_server, "GetItem", json.dumps(get).encode())
    assert status == 200
    assert answer == {"Item": {"pk": {"S": "a"}, "v": {"S": "null"}}}
    item = ddb.get_item(TableName=table, Key={"pk": {"S": "a"}})["Item"]
    assert item == {"pk": {"S": "a"}, "v": {"S": "null"}}


def test_a_string_holding_null_is_just_a_string(lenticular_server: Any, make_table: Any) -> None:
    table = make_table()
    body = json.dumps({"TableName": table, "Item": {"pk": {"S": "null"}}}).encode()
    assert _raw(lenticular_server, "PutItem", body) == (200, {})
    body = json.dumps({"TableName": table, "Key": {"pk": {"S": "null"}}}).encode()
    assert _raw(lenticular_server, "GetItem", body) == (200, {"Item": {"pk": {"S": "null"}}})


def test_wrong_kinds_come_before_validation(lenticular_server: Any, make_table: Any) -> None:
    table = make_table()
    cases = [
        # Key missing too (a validation error), but the kind error is answered.
        ("GetItem", {"TableName": 5}, "NUMBER_VALUE cannot be converted to String"),
        ("GetItem", {"TableName": table, "Key": {"pk": {"S": 5}}}, "NUMBER_VALUE"),
        ("PutItem", {"TableName": "x", "Item": {"pk": {"S": ["a"]}}}, "collection"),
        ("PutItem", {"TableName": table, "Item": []}, "collection"),
    ]
    for target, payload, fragment in cases:
        status, answer = _raw(lenticular_server, target, json.dumps(payload).encode())
        code, message = _error(answer)
        assert (status, code) == (400, "SerializationException"), (payload, answer)
        assert fragment in message, (payload, answer)


def test_validation_errors_of_well_kinded_bodies(lenticular_server: Any) -> None:
    payload = {"TableName": "abc", "Key": {"pk": {"S": "a"}}, "ReturnConsumedCapacity": "X"}
    status, answer = _raw(lenticular_server, "GetItem", json.dumps(payload).encode())
    code, message = _error(answer)
    assert (status, code) == (400, "ValidationException")
    assert message.startswith(
        "1 validation error detected: Value 'X' at 'returnConsumedCapacity' failed to satisfy"
        " constraint: Member must satisfy enum value set: ["
    ), message
    # A null where a value is required is still reported as missing.
    body = b'{"TableName": "abc", "Key": null}'
    status, answer = _raw(lenticular_server, "GetItem", body)
    code, message = _error(answer)
    assert (status, code) == (400, "ValidationException")
    assert "Value null at 'key' failed to satisfy constraint: Member must not be null" in message


def test_valid_bodies_reach_the_table(lenticular_server: Any, make_table: Any) -> None:
    table = make_table("S", "N")
    item = {"pk": {"S": "k"}, "sk": {"N": "1.50"}, "m": {"M": {"l": {"L": [{"BOOL": True}]}}}}
    body = json.dumps({"TableName": table, "Item": item}).encode()
    assert _raw(lenticular_server, "PutItem", body) == (200, {})
    key = {"pk": {"S": "k"}, "sk": {"N": "1.5"}}
    body = json.dumps({"TableName": table, "Key": key, "ConsistentRead": True}).encode()
    status, answer = _raw(lenticular_server, "GetItem", body)
    assert status == 200
    assert answer["Item"]["sk"] == {"N": "1.5"}
    assert answer["Item"]["m"] == item["m"]


def test_nulls_deep_in_a_large_item_are_dropped(lenticular_server: Any, make_table: Any) -> None:
    """Nulls anywhere the codec drops them (a structure's member, known or not, a map's
    value), in a body over 1 KB, with and without a blob to decode."""
    table = make_table()
    item = {
        "pk": {"S": "deep"},
        "text": {"S": "y" * 1500},
        "gone": None,
        "m": {"M": {"kept": {"S": "z", "N": None}, "gone": None, "l": {"L": [{"N": "1"}]}}},
    }
    put = {"TableName": table, "Item": item, "Unknown": None, "ReturnValues": None}
    expected = {
        "pk": {"S": "deep"},
        "text": {"S": "y" * 1500},
        "m": {"M": {"kept": {"S": "z"}, "l": {"L": [{"N": "1"}]}}},
    }
    for blob in (False, True):
        if blob:
            item["b"] = {"B": "AAEC", "S": None}
            expected["b"] = {"B": "AAEC"}
        assert _raw(lenticular_server, "PutItem", json.dumps(put).encode()) == (200, {})
        get = {"TableName": table, "Key": {"pk": {"S": "deep"}}, "ConsistentRead": True}
        status, answer = _raw(lenticular_server, "GetItem", json.dumps(get).encode())
        assert (status, answer) == (200, {"Item": expected}), blob


def test_a_null_list_element_is_refused(lenticular_server: Any, make_table: Any) -> None:
    table = make_table()
    item = {"pk": {"S": "n"}, "text": {"S": "y" * 1500}, "l": {"L": [{"N": "1"}, None]}}
    body = json.dumps({"TableName": table, "Item": item}).encode()
    status, answer = _raw(lenticular_server, "PutItem", body)
    assert status == 400, answer
    assert _error(answer) == (
        "ValidationException",
        "1 validation error detected: Value null at 'item.l.member.l.2.member' failed to"
        " satisfy constraint: Member must not be null",
    )
