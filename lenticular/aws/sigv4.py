"""Reading AWS request signatures (every request) and checking them (strict mode).

`parse_credential` runs on every request, before the service is known: it finds the
signing scheme (SigV4 header or presigned query, SigV4a, S3's SigV2) and returns the
credential scope, which names the access key, region and service. It does string
slicing only, so it costs a microsecond or two.

`verify` checks the request time and scope, then recomputes the signature over the
canonical request (`canonical.py`) the way AWS documents it:
https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
SigV2 (S3 only) lives in `sigv2.py`; SigV4a signatures (ECDSA) are read but not checked.
"""

from __future__ import annotations

import calendar
import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_tz
from functools import lru_cache
from typing import NoReturn

from lenticular.aws import errors
from lenticular.aws.canonical import auth_parameters, canonical_requests, payload_hash
from lenticular.aws.errors import S3_SERVICES, dialect_for
from lenticular.errors import ServiceError
from lenticular.protocol.http import HttpRequest

SIGV4 = "AWS4-HMAC-SHA256"
SIGV4A = "AWS4-ECDSA-P256-SHA256"
SIGV2 = "AWS"  # S3's HMAC-SHA1 scheme ("AWS AKID:signature")

MAX_SKEW_SECONDS = 15 * 60  # S3 allows 15 minutes; so do we, for every service
MAX_PRESIGN_SECONDS = 604800  # a week, SigV4's upper bound for X-Amz-Expires


@dataclass(slots=True)
class Credential:
    """What a request's signature says about itself, before anything is checked."""

    access_key: str  # the access key id that signed
    date: str  # credential scope date, YYYYMMDD ("" for SigV2)
    region: str  # credential scope region; SigV4a: the region set; "" for SigV2
    service: str  # credential scope service (signing name), e.g. "sts"; "s3" for SigV2
    signed_headers: str  # "host;x-amz-date" as sent ("" for SigV2)
    signature: str  # the signature as sent (hex for SigV4, base64 for SigV2)
    presigned: bool  # True: from query parameters, False: from the Authorization header
    security_token: str | None  # X-Amz-Security-Token (header or query), if any
    algorithm: str = SIGV4  # SIGV4, SIGV4A or SIGV2
    timestamp: str = ""  # X-Amz-Date as sent ("" when only a Date header is present)
    expires: str = ""  # X-Amz-Expires (seconds) or SigV2's Expires (epoch seconds)


# --- parsing -------------------------------------------------------------------------


def parse_credential(request: HttpRequest) -> Credential | None:
    """The request's signing credential, or None for an unsigned request.

    Raises the service family's `IncompleteSignature`-style error for an AWS
    Authorization header or presigned query that is malformed. Authorization headers of
    other schemes (`Bearer ...`, a bare JWT) are not AWS signatures: they give None.
    """
    headers = request.headers
    auth = headers.get("authorization")
    if auth:
        if auth.startswith(SIGV4):
            return _parse_v4_header(request, auth, SIGV4)
        if auth.startswith("AWS "):
            return _parse_v2_header(request, auth)
        if auth.startswith(SIGV4A):
            return _parse_v4_header(request, auth, SIGV4A)
    qs = request.query_string
    if qs:
        if "X-Amz-Credential=" in qs or "X-Amz-Algorithm=" in qs:
            return _parse_v4_query(request)
        if "AWSAccessKeyId=" in qs and "Signature=" in qs:
            return _parse_v2_query(request)
    return None


def _guess_dialect(request: HttpRequest, service: str) -> str:
    """The error dialect while the service is not known for sure (malformed input)."""
    if service:
        return dialect_for(service)
    host = "." + request.host
    return "s3" if ".s3." in host or ".s3-" in host else "json"


# A SigV4 Authorization header seen before, all but its signature -> (access key, date,
# region, service, signed headers): an SDK client signs every call alike but for the
# signature, so the rest is read once. Bounded: headers are the client's to choose.
_SIGNED: dict[str, tuple[str, str, str, str, str]] = {}
_SIGNATURE_PARAM = ", Signature="
_SIGNATURE_TAIL = len(_SIGNATURE_PARAM) + 64  # a SigV4 signature is 64 hex digits


