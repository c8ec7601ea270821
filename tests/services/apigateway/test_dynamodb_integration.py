"""AWS (non-proxy) integrations against the real server: the "no Lambda" CRUD of the
RESTful microservices architecture (methods mapped straight to DynamoDB through VTL,
with response templates reshaping DynamoDB's output), Lambda non-proxy integrations
selecting integration responses by errorMessage, request template selection by
Content-Type and the passthrough behaviours."""

from __future__ import annotations

import json

import pytest

from tests.services.apigateway.conftest import add_resource, call, unique

INVOKE_ROLE = "arn:aws:iam::000000000000:role/apigateway-dynamodb"
PUT_TEMPLATE = """{
  "TableName": "%s",
  "Item": {
    "id": {"S": "$input.params('id')"},
    "name": {"S": "$util.escapeJavaScript($input.path('$.name'))"},
    "price": {"N": "$input.path('$.price')"}
  }
}"""
GET_TEMPLATE = '{"TableName": "%s", "Key": {"id": {"S": "$input.params(\'id\')"}}}'
DELETE_TEMPLATE = (
    '{"TableName": "%s", "Key": {"id": {"S": "$input.params(\'id\')"}}, "ReturnValues": "ALL_OLD"}'
)
GET_RESPONSE = """#set($item = $input.path('$.Item'))
#if(!$item)
#set($context.responseOverride.status = 404)
{"message": "Item $input.params('id') not found"}
#else
{"id": "$item.id.S", "name": "$item.name.S", "price": $item.price.N}
#end"""
SCAN_RESPONSE = """{"count": $input.path('$.Count'), "items": [
#foreach($i in $input.path('$.Items'))
  {"id": "$i.id.S", "name": "$i.name.S"}#if($foreach.hasNext),#end
#end
]}"""


def dynamodb_uri(action: str) -> str:
    return f"arn:aws:apigateway:us-east-1:dynamodb:action/{action}"


def lambda_uri(function_arn: str) -> str:
    return (
        f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{function_arn}/invocations"
    )


def aws_method(apigw, api_id: str, rid: str, verb: str, uri: str, request_templates: dict,
               responses: list[dict], **extra) -> None:  # fmt: skip
    """A method with an AWS integration and its integration/method responses."""
    apigw.put_method(restApiId=api_id, resourceId=rid, httpMethod=verb, authorizationType="NONE")
    apigw.put_integration(restApiId=api_id, resourceId=rid, httpMethod=verb, type="AWS",
                          integrationHttpMethod="POST", uri=uri, credentials=INVOKE_ROLE,
                          requestTemplates=request_templates, **extra)  # fmt: skip
    for response in responses:
        apigw.put_method_response(restApiId=api_id, resourceId=rid, httpMethod=verb,
                                  statusCode=response["statusCode"])  # fmt: skip
        apigw.put_integration_response(restApiId=api_id, resourceId=rid, httpMethod=verb,
                                       **response)  # fmt: skip


@pytest.fixture
def table(aws_client):
    ddb = aws_client("dynamodb")
    name = unique("items")
    ddb.create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
    )  # fmt: skip
    yield name
    ddb.delete_table(TableName=name)


@pytest.fixture
def crud_api(apigw, rest_api, table):
    """PUT/GET/DELETE /items/{id} and GET /items, each mapped straight to DynamoDB."""
    api = rest_api()
    items = add_resource(apigw, api, "/items")
    item = add_resource(apigw, api, "/items/{id}")
    json_type = "application/json"
    client_error = {"statusCode": "400", "selectionPattern": "4\\d{2}",
                    "responseTemplates": {json_type: '{"error": "$input.path(\'$.message\')"}'}}  # fmt: skip
    aws_method(apigw, api["id"], item, "PUT", dynamodb_uri("PutItem"),
               {json_type: PUT_TEMPLATE % table},
               [{"statusCode": "200", "selectionPattern": "",
                 "responseTemplates": {json_type: '{"id": "$input.params(\'id\')", "saved": true}'},
                 "responseParameters": {"method.response.header.X-Table": f"'{table}'"}},
                client_error])  # fmt: skip
    aws_method(apigw, api["id"], item, "GET", dynamodb_uri("GetItem"),
               {json_type: GET_TEMPLATE % table},
               [{"statusCode": "200", "responseTemplates": {json_type: GET_RESPONSE}}, client_error])  # fmt: skip
    aws_method(apigw, api["id"], item, "DELETE", dynamodb_uri("DeleteItem"),
               {json_type: DELETE_TEMPLATE % table},
               [{"statusCode": "200", "responseTemplates": {
                   json_type: '{"deleted": #if($input.path(\'$.Attributes\'))true#{else}false#end}'}},
                client_error])  # fmt: skip
    aws_method(apigw, api["id"], items, "GET", dynamodb_uri("Scan"),
               {json_type: f'{{"TableName": "{table}"}}'},
               [{"statusCode": "200", "responseTemplates": {json_type: SCAN_RESPONSE}}])  # fmt: skip
    apigw.create_deployment(restApiId=api["id"], stageName="prod")
    return api["id"]


