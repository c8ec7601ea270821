"""Models and request validators: their management operations (boto3), and request
validation on the data plane (plain HTTP): required parameters, bodies against models
(with `$ref`s between models), the 400s AWS answers and `$context.error` in access logs."""

from __future__ import annotations

import json
import time

import pytest
from botocore.exceptions import ClientError

from tests.services.apigateway.conftest import add_mock, add_resource, call, set_access_log, unique

PET = {
    "$schema": "http://json-schema.org/draft-04/schema#",
    "title": "Pet",
    "type": "object",
    "required": ["name", "age"],
    "properties": {"name": {"type": "string"}, "age": {"type": "integer", "minimum": 0}},
}


def _error(excinfo) -> tuple[str, str]:
    error = excinfo.value.response["Error"]
    return error["Code"], error["Message"]


# -- models -------------------------------------------------------------------------------


def test_new_api_has_empty_and_error_models(apigw, rest_api):
    api = rest_api()
    models = {m["name"]: m for m in apigw.get_models(restApiId=api["id"])["items"]}
    assert set(models) == {"Empty", "Error"}
    empty = models["Empty"]
    assert empty["contentType"] == "application/json"
    assert empty["description"] == "This is a default empty schema model"
    assert json.loads(empty["schema"])["title"] == "Empty Schema"
    error = apigw.get_model(restApiId=api["id"], modelName="Error")
    assert json.loads(error["schema"])["properties"] == {"message": {"type": "string"}}


def test_model_lifecycle(apigw, rest_api):
    api = rest_api()
    created = apigw.create_model(
        restApiId=api["id"], name="Pet", contentType="application/json",
        schema=json.dumps(PET), description="a pet",
    )  # fmt: skip
    assert created["name"] == "Pet" and created["id"] and created["description"] == "a pet"
    assert json.loads(apigw.get_model(restApiId=api["id"], modelName="Pet")["schema"]) == PET
    updated = apigw.update_model(
        restApiId=api["id"], modelName="Pet",
        patchOperations=[{"op": "replace", "path": "/description", "value": "a better pet"}],
    )  # fmt: skip
    assert updated["description"] == "a better pet"
    template = apigw.get_model_template(restApiId=api["id"], modelName="Pet")["value"]
    assert template.startswith("#set($inputRoot = $input.path('$'))")
    assert '"name" : "$inputRoot.name"' in template and '"age" : $inputRoot.age' in template
    apigw.delete_model(restApiId=api["id"], modelName="Pet")
    with pytest.raises(ClientError) as excinfo:
        apigw.get_model(restApiId=api["id"], modelName="Pet")
    assert _error(excinfo) == ("NotFoundException", "Invalid model name specified: Pet")


@pytest.mark.parametrize(
    "schema", ["{not json", "[1, 2]", '{"type": "no-such-type"}', '{"required": []}']
)
def test_create_model_rejects_invalid_schemas(apigw, rest_api, schema):
    api = rest_api()
    with pytest.raises(ClientError) as excinfo:
        apigw.create_model(
            restApiId=api["id"], name="Bad", contentType="application/json", schema=schema
        )
    assert _error(excinfo) == (
        "BadRequestException",
        "Invalid model specified: Validation Result: warnings : [], errors : [Invalid model"
        " schema specified]",
    )


def test_model_references_must_be_canonical(apigw, rest_api):
    api = rest_api()
    for ref in ("#/definitions/x", "http://example.com/models/Pet"):
        schema = {"type": "object", "properties": {"p": {"$ref": ref}}}
        if ref.startswith("#"):
            schema["definitions"] = {"x": {"type": "string"}}
            apigw.create_model(restApiId=api["id"], name="Local", contentType="application/json",
                               schema=json.dumps(schema))  # fmt: skip
            continue
        with pytest.raises(ClientError) as excinfo:
            apigw.create_model(restApiId=api["id"], name="Remote",
                               contentType="application/json", schema=json.dumps(schema))  # fmt: skip
        assert "Model reference must be in canonical form" in _error(excinfo)[1]