def _parse_v4_header(request: HttpRequest, auth: str, algorithm: str) -> Credential:
    headers = request.headers
    timestamp = headers.get("x-amz-date", "")
    if algorithm is SIGV4 and (timestamp or "date" in headers):
        known = _SIGNED.get(auth[:-_SIGNATURE_TAIL])
        if known is not None:
            signature = auth[-64:]
            if (
                auth[-_SIGNATURE_TAIL:-64] == _SIGNATURE_PARAM
                and "," not in signature
                and " " not in signature
            ):  # (so that the parse below would read the same)
                return Credential(
                    known[0], known[1], known[2], known[3], known[4], signature, False,
                    headers.get("x-amz-security-token"), algorithm, timestamp,
                )  # fmt: skip
    # Pick the three values out by position. Anything unusual (missing parameters, stray
    # tokens) goes to `_raise_malformed_header`, which tokenizes properly.
    parts = auth[len(algorithm) + 1 :].split(", ")
    if (
        len(parts) == 3
        and parts[0][:11] == "Credential="
        and parts[1][:14] == "SignedHeaders="
        and parts[2][:10] == "Signature="
    ):  # the layout every SDK sends
        credential, signed_headers, signature = parts[0][11:], parts[1][14:], parts[2][10:]
    else:
        credential = _header_param(auth, "Credential=")
        signed_headers = _header_param(auth, "SignedHeaders=")
        signature = _header_param(auth, "Signature=")
    scope = credential.split("/")
    if (
        len(scope) != (5 if algorithm == SIGV4 else 4)
        or not signed_headers
        or not signature
        or " " in credential
        or scope[-1] != "aws4_request"
        or not (timestamp or "date" in headers)
        or auth[len(algorithm) : len(algorithm) + 1] not in (" ", ",")
    ):
        _raise_malformed_header(request, auth, algorithm, timestamp)
    if algorithm == SIGV4:
        region, service = scope[2], scope[3]
        if (
            len(signature) == 64
            and auth.endswith(_SIGNATURE_PARAM + signature)
            and len(_SIGNED) < 1024
        ):
            _SIGNED[auth[:-_SIGNATURE_TAIL]] = (scope[0], scope[1], region, service, signed_headers)
    else:
        region, service = headers.get("x-amz-region-set", ""), scope[2]
    return Credential(
        scope[0],
        scope[1],
        region,
        service,
        signed_headers,
        signature,
        False,
        headers.get("x-amz-security-token"),
        algorithm,
        timestamp,
    )


def _header_param(auth: str, prefix: str) -> str:
    """The value after `prefix` up to the next comma or space ("" if absent)."""
    start = auth.find(prefix)
    if start < 0:
        return ""
    start += len(prefix)
    end = len(auth)
    comma = auth.find(",", start, end)
    if comma >= 0:
        end = comma
    space = auth.find(" ", start, end)
    if space >= 0:
        end = space
    return auth[start:end]


def _raise_malformed_header(
    request: HttpRequest, auth: str, algorithm: str, timestamp: str
) -> NoReturn:
    rest = auth[len(algorithm) :]
    params: dict[str, str] = {}
    bad_pair = None
    if rest[:1] in (" ", ","):
        # AWS splits the parameters on commas and white space alike.
        for token in rest.replace(",", " ").split():
            key, eq, value = token.partition("=")
            if not eq:
                bad_pair = bad_pair or token
            else:
                params[key] = value
    elif rest:
        bad_pair = auth
    scope = params.get("Credential", "").split("/")
    dialect = _guess_dialect(request, scope[-2] if len(scope) >= 4 else "")
    if bad_pair is not None:
        raise errors.incomplete_signature(
            dialect,
            f"'{bad_pair}' not a valid key=value pair (missing equal-sign) "
            f"in Authorization header: '{auth}'.",
        )
    missing = [
        name for name in ("Credential", "Signature", "SignedHeaders") if not params.get(name)
    ]
    if dialect == "s3" and missing:
        raise errors.incomplete_signature(
            dialect,
            "The authorization header is malformed; the authorization header requires three "
            "components: Credential, SignedHeaders, and Signature.",
        )
    if missing or not (timestamp or "date" in request.headers):
        sentences = [f"Authorization header requires '{name}' parameter." for name in missing]
        if not (timestamp or "date" in request.headers):
            sentences.append(
                "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
            )
        raise errors.incomplete_signature(dialect, " ".join(sentences) + f" Authorization={auth}")
    credential = params["Credential"]
    if dialect == "s3":
        raise errors.incomplete_signature(
            dialect,
            "The authorization header is malformed; the Credential is mal-formed; expecting "
            '"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".',
        )
    if len(scope) != (5 if algorithm == SIGV4 else 4):
        raise errors.incomplete_signature(
            dialect,
            "Credential must have exactly 5 slash-delimited elements, "
            f"e.g. keyid/date/region/service/term, got '{credential}'",
        )
    raise errors.signature_rejected(
        dialect,
        f"Credential should be scoped with a valid terminator: 'aws4_request', not '{scope[-1]}'.",
    )


