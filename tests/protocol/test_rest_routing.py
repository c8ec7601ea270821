"""REST routing: method + path + query (+ required headers) -> operation and URI labels."""

from __future__ import annotations

import pytest

from lenticular.errors import UnknownOperation
from lenticular.protocol.http import HttpRequest
from lenticular.protocol.model import service_model
from lenticular.protocol.rest_routing import find_rest_operation, router_for, with_bucket_in_path


def request(
    method: str, raw_path: str, query: str = "", headers: dict[str, str] | None = None
) -> HttpRequest:
    from urllib.parse import unquote

    return HttpRequest(
        method=method,
        path=unquote(raw_path),
        raw_path=raw_path,
        query_string=query,
        headers=headers or {},
    )


S3_CASES = [
    ("GET", "/", "", {}, "ListBuckets", {}),
    ("PUT", "/bkt", "", {}, "CreateBucket", {"Bucket": "bkt"}),
    ("HEAD", "/bkt", "", {}, "HeadBucket", {"Bucket": "bkt"}),
    ("GET", "/bkt", "", {}, "ListObjects", {"Bucket": "bkt"}),
    ("GET", "/bkt/", "", {}, "ListObjects", {"Bucket": "bkt"}),
    ("GET", "/bkt", "list-type=2&prefix=a", {}, "ListObjectsV2", {"Bucket": "bkt"}),
    ("GET", "/bkt", "uploads", {}, "ListMultipartUploads", {"Bucket": "bkt"}),
    ("GET", "/bkt", "versions", {}, "ListObjectVersions", {"Bucket": "bkt"}),
    ("PUT", "/bkt", "tagging", {}, "PutBucketTagging", {"Bucket": "bkt"}),
    ("GET", "/bkt", "tagging", {}, "GetBucketTagging", {"Bucket": "bkt"}),
    ("DELETE", "/bkt", "tagging", {}, "DeleteBucketTagging", {"Bucket": "bkt"}),
    ("PUT", "/bkt", "lifecycle", {}, "PutBucketLifecycleConfiguration", {"Bucket": "bkt"}),
    ("GET", "/bkt", "notification", {}, "GetBucketNotificationConfiguration", {"Bucket": "bkt"}),
    ("GET", "/bkt", "analytics", {}, "ListBucketAnalyticsConfigurations", {"Bucket": "bkt"}),
    ("GET", "/bkt", "analytics&id=x", {}, "GetBucketAnalyticsConfiguration", {"Bucket": "bkt"}),
    ("POST", "/bkt", "delete", {}, "DeleteObjects", {"Bucket": "bkt"}),
    ("DELETE", "/bkt", "", {}, "DeleteBucket", {"Bucket": "bkt"}),
    ("PUT", "/bkt/a/b.txt", "", {}, "PutObject", {"Bucket": "bkt", "Key": "a/b.txt"}),
    (
        "PUT",
        "/bkt/a",
        "",
        {"x-amz-copy-source": "o/k"},
        "CopyObject",
        {"Bucket": "bkt", "Key": "a"},
    ),
    ("PUT", "/bkt/a", "partNumber=1&uploadId=u", {}, "UploadPart", {"Bucket": "bkt", "Key": "a"}),
    (
        "PUT",
        "/bkt/a",
        "partNumber=1&uploadId=u",
        {"x-amz-copy-source": "o/k"},
        "UploadPartCopy",
        {"Bucket": "bkt", "Key": "a"},
    ),
    ("PUT", "/bkt/a", "tagging", {}, "PutObjectTagging", {"Bucket": "bkt", "Key": "a"}),
    ("GET", "/bkt/a", "", {}, "GetObject", {"Bucket": "bkt", "Key": "a"}),
    ("GET", "/bkt/a", "x-id=GetObject", {}, "GetObject", {"Bucket": "bkt", "Key": "a"}),
    ("GET", "/bkt/a", "uploadId=u", {}, "ListParts", {"Bucket": "bkt", "Key": "a"}),
    ("GET", "/bkt/a", "attributes", {}, "GetObjectAttributes", {"Bucket": "bkt", "Key": "a"}),
    ("GET", "/bkt/a", "acl", {}, "GetObjectAcl", {"Bucket": "bkt", "Key": "a"}),
    ("HEAD", "/bkt/a", "", {}, "HeadObject", {"Bucket": "bkt", "Key": "a"}),
    ("DELETE", "/bkt/a", "", {}, "DeleteObject", {"Bucket": "bkt", "Key": "a"}),
    ("DELETE", "/bkt/a", "uploadId=u", {}, "AbortMultipartUpload", {"Bucket": "bkt", "Key": "a"}),
    ("POST", "/bkt/a", "uploads", {}, "CreateMultipartUpload", {"Bucket": "bkt", "Key": "a"}),
    ("POST", "/bkt/a", "uploadId=u", {}, "CompleteMultipartUpload", {"Bucket": "bkt", "Key": "a"}),
    ("POST", "/bkt/a", "restore", {}, "RestoreObject", {"Bucket": "bkt", "Key": "a"}),
    (
        "POST",
        "/bkt/a",
        "select&select-type=2",
        {},
        "SelectObjectContent",
        {"Bucket": "bkt", "Key": "a"},
    ),
    # Keys keep their slashes, spaces, plus signs and percent-encoded slashes.
    ("GET", "/bkt/dir/a%20b+c.txt", "", {}, "GetObject", {"Bucket": "bkt", "Key": "dir/a b+c.txt"}),
    ("GET", "/bkt/a%2Fb", "", {}, "GetObject", {"Bucket": "bkt", "Key": "a/b"}),
    ("GET", "/bkt/dir/", "", {}, "GetObject", {"Bucket": "bkt", "Key": "dir/"}),
]