def test_model_names_and_conflicts(apigw, rest_api):
    api = rest_api()
    with pytest.raises(ClientError) as excinfo:
        apigw.create_model(restApiId=api["id"], name="Empty", contentType="application/json")
    assert _error(excinfo)[0] == "ConflictException"
    with pytest.raises(ClientError) as excinfo:
        apigw.create_model(restApiId=api["id"], name="no-dash", contentType="application/json")
    assert _error(excinfo)[0] == "BadRequestException"


def test_model_in_use_cannot_be_deleted(apigw, rest_api):
    api = rest_api()
    apigw.create_model(restApiId=api["id"], name="Pet", contentType="application/json",
                       schema=json.dumps(PET))  # fmt: skip
    rid = add_resource(apigw, api, "/pets")
    apigw.put_method(restApiId=api["id"], resourceId=rid, httpMethod="POST",
                     authorizationType="NONE", requestModels={"application/json": "Pet"})  # fmt: skip
    with pytest.raises(ClientError) as excinfo:
        apigw.delete_model(restApiId=api["id"], modelName="Pet")
    assert _error(excinfo) == (
        "ConflictException",
        "Cannot delete model 'Pet', is referenced in method request: /pets/POST",
    )


# -- request validators -------------------------------------------------------------------


def test_request_validator_lifecycle(apigw, rest_api):
    api = rest_api()
    created = apigw.create_request_validator(
        restApiId=api["id"], name="body-only", validateRequestBody=True
    )
    assert created["validateRequestBody"] is True
    assert created["validateRequestParameters"] is False
    got = apigw.get_request_validator(restApiId=api["id"], requestValidatorId=created["id"])
    fields = ("id", "name", "validateRequestBody", "validateRequestParameters")
    assert {k: got[k] for k in fields} == {k: created[k] for k in fields}
    updated = apigw.update_request_validator(
        restApiId=api["id"], requestValidatorId=created["id"],
        patchOperations=[{"op": "replace", "path": "/validateRequestParameters", "value": "true"},
                         {"op": "replace", "path": "/name", "value": "all"}],
    )  # fmt: skip
    assert (updated["name"], updated["validateRequestParameters"]) == ("all", True)
    items = apigw.get_request_validators(restApiId=api["id"])["items"]
    assert [v["id"] for v in items] == [created["id"]]
    apigw.delete_request_validator(restApiId=api["id"], requestValidatorId=created["id"])
    with pytest.raises(ClientError) as excinfo:
        apigw.get_request_validator(restApiId=api["id"], requestValidatorId=created["id"])
    assert _error(excinfo) == (
        "NotFoundException",
        "Invalid Request Validator identifier specified",
    )


def test_put_method_checks_validator_and_models(apigw, rest_api):
    api = rest_api()
    rid = add_resource(apigw, api, "/x")
    with pytest.raises(ClientError) as excinfo:
        apigw.put_method(restApiId=api["id"], resourceId=rid, httpMethod="GET",
                         authorizationType="NONE", requestValidatorId="nope12")  # fmt: skip
    assert _error(excinfo) == (
        "BadRequestException",
        "Invalid Request Validator identifier specified",
    )
    with pytest.raises(ClientError) as excinfo:
        apigw.put_method(restApiId=api["id"], resourceId=rid, httpMethod="GET",
                         authorizationType="NONE", requestModels={"application/json": "Nope"})  # fmt: skip
    assert _error(excinfo) == ("BadRequestException", "Invalid model identifier specified: Nope")


# -- validation on invoke -------------------------------------------------------------------


