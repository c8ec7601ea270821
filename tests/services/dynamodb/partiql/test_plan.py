"""Engine tier: statements -> the wire requests of the classic operations, no server."""

from __future__ import annotations

import pytest

from lenticular.services.dynamodb.errors import ValidationException
from lenticular.services.dynamodb.models import Table
from lenticular.services.dynamodb.partiql.bind import bind
from lenticular.services.dynamodb.partiql.paging import (
    decode_token,
    encode_token,
    request_digest,
)
from lenticular.services.dynamodb.partiql.parser import parse
from lenticular.services.dynamodb.partiql.plan import plan

TABLE = Table(
    id=1, account_id="000000000000", region="us-east-1", name="t",
    hash_name="pk", hash_type="S", range_name="sk", range_type="N",
    description={
        "AttributeDefinitions": [
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "N"},
            {"AttributeName": "g", "AttributeType": "S"},
        ],
        "GlobalSecondaryIndexes": [
            {"IndexName": "gi", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}]}
        ],
    },
)  # fmt: skip


def planned(text, *parameters, keyed=False):
    return plan(bind(parse(text), list(parameters)), TABLE, keyed_reads=keyed)


def test_partition_key_equality_is_a_query_with_sort_key_condition_and_filter():
    p = planned("SELECT a, b.c FROM t WHERE x = 1 AND pk = ? AND sk > 3", {"S": "k"})
    assert p.operation == "query"
    assert p.params == {
        "TableName": "t",
        "KeyConditionExpression": "#n0 = :v0 AND #n1 > :v1",
        "FilterExpression": "#n2 = :v2",
        "ProjectionExpression": "#n3, #n4.#n5",
        "ExpressionAttributeNames": {"#n0": "pk", "#n1": "sk", "#n2": "x", "#n3": "a",
                                     "#n4": "b", "#n5": "c"},
        "ExpressionAttributeValues": {":v0": {"S": "k"}, ":v1": {"N": "3"}, ":v2": {"N": "1"}},
    }  # fmt: skip
    assert p.local is None


def test_value_first_comparisons_are_flipped_into_key_conditions():
    p = planned("SELECT * FROM t WHERE 'k' = pk AND 3 >= sk ORDER BY sk DESC")
    assert p.params["KeyConditionExpression"] == "#n0 = :v0 AND #n1 <= :v1"
    assert p.params["ScanIndexForward"] is False


def test_begins_with_and_between_on_the_sort_key():
    p = planned("SELECT * FROM t WHERE pk = 'k' AND sk BETWEEN 1 AND 2")
    assert p.params["KeyConditionExpression"] == "#n0 = :v0 AND #n1 BETWEEN :v1 AND :v2"


def test_wrong_type_partition_key_falls_back_to_a_scan():
    p = planned("SELECT * FROM t WHERE pk = 1")
    assert p.operation == "scan"
    assert p.params["FilterExpression"] == "#n0 = :v0"


def test_other_conditions_on_key_attributes_are_filtered_locally():
    p = planned("SELECT a FROM t WHERE pk = 'k' AND (sk = 1 OR sk = 3)")
    assert p.operation == "query"
    assert "FilterExpression" not in p.params and "ProjectionExpression" not in p.params
    assert p.local is not None
    assert p.local.filter == "#ln0 = :lv0 OR #ln0 = :lv1"
    items = [{"pk": {"S": "k"}, "sk": {"N": str(i)}, "a": {"S": "x"}} for i in (1, 2, 3)]
    assert p.local.apply(items) == [{"a": {"S": "x"}}, {"a": {"S": "x"}}]


def test_no_partition_key_is_a_scan_with_the_whole_where():
    p = planned("SELECT * FROM t WHERE NOT (a = 1 AND b IS MISSING) OR c IS NOT NULL")
    assert p.operation == "scan"
    assert p.params["FilterExpression"] == (
        "NOT (#n0 = :v0 AND attribute_not_exists(#n1))"
        " OR (attribute_exists(#n2) AND NOT attribute_type(#n2, :v1))"
    )


def test_index_queries_use_the_index_key_schema():
    p = planned("SELECT * FROM t.gi WHERE g = 'x'")
    assert p.operation == "query"
    assert p.params["IndexName"] == "gi"
    assert p.params["ExpressionAttributeNames"] == {"#n0": "g"}