def test_crud_straight_to_dynamodb(lenticular_server, aws_client, crud_api, table):
    def put(item_id: str, doc: dict):
        return call(lenticular_server, crud_api, f"/prod/items/{item_id}", method="PUT",
                    headers={"Content-Type": "application/json"}, body=json.dumps(doc).encode())  # fmt: skip

    reply = put("a1", {"name": "Widget", "price": 9.5})
    assert (reply.status, reply.json()) == (200, {"id": "a1", "saved": True})
    assert reply.headers["x-table"] == table
    assert reply.headers["content-type"] == "application/json"
    assert put("b2", {"name": "Gadget", "price": 12}).status == 200
    # The item really is in DynamoDB, in DynamoDB's shape.
    stored = aws_client("dynamodb").get_item(TableName=table, Key={"id": {"S": "a1"}})["Item"]
    assert stored == {"id": {"S": "a1"}, "name": {"S": "Widget"}, "price": {"N": "9.5"}}

    reply = call(lenticular_server, crud_api, "/prod/items/a1")
    assert (reply.status, reply.json()) == (200, {"id": "a1", "name": "Widget", "price": 9.5})
    reply = call(lenticular_server, crud_api, "/prod/items/zz")
    assert (reply.status, reply.json()) == (404, {"message": "Item zz not found"})

    reply = call(lenticular_server, crud_api, "/prod/items")
    listing = reply.json()
    assert reply.status == 200 and listing["count"] == 2
    assert sorted(listing["items"], key=lambda i: i["id"]) == [
        {"id": "a1", "name": "Widget"}, {"id": "b2", "name": "Gadget"},
    ]  # fmt: skip

    reply = call(lenticular_server, crud_api, "/prod/items/a1", method="DELETE")
    assert (reply.status, reply.json()) == (200, {"deleted": True})
    reply = call(lenticular_server, crud_api, "/prod/items/a1", method="DELETE")
    assert (reply.status, reply.json()) == (200, {"deleted": False})
    assert call(lenticular_server, crud_api, "/prod/items/a1").status == 404


def test_dynamodb_errors_select_integration_responses(lenticular_server, crud_api):
    # A price that is not a number: DynamoDB's ValidationException (400) selects "4\d{2}".
    reply = call(lenticular_server, crud_api, "/prod/items/c3", method="PUT",
                 headers={"Content-Type": "application/json"},
                 body=b'{"name": "Thing", "price": "cheap"}')  # fmt: skip
    assert reply.json() == {"error": "The parameter cannot be converted to a numeric value: cheap"}
    assert reply.status == 400
    # escapeJavaScript turns ' into \' -- not valid JSON, so DynamoDB rejects the request
    # (the classic surprise of VTL templates on AWS).
    reply = call(lenticular_server, crud_api, "/prod/items/c4", method="PUT",
                 headers={"Content-Type": "application/json"},
                 body=b'{"name": "it\'s", "price": 1}')  # fmt: skip
    assert (reply.status, reply.json()) == (400, {"error": ""})  # SerializationException


def test_dynamodb_error_without_an_error_response_is_passed_through(
    lenticular_server, apigw, rest_api
):
    api = rest_api()
    rid = add_resource(apigw, api, "/missing")
    aws_method(apigw, api["id"], rid, "GET", dynamodb_uri("GetItem"),
               {"application/json": GET_TEMPLATE % "no-such-table"},
               [{"statusCode": "200"}])  # fmt: skip
    apigw.create_deployment(restApiId=api["id"], stageName="dev")
    reply = call(lenticular_server, api["id"], "/dev/missing")
    # Only a default integration response: AWS answers 200 with DynamoDB's error body.
    assert reply.status == 200
    body = reply.json()
    assert body["__type"].endswith("#ResourceNotFoundException")
    assert body["message"] == "Requested resource not found"