def _validated_api(apigw, rest_api, *, body: bool, parameters: bool, models=None) -> str:
    """POST /pets/{id} (a MOCK answering {"ok": true}) with a validator and the Pet model."""
    api = rest_api()
    api_id = api["id"]
    apigw.create_model(restApiId=api_id, name="Pet", contentType="application/json",
                       schema=json.dumps(PET))  # fmt: skip
    validator = apigw.create_request_validator(
        restApiId=api_id, name="v", validateRequestBody=body, validateRequestParameters=parameters
    )
    rid = add_resource(apigw, api, "/pets/{id}")
    apigw.put_method(
        restApiId=api_id, resourceId=rid, httpMethod="POST", authorizationType="NONE",
        requestValidatorId=validator["id"],
        requestParameters={"method.request.querystring.owner": True,
                           "method.request.header.x-tenant": True,
                           "method.request.querystring.optional": False,
                           "method.request.path.id": True},
        requestModels=models or {"application/json": "Pet"},
    )  # fmt: skip
    apigw.put_integration(restApiId=api_id, resourceId=rid, httpMethod="POST", type="MOCK",
                          requestTemplates={"application/json": '{"statusCode": 200}'})  # fmt: skip
    apigw.put_method_response(restApiId=api_id, resourceId=rid, httpMethod="POST",
                              statusCode="200")  # fmt: skip
    apigw.put_integration_response(
        restApiId=api_id, resourceId=rid, httpMethod="POST", statusCode="200",
        responseTemplates={"application/json": '{"ok": true}'},
    )  # fmt: skip
    apigw.create_deployment(restApiId=api_id, stageName="dev")
    return api_id


GOOD = json.dumps({"name": "Rex", "age": 3}).encode()
JSON = {"Content-Type": "application/json"}


def test_missing_required_parameters(lenticular_server, apigw, rest_api):
    api_id = _validated_api(apigw, rest_api, body=False, parameters=True)
    reply = call(lenticular_server, api_id, "/dev/pets/1", method="POST", body=b"{}", headers=JSON)
    assert reply.status == 400
    assert reply.json() == {"message": "Missing required request parameters: [owner, x-tenant]"}
    assert reply.headers["x-amzn-errortype"] == "BadRequestException"
    blank = call(lenticular_server, api_id, "/dev/pets/1?owner=", method="POST",
                 headers={**JSON, "X-Tenant": "t1"})  # fmt: skip
    assert blank.json() == {"message": "Missing required request parameters: [owner]"}
    ok = call(lenticular_server, api_id, "/dev/pets/1?owner=me", method="POST",
              headers={**JSON, "X-Tenant": "t1"}, body=b"not even json")  # fmt: skip
    assert (ok.status, ok.json()) == (200, {"ok": True})  # the body is not validated


def test_body_must_match_the_model(lenticular_server, apigw, rest_api):
    api_id = _validated_api(apigw, rest_api, body=True, parameters=False)
    for bad in (b'{"name": "Rex"}', b'{"name": "Rex", "age": "three"}', b"[]", b"{oops"):
        reply = call(lenticular_server, api_id, "/dev/pets/1", method="POST", body=bad,
                     headers=JSON)  # fmt: skip
        assert (reply.status, reply.json()) == (400, {"message": "Invalid request body"}), bad
    ok = call(lenticular_server, api_id, "/dev/pets/1", method="POST", body=GOOD, headers=JSON)
    assert (ok.status, ok.json()) == (200, {"ok": True})
    # No Content-Type means application/json; a type without a model is not validated.
    assert call(lenticular_server, api_id, "/dev/pets/1", method="POST", body=b"{}").status == 400
    other = call(lenticular_server, api_id, "/dev/pets/1", method="POST", body=b"{}",
                 headers={"Content-Type": "text/plain"})  # fmt: skip
    assert other.status == 200


def test_malformed_bodies_are_invalid_not_errors(lenticular_server, apigw, rest_api):
    api_id = _validated_api(apigw, rest_api, body=True, parameters=False)
    deep = b"[" * 50000 + b"]" * 50000
    for body in (deep, b"\xff\xfe", b'{"name": "a", "age": 1e999999}'):
        reply = call(lenticular_server, api_id, "/dev/pets/1", method="POST", body=body)
        assert (reply.status, reply.json()) == (400, {"message": "Invalid request body"})


