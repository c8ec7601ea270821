"""Business logic of the items API (Lambda proxy integration).

POST /items           create: validates the body, computes id, total and timestamps
GET /items            list (a Scan, sorted by creation time)
PUT /items/{id}       update: validates, recomputes total, bumps updatedAt
DELETE /items/{id}    delete

Plain reads of one item (GET /items/{id}) never come here: API Gateway reads DynamoDB
directly through a VTL mapping template (see template.yaml).
"""

import json
import os
import uuid
from datetime import UTC, datetime
from decimal import Decimal

import boto3

TABLE = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])


class Invalid(Exception):
    pass


def handler(event, context):
    method = event["httpMethod"]
    item_id = (event.get("pathParameters") or {}).get("id")
    try:
        if method == "GET":
            return list_items()
        if method == "POST":
            return create_item(parse(event))
        if method == "PUT":
            return update_item(item_id, parse(event))
        if method == "DELETE":
            return delete_item(item_id)
    except Invalid as exc:
        return respond(400, {"message": str(exc)})
    return respond(405, {"message": f"{method} is not supported"})


def parse(event):
    try:
        body = json.loads(event.get("body") or "{}", parse_float=Decimal)
    except ValueError:
        raise Invalid("the body must be JSON") from None
    if not isinstance(body, dict):
        raise Invalid("the body must be a JSON object")
    return body


def validate(body):
    name = body.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 100:
        raise Invalid("name must be a non-empty string of at most 100 characters")
    price = body.get("price")
    if isinstance(price, bool) or not isinstance(price, (int, Decimal)) or price < 0:
        raise Invalid("price must be a number >= 0")
    quantity = body.get("quantity", 1)
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 0:
        raise Invalid("quantity must be an integer >= 0")
    price = Decimal(price).quantize(Decimal("0.01"))
    return {
        "name": name.strip(),
        "price": price,
        "quantity": quantity,
        "total": (price * quantity).quantize(Decimal("0.01")),
    }


def now():
    return datetime.now(UTC).isoformat(timespec="seconds")


def create_item(body):
    item = validate(body)
    stamp = now()
    item.update(id=str(uuid.uuid4()), createdAt=stamp, updatedAt=stamp)
    TABLE.put_item(Item=item)
    return respond(201, item)


def list_items():
    items, kwargs = [], {}
    while True:
        page = TABLE.scan(**kwargs)
        items += page["Items"]
        if "LastEvaluatedKey" not in page:
            break
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    items.sort(key=lambda item: item.get("createdAt", ""))
    return respond(200, {"items": items, "count": len(items)})


def update_item(item_id, body):
    fields = validate(body)
    try:
        out = TABLE.update_item(
            Key={"id": item_id},
            UpdateExpression="SET #n = :n, #p = :p, #q = :q, #t = :t, #u = :u",
            ConditionExpression="attribute_exists(id)",
            ExpressionAttributeNames={
                "#n": "name",
                "#p": "price",
                "#q": "quantity",
                "#t": "total",
                "#u": "updatedAt",
            },
            ExpressionAttributeValues={
                ":n": fields["name"],
                ":p": fields["price"],
                ":q": fields["quantity"],
                ":t": fields["total"],
                ":u": now(),
            },
            ReturnValues="ALL_NEW",
        )
    except TABLE.meta.client.exceptions.ConditionalCheckFailedException:
        return respond(404, {"message": "item not found"})
    return respond(200, out["Attributes"])


def delete_item(item_id):
    out = TABLE.delete_item(Key={"id": item_id}, ReturnValues="ALL_OLD")
    if "Attributes" not in out:
        return respond(404, {"message": "item not found"})
    return respond(204, None)


def to_json(value):
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"cannot serialize {type(value).__name__}")


def respond(status, body):
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json"},
        "body": "" if body is None else json.dumps(body, default=to_json),
    }