@pytest.mark.parametrize(("method", "path", "query", "headers", "operation", "labels"), S3_CASES)
def test_s3_routes(method, path, query, headers, operation, labels) -> None:
    found, params = find_rest_operation(service_model("s3"), request(method, path, query, headers))
    assert found.name == operation
    if labels.get("Key", "").endswith("/"):
        # A key ending in "/" keeps it: only one trailing slash of a path is optional.
        assert params["Bucket"] == labels["Bucket"]
    else:
        assert params == labels


REST_JSON_CASES = [
    (
        "lambda",
        "POST",
        "/2015-03-31/functions/my-fn/invocations",
        "",
        "Invoke",
        {"FunctionName": "my-fn"},
    ),
    ("lambda", "GET", "/2015-03-31/functions/", "MaxItems=5", "ListFunctions", {}),
    (
        "lambda",
        "GET",
        "/2015-03-31/functions/my-fn",
        "Qualifier=1",
        "GetFunction",
        {"FunctionName": "my-fn"},
    ),
    (
        "lambda",
        "GET",
        "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A1%3Afunction%3Af",
        "",
        "GetFunction",
        {"FunctionName": "arn:aws:lambda:us-east-1:1:function:f"},
    ),
    (
        "lambda",
        "GET",
        "/2019-09-30/functions/f/provisioned-concurrency",
        "List=ALL",
        "ListProvisionedConcurrencyConfigs",
        {"FunctionName": "f"},
    ),
    (
        "lambda",
        "GET",
        "/2019-09-30/functions/f/provisioned-concurrency",
        "Qualifier=live",
        "GetProvisionedConcurrencyConfig",
        {"FunctionName": "f"},
    ),
    ("apigateway", "POST", "/restapis", "", "CreateRestApi", {}),
    ("apigateway", "POST", "/restapis", "mode=import", "ImportRestApi", {}),
    (
        "apigateway",
        "GET",
        "/restapis/a1/resources",
        "embed=methods",
        "GetResources",
        {"restapi_id": "a1"},
    ),
    (
        "apigateway",
        "PUT",
        "/restapis/a1/resources/r1/methods/GET/integration",
        "",
        "PutIntegration",
        {"restapi_id": "a1", "resource_id": "r1", "http_method": "GET"},
    ),
    ("apigatewayv2", "GET", "/v2/apis/x/routes", "", "GetRoutes", {"apiId": "x"}),
    ("appsync", "POST", "/v1/apis", "", "CreateGraphqlApi", {}),
    ("appsync", "GET", "/v1/apis/x/types", "format=SDL", "ListTypes", {"apiId": "x"}),
    ("cloudfront", "POST", "/2020-05-31/distribution", "", "CreateDistribution", {}),
    (
        "cloudfront",
        "POST",
        "/2020-05-31/distribution",
        "WithTags",
        "CreateDistributionWithTags",
        {},
    ),
    ("cloudfront", "GET", "/2020-05-31/distribution/E1", "", "GetDistribution", {"Id": "E1"}),
    ("cloudfront", "POST", "/2020-05-31/tagging", "Operation=Tag&Resource=r", "TagResource", {}),
    (
        "cloudfront",
        "POST",
        "/2020-05-31/tagging",
        "Operation=Untag&Resource=r",
        "UntagResource",
        {},
    ),
]