def test_parameters_are_checked_before_the_body(lenticular_server, apigw, rest_api):
    api_id = _validated_api(apigw, rest_api, body=True, parameters=True)
    reply = call(lenticular_server, api_id, "/dev/pets/1", method="POST", body=b"{}", headers=JSON)
    assert reply.json()["message"].startswith("Missing required request parameters")
    reply = call(lenticular_server, api_id, "/dev/pets/1?owner=me", method="POST", body=b"{}",
                 headers={**JSON, "x-tenant": "t"})  # fmt: skip
    assert reply.json() == {"message": "Invalid request body"}


def test_models_reference_each_other(lenticular_server, apigw, rest_api):
    api = rest_api()
    api_id = api["id"]
    apigw.create_model(restApiId=api_id, name="Pet", contentType="application/json",
                       schema=json.dumps(PET))  # fmt: skip
    url = f"https://apigateway.amazonaws.com/restapis/{api_id}/models/Pet"
    apigw.create_model(
        restApiId=api_id, name="Pets", contentType="application/json",
        schema=json.dumps({"type": "array", "items": {"$ref": url}, "minItems": 1}),
    )  # fmt: skip
    flat = json.loads(apigw.get_model(restApiId=api_id, modelName="Pets", flatten=True)["schema"])
    assert flat["items"]["required"] == ["name", "age"]  # Pet's schema, inlined
    with pytest.raises(ClientError) as excinfo:  # Pets needs Pet
        apigw.delete_model(restApiId=api_id, modelName="Pet")
    assert _error(excinfo)[0] == "ConflictException"
    validator = apigw.create_request_validator(restApiId=api_id, validateRequestBody=True)
    rid = add_resource(apigw, api, "/pets")
    apigw.put_method(restApiId=api_id, resourceId=rid, httpMethod="POST", authorizationType="NONE",
                     requestValidatorId=validator["id"],
                     requestModels={"application/json": "Pets"})  # fmt: skip
    apigw.put_integration(restApiId=api_id, resourceId=rid, httpMethod="POST", type="MOCK",
                          requestTemplates={"application/json": '{"statusCode": 200}'})  # fmt: skip
    apigw.put_integration_response(restApiId=api_id, resourceId=rid, httpMethod="POST",
                                   statusCode="200",
                                   responseTemplates={"application/json": "{}"})  # fmt: skip
    apigw.create_deployment(restApiId=api_id, stageName="dev")
    good = json.dumps([{"name": "a", "age": 1}, {"name": "b", "age": 2}]).encode()
    assert call(lenticular_server, api_id, "/dev/pets", method="POST", body=good).status == 200
    bad = json.dumps([{"name": "a", "age": -1}]).encode()
    assert call(lenticular_server, api_id, "/dev/pets", method="POST", body=bad).status == 400
    assert call(lenticular_server, api_id, "/dev/pets", method="POST", body=b"[]").status == 400


def test_validation_is_deployed_with_the_api(lenticular_server, apigw, rest_api):
    """A validator added after the deployment applies only once the API is redeployed."""
    api = rest_api()
    rid = add_resource(apigw, api, "/v")
    add_mock(apigw, api, rid, "GET")
    apigw.create_deployment(restApiId=api["id"], stageName="dev")
    validator = apigw.create_request_validator(restApiId=api["id"],
                                               validateRequestParameters=True)  # fmt: skip
    apigw.update_method(
        restApiId=api["id"], resourceId=rid, httpMethod="GET",
        patchOperations=[
            {"op": "replace", "path": "/requestValidatorId", "value": validator["id"]},
            {"op": "add", "path": "/requestParameters/method.request.querystring.q",
             "value": "true"},
        ],
    )  # fmt: skip
    assert call(lenticular_server, api["id"], "/dev/v").status == 200
    apigw.create_deployment(restApiId=api["id"], stageName="dev")
    reply = call(lenticular_server, api["id"], "/dev/v")
    assert reply.json() == {"message": "Missing required request parameters: [q]"}


