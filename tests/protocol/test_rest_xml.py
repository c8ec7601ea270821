"""rest-xml (S3, CloudFront) against a real botocore client: its serializer, its parser."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError

from lenticular.errors import ServiceError
from lenticular.protocol.http import HttpRequest
from lenticular.protocol.model import service_model
from lenticular.protocol.rest_routing import with_bucket_in_path
from lenticular.protocol.rest_xml import RestXmlCodec
from tests.protocol.rest_exchange import REQUEST_ID, Exchange

WHEN = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)


def answering(result: dict[str, Any]) -> Exchange:
    return Exchange("s3", answer=lambda op, params: result)


def test_put_object_with_metadata_and_body() -> None:
    ex = answering({"ETag": '"9a0364b9e99bb480dd25e1f0284c8555"', "VersionId": "v1"})
    name, params, out = ex.call(
        "PutObject",
        Bucket="bkt",
        Key="dir/a b+c.txt",
        Body=b"hello world",
        Metadata={"Owner": "me", "x": "1"},
        ContentType="text/plain",
        CacheControl="max-age=60",
        Expires=WHEN,
        Tagging="k=v",
    )
    assert name == "PutObject"
    assert params["Bucket"] == "bkt"
    assert params["Key"] == "dir/a b+c.txt"
    assert params["Body"] == b"hello world"  # aws-chunked framing and trailers removed
    assert params["Metadata"] == {"owner": "me", "x": "1"}
    assert params["ContentType"] == "text/plain"
    assert params["CacheControl"] == "max-age=60"
    assert params["Expires"] == WHEN
    assert params["Tagging"] == "k=v"
    assert "ContentEncoding" not in params
    assert out["ETag"] == '"9a0364b9e99bb480dd25e1f0284c8555"'
    assert out["VersionId"] == "v1"
    assert out["ResponseMetadata"]["RequestId"] == REQUEST_ID
    assert out["ResponseMetadata"]["HostId"]


@pytest.mark.parametrize("body", [b"0123456789", iter([b"01234", b"56789"])])
def test_get_object_response_headers_and_streaming_body(body: Any) -> None:
    ex = answering(
        {
            "Body": body,
            "ContentLength": 10,
            "ContentType": "application/octet-stream",
            "ETag": '"abc"',
            "LastModified": WHEN,
            "Metadata": {"owner": "me"},
            "TagCount": 2,
            "DeleteMarker": False,
            "ContentRange": "bytes 0-9/20",
        }
    )
    name, params, out = ex.call(
        "GetObject", Bucket="bkt", Key="k", Range="bytes=0-9", VersionId="v1"
    )
    assert name == "GetObject"
    params.pop("ChecksumMode", None)  # botocore asks for checksums on its own
    assert params == {"Bucket": "bkt", "Key": "k", "Range": "bytes=0-9", "VersionId": "v1"}
    assert out["Body"].read() == b"0123456789"
    assert out["ContentLength"] == 10
    assert out["LastModified"] == WHEN
    assert out["Metadata"] == {"owner": "me"}
    assert out["TagCount"] == 2
    assert out["ContentRange"] == "bytes 0-9/20"
    headers = dict(ex.responses[-1].headers)
    assert headers["Last-Modified"] == "Mon, 06 May 2024 07:08:09 GMT"
    assert headers["x-amz-meta-owner"] == "me"


def test_list_objects_v2_query_and_result() -> None:
    ex = answering(
        {
            "IsTruncated": True,
            "Name": "bkt",
            "Prefix": "p/",
            "KeyCount": 2,
            "MaxKeys": 2,
            "NextContinuationToken": "tok",
            "Contents": [
                {
                    "Key": "p/a",
                    "LastModified": WHEN,
                    "ETag": '"e"',
                    "Size": 1,
                    "StorageClass": "STANDARD",
                },
                {"Key": "p/b", "LastModified": "2024-05-06T07:08:09Z", "Size": 2},
            ],
            "CommonPrefixes": [{"Prefix": "p/x/"}],
        }
    )
    name, params, out = ex.call(
        "ListObjectsV2", Bucket="bkt", Prefix="p/", MaxKeys=2, Delimiter="/", ContinuationToken="c"
    )
    assert name == "ListObjectsV2"
    assert params["MaxKeys"] == 2
    assert params["Prefix"] == "p/"
    assert params["ContinuationToken"] == "c"
    assert out["IsTruncated"] is True
    assert [c["Key"] for c in out["Contents"]] == ["p/a", "p/b"]
    assert out["Contents"][0]["LastModified"] == WHEN
    assert out["Contents"][1]["LastModified"] == WHEN
    assert out["CommonPrefixes"] == [{"Prefix": "p/x/"}]
    body = ex.responses[-1].body
    assert body.startswith(
        b'<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
    )
    assert b"<LastModified>2024-05-06T07:08:09.000Z</LastModified>" in body


def test_delete_objects_body_and_result() -> None:
    ex = answering(
        {
            "Deleted": [{"Key": "a", "VersionId": "1"}, {"Key": "b", "DeleteMarker": True}],
            "Errors": [{"Key": "c", "Code": "AccessDenied", "Message": "no"}],
        }
    )
    name, params, out = ex.call(
        "DeleteObjects",
        Bucket="bkt",
        Delete={
            "Objects": [{"Key": "a", "VersionId": "1"}, {"Key": "b"}, {"Key": "c"}],
            "Quiet": False,
        },
    )
    assert name == "DeleteObjects"
    assert params["Delete"] == {
        "Objects": [{"Key": "a", "VersionId": "1"}, {"Key": "b"}, {"Key": "c"}],
        "Quiet": False,
    }
    assert out["Deleted"] == [{"Key": "a", "VersionId": "1"}, {"Key": "b", "DeleteMarker": True}]
    assert out["Errors"] == [{"Key": "c", "Code": "AccessDenied", "Message": "no"}]
    assert b"<DeleteResult" in ex.responses[-1].body


def test_put_bucket_tagging_and_get_it_back() -> None:
    ex = answering({})
    tags = [{"Key": "env", "Value": "dev & <test>"}, {"Key": "team", "Value": ""}]
    name, params, _ = ex.call("PutBucketTagging", Bucket="bkt", Tagging={"TagSet": tags})
    assert name == "PutBucketTagging"
    assert params["Tagging"] == {"TagSet": tags}
    ex.answer = lambda op, p: {"TagSet": tags}
    _, _, out = ex.call("GetBucketTagging", Bucket="bkt")
    assert out["TagSet"] == tags


def test_create_multipart_upload_and_complete() -> None:
    ex = answering({"Bucket": "bkt", "Key": "big", "UploadId": "up-1"})
    name, params, out = ex.call(
        "CreateMultipartUpload",
        Bucket="bkt",
        Key="big",
        ContentType="video/mp4",
        Metadata={"a": "b"},
    )
    assert name == "CreateMultipartUpload"
    assert params == {
        "Bucket": "bkt",
        "Key": "big",
        "ContentType": "video/mp4",
        "Metadata": {"a": "b"},
    }
    assert out["UploadId"] == "up-1"
    assert b"<InitiateMultipartUploadResult" in ex.responses[-1].body
    ex.answer = lambda op, p: {
        "Location": "http://x/bkt/big",
        "Bucket": "bkt",
        "Key": "big",
        "ETag": '"e-2"',
    }
    parts = [{"ETag": '"p1"', "PartNumber": 1}, {"ETag": '"p2"', "PartNumber": 2}]
    name, params, out = ex.call(
        "CompleteMultipartUpload",
        Bucket="bkt",
        Key="big",
        UploadId="up-1",
        MultipartUpload={"Parts": parts},
    )
    assert name == "CompleteMultipartUpload"
    assert params["UploadId"] == "up-1"
    assert params["MultipartUpload"] == {"Parts": parts}
    assert out["ETag"] == '"e-2"'


def test_grantee_xsi_type_attribute_round_trips() -> None:
    grants = [
        {"Grantee": {"ID": "abc", "Type": "CanonicalUser"}, "Permission": "FULL_CONTROL"},
        {
            "Grantee": {"URI": "http://acs.amazonaws.com/groups/global/AllUsers", "Type": "Group"},
            "Permission": "READ",
        },
    ]
    ex = answering({"Owner": {"ID": "abc"}, "Grants": grants})
    _, _, out = ex.call("GetBucketAcl", Bucket="bkt")
    assert out["Grants"] == grants
    ex.answer = lambda op, p: {}
    _, params, _ = ex.call(
        "PutBucketAcl", Bucket="bkt", AccessControlPolicy={"Grants": grants, "Owner": {"ID": "abc"}}
    )
    assert params["AccessControlPolicy"]["Grants"] == grants


def test_get_bucket_location_is_a_bare_element() -> None:
    ex = answering({"LocationConstraint": "eu-west-1"})
    _, _, out = ex.call("GetBucketLocation", Bucket="bkt")
    assert out["LocationConstraint"] == "eu-west-1"
    assert ex.responses[-1].body.endswith(
        b'<LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/">eu-west-1</LocationConstraint>'
    )


def test_virtual_hosted_client() -> None:
    ex = Exchange("s3", path_style=False, answer=lambda op, p: {"Body": b"x"})
    ex.rewrite = lambda req: with_bucket_in_path(req, req.host.split(".")[0])
    name, params, out = ex.call("GetObject", Bucket="my-bucket", Key="a/b.txt")
    assert ex.seen[-1][2].host.startswith("my-bucket.")
    assert (name, params["Bucket"], params["Key"]) == ("GetObject", "my-bucket", "a/b.txt")
    assert out["Body"].read() == b"x"


# -- errors -----------------------------------------------------------------------------


def raising(error: ServiceError):
    def answer(op: str, params: dict[str, Any]) -> dict[str, Any]:
        raise error

    return answer


def test_no_such_key_is_s3_error_xml_with_details() -> None:
    ex = Exchange(
        "s3",
        answer=raising(
            ServiceError(
                "The specified key does not exist.",
                code="NoSuchKey",
                status=404,
                fields={"Key": "k"},
            )
        ),
    )
    with pytest.raises(ClientError) as info:
        ex.call("GetObject", Bucket="bkt", Key="k")
    err = info.value.response
    assert err["Error"] == {
        "Code": "NoSuchKey",
        "Message": "The specified key does not exist.",
        "Key": "k",
    }
    assert err["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert err["ResponseMetadata"]["RequestId"] == REQUEST_ID
    assert type(info.value).__name__ == "NoSuchKey"
    body = ex.responses[-1].body
    assert body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchKey</Code>')
    assert f"<RequestId>{REQUEST_ID}</RequestId>".encode() in body


def test_no_such_bucket() -> None:
    error = ServiceError(
        "The specified bucket does not exist",
        code="NoSuchBucket",
        status=404,
        fields={"BucketName": "nope"},
    )
    ex = Exchange("s3", answer=raising(error))
    with pytest.raises(ClientError) as info:
        ex.call("ListObjectsV2", Bucket="nope")
    assert info.value.response["Error"]["Code"] == "NoSuchBucket"
    assert info.value.response["Error"]["BucketName"] == "nope"
    assert type(info.value).__name__ == "NoSuchBucket"


def test_head_errors_have_no_body() -> None:
    ex = Exchange("s3", answer=raising(ServiceError("Not Found", code="NotFound", status=404)))
    with pytest.raises(ClientError) as info:
        ex.call("HeadObject", Bucket="bkt", Key="k")
    assert info.value.response["Error"]["Code"] == "404"
    assert ex.responses[-1].body == b""


def test_malformed_xml_body_is_malformed_xml() -> None:
    codec = RestXmlCodec()
    model = service_model("s3")
    bodies = [
        b"<Tagging><TagSet>",
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>'
        b"<Tagging><TagSet><Tag><Key>&lol2;</Key><Value>v</Value></Tag></TagSet></Tagging>",
        b'<!DOCTYPE x SYSTEM "file:///etc/passwd"><Tagging/>',
    ]
    for body in bodies:
        req = HttpRequest("PUT", "/bkt", "/bkt", "tagging", {}, body)
        op, labels = codec.find_operation(model, req)
        with pytest.raises(ServiceError) as info:
            codec.parse(op, req, labels)
        assert info.value.code == "MalformedXML"
        response = codec.serialize_error(model, op, info.value, "r")
        assert response.status == 400
        assert b"<Code>MalformedXML</Code>" in response.body


# -- CloudFront ---------------------------------------------------------------------------

DIST_CONFIG = {
    "CallerReference": "ref-1",
    "Comment": "site",
    "Enabled": True,
    "Origins": {
        "Quantity": 1,
        "Items": [
            {
                "Id": "o1",
                "DomainName": "bkt.s3.amazonaws.com",
                "S3OriginConfig": {"OriginAccessIdentity": ""},
                "CustomHeaders": {
                    "Quantity": 1,
                    "Items": [{"HeaderName": "x-a", "HeaderValue": "1"}],
                },
            }
        ],
    },
    "DefaultCacheBehavior": {
        "TargetOriginId": "o1",
        "ViewerProtocolPolicy": "redirect-to-https",
        "AllowedMethods": {
            "Quantity": 2,
            "Items": ["GET", "HEAD"],
            "CachedMethods": {"Quantity": 2, "Items": ["GET", "HEAD"]},
        },
        "MinTTL": 0,
    },
}


def test_cloudfront_create_and_get_distribution() -> None:
    distribution = {
        "Id": "E1ABC",
        "ARN": "arn:aws:cloudfront::123456789012:distribution/E1ABC",
        "Status": "InProgress",
        "LastModifiedTime": WHEN,
        "InProgressInvalidationBatches": 0,
        "DomainName": "d1.cloudfront.net",
        "DistributionConfig": DIST_CONFIG,
    }
    ex = Exchange(
        "cloudfront",
        answer=lambda op, p: {
            "Distribution": distribution,
            "ETag": "E2",
            "Location": "https://x/E1ABC",
        },
    )
    name, params, out = ex.call("CreateDistribution", DistributionConfig=DIST_CONFIG)
    assert name == "CreateDistribution"
    assert params == {"DistributionConfig": DIST_CONFIG}
    assert ex.responses[-1].status == 201
    assert out["Distribution"] == distribution
    assert out["ETag"] == "E2"
    assert out["Location"] == "https://x/E1ABC"
    body = ex.responses[-1].body
    assert b'<Distribution xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/">' in body
    assert dict(ex.responses[-1].headers)["x-amzn-RequestId"] == REQUEST_ID

    ex.answer = lambda op, p: {"Distribution": distribution, "ETag": "E3"}
    name, params, out = ex.call("GetDistribution", Id="E1ABC")
    assert (name, params) == ("GetDistribution", {"Id": "E1ABC"})
    assert out["Distribution"]["DistributionConfig"] == DIST_CONFIG
    assert out["ETag"] == "E3"


def test_cloudfront_error_is_error_response_with_type() -> None:
    ex = Exchange(
        "cloudfront",
        answer=raising(
            ServiceError("The specified distribution does not exist.", code="NoSuchDistribution")
        ),
    )
    with pytest.raises(ClientError) as info:
        ex.call("GetDistribution", Id="nope")
    err = info.value.response
    assert err["Error"]["Code"] == "NoSuchDistribution"
    assert err["Error"]["Message"] == "The specified distribution does not exist."
    assert err["Error"]["Type"] == "Sender"
    assert err["ResponseMetadata"]["HTTPStatusCode"] == 404  # from the model
    assert err["ResponseMetadata"]["RequestId"] == REQUEST_ID
    assert ex.responses[-1].body.startswith(
        b'<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"><Error><Type>Sender</Type>'
    )