def test_greedy_label_in_the_middle_of_a_path() -> None:
    req = request("GET", "/v20180820/mrap/instances/a/b/policy", "", {"x-amz-account-id": "1"})
    found, params = find_rest_operation(service_model("s3control"), req)
    assert found.name == "GetMultiRegionAccessPointPolicy"
    assert params == {"name": "a/b"}


@pytest.mark.parametrize(
    ("service", "method", "path", "query", "operation", "labels"), REST_JSON_CASES
)
def test_other_rest_services(service, method, path, query, operation, labels) -> None:
    found, params = find_rest_operation(service_model(service), request(method, path, query))
    assert found.name == operation
    assert params == labels


def test_unknown_route_in_rest_json_is_404_unknown_operation() -> None:
    with pytest.raises(UnknownOperation) as info:
        find_rest_operation(service_model("lambda"), request("GET", "/2015-03-31/nope/x/y"))
    assert info.value.code == "UnknownOperationException"
    assert info.value.status == 404


def test_unknown_method_in_s3_is_405_method_not_allowed() -> None:
    with pytest.raises(UnknownOperation) as info:
        find_rest_operation(service_model("s3"), request("PATCH", "/bkt/key"))
    assert info.value.code == "MethodNotAllowed"
    assert info.value.status == 405
    assert info.value.fields["Method"] == "PATCH"


def test_virtual_hosted_request_becomes_path_style() -> None:
    virtual = request("GET", "/photos/a%20b.jpg", "acl")
    virtual.host = "my-bucket.s3.amazonaws.com"
    found, params = find_rest_operation(
        service_model("s3"), with_bucket_in_path(virtual, "my-bucket")
    )
    assert found.name == "GetObjectAcl"
    assert params == {"Bucket": "my-bucket", "Key": "photos/a b.jpg"}
    root = with_bucket_in_path(request("GET", "/", "list-type=2"), "my-bucket")
    assert find_rest_operation(service_model("s3"), root)[0].name == "ListObjectsV2"


def test_router_is_compiled_once_per_service() -> None:
    model = service_model("s3")
    assert router_for(model) is router_for(model)


def test_every_s3_operation_reaches_its_own_route() -> None:
    # Each route's own template, filled in, must find that operation, except the
    # wire-identical twins (deprecated lifecycle/notification, S3 Express listing).
    twins = {
        "GetBucketLifecycle",
        "PutBucketLifecycle",
        "GetBucketNotification",
        "PutBucketNotification",
        "ListDirectoryBuckets",
    }
    model = service_model("s3")
    for route in router_for(model).routes():
        op = route.operation
        if op.name in twins:
            continue
        template = op.http["requestUri"]
        path, _, query = template.partition("?")
        path = path.replace("{Bucket}", "bkt").replace("{Key+}", "k/e y")
        query_parts = [q for q in query.split("&") if q] + [
            f"{k}=1" for k, v in route.query if v is None and k not in query
        ]
        headers = {h: "x" for h in route.headers}
        req = request(op.http["method"], path.replace(" ", "%20"), "&".join(query_parts), headers)
        assert find_rest_operation(model, req)[0].name == op.name, op.name