_V4_QUERY_PARAMETERS = (
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Signature",
    "X-Amz-Date",
    "X-Amz-SignedHeaders",
)


def _parse_v4_query(request: HttpRequest) -> Credential:
    query = auth_parameters(request.query_string)
    algorithm = query.get("X-Amz-Algorithm", "")
    scope = query.get("X-Amz-Credential", "").split("/")
    expected_parts = 4 if algorithm == SIGV4A else 5
    service = scope[-2] if len(scope) >= 4 else ""
    dialect = _guess_dialect(request, service)
    missing = [name for name in _V4_QUERY_PARAMETERS if not query.get(name)]
    if dialect == "s3" and "X-Amz-Expires" not in query:
        missing.append("X-Amz-Expires")
    if missing:
        if dialect == "s3":
            raise errors.query_parameters_error(
                dialect,
                "Query-string authentication version 4 requires the X-Amz-Algorithm, "
                "X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, "
                "and X-Amz-Expires parameters.",
            )
        raise errors.incomplete_signature(
            dialect,
            f"AWS query-string parameters must include '{missing[0]}'. "
            "Re-examine the query-string parameters.",
        )
    if algorithm not in (SIGV4, SIGV4A):
        raise errors.query_parameters_error(
            dialect, f'X-Amz-Algorithm only supports "{SIGV4}" and "{SIGV4A}"'
        )
    if len(scope) != expected_parts or scope[-1] != "aws4_request":
        raise errors.query_parameters_error(
            dialect,
            "Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; "
            'expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".',
        )
    region = scope[2] if algorithm == SIGV4 else query.get("X-Amz-Region-Set", "")
    return Credential(
        scope[0],
        scope[1],
        region,
        service,
        query["X-Amz-SignedHeaders"],
        query["X-Amz-Signature"],
        True,
        query.get("X-Amz-Security-Token"),
        algorithm,
        query["X-Amz-Date"],
        query.get("X-Amz-Expires", ""),
    )


def _parse_v2_header(request: HttpRequest, auth: str) -> Credential:
    access_key, colon, signature = auth[4:].strip().partition(":")
    if not colon or not access_key or not signature:
        raise errors.invalid_argument(
            "AWS authorization header is invalid.  Expected AwsAccessKeyId:signature"
        )
    return Credential(
        access_key, "", "", "s3", "", signature, False,
        request.headers.get("x-amz-security-token"), SIGV2,
    )  # fmt: skip


def _parse_v2_query(request: HttpRequest) -> Credential | None:
    query = request.query_dict()
    if "SignatureMethod" in query or "SignatureVersion" in query:
        return None  # SigV2 of the query protocol (SimpleDB era): not supported
    access_key = query.get("AWSAccessKeyId", "")
    signature = query.get("Signature", "")
    expires = query.get("Expires", "")
    if not (access_key and signature and expires):
        raise errors.access_denied(
            "Query-string authentication requires the Signature, Expires and AWSAccessKeyId "
            "parameters"
        )
    # A raw "+" in base64 reads as a space after form decoding.
    signature = signature.replace(" ", "+")
    return Credential(
        access_key, "", "", "s3", "", signature, True,
        query.get("x-amz-security-token"), SIGV2, "", expires,
    )  # fmt: skip


# --- verification --------------------------------------------------------------------