def test_validation_error_string_in_access_logs(lenticular_server, aws_client, apigw, rest_api):
    logs = aws_client("logs")
    group = f"/apigw/{unique('validation')}"
    logs.create_log_group(logGroupName=group)
    arn = logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"][0]["arn"]
    api_id = _validated_api(apigw, rest_api, body=True, parameters=False)
    # Not a JSON format: the detail string has quotes of its own (unescaped, as on AWS).
    fmt = "$context.error.responseType|$context.error.message|$context.error.validationErrorString"
    set_access_log(apigw, api_id, arn, fmt)
    call(lenticular_server, api_id, "/dev/pets/1", method="POST", body=b'{"name": 1}')
    deadline = time.monotonic() + 5
    events = []
    while not events and time.monotonic() < deadline:
        events = logs.filter_log_events(logGroupName=group)["events"]
        time.sleep(0.1)
    kind, message, detail = events[0]["message"].split("|")
    assert (kind, message) == ("BAD_REQUEST_BODY", "Invalid request body")
    assert detail == (
        '[object has missing required properties (["age"]), instance type (integer) does not'
        ' match any allowed primitive type (allowed: ["string"])]'
    )
    logs.delete_log_group(logGroupName=group)


# -- OpenAPI import ---------------------------------------------------------------------------


def _swagger() -> dict:
    mock = {
        "type": "mock",
        "requestTemplates": {"application/json": '{"statusCode": 200}'},
        "responses": {"default": {"statusCode": "200",
                                  "responseTemplates": {"application/json": '{"ok": true}'}}},
    }  # fmt: skip
    return {
        "swagger": "2.0",
        "info": {"title": unique("validated"), "version": "1"},
        "x-amazon-apigateway-request-validators": {
            "all": {"validateRequestBody": True, "validateRequestParameters": True},
            "params-only": {"validateRequestBody": False, "validateRequestParameters": True},
        },
        "x-amazon-apigateway-request-validator": "params-only",
        "x-amazon-apigateway-gateway-responses": {
            "BAD_REQUEST_BODY": {
                "statusCode": 422,
                "responseTemplates": {
                    "application/json": '{"error": "$context.error.validationErrorString"}'
                },
            },
        },  # fmt: skip
        "paths": {
            "/pets": {
                "post": {
                    "x-amazon-apigateway-request-validator": "all",
                    "consumes": ["application/json"],
                    "parameters": [
                        {
                            "in": "body",
                            "name": "pet",
                            "required": True,
                            "schema": {"$ref": "#/definitions/Pet"},
                        }
                    ],  # fmt: skip
                    "responses": {
                        "200": {"description": "ok", "schema": {"$ref": "#/definitions/Pet"}}
                    },  # fmt: skip
                    "x-amazon-apigateway-integration": mock,
                },
                "get": {
                    "parameters": [
                        {"in": "query", "name": "owner", "required": True, "type": "string"}
                    ],  # fmt: skip
                    "responses": {"200": {"description": "ok"}},
                    "x-amazon-apigateway-integration": mock,
                },
            }
        },
        "definitions": {
            "Pet": {
                "type": "object",
                "required": ["name"],
                "properties": {
                    "name": {"type": "string"},
                    "owner": {"$ref": "#/definitions/Owner"},
                },
            },
            "Owner": {
                "type": "object",
                "required": ["id"],
                "properties": {"id": {"type": "integer"}},
            },
        },  # fmt: skip
    }