GREETER = """
def handler(event, context):
    kind = event.get("fail")
    if kind == "missing":
        raise LookupError("NotFound: no item " + event["id"])
    if kind == "bad":
        raise ValueError("BadRequest: invalid name")
    if kind == "other":
        raise RuntimeError("something else")
    return {"id": event["id"], "greeting": "hello " + event["name"], "event": event}
"""
GREETER_REQUEST = (
    '{"id": "$input.params(\'id\')", "name": "$input.path(\'$.name\')", '
    '"fail": "$input.params(\'fail\')", "stage": "$context.stage"}'
)


@pytest.fixture
def greeter_api(apigw, rest_api, function):
    arn = function(GREETER)
    api = rest_api()
    rid = add_resource(apigw, api, "/greet/{id}")
    error = '{"error": "$input.path(\'$.errorMessage\')", "type": "$input.path(\'$.errorType\')"}'
    aws_method(apigw, api["id"], rid, "POST", lambda_uri(arn),
               {"application/json": GREETER_REQUEST},
               [{"statusCode": "200",
                 "responseTemplates": {"application/json": '{"message": "$input.path(\'$.greeting\')"}'}},
                {"statusCode": "404", "selectionPattern": "NotFound:.*",
                 "responseTemplates": {"application/json": error}},
                {"statusCode": "400", "selectionPattern": "BadRequest: .*",
                 "responseTemplates": {"application/json": error}}])  # fmt: skip
    apigw.create_deployment(restApiId=api["id"], stageName="v1")
    return api["id"]


def test_lambda_non_proxy_success_maps_event_and_response(lenticular_server, greeter_api):
    reply = call(lenticular_server, greeter_api, "/v1/greet/7", method="POST",
                 headers={"Content-Type": "application/json"}, body=b'{"name": "Ada"}')  # fmt: skip
    assert (reply.status, reply.json()) == (200, {"message": "hello Ada"})


def test_lambda_errors_select_responses_by_error_message(lenticular_server, greeter_api):
    def greet(fail: str):
        return call(lenticular_server, greeter_api, f"/v1/greet/9?fail={fail}", method="POST",
                    headers={"Content-Type": "application/json"}, body=b'{"name": "Bo"}')  # fmt: skip

    reply = greet("missing")
    assert reply.status == 404
    assert reply.json() == {"error": "NotFound: no item 9", "type": "LookupError"}
    reply = greet("bad")
    assert (reply.status, reply.json()) == (400, {"error": "BadRequest: invalid name",
                                                  "type": "ValueError"})  # fmt: skip
    # No pattern matches: the default response, with the error payload through its template.
    reply = greet("other")
    assert (reply.status, reply.json()) == (200, {"message": ""})


ECHO = """
def handler(event, context):
    return event
"""


@pytest.fixture
def echo_api(apigw, rest_api, function):
    """POST /{behaviour} echo the event a Lambda non-proxy integration receives."""
    arn = function(ECHO)
    api = rest_api()
    templates = {
        "application/json": '{"kind": "json", "v": $input.json(\'$.v\')}',
        "text/plain": '{"kind": "text", "raw": "$util.escapeJavaScript($input.body)"}',
    }
    for behaviour in ("WHEN_NO_MATCH", "WHEN_NO_TEMPLATES", "NEVER"):
        rid = add_resource(apigw, api, f"/{behaviour.lower()}")
        aws_method(apigw, api["id"], rid, "POST", lambda_uri(arn), templates,
                   [{"statusCode": "200"}], passthroughBehavior=behaviour)  # fmt: skip
    rid = add_resource(apigw, api, "/untemplated")
    aws_method(apigw, api["id"], rid, "POST", lambda_uri(arn), {}, [{"statusCode": "200"}],
               passthroughBehavior="WHEN_NO_TEMPLATES")  # fmt: skip
    rid = add_resource(apigw, api, "/never-untemplated")
    aws_method(apigw, api["id"], rid, "POST", lambda_uri(arn), {}, [{"statusCode": "200"}],
               passthroughBehavior="NEVER")  # fmt: skip
    apigw.create_deployment(restApiId=api["id"], stageName="dev")
    return api["id"]


