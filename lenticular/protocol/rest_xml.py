"""The rest-xml protocol (S3, CloudFront, Route 53, S3 Control).

HTTP binding as in `rest_binding`, XML bodies as in `xml_body`. Two error shapes:
S3 answers `<Error><Code/><Message/>[details]<RequestId/><HostId/></Error>` with
`x-amz-request-id`/`x-amz-id-2` headers (and no body on HEAD); the others answer
`<ErrorResponse><Error><Type>Sender</Type><Code/><Message/>[details]</Error><RequestId/>
</ErrorResponse>` with `x-amzn-RequestId`.

The botocore models do not name the root element of non-payload output bodies; an
output shape's `locationName` (set through the patch layer) wins, then the table of S3's
documented root elements below, then the shape's name (right for Route 53).
"""

from __future__ import annotations

import base64
from typing import Any

from botocore.model import OperationModel, ServiceModel

from lenticular.errors import ServiceError
from lenticular.protocol.codec import error_status
from lenticular.protocol.http import HttpResponse
from lenticular.protocol.rest_codec import RestCodec
from lenticular.protocol.xml_body import XML_DECLARATION, XmlBodyFormat, escape, service_namespace

# Root elements of S3's non-payload output bodies, from the S3 API reference's
# "Response Syntax" sections (https://docs.aws.amazon.com/AmazonS3/latest/API/).
S3_ROOT_NAMES = {
    "CompleteMultipartUpload": "CompleteMultipartUploadResult",
    "CreateMultipartUpload": "InitiateMultipartUploadResult",
    "CreateSession": "CreateSessionResult",
    "DeleteObjects": "DeleteResult",
    "GetBucketAccelerateConfiguration": "AccelerateConfiguration",
    "GetBucketAcl": "AccessControlPolicy",
    "GetBucketCors": "CORSConfiguration",
    "GetBucketLifecycle": "LifecycleConfiguration",
    "GetBucketLifecycleConfiguration": "LifecycleConfiguration",
    "GetBucketLocation": "LocationConstraint",
    "GetBucketLogging": "BucketLoggingStatus",
    "GetBucketNotification": "NotificationConfiguration",
    "GetBucketNotificationConfiguration": "NotificationConfiguration",
    "GetBucketRequestPayment": "RequestPaymentConfiguration",
    "GetBucketTagging": "Tagging",
    "GetBucketVersioning": "VersioningConfiguration",
    "GetBucketWebsite": "WebsiteConfiguration",
    "GetObjectAcl": "AccessControlPolicy",
    "GetObjectAttributes": "GetObjectAttributesOutput",
    "GetObjectTagging": "Tagging",
    "ListBucketAnalyticsConfigurations": "ListBucketAnalyticsConfigurationResult",
    "ListBucketIntelligentTieringConfigurations": "ListBucketIntelligentTieringConfigurationsOutput",
    "ListBucketInventoryConfigurations": "ListInventoryConfigurationsResult",
    "ListBucketMetricsConfigurations": "ListMetricsConfigurationsResult",
    "ListBuckets": "ListAllMyBucketsResult",
    "ListDirectoryBuckets": "ListAllMyDirectoryBucketsResult",
    "ListMultipartUploads": "ListMultipartUploadsResult",
    "ListObjectVersions": "ListVersionsResult",
    "ListObjects": "ListBucketResult",
    "ListObjectsV2": "ListBucketResult",
    "ListParts": "ListPartsResult",
}


def output_root_name(operation: OperationModel) -> str:
    """The root element of `operation`'s non-payload output body."""
    shape = operation.output_shape
    if shape is not None and shape.serialization.get("name"):
        return str(shape.serialization["name"])
    if operation.service_model.service_name == "s3" and operation.name in S3_ROOT_NAMES:
        return S3_ROOT_NAMES[operation.name]
    return shape.name if shape is not None else operation.name


def _is_s3(service: ServiceModel) -> bool:
    return service.service_name == "s3"


class RestXmlCodec(RestCodec):
    name = "rest-xml"

    def __init__(self) -> None:
        self._formats: dict[str, tuple[ServiceModel, XmlBodyFormat]] = {}

    def format_for(self, service: ServiceModel) -> XmlBodyFormat:
        """The body format of `service` (its namespace and compiled shapes)."""
        hit = self._formats.get(service.service_name)
        if hit is None or hit[0] is not service:
            hit = (service, XmlBodyFormat(service_namespace(service), output_root_name))
            self._formats[service.service_name] = hit
        return hit[1]

    def request_id_headers(self, service: ServiceModel, request_id: str) -> list[tuple[str, str]]:
        return _request_id_headers(service, request_id)

    def serialize_error(
        self,
        service: ServiceModel,
        operation: OperationModel | None,
        error: ServiceError,
        request_id: str,
    ) -> HttpResponse:
        status = error_status(service, error)
        headers = _request_id_headers(service, request_id)
        headers.extend(error.headers.items())
        if operation is not None and operation.http.get("method") == "HEAD":
            return HttpResponse(status=status, headers=headers)  # HEAD answers carry no body
        details = self._error_details(service, error)
        code = f"<Code>{escape(error.code)}</Code>"
        message = f"<Message>{escape(error.message)}</Message>"
        if _is_s3(service):
            host_id = _host_id(request_id)
            text = (
                f"<Error>{code}{message}{details}<RequestId>{escape(request_id)}</RequestId>"
                f"<HostId>{host_id}</HostId></Error>"
            )
        else:
            fault = "Sender" if error.sender_fault else "Receiver"
            namespace = service_namespace(service)
            xmlns = f' xmlns="{escape(namespace)}"' if namespace else ""
            text = (
                f"<ErrorResponse{xmlns}><Error><Type>{fault}</Type>{code}{message}{details}"
                f"</Error><RequestId>{escape(request_id)}</RequestId></ErrorResponse>"
            )
        headers.append(("Content-Type", "application/xml"))
        return HttpResponse(status=status, headers=headers, body=(XML_DECLARATION + text).encode())

    def _error_details(self, service: ServiceModel, error: ServiceError) -> str:
        fields = {k: v for k, v in error.fields.items() if v is not None}
        if not fields:
            return ""
        if error.code in service.shape_names:
            shape = service.shape_for(error.code)
            if shape.type_name == "structure" and shape.metadata.get("exception"):
                known = {k: v for k, v in fields.items() if k in shape.members}
                rest = {k: v for k, v in fields.items() if k not in shape.members}
                modelled = self.format_for(service).children_writer(shape)(known) if known else ""
                return modelled + _plain_elements(rest)
        return _plain_elements(fields)


def _plain_elements(fields: dict[str, Any]) -> str:
    return "".join(f"<{k}>{escape(str(v))}</{k}>" for k, v in fields.items())


def _host_id(request_id: str) -> str:
    return base64.b64encode(request_id.encode()).decode()


def _request_id_headers(service: ServiceModel, request_id: str) -> list[tuple[str, str]]:
    if service.service_name in ("s3", "s3control"):
        return [("x-amz-request-id", request_id), ("x-amz-id-2", _host_id(request_id))]
    return [("x-amzn-RequestId", request_id)]
