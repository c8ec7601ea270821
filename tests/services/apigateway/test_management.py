"""REST API management through boto3: APIs, resources, methods, integrations, deployments
and stages, with AWS's error codes and messages."""

from __future__ import annotations

import re

import pytest
from botocore.exceptions import ClientError

from tests.services.apigateway.conftest import add_mock, add_resource, unique

ACCOUNT = "000000000000"
ID = re.compile(r"^[a-z0-9]{10}$")


def error(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, str, int]:
    response = excinfo.value.response
    return (
        response["Error"]["Code"],
        response["Error"]["Message"],
        response["ResponseMetadata"]["HTTPStatusCode"],
    )


def test_create_get_list_update_delete_rest_api(apigw, rest_api):
    name = unique()
    api = rest_api(name=name, description="first", binaryMediaTypes=["image/png"],
                   tags={"team": "a"})  # fmt: skip
    assert api["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert ID.match(api["id"]) and ID.match(api["rootResourceId"])
    assert api["name"] == name
    assert api["description"] == "first"
    assert api["apiKeySource"] == "HEADER"
    assert api["endpointConfiguration"] == {"types": ["EDGE"]}
    assert api["disableExecuteApiEndpoint"] is False
    assert api["binaryMediaTypes"] == ["image/png"]
    assert api["tags"] == {"team": "a"}
    got = apigw.get_rest_api(restApiId=api["id"])
    assert got["name"] == name and got["createdDate"] == api["createdDate"]
    listed = apigw.get_rest_apis(limit=500)["items"]
    assert api["id"] in [item["id"] for item in listed]

    updated = apigw.update_rest_api(
        restApiId=api["id"],
        patchOperations=[
            {"op": "replace", "path": "/name", "value": "renamed"},
            {"op": "replace", "path": "/description", "value": "second"},
            {"op": "add", "path": "/binaryMediaTypes/application~1octet-stream"},
            {"op": "remove", "path": "/binaryMediaTypes/image~1png"},
            {"op": "replace", "path": "/minimumCompressionSize", "value": "1024"},
        ],
    )
    assert updated["name"] == "renamed"
    assert updated["description"] == "second"
    assert updated["binaryMediaTypes"] == ["application/octet-stream"]
    assert updated["minimumCompressionSize"] == 1024
    assert apigw.get_rest_api(restApiId=api["id"])["name"] == "renamed"

    deleted = apigw.delete_rest_api(restApiId=api["id"])
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 202
    with pytest.raises(ClientError) as excinfo:
        apigw.get_rest_api(restApiId=api["id"])
    assert error(excinfo) == (
        "NotFoundException",
        f"Invalid API identifier specified {ACCOUNT}:{api['id']}",
        404,
    )


def test_unknown_api_errors(apigw):
    for call in (
        lambda: apigw.get_rest_api(restApiId="nope123456"),
        lambda: apigw.delete_rest_api(restApiId="nope123456"),
        lambda: apigw.get_resources(restApiId="nope123456"),
        lambda: apigw.create_deployment(restApiId="nope123456", stageName="dev"),
    ):
        with pytest.raises(ClientError) as excinfo:
            call()
        assert error(excinfo) == (
            "NotFoundException",
            f"Invalid API identifier specified {ACCOUNT}:nope123456",
            404,
        )


def test_update_rest_api_rejects_unknown_path(apigw, rest_api):
    api = rest_api()
    with pytest.raises(ClientError) as excinfo:
        apigw.update_rest_api(
            restApiId=api["id"],
            patchOperations=[{"op": "replace", "path": "/name", "value": "ok"},
                             {"op": "replace", "path": "/nothing", "value": "x"}],
        )  # fmt: skip
    assert error(excinfo) == ("BadRequestException", "Invalid patch path /nothing", 400)
    assert apigw.get_rest_api(restApiId=api["id"])["name"] == api["name"]  # all or nothing


def test_get_rest_apis_pages(apigw, rest_api):
    ids = {rest_api()["id"] for _ in range(3)}
    seen: list[str] = []
    position = None
    while True:
        kwargs = {"limit": 2} | ({"position": position} if position else {})
        page = apigw.get_rest_apis(**kwargs)
        assert len(page["items"]) <= 2
        seen += [item["id"] for item in page["items"]]
        position = page.get("position")
        if not position:
            break
    assert ids <= set(seen) and len(seen) == len(set(seen))


def test_resources_tree(apigw, rest_api):
    api = rest_api()
    api_id, root = api["id"], api["rootResourceId"]
    items = apigw.create_resource(restApiId=api_id, parentId=root, pathPart="items")
    assert items["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert ID.match(items["id"])
    assert (items["parentId"], items["pathPart"], items["path"]) == (root, "items", "/items")
    item = apigw.create_resource(restApiId=api_id, parentId=items["id"], pathPart="{id}")
    assert item["path"] == "/items/{id}"
    proxy = apigw.create_resource(restApiId=api_id, parentId=root, pathPart="{proxy+}")
    assert proxy["path"] == "/{proxy+}"
    resources = apigw.get_resources(restApiId=api_id)["items"]
    assert sorted(r["path"] for r in resources) == ["/", "/items", "/items/{id}", "/{proxy+}"]
    root_doc = next(r for r in resources if r["path"] == "/")
    assert root_doc == {"id": root, "path": "/"}
    assert apigw.get_resource(restApiId=api_id, resourceId=item["id"])["pathPart"] == "{id}"

    with pytest.raises(ClientError) as excinfo:
        apigw.create_resource(restApiId=api_id, parentId=root, pathPart="items")
    assert error(excinfo) == (
        "ConflictException", "Another resource with the same parent already has this name: items",
        409,
    )  # fmt: skip
    with pytest.raises(ClientError) as excinfo:
        apigw.create_resource(restApiId=api_id, parentId=items["id"], pathPart="{other}")
    assert error(excinfo) == (
        "BadRequestException",
        f"A sibling ({item['id']}) of this resource already has a variable path part -- only"
        " one is allowed",
        400,
    )
    with pytest.raises(ClientError) as excinfo:
        apigw.create_resource(restApiId=api_id, parentId=root, pathPart="bad part!")
    assert error(excinfo)[0] == "BadRequestException"
    with pytest.raises(ClientError) as excinfo:
        apigw.create_resource(restApiId=api_id, parentId="missing123", pathPart="x")
    assert error(excinfo) == ("NotFoundException", "Invalid Resource identifier specified", 404)
    with pytest.raises(ClientError) as excinfo:
        apigw.get_resource(restApiId=api_id, resourceId="missing123")
    assert error(excinfo) == ("NotFoundException", "Invalid Resource identifier specified", 404)

    # Deleting a resource deletes its descendants.
    apigw.delete_resource(restApiId=api_id, resourceId=items["id"])
    paths = sorted(r["path"] for r in apigw.get_resources(restApiId=api_id)["items"])
    assert paths == ["/", "/{proxy+}"]
    with pytest.raises(ClientError) as excinfo:
        apigw.get_resource(restApiId=api_id, resourceId=item["id"])
    assert error(excinfo)[0] == "NotFoundException"


def test_methods_and_integrations(apigw, rest_api):
    api = rest_api()
    api_id = api["id"]
    rid = add_resource(apigw, api, "/pets/{petId}")
    method = apigw.put_method(
        restApiId=api_id, resourceId=rid, httpMethod="GET", authorizationType="NONE",
        apiKeyRequired=True, requestParameters={"method.request.querystring.q": False},
    )  # fmt: skip
    assert method["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert method["httpMethod"] == "GET"
    assert method["authorizationType"] == "NONE"
    assert method["apiKeyRequired"] is True
    assert method["requestParameters"] == {"method.request.querystring.q": False}
    with pytest.raises(ClientError) as excinfo:
        apigw.put_method(restApiId=api_id, resourceId=rid, httpMethod="GET",
                         authorizationType="NONE")  # fmt: skip
    assert error(excinfo) == ("ConflictException", "Method already exists for this resource", 409)
    with pytest.raises(ClientError) as excinfo:
        apigw.get_method(restApiId=api_id, resourceId=rid, httpMethod="POST")
    assert error(excinfo) == ("NotFoundException", "Invalid Method identifier specified", 404)
    with pytest.raises(ClientError) as excinfo:
        apigw.get_integration(restApiId=api_id, resourceId=rid, httpMethod="GET")
    assert error(excinfo) == ("NotFoundException", "Invalid Integration identifier specified", 404)

    response = apigw.put_method_response(
        restApiId=api_id, resourceId=rid, httpMethod="GET", statusCode="200",
        responseParameters={"method.response.header.X-Pet": False},
    )  # fmt: skip
    assert response["statusCode"] == "200"
    got = apigw.get_method_response(
        restApiId=api_id, resourceId=rid, httpMethod="GET", statusCode="200"
    )
    assert got["responseParameters"] == {"method.response.header.X-Pet": False}
    with pytest.raises(ClientError) as excinfo:
        apigw.get_method_response(restApiId=api_id, resourceId=rid, httpMethod="GET",
                                  statusCode="404")  # fmt: skip
    assert error(excinfo) == ("NotFoundException", "Invalid Response status code specified", 404)

    uri = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:f/invocations"
    integration = apigw.put_integration(
        restApiId=api_id, resourceId=rid, httpMethod="GET", type="AWS_PROXY",
        integrationHttpMethod="POST", uri=uri,
    )  # fmt: skip
    assert integration["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert integration["type"] == "AWS_PROXY"
    assert integration["httpMethod"] == "POST"
    assert integration["uri"] == uri
    assert integration["passthroughBehavior"] == "WHEN_NO_MATCH"
    assert integration["timeoutInMillis"] == 29000
    assert integration["cacheNamespace"] == rid and integration["cacheKeyParameters"] == []
    assert apigw.get_integration(restApiId=api_id, resourceId=rid, httpMethod="GET")["uri"] == uri
    ir = apigw.put_integration_response(
        restApiId=api_id, resourceId=rid, httpMethod="GET", statusCode="200",
        selectionPattern="", responseTemplates={"application/json": ""},
    )  # fmt: skip
    assert ir["statusCode"] == "200"
    got_ir = apigw.get_integration_response(
        restApiId=api_id, resourceId=rid, httpMethod="GET", statusCode="200"
    )
    assert got_ir["responseTemplates"] == {"application/json": ""}
    full = apigw.get_method(restApiId=api_id, resourceId=rid, httpMethod="GET")
    assert full["methodIntegration"]["integrationResponses"]["200"]["statusCode"] == "200"
    assert full["methodResponses"]["200"]["statusCode"] == "200"

    embedded = apigw.get_resources(restApiId=api_id, embed=["methods"])["items"]
    pet = next(r for r in embedded if r["id"] == rid)
    assert pet["resourceMethods"]["GET"]["methodIntegration"]["type"] == "AWS_PROXY"
    plain = next(r for r in apigw.get_resources(restApiId=api_id)["items"] if r["id"] == rid)
    assert plain["resourceMethods"] == {"GET": {}}

    apigw.delete_integration(restApiId=api_id, resourceId=rid, httpMethod="GET")
    with pytest.raises(ClientError) as excinfo:
        apigw.get_integration(restApiId=api_id, resourceId=rid, httpMethod="GET")
    assert error(excinfo)[0] == "NotFoundException"
    apigw.delete_method(restApiId=api_id, resourceId=rid, httpMethod="GET")
    with pytest.raises(ClientError) as excinfo:
        apigw.get_method(restApiId=api_id, resourceId=rid, httpMethod="GET")
    assert error(excinfo)[0] == "NotFoundException"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"type": "HTTP_PROXY", "uri": "http://example.com"},
         "Enumeration value for HttpMethod must be non-empty"),
        ({"type": "HTTP_PROXY", "integrationHttpMethod": "GET", "uri": "not a url"},
         "Invalid HTTP endpoint specified for URI"),
        ({"type": "AWS_PROXY", "integrationHttpMethod": "POST", "uri": "nope"},
         "Invalid ARN specified in the request"),
        ({"type": "MOCK", "timeoutInMillis": 40000},
         "Timeout should be between 50 ms and 29000 ms"),
    ],
)  # fmt: skip
def test_put_integration_validation(apigw, rest_api, params, message):
    api = rest_api()
    rid = api["rootResourceId"]
    apigw.put_method(
        restApiId=api["id"], resourceId=rid, httpMethod="ANY", authorizationType="NONE"
    )
    with pytest.raises(ClientError) as excinfo:
        apigw.put_integration(restApiId=api["id"], resourceId=rid, httpMethod="ANY", **params)
    assert error(excinfo) == ("BadRequestException", message, 400)


