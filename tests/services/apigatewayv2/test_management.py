"""HTTP API management through boto3: APIs, quick create, routes, integrations,
authorizers, stages, deployments, tags, and AWS's errors for bad or unknown input."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.services.apigatewayv2.conftest import unique

FN = "arn:aws:lambda:us-east-1:000000000000:function:whatever"


def error(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, int, str]:
    response = excinfo.value.response
    return (
        response["Error"]["Code"],
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Message"],
    )


def test_create_get_update_list_delete_api(v2, http_api):
    api = http_api(Description="first", Tags={"team": "a"},
                   CorsConfiguration={"AllowOrigins": ["https://x.example"], "MaxAge": 60})  # fmt: skip
    assert api["ProtocolType"] == "HTTP"
    assert api["RouteSelectionExpression"] == "$request.method $request.path"
    assert api["ApiEndpoint"].startswith(f"http://{api['ApiId']}.execute-api.localhost:")
    assert api["Tags"] == {"team": "a"}
    got = v2.get_api(ApiId=api["ApiId"])
    assert got["Name"] == api["Name"] and got["CorsConfiguration"]["MaxAge"] == 60
    assert "CreatedDate" in got
    updated = v2.update_api(ApiId=api["ApiId"], Description="second", Name="renamed")
    assert updated["Description"] == "second" and updated["Name"] == "renamed"
    ids = [a["ApiId"] for a in v2.get_apis(MaxResults="500")["Items"]]
    assert api["ApiId"] in ids
    v2.delete_cors_configuration(ApiId=api["ApiId"])
    assert "CorsConfiguration" not in v2.get_api(ApiId=api["ApiId"])
    v2.delete_api(ApiId=api["ApiId"])
    with pytest.raises(ClientError) as excinfo:
        v2.get_api(ApiId=api["ApiId"])
    code, status, message = error(excinfo)
    assert (code, status) == ("NotFoundException", 404)
    assert message == f"Invalid API identifier specified 000000000000:{api['ApiId']}"


def test_get_apis_pages(v2, http_api):
    for _ in range(3):
        http_api()
    first = v2.get_apis(MaxResults="1")
    assert len(first["Items"]) == 1 and first["NextToken"]
    second = v2.get_apis(MaxResults="1", NextToken=first["NextToken"])
    assert second["Items"][0]["ApiId"] != first["Items"][0]["ApiId"]


def test_websocket_and_bad_input_are_refused(v2, http_api):
    with pytest.raises(ClientError) as excinfo:
        v2.create_api(Name=unique(), ProtocolType="WEBSOCKET",
                      RouteSelectionExpression="$request.body.action")  # fmt: skip
    code, status, message = error(excinfo)
    assert (code, status) == ("BadRequestException", 400)
    assert "WebSocket" in message
    with pytest.raises(ClientError) as excinfo:
        http_api(CorsConfiguration={"AllowOrigins": ["*"], "AllowCredentials": True})
    assert error(excinfo)[:2] == ("BadRequestException", 400)
    with pytest.raises(ClientError) as excinfo:
        http_api(Target="not-a-target")
    assert error(excinfo)[:2] == ("BadRequestException", 400)


def test_quick_create_makes_route_integration_and_auto_stage(v2, http_api):
    api = http_api(Target=FN, RouteKey="GET /hello")
    routes = v2.get_routes(ApiId=api["ApiId"])["Items"]
    assert [r["RouteKey"] for r in routes] == ["GET /hello"]
    assert routes[0]["ApiGatewayManaged"] is True
    integrations = v2.get_integrations(ApiId=api["ApiId"])["Items"]
    assert integrations[0]["IntegrationType"] == "AWS_PROXY"
    assert integrations[0]["PayloadFormatVersion"] == "2.0"
    assert routes[0]["Target"] == f"integrations/{integrations[0]['IntegrationId']}"
    stage = v2.get_stage(ApiId=api["ApiId"], StageName="$default")
    assert stage["AutoDeploy"] is True and stage["DeploymentId"]
    deployments = v2.get_deployments(ApiId=api["ApiId"])["Items"]
    assert deployments[-1]["AutoDeployed"] is True
    assert deployments[-1]["DeploymentStatus"] == "DEPLOYED"


def test_routes_crud_and_errors(v2, http_api):
    api_id = http_api()["ApiId"]
    integration = v2.create_integration(
        ApiId=api_id, IntegrationType="HTTP_PROXY", IntegrationUri="http://127.0.0.1:1/x",
        IntegrationMethod="GET", PayloadFormatVersion="1.0",
    )  # fmt: skip
    target = f"integrations/{integration['IntegrationId']}"
    route = v2.create_route(ApiId=api_id, RouteKey="GET /items/{id}", Target=target)
    assert route["AuthorizationType"] == "NONE" and route["ApiKeyRequired"] is False
    got = v2.get_route(ApiId=api_id, RouteId=route["RouteId"])
    assert got["RouteKey"] == "GET /items/{id}"
    updated = v2.update_route(ApiId=api_id, RouteId=route["RouteId"], RouteKey="ANY /{proxy+}")
    assert updated["RouteKey"] == "ANY /{proxy+}"
    v2.create_route(ApiId=api_id, RouteKey="$default", Target=target)
    with pytest.raises(ClientError) as excinfo:
        v2.create_route(ApiId=api_id, RouteKey="ANY /{proxy+}")
    assert error(excinfo)[:2] == ("ConflictException", 409)
    for bad in ("FETCH /x", "GET x", "GET /{a+}/b", "GET /{a}/{a}"):
        with pytest.raises(ClientError) as excinfo:
            v2.create_route(ApiId=api_id, RouteKey=bad)
        assert error(excinfo)[:2] == ("BadRequestException", 400), bad
    with pytest.raises(ClientError) as excinfo:
        v2.create_route(ApiId=api_id, RouteKey="GET /y", Target="integrations/nope")
    assert error(excinfo)[:2] == ("BadRequestException", 400)
    with pytest.raises(ClientError) as excinfo:
        v2.create_route(ApiId=api_id, RouteKey="GET /z", AuthorizationType="JWT",
                        AuthorizerId="nope")  # fmt: skip
    assert error(excinfo)[:2] == ("BadRequestException", 400)
    v2.delete_route(ApiId=api_id, RouteId=route["RouteId"])
    with pytest.raises(ClientError) as excinfo:
        v2.get_route(ApiId=api_id, RouteId=route["RouteId"])
    code, status, message = error(excinfo)
    assert (code, status) == ("NotFoundException", 404)
    assert excinfo.value.response["ResourceType"] == "Route"
    with pytest.raises(ClientError) as excinfo:
        v2.get_routes(ApiId="nosuchapi0")
    assert error(excinfo)[:2] == ("NotFoundException", 404)


def test_integrations_crud_and_validation(v2, http_api):
    api_id = http_api()["ApiId"]
    created = v2.create_integration(
        ApiId=api_id, IntegrationType="AWS_PROXY", IntegrationUri=FN, PayloadFormatVersion="2.0"
    )
    assert created["IntegrationMethod"] == "POST" and created["TimeoutInMillis"] == 30000
    assert created["ConnectionType"] == "INTERNET"
    updated = v2.update_integration(
        ApiId=api_id, IntegrationId=created["IntegrationId"], TimeoutInMillis=5000,
        PayloadFormatVersion="1.0",
    )  # fmt: skip
    assert updated["TimeoutInMillis"] == 5000 and updated["PayloadFormatVersion"] == "1.0"
    bad_inputs = [
        {"IntegrationType": "AWS_PROXY", "IntegrationUri": FN},  # no payload version
        {"IntegrationType": "AWS_PROXY", "IntegrationUri": FN, "PayloadFormatVersion": "3.0"},
        {"IntegrationType": "HTTP_PROXY", "IntegrationUri": "http://x"},  # no method
        {"IntegrationType": "HTTP_PROXY", "IntegrationUri": "ftp://x", "IntegrationMethod": "GET"},
        {"IntegrationType": "MOCK"},
        {"IntegrationType": "AWS_PROXY", "IntegrationUri": FN, "PayloadFormatVersion": "2.0",
         "TimeoutInMillis": 40000},
    ]  # fmt: skip
    for params in bad_inputs:
        with pytest.raises(ClientError) as excinfo:
            v2.create_integration(ApiId=api_id, **params)
        assert error(excinfo)[:2] == ("BadRequestException", 400), params
    v2.delete_integration(ApiId=api_id, IntegrationId=created["IntegrationId"])
    with pytest.raises(ClientError) as excinfo:
        v2.get_integration(ApiId=api_id, IntegrationId=created["IntegrationId"])
    assert error(excinfo)[:2] == ("NotFoundException", 404)


def test_authorizers_crud_and_validation(v2, http_api):
    api_id = http_api()["ApiId"]
    jwt = v2.create_authorizer(
        ApiId=api_id, Name="jwt", AuthorizerType="JWT",
        IdentitySource=["$request.header.Authorization"],
        JwtConfiguration={"Issuer": "https://issuer.example", "Audience": ["aud1"]},
    )  # fmt: skip
    assert jwt["JwtConfiguration"]["Audience"] == ["aud1"]
    lam = v2.create_authorizer(
        ApiId=api_id, Name="lam", AuthorizerType="REQUEST", AuthorizerUri=FN,
        AuthorizerPayloadFormatVersion="2.0", EnableSimpleResponses=True,
        IdentitySource=["$request.header.X-Token"], AuthorizerResultTtlInSeconds=60,
    )  # fmt: skip
    assert lam["EnableSimpleResponses"] is True
    names = {a["Name"] for a in v2.get_authorizers(ApiId=api_id)["Items"]}
    assert names == {"jwt", "lam"}
    updated = v2.update_authorizer(ApiId=api_id, AuthorizerId=lam["AuthorizerId"], Name="lam2")
    assert updated["Name"] == "lam2"
    bad_inputs = [
        {"AuthorizerType": "JWT", "IdentitySource": ["$request.header.Authorization"]},
        {"AuthorizerType": "JWT", "IdentitySource": ["$request.header.Authorization"],
         "JwtConfiguration": {"Issuer": "https://issuer.example"}},
        {"AuthorizerType": "REQUEST", "AuthorizerUri": FN, "IdentitySource": ["$request.header.a"]},
        {"AuthorizerType": "REQUEST", "AuthorizerUri": FN, "AuthorizerPayloadFormatVersion": "1.0",
         "EnableSimpleResponses": True, "IdentitySource": ["$request.header.a"]},
        {"AuthorizerType": "REQUEST", "AuthorizerUri": FN, "AuthorizerPayloadFormatVersion": "2.0",
         "IdentitySource": ["header.a"]},
    ]  # fmt: skip
    for params in bad_inputs:
        with pytest.raises(ClientError) as excinfo:
            v2.create_authorizer(ApiId=api_id, Name="bad", **params)
        assert error(excinfo)[:2] == ("BadRequestException", 400), params
    route = v2.create_route(ApiId=api_id, RouteKey="GET /a", AuthorizationType="JWT",
                            AuthorizerId=jwt["AuthorizerId"], AuthorizationScopes=["read"])  # fmt: skip
    with pytest.raises(ClientError) as excinfo:
        v2.delete_authorizer(ApiId=api_id, AuthorizerId=jwt["AuthorizerId"])
    assert error(excinfo)[:2] == ("ConflictException", 409)
    v2.delete_route(ApiId=api_id, RouteId=route["RouteId"])
    v2.delete_authorizer(ApiId=api_id, AuthorizerId=jwt["AuthorizerId"])
    with pytest.raises(ClientError) as excinfo:
        v2.get_authorizer(ApiId=api_id, AuthorizerId=jwt["AuthorizerId"])
    assert error(excinfo)[:2] == ("NotFoundException", 404)


def test_stages_and_deployments(v2, http_api):
    api_id = http_api()["ApiId"]
    deployment = v2.create_deployment(ApiId=api_id, Description="one")
    assert deployment["DeploymentStatus"] == "DEPLOYED" and deployment["AutoDeployed"] is False
    stage = v2.create_stage(
        ApiId=api_id, StageName="dev", DeploymentId=deployment["DeploymentId"],
        StageVariables={"a": "1"}, Tags={"k": "v"},
        DefaultRouteSettings={"ThrottlingBurstLimit": 5, "ThrottlingRateLimit": 1.5},
        RouteSettings={"GET /x": {"ThrottlingBurstLimit": 1}},
    )  # fmt: skip
    assert stage["DefaultRouteSettings"]["ThrottlingRateLimit"] == 1.5
    assert stage["DefaultRouteSettings"]["DetailedMetricsEnabled"] is False
    with pytest.raises(ClientError) as excinfo:
        v2.create_stage(ApiId=api_id, StageName="dev")
    assert error(excinfo)[:2] == ("ConflictException", 409)
    with pytest.raises(ClientError) as excinfo:
        v2.create_stage(ApiId=api_id, StageName="bad name!")
    assert error(excinfo)[:2] == ("BadRequestException", 400)
    with pytest.raises(ClientError) as excinfo:
        v2.create_stage(ApiId=api_id, StageName="x", DeploymentId="nope")
    assert error(excinfo)[:2] == ("BadRequestException", 400)
    updated = v2.update_stage(ApiId=api_id, StageName="dev", StageVariables={"b": "2"},
                              Description="d")  # fmt: skip
    assert updated["StageVariables"] == {"a": "1", "b": "2"} and updated["Description"] == "d"
    second = v2.create_deployment(ApiId=api_id, StageName="dev")
    assert v2.get_stage(ApiId=api_id, StageName="dev")["DeploymentId"] == second["DeploymentId"]
    assert v2.update_deployment(ApiId=api_id, DeploymentId=second["DeploymentId"],
                                Description="x")["Description"] == "x"  # fmt: skip
    with pytest.raises(ClientError) as excinfo:
        v2.delete_deployment(ApiId=api_id, DeploymentId=second["DeploymentId"])
    assert error(excinfo)[:2] == ("BadRequestException", 400)
    v2.delete_deployment(ApiId=api_id, DeploymentId=deployment["DeploymentId"])
    v2.delete_route_settings(ApiId=api_id, StageName="dev", RouteKey="GET /x")
    assert v2.get_stage(ApiId=api_id, StageName="dev")["RouteSettings"] == {}
    assert [s["StageName"] for s in v2.get_stages(ApiId=api_id)["Items"]] == ["dev"]
    v2.delete_stage(ApiId=api_id, StageName="dev")
    with pytest.raises(ClientError) as excinfo:
        v2.get_stage(ApiId=api_id, StageName="dev")
    assert error(excinfo)[:2] == ("NotFoundException", 404)
    with pytest.raises(ClientError) as excinfo:
        v2.create_deployment(ApiId=api_id, StageName="dev")
    assert error(excinfo)[:2] == ("NotFoundException", 404)


def test_auto_deploy_follows_changes(v2, http_api):
    api_id = http_api()["ApiId"]
    v2.create_stage(ApiId=api_id, StageName="$default", AutoDeploy=True)
    before = v2.get_stage(ApiId=api_id, StageName="$default")["DeploymentId"]
    v2.create_route(ApiId=api_id, RouteKey="GET /new")
    after = v2.get_stage(ApiId=api_id, StageName="$default")
    assert after["DeploymentId"] != before
    assert "Successfully deployed" in after["LastDeploymentStatusMessage"]


def test_tags_of_apis_and_stages(v2, http_api):
    api = http_api(Tags={"a": "1"})
    arn = f"arn:aws:apigateway:us-east-1::/apis/{api['ApiId']}"
    v2.tag_resource(ResourceArn=arn, Tags={"b": "2"})
    assert v2.get_tags(ResourceArn=arn)["Tags"] == {"a": "1", "b": "2"}
    v2.untag_resource(ResourceArn=arn, TagKeys=["a"])
    assert v2.get_tags(ResourceArn=arn)["Tags"] == {"b": "2"}
    v2.create_stage(ApiId=api["ApiId"], StageName="s1", Tags={"x": "y"})
    assert v2.get_tags(ResourceArn=f"{arn}/stages/s1")["Tags"] == {"x": "y"}
    with pytest.raises(ClientError) as excinfo:
        v2.get_tags(ResourceArn="arn:aws:apigateway:us-east-1::/apis/nosuchapi9")
    assert error(excinfo)[:2] == ("NotFoundException", 404)
    with pytest.raises(ClientError) as excinfo:
        v2.get_tags(ResourceArn="not-an-arn")
    assert error(excinfo)[:2] == ("BadRequestException", 400)


def test_unimplemented_operation_is_honest(v2):
    with pytest.raises(ClientError) as excinfo:
        v2.get_domain_names()
    assert excinfo.value.response["Error"]["Code"] == "NotImplemented"


def test_update_api_target_and_route_key_of_quick_create(v2, http_api):
    api = http_api(Target=FN)
    v2.update_api(ApiId=api["ApiId"], Target="http://127.0.0.1:9/x", RouteKey="GET /new")
    integration = v2.get_integrations(ApiId=api["ApiId"])["Items"][0]
    assert integration["IntegrationType"] == "HTTP_PROXY"
    assert integration["IntegrationUri"] == "http://127.0.0.1:9/x"
    assert v2.get_routes(ApiId=api["ApiId"])["Items"][0]["RouteKey"] == "GET /new"
    plain = http_api()
    with pytest.raises(ClientError) as excinfo:
        v2.update_api(ApiId=plain["ApiId"], Target=FN)
    assert error(excinfo)[:2] == ("BadRequestException", 400)