def post(server, api_id, path, content_type, body):
    headers = {"Content-Type": content_type} if content_type else {}
    return call(server, api_id, path, method="POST", headers=headers, body=body)


def test_request_template_selected_by_content_type(lenticular_server, echo_api):
    reply = post(lenticular_server, echo_api, "/dev/when_no_match", "application/json",
                 b'{"v": [1, {"a": true}]}')  # fmt: skip
    assert (reply.status, reply.json()) == (200, {"kind": "json", "v": [1, {"a": True}]})
    reply = post(lenticular_server, echo_api, "/dev/when_no_match", "text/plain; charset=utf-8",
                 b"hello there")  # fmt: skip
    assert reply.json() == {"kind": "text", "raw": "hello there"}
    # No Content-Type: API Gateway takes it as application/json.
    reply = post(lenticular_server, echo_api, "/dev/when_no_match", None, b'{"v": 5}')
    assert reply.json() == {"kind": "json", "v": 5}
    # A body the JSON template cannot read is the client's error.
    reply = post(lenticular_server, echo_api, "/dev/when_no_match", "application/json", b"{oops")
    assert reply.status == 400
    assert reply.json()["message"].startswith("Could not parse request body into json")


def test_passthrough_behaviours(lenticular_server, echo_api):
    custom = "application/x-custom"
    body = b'{"passed": "through"}'
    reply = post(lenticular_server, echo_api, "/dev/when_no_match", custom, body)
    assert (reply.status, reply.json()) == (200, {"passed": "through"})
    for path in ("/dev/when_no_templates", "/dev/never", "/dev/never-untemplated"):
        reply = post(lenticular_server, echo_api, path, custom, body)
        assert reply.status == 415, path
        assert reply.json() == {"message": "Unsupported Media Type"}
        assert reply.headers["x-amzn-errortype"] == "UnsupportedMediaTypeException"
    reply = post(lenticular_server, echo_api, "/dev/untemplated", custom, body)
    assert (reply.status, reply.json()) == (200, {"passed": "through"})
    # A matching template is used whatever the behaviour.
    reply = post(lenticular_server, echo_api, "/dev/never", "application/json", b'{"v": 1}')
    assert (reply.status, reply.json()) == (200, {"kind": "json", "v": 1})


def test_mock_renders_templates_with_vtl(lenticular_server, apigw, rest_api):
    api = rest_api()
    rid = add_resource(apigw, api, "/hello/{name}")
    apigw.put_method(restApiId=api["id"], resourceId=rid, httpMethod="GET",
                     authorizationType="NONE")  # fmt: skip
    apigw.put_integration(
        restApiId=api["id"], resourceId=rid, httpMethod="GET", type="MOCK",
        requestTemplates={"application/json": (
            "#if($input.params('name') == 'teapot'){\"statusCode\": 418}"
            "#{else}{\"statusCode\": 200}#end")},
    )  # fmt: skip
    for status, pattern, template in (
        (
            "200",
            "",
            '{"hello": "$input.params(\'name\')", "stage": "$context.stage", '
            '"q": "$input.params(\'q\')", "requestId": "$context.requestId"}',
        ),
        ("418", "418", '{"short": "and stout"}'),
    ):
        apigw.put_method_response(restApiId=api["id"], resourceId=rid, httpMethod="GET",
                                  statusCode=status)  # fmt: skip
        apigw.put_integration_response(
            restApiId=api["id"], resourceId=rid, httpMethod="GET", statusCode=status,
            selectionPattern=pattern, responseTemplates={"application/json": template},
            responseParameters={"method.response.header.X-Stage": "context.stage"},
        )  # fmt: skip
    apigw.create_deployment(restApiId=api["id"], stageName="dev")
    reply = call(lenticular_server, api["id"], "/dev/hello/ada?q=1")
    assert reply.status == 200
    body = reply.json()
    assert body["requestId"] == reply.headers["x-amzn-requestid"]
    assert {k: body[k] for k in ("hello", "stage", "q")} == {
        "hello": "ada",
        "stage": "dev",
        "q": "1",
    }
    assert reply.headers["x-stage"] == "dev"
    reply = call(lenticular_server, api["id"], "/dev/hello/teapot")
    assert (reply.status, reply.json()) == (418, {"short": "and stout"})