def test_insert_is_a_conditional_put():
    p = planned("INSERT INTO t VALUE {'pk': 'k', 'sk': 1}")
    assert (p.operation, p.kind) == ("put_item", "insert")
    assert p.params == {
        "TableName": "t",
        "Item": {"pk": {"S": "k"}, "sk": {"N": "1"}},
        "ConditionExpression": "attribute_not_exists(#n0)",
        "ExpressionAttributeNames": {"#n0": "pk"},
    }


def test_update_needs_the_item_to_exist_and_maps_set_functions():
    p = planned(
        "UPDATE t SET a = a + ?, s = set_add(s, <<'x'>>), d = set_delete(d, <<1>>), e = MISSING"
        " REMOVE f WHERE pk = 'k' AND sk = 1 AND a < 10 RETURNING MODIFIED NEW *",
        {"N": "1"},
    )
    assert p.operation == "update_item"
    assert p.params["Key"] == {"pk": {"S": "k"}, "sk": {"N": "1"}}
    assert p.params["UpdateExpression"] == (
        "SET #n0 = #n0 + :v0 REMOVE #n3, #n4 ADD #n1 :v1 DELETE #n2 :v2"
    )
    assert p.params["ConditionExpression"] == "attribute_exists(#n5) AND #n0 < :v3"
    assert p.params["ReturnValues"] == "UPDATED_NEW"


def test_delete_conditions_allow_a_missing_item():
    p = planned("DELETE FROM t WHERE pk = 'k' AND sk = 1 AND a = 2")
    assert p.params["ConditionExpression"] == "attribute_not_exists(#n0) OR #n1 = :v0"
    assert "ConditionExpression" not in planned("DELETE FROM t WHERE pk = 'k' AND sk = 1").params


def test_exists_is_a_condition_check():
    p = planned("NOT EXISTS(SELECT * FROM t WHERE pk = 'k' AND sk = 1 AND a = 2)")
    assert p.operation == "condition_check"
    assert p.params["ConditionExpression"] == "NOT (attribute_exists(#n0) AND #n1 = :v0)"


def test_keyed_select_is_a_get_item():
    p = planned("SELECT a FROM t WHERE pk = 'k' AND sk = 1", keyed=True)
    assert p.operation == "get_item"
    assert p.params == {
        "TableName": "t",
        "Key": {"pk": {"S": "k"}, "sk": {"N": "1"}},
        "ProjectionExpression": "#n0",
        "ExpressionAttributeNames": {"#n0": "a"},
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("UPDATE t SET a = 1 WHERE pk = 'k'",
         "Where clause does not contain a mandatory equality on all key attributes"),
        ("DELETE FROM t WHERE pk = 'k' OR sk = 1",
         "Where clause does not contain a mandatory equality on all key attributes"),
        ("DELETE FROM t.gi WHERE pk = 'k' AND sk = 1",
         "This operation is not supported on an index"),
        ("DELETE FROM t WHERE pk = 'k' AND sk = 1 RETURNING MODIFIED OLD *",
         "Invalid returning clause: RETURNING MODIFIED OLD *. Only RETURNING ALL OLD * is"
         " allowed in DELETE statements."),
        ("SELECT * FROM t.nope", "The table does not have the specified index: nope"),
        ("SELECT * FROM t WHERE a = 1 ORDER BY sk",
         "Must have at least one non-optional hash key condition in WHERE clause when using"
         " ORDER BY clause."),
        ("INSERT INTO t VALUE [1]", "Unsupported value: the VALUE of an INSERT must be a map"),
        ("UPDATE t SET a = set_add(b, <<1>>) WHERE pk = 'k' AND sk = 1",
         "set_add must take the attribute being set as its first argument"),
        ("SELECT * FROM t WHERE nope(a)", "Unsupported function: nope"),
    ],
)  # fmt: skip
def test_semantic_errors(text, message):
    with pytest.raises(ValidationException) as excinfo:
        planned(text)
    assert excinfo.value.message == message


def test_next_token_round_trip_and_mismatch():
    digest = request_digest("SELECT * FROM t", [{"B": b"\x01"}])
    key = {"pk": {"B": b"\x00\xff"}, "sk": {"N": "1"}}
    token = encode_token(digest, key)
    assert decode_token(token, digest) == key
    with pytest.raises(ValidationException) as excinfo:
        decode_token(token, request_digest("SELECT * FROM t", None))
    assert excinfo.value.message == "NextToken does not match request"
    with pytest.raises(ValidationException) as excinfo:
        decode_token("%%%", digest)
    assert excinfo.value.message == "Invalid NextToken"