def verify(
    request: HttpRequest,
    credential: Credential,
    secret_key: str,
    *,
    now: datetime,
    protocol: str | None = None,
) -> None:
    """Raise AWS's error unless `credential`'s signature over `request` is valid now.

    `protocol` is the service's botocore protocol when known; it picks the error codes
    (S3, query and json services each spell them differently).
    """
    dialect = dialect_for(credential.service, protocol)
    if credential.algorithm == SIGV2:
        from lenticular.aws import sigv2

        sigv2.verify(request, credential, secret_key, now=now, dialect=dialect)
        return
    timestamp = _request_timestamp(request, credential, dialect)
    _check_scope_date(credential, timestamp, dialect)
    _check_time(credential, timestamp, now.timestamp(), dialect)
    if credential.algorithm == SIGV4A:
        return  # ECDSA verification needs an elliptic-curve library; not checked (yet)
    s3 = credential.service in S3_SERVICES
    payload = payload_hash(request, credential, s3)
    string_to_sign = ""
    canonical = ""
    for canonical in canonical_requests(request, credential, payload, s3):
        string_to_sign = _string_to_sign(credential, timestamp, canonical)
        key = signing_key(secret_key, credential.date, credential.region, credential.service)
        expected = hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()
        if hmac.compare_digest(expected, credential.signature.lower()):
            break
    else:
        raise errors.signature_mismatch(
            dialect, _mismatch_fields(credential, string_to_sign, canonical) if s3 else None
        )
    if s3 and len(payload) == 64 and not credential.presigned:
        computed = hashlib.sha256(request.body).hexdigest()
        if computed != payload.lower():
            raise errors.payload_hash_mismatch(payload, computed)


def check_request_time(
    request: HttpRequest, credential: Credential, *, now: datetime, protocol: str | None = None
) -> None:
    """Raise AWS's error if a SigV4 request is signed too far from `now` (the check AWS
    makes before it looks the access key up, so a stale request with an unknown key is
    refused as stale)."""
    if credential.algorithm != SIGV4:
        return
    dialect = dialect_for(credential.service, protocol)
    timestamp = _request_timestamp(request, credential, dialect)
    _check_time(credential, timestamp, now.timestamp(), dialect)


@lru_cache(maxsize=1024)
def signing_key(secret_key: str, date: str, region: str, service: str) -> bytes:
    """SigV4's derived key: HMAC chain over date, region, service and "aws4_request"."""
    key = hmac.new(f"AWS4{secret_key}".encode(), date.encode(), hashlib.sha256).digest()
    key = hmac.new(key, region.encode(), hashlib.sha256).digest()
    key = hmac.new(key, service.encode(), hashlib.sha256).digest()
    return hmac.new(key, b"aws4_request", hashlib.sha256).digest()


def _string_to_sign(credential: Credential, timestamp: str, canonical: str) -> str:
    scope = f"{credential.date}/{credential.region}/{credential.service}/aws4_request"
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    return f"{SIGV4}\n{timestamp}\n{scope}\n{digest}"


def _mismatch_fields(credential: Credential, string_to_sign: str, canonical: str) -> dict:
    """What S3 sends back with SignatureDoesNotMatch, to help debug a client's signer."""
    return {
        "AWSAccessKeyId": credential.access_key,
        "StringToSign": string_to_sign,
        "SignatureProvided": credential.signature,
        "StringToSignBytes": " ".join(f"{b:02x}" for b in string_to_sign.encode()),
        "CanonicalRequest": canonical,
        "CanonicalRequestBytes": " ".join(f"{b:02x}" for b in canonical.encode()),
    }


# --- time ----------------------------------------------------------------------------


def _request_timestamp(request: HttpRequest, credential: Credential, dialect: str) -> str:
    """The signing time as YYYYMMDD'T'HHMMSS'Z', from X-Amz-Date or else the Date header."""
    timestamp = credential.timestamp
    if not timestamp:
        parsed = parsedate_tz(request.headers.get("date", ""))
        if parsed is None:
            raise _bad_date(credential, dialect, request.headers.get("date", ""))
        epoch = calendar.timegm(parsed[:6]) - (parsed[9] or 0)
        return format_timestamp(epoch)
    if _parse_timestamp(timestamp) is None:
        raise _bad_date(credential, dialect, timestamp)
    return timestamp


def _bad_date(credential: Credential, dialect: str, value: str) -> ServiceError:
    if dialect == "s3":
        if credential.presigned:
            return errors.query_parameters_error(
                dialect, "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\""
            )
        return errors.access_denied("AWS authentication requires a valid Date or x-amz-date header")
    return errors.incomplete_signature(
        dialect,
        f"Date must be in ISO-8601 'basic format'. Got '{value}'. "
        "See http://en.wikipedia.org/wiki/ISO_8601",
    )