def test_deployments_and_stages(apigw, rest_api):
    api = rest_api()
    api_id = api["id"]
    with pytest.raises(ClientError) as excinfo:
        apigw.create_deployment(restApiId=api_id, stageName="dev")
    assert error(excinfo) == (
        "BadRequestException",
        "The REST API doesn't contain any methods",
        400,
    )
    rid = add_resource(apigw, api, "/things")
    apigw.put_method(restApiId=api_id, resourceId=rid, httpMethod="GET", authorizationType="NONE")
    with pytest.raises(ClientError) as excinfo:
        apigw.create_deployment(restApiId=api_id, stageName="dev")
    assert error(excinfo) == ("BadRequestException", "No integration defined for method", 400)
    apigw.delete_method(restApiId=api_id, resourceId=rid, httpMethod="GET")
    add_mock(apigw, api, rid)

    first = apigw.create_deployment(
        restApiId=api_id, stageName="dev", description="one", variables={"env": "dev"}
    )
    assert first["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert ID.match(first["id"]) and first["description"] == "one"
    stage = apigw.get_stage(restApiId=api_id, stageName="dev")
    assert stage["deploymentId"] == first["id"]
    assert stage["stageName"] == "dev"
    assert stage["variables"] == {"env": "dev"}
    assert stage["cacheClusterEnabled"] is False
    assert stage["tracingEnabled"] is False

    summary = apigw.get_deployment(restApiId=api_id, deploymentId=first["id"],
                                   embed=["apisummary"])  # fmt: skip
    assert summary["apiSummary"] == {
        "/things": {"GET": {"authorizationType": "NONE", "apiKeyRequired": False}}
    }
    second = apigw.create_deployment(restApiId=api_id, description="two")
    assert [d["id"] for d in apigw.get_deployments(restApiId=api_id)["items"]] == [
        first["id"], second["id"],
    ]  # fmt: skip
    with pytest.raises(ClientError) as excinfo:
        apigw.get_deployment(restApiId=api_id, deploymentId="missing123")
    assert error(excinfo) == ("NotFoundException", "Invalid Deployment identifier specified", 404)

    prod = apigw.create_stage(restApiId=api_id, stageName="prod", deploymentId=second["id"],
                              description="production", variables={"a": "1"})  # fmt: skip
    assert prod["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert prod["deploymentId"] == second["id"] and prod["description"] == "production"
    with pytest.raises(ClientError) as excinfo:
        apigw.create_stage(restApiId=api_id, stageName="prod", deploymentId=second["id"])
    assert error(excinfo) == ("ConflictException", "Stage already exists", 409)
    assert sorted(s["stageName"] for s in apigw.get_stages(restApiId=api_id)["item"]) == [
        "dev", "prod",
    ]  # fmt: skip
    only = apigw.get_stages(restApiId=api_id, deploymentId=second["id"])["item"]
    assert [s["stageName"] for s in only] == ["prod"]

    updated = apigw.update_stage(
        restApiId=api_id, stageName="prod",
        patchOperations=[
            {"op": "replace", "path": "/variables/b", "value": "2"},
            {"op": "remove", "path": "/variables/a"},
            {"op": "replace", "path": "/description", "value": "changed"},
            {"op": "replace", "path": "/deploymentId", "value": first["id"]},
            {"op": "replace", "path": "/*/*/throttling/rateLimit", "value": "100"},
        ],
    )  # fmt: skip
    assert updated["variables"] == {"b": "2"}
    assert updated["description"] == "changed"
    assert updated["deploymentId"] == first["id"]
    assert updated["methodSettings"]["*/*"]["throttlingRateLimit"] == 100.0

    with pytest.raises(ClientError) as excinfo:
        apigw.delete_deployment(restApiId=api_id, deploymentId=first["id"])
    assert error(excinfo) == (
        "BadRequestException", "Active stages pointing to this deployment must be moved or deleted",
        400,
    )  # fmt: skip
    apigw.delete_deployment(restApiId=api_id, deploymentId=second["id"])
    deleted = apigw.delete_stage(restApiId=api_id, stageName="prod")
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 202
    for call in (
        lambda: apigw.get_stage(restApiId=api_id, stageName="prod"),
        lambda: apigw.delete_stage(restApiId=api_id, stageName="prod"),
    ):
        with pytest.raises(ClientError) as excinfo:
            call()
        assert error(excinfo) == ("NotFoundException", "Invalid Stage identifier specified", 404)


def test_create_deployment_updates_existing_stage(apigw, rest_api):
    api = rest_api()
    add_mock(apigw, api, api["rootResourceId"])
    first = apigw.create_deployment(restApiId=api["id"], stageName="dev", variables={"a": "1"})
    second = apigw.create_deployment(restApiId=api["id"], stageName="dev", variables={"b": "2"})
    stage = apigw.get_stage(restApiId=api["id"], stageName="dev")
    assert stage["deploymentId"] == second["id"] != first["id"]
    assert stage["variables"] == {"a": "1", "b": "2"}


def test_state_survives_restart(fresh_lenticular):
    apigw = fresh_lenticular.client("apigateway")
    api = apigw.create_rest_api(name=unique())
    add_mock(apigw, api, add_resource(apigw, api, "/kept"))
    apigw.create_deployment(restApiId=api["id"], stageName="dev")
    fresh_lenticular.restart()
    apigw = fresh_lenticular.client("apigateway")
    assert apigw.get_rest_api(restApiId=api["id"])["name"] == api["name"]
    assert [r["path"] for r in apigw.get_resources(restApiId=api["id"])["items"]] == ["/", "/kept"]
    assert apigw.get_stage(restApiId=api["id"], stageName="dev")["stageName"] == "dev"
