"""STS over the wire: GetCallerIdentity, AssumeRole, GetSessionToken.

Limitations versus AWS:
- No IAM evaluation: any caller may assume any role ARN of a well-formed shape; the
  role's trust policy, `ExternalId`, MFA (`SerialNumber`/`TokenCode`) and session policies
  are accepted and not enforced. `DurationSeconds` is bounded by the API's limits, not by
  the role's MaxSessionDuration (there is no IAM role to read it from yet).
- AssumeRoleWithWebIdentity/SAML, DecodeAuthorizationMessage, GetFederationToken and
  GetAccessKeyInfo answer NotImplemented.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from lenticular.aws.accounts import Identity
from lenticular.services.sts import engine
from lenticular.services.sts.store import MIGRATIONS, StsStore, TemporaryCredentials

if TYPE_CHECKING:
    from lenticular.context import RequestContext
    from lenticular.services.registry import ServiceRegistry


class StsProvider:
    def __init__(self, registry: ServiceRegistry) -> None:
        self.store = StsStore(registry.data_dir.database("sts", MIGRATIONS))

    # -- for the account directory -------------------------------------------------------

    def resolve(self, access_key: str) -> Identity | None:
        creds = self.store.get(access_key)
        if creds is None:
            return None
        return Identity(
            access_key=creds.access_key,
            secret_key=creds.secret_key,
            account_id=creds.account_id,
            arn=creds.arn,
            user_id=creds.user_id,
            session_token=creds.session_token,
            expires_at=datetime.fromtimestamp(creds.expires_at, UTC),
        )

    def role_credentials(
        self, role_arn: str, session_name: str, duration_seconds: int
    ) -> TemporaryCredentials:
        """Temporary credentials of `role_arn` for a service acting as it (Lambda's
        execution role), stored so that the server accepts them like AssumeRole's."""
        creds = engine.assumed_role(role_arn, session_name, duration_seconds)
        self.store.put(creds)
        return creds

    # -- operations ---------------------------------------------------------------------

    def get_caller_identity(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        identity = ctx.identity
        if identity is None:  # unsigned: AWS would refuse; answer for the default account
            account = ctx.account_id
            return {"UserId": account, "Account": account, "Arn": f"arn:aws:iam::{account}:root"}
        return {"UserId": identity.user_id, "Account": identity.account_id, "Arn": identity.arn}

    def assume_role(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        creds = engine.assumed_role(
            params["RoleArn"], params["RoleSessionName"], params.get("DurationSeconds", 3600)
        )
        self.store.put(creds)
        result: dict[str, Any] = {
            "Credentials": _credentials(creds),
            "AssumedRoleUser": {"AssumedRoleId": creds.user_id, "Arn": creds.arn},
            "PackedPolicySize": 0,
        }
        if "SourceIdentity" in params:
            result["SourceIdentity"] = params["SourceIdentity"]
        return result

    def get_session_token(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        identity = ctx.identity
        account = ctx.account_id
        arn = identity.arn if identity is not None else f"arn:aws:iam::{account}:root"
        user_id = identity.user_id if identity is not None else account
        creds = engine.mint(account, arn, user_id, params.get("DurationSeconds", 43200))
        self.store.put(creds)
        return {"Credentials": _credentials(creds)}


def _credentials(creds: TemporaryCredentials) -> dict[str, Any]:
    return {
        "AccessKeyId": creds.access_key,
        "SecretAccessKey": creds.secret_key,
        "SessionToken": creds.session_token,
        "Expiration": datetime.fromtimestamp(creds.expires_at, UTC),
    }