def _parse_timestamp(timestamp: str) -> int | None:
    """Epoch seconds of a YYYYMMDD'T'HHMMSS'Z' timestamp, None when malformed."""
    if len(timestamp) != 16 or timestamp[8] != "T" or timestamp[15] != "Z":
        return None
    digits = timestamp[:8] + timestamp[9:15]
    if not digits.isdigit():
        return None
    y, mo, d = int(digits[:4]), int(digits[4:6]), int(digits[6:8])
    h, mi, s = int(digits[8:10]), int(digits[10:12]), int(digits[12:14])
    if not (1 <= mo <= 12 and 1 <= d <= 31 and h < 24 and mi < 60 and s < 61):
        return None
    return calendar.timegm((y, mo, d, h, mi, s))


def format_timestamp(epoch: float) -> str:
    """YYYYMMDD'T'HHMMSS'Z', SigV4's timestamp format."""
    return _utc(epoch).strftime("%Y%m%dT%H%M%SZ")


def iso_time(epoch: float) -> str:
    """2026-01-01T00:00:00Z, the format of S3's ServerTime and Expires error fields."""
    return _utc(epoch).strftime("%Y-%m-%dT%H:%M:%SZ")


def _utc(epoch: float) -> datetime:
    return datetime.fromtimestamp(int(epoch), UTC)


def _check_scope_date(credential: Credential, timestamp: str, dialect: str) -> None:
    if credential.date == timestamp[:8]:
        return
    if dialect == "s3":
        detail = (
            f'Invalid credential date "{credential.date}". '
            f'This date is not the same as X-Amz-Date: "{timestamp[:8]}".'
        )
        if credential.presigned:
            raise errors.query_parameters_error(dialect, detail)
        raise errors.incomplete_signature(
            dialect, "The authorization header is malformed; " + detail
        )
    raise errors.signature_rejected(
        dialect,
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from "
        f"HTTP: '{credential.date}' != '{timestamp[:8]}', from '{timestamp}'.",
    )


def _check_time(credential: Credential, timestamp: str, now: float, dialect: str) -> None:
    signed_at = _parse_timestamp(timestamp)
    assert signed_at is not None  # _request_timestamp checked it
    if credential.presigned and (credential.expires or dialect == "s3"):
        expires = _presign_expiry(credential.expires, dialect)
        if now > signed_at + expires:
            if dialect == "s3":
                raise errors.request_expired(
                    {
                        "X-Amz-Expires": str(expires),
                        "Expires": iso_time(signed_at + expires),
                        "ServerTime": iso_time(now),
                    }
                )
            raise errors.signature_rejected(
                dialect,
                f"Signature expired: {timestamp} is now earlier than "
                f"{format_timestamp(now - expires)} ({format_timestamp(now)} - {expires} sec.)",
            )
    elif now - signed_at > MAX_SKEW_SECONDS:
        if dialect == "s3":
            raise errors.request_time_too_skewed(timestamp, iso_time(now))
        raise errors.signature_rejected(
            dialect,
            f"Signature expired: {timestamp} is now earlier than "
            f"{format_timestamp(now - MAX_SKEW_SECONDS)} ({format_timestamp(now)} - 15 min.)",
        )
    if signed_at - now > MAX_SKEW_SECONDS:
        if dialect != "s3":
            raise errors.signature_rejected(
                dialect,
                f"Signature not yet current: {timestamp} is still later than "
                f"{format_timestamp(now + MAX_SKEW_SECONDS)} ({format_timestamp(now)} + 15 min.)",
            )
        if credential.presigned:
            raise errors.request_expired(
                {"X-Amz-Date": timestamp, "ServerTime": iso_time(now)},
                "Request is not yet valid",
            )
        raise errors.request_time_too_skewed(timestamp, iso_time(now))


def _presign_expiry(value: str, dialect: str) -> int:
    try:
        expires = int(value)
    except ValueError:
        raise errors.query_parameters_error(dialect, "X-Amz-Expires should be a number") from None
    if expires < 0:
        raise errors.query_parameters_error(dialect, "X-Amz-Expires must be non-negative")
    if expires > MAX_PRESIGN_SECONDS:
        raise errors.query_parameters_error(
            dialect,
            "X-Amz-Expires must be less than a week (in seconds); that is, the given "
            "X-Amz-Expires must be less than 604800 seconds",
        )
    return expires
