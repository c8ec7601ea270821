"""JWT authorizers of HTTP APIs: the token from the identity source (with or without
"Bearer "), its signature against the issuer's JSON Web Key Set (found through OpenID
discovery at `{issuer}/.well-known/openid-configuration`, fetched over HTTP and cached),
and its claims: exp, nbf, iat, iss, aud (or client_id when there is no aud) and the
route's authorization scopes against `scope`/`scp`. Signatures are checked by joserfc.
https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import urllib.request
from dataclasses import dataclass
from typing import Any

from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet

from lenticular.protocol.http import HttpResponse
from lenticular.services.apigatewayv2.responses import message

log = logging.getLogger(__name__)
Doc = dict[str, Any]
ALGORITHMS = ["RS256", "RS384", "RS512", "ES256", "ES384"]
JWKS_TTL_S = 600.0
REFETCH_AFTER_S = 10.0  # an unknown kid refetches the keys at most this often
FETCH_TIMEOUT_S = 5.0
_MAX_DOCUMENT = 1 << 20


@dataclass(slots=True)
class JwtResult:
    claims: Doc  # as the integration sees them (every value a string)
    scopes: list[str] | None


class _Rejected(Exception):
    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


def unauthorized(description: str = "") -> HttpResponse:
    response = message(401, "Unauthorized")
    detail = f' error_description="{description}"' if description else ""
    response.headers.append(("www-authenticate", f'Bearer scope="" error="invalid_token"{detail}'))
    return response


def forbidden(scopes: list[str]) -> HttpResponse:
    response = message(403, "Forbidden")
    wanted = " ".join(scopes)
    response.headers.append((
        "www-authenticate",
        f'Bearer scope="{wanted}" error="insufficient_scope" '
        f'error_description="expected scopes: [{wanted}]"',
    ))  # fmt: skip
    return response


def _get_json(url: str) -> Any:
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT_S) as response:  # noqa: S310
        return json.loads(response.read(_MAX_DOCUMENT))


def _fetch_keys(issuer: str) -> KeySet:
    discovery = _get_json(issuer.rstrip("/") + "/.well-known/openid-configuration")
    jwks_uri = discovery.get("jwks_uri") if isinstance(discovery, dict) else None
    if not isinstance(jwks_uri, str):
        raise ValueError("the issuer's openid-configuration has no jwks_uri")
    return KeySet.import_key_set(_get_json(jwks_uri))


def claim_text(value: Any) -> str:
    """A claim as API Gateway hands it on: strings as they are, lists as "[a b]"."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + " ".join(claim_text(v) for v in value) + "]"
    if isinstance(value, dict):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


class JwtVerifier:
    """Key sets by issuer, fetched on first use and kept for JWKS_TTL_S."""

    def __init__(self) -> None:
        self._keys: dict[str, tuple[float, KeySet]] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def _key_set(self, issuer: str, refresh: bool = False) -> KeySet:
        now = time.monotonic()
        cached = self._keys.get(issuer)
        if cached is not None and now - cached[0] < JWKS_TTL_S:
            if not refresh or now - cached[0] < REFETCH_AFTER_S:
                return cached[1]
        lock = self._locks.setdefault(issuer, asyncio.Lock())
        async with lock:
            again = self._keys.get(issuer)
            if again is not None and again is not cached:
                return again[1]
            keys = await asyncio.to_thread(_fetch_keys, issuer)
            self._keys[issuer] = (time.monotonic(), keys)
            if len(self._keys) > 1000:  # bounded: drop the oldest issuer
                oldest = min(self._keys, key=lambda k: self._keys[k][0])
                del self._keys[oldest]
            return keys

    async def _decode(self, token: str, issuer: str) -> Any:
        try:
            return jwt.decode(token, await self._key_set(issuer), algorithms=ALGORITHMS)
        except InvalidKeyIdError:  # keys may have rotated: look once more
            return jwt.decode(token, await self._key_set(issuer, True), algorithms=ALGORITHMS)

    async def authorize(self, authorizer: Doc, token: str | None, scopes: list[str]
                        ) -> JwtResult | HttpResponse:  # fmt: skip
        """The token's claims if it is valid for this authorizer and route, else the 401
        or 403 AWS answers."""
        if not token:
            return unauthorized()
        if token[:7].lower() == "bearer ":
            token = token[7:].strip()
        config = authorizer.get("JwtConfiguration") or {}
        issuer = config.get("Issuer", "")
        try:
            decoded = await self._decode(token, issuer)
            claims = decoded.claims
            _check_claims(claims, issuer, config.get("Audience") or [])
        except _Rejected as rejected:
            return unauthorized(rejected.description)
        except JoseError as error:
            return unauthorized(f"signature or format invalid: {error.error}")
        except (OSError, ValueError) as error:
            log.info("JWT authorizer could not get the keys of %s: %s", issuer, error)
            return unauthorized("signing keys unavailable")
        granted = _scopes_of(claims)
        if scopes and not set(scopes) & set(granted or []):
            return forbidden(scopes)
        return JwtResult({k: claim_text(v) for k, v in claims.items()}, granted)


def _scopes_of(claims: Doc) -> list[str] | None:
    raw = claims.get("scope", claims.get("scp"))
    if isinstance(raw, str):
        return raw.split()
    if isinstance(raw, list):
        return [str(s) for s in raw]
    return None


def _check_claims(claims: Doc, issuer: str, audience: list[str]) -> None:
    now = time.time()
    if claims.get("iss") != issuer:
        raise _Rejected("the token has an invalid issuer")
    aud = claims.get("aud")
    presented = aud if isinstance(aud, list) else [aud] if aud is not None else []
    if aud is None and "client_id" in claims:
        presented = [claims["client_id"]]
    if not set(map(str, presented)) & set(audience):
        raise _Rejected("the token does not have a valid audience")
    exp = claims.get("exp")
    if not isinstance(exp, (int, float)) or exp <= now:
        raise _Rejected("the token has expired")
    nbf = claims.get("nbf")
    if nbf is not None and (not isinstance(nbf, (int, float)) or nbf > now):
        raise _Rejected("the token is not valid yet")
    iat = claims.get("iat")
    if iat is not None and (not isinstance(iat, (int, float)) or iat > now):
        raise _Rejected("the token was issued in the future")