def test_openapi_import_brings_models_validators_and_gateway_responses(lenticular_server, apigw):
    api = apigw.import_rest_api(body=json.dumps(_swagger()).encode())
    api_id = api["id"]
    try:
        models = {m["name"]: m for m in apigw.get_models(restApiId=api_id)["items"]}
        assert {"Pet", "Owner", "Empty", "Error"} <= set(models)
        pet = json.loads(models["Pet"]["schema"])
        assert pet["properties"]["owner"]["$ref"] == (
            f"https://apigateway.amazonaws.com/restapis/{api_id}/models/Owner"
        )
        validators = {v["name"]: v for v in apigw.get_request_validators(restApiId=api_id)["items"]}
        assert set(validators) == {"all", "params-only"}
        resources = apigw.get_resources(restApiId=api_id, embed=["methods"])["items"]
        methods = next(r for r in resources if r["path"] == "/pets")["resourceMethods"]
        assert methods["POST"]["requestValidatorId"] == validators["all"]["id"]
        assert methods["POST"]["requestModels"] == {"application/json": "Pet"}
        assert methods["GET"]["requestValidatorId"] == validators["params-only"]["id"]
        custom = apigw.get_gateway_response(restApiId=api_id, responseType="BAD_REQUEST_BODY")
        assert (custom["statusCode"], custom["defaultResponse"]) == ("422", False)
        apigw.create_deployment(restApiId=api_id, stageName="dev")

        bad = call(lenticular_server, api_id, "/dev/pets", method="POST",
                   body=b'{"name": "rex", "owner": {"id": "x"}}')  # fmt: skip
        assert bad.status == 422
        assert "does not match any allowed primitive type" in bad.body.decode()
        good = call(lenticular_server, api_id, "/dev/pets", method="POST",
                    body=b'{"name": "rex", "owner": {"id": 7}}')  # fmt: skip
        assert (good.status, good.json()) == (200, {"ok": True})
        missing = call(lenticular_server, api_id, "/dev/pets")
        assert missing.json() == {"message": "Missing required request parameters: [owner]"}
        assert call(lenticular_server, api_id, "/dev/pets?owner=me").status == 200

        # Overwrite mode replaces them with the new document's (none here).
        plain = _swagger()
        for key in ("x-amazon-apigateway-request-validators", "definitions",
                    "x-amazon-apigateway-request-validator",
                    "x-amazon-apigateway-gateway-responses"):  # fmt: skip
            plain.pop(key)
        del plain["paths"]["/pets"]["post"]
        apigw.put_rest_api(restApiId=api_id, mode="overwrite", body=json.dumps(plain).encode())
        assert {m["name"] for m in apigw.get_models(restApiId=api_id)["items"]} == {
            "Empty", "Error"
        }  # fmt: skip
        assert apigw.get_request_validators(restApiId=api_id)["items"] == []
        reset = apigw.get_gateway_response(restApiId=api_id, responseType="BAD_REQUEST_BODY")
        assert reset["defaultResponse"] is True
    finally:
        apigw.delete_rest_api(restApiId=api_id)


def test_clone_from_copies_models_validators_and_gateway_responses(apigw, rest_api):
    source = rest_api()
    apigw.create_model(restApiId=source["id"], name="Pet", contentType="application/json",
                       schema=json.dumps(PET))  # fmt: skip
    validator = apigw.create_request_validator(restApiId=source["id"], validateRequestBody=True)
    apigw.put_gateway_response(restApiId=source["id"], responseType="THROTTLED", statusCode="503")
    clone = rest_api(cloneFrom=source["id"])
    names = {m["name"] for m in apigw.get_models(restApiId=clone["id"])["items"]}
    assert names == {"Empty", "Error", "Pet"}
    got = apigw.get_request_validator(restApiId=clone["id"], requestValidatorId=validator["id"])
    assert got["validateRequestBody"] is True
    throttled = apigw.get_gateway_response(restApiId=clone["id"], responseType="THROTTLED")
    assert (throttled["statusCode"], throttled["defaultResponse"]) == ("503", False)
