"""Amazon API Gateway HTTP APIs over the wire (botocore "apigatewayv2", rest-json), and the
data plane that serves their stages (`gateway.HttpGateway`, reached through
`lenticular.services.apigateway.routes`, which hands it the ids REST APIs do not own).

Stage URLs: the `$default` stage at `http://{apiId}.execute-api.localhost:4566/{path}`,
a named stage at `.../{stage}/{path}`; or `http://localhost:4566/_aws/execute-api/{apiId}/...`.
API ids are unique across REST and HTTP APIs.

Limitations versus AWS:
- Implemented: Create/Get/Update/Delete Api and GetApis (HTTP only: WEBSOCKET answers
  BadRequestException saying lenticular does not serve WebSocket APIs yet), quick create
  (Target + RouteKey: a managed route, integration and auto-deploying `$default` stage;
  UpdateApi's Target/RouteKey change them),
  DeleteCorsConfiguration; Create/Get/Update/Delete Route, Integration, Authorizer,
  Deployment and Stage and their list operations; DeleteRouteSettings,
  DeleteAccessLogSettings, ResetAuthorizersCache; TagResource/UntagResource/GetTags for
  APIs and stages; ImportApi and ReimportApi from OpenAPI (`composer`, `openapi`: routes,
  integrations, authorizers, security scopes, CORS, tags; Basepath ignore/prepend).
  Everything else (route and integration responses, models, domain names and API
  mappings, VPC links, ExportApi, portals, routing rules) answers NotImplemented.
- Integrations: AWS_PROXY to Lambda (payload 1.0 and 2.0, in-process) and HTTP_PROXY
  (INTERNET connections; requestParameters append/overwrite/remove of headers and query
  strings and overwrite:path; responseParameters of headers and overwrite:statuscode per
  status). AWS service integrations (IntegrationSubtype) are stored and answer 500 when
  invoked; MOCK/AWS/HTTP types are refused as on AWS for HTTP APIs. CredentialsArn is
  recorded, not assumed. TlsConfig and VPC links are recorded only.
- Routing as AWS: a stage named by the first path segment, else `$default`, else 404
  `{"message":"Not Found"}`; routes by most specific path (literal over `{param}` over
  `{greedy+}`), then method over ANY, then `$default`.
- Authorizers: JWT (OpenID discovery at `{issuer}/.well-known/openid-configuration`,
  JWKS cached for 10 minutes and refetched once for an unknown kid; RS256/384/512 and
  ES256/384 signatures via joserfc; exp/nbf/iat with no leeway, iss, aud or client_id,
  route authorizationScopes against `scope`/`scp`; 401 Unauthorized / 403 Forbidden);
  Lambda REQUEST authorizers with payload 1.0 (IAM policy) or 2.0 (IAM policy, or simple
  `{isAuthorized, context}` responses), identity sources `$request.header.*`,
  `$request.querystring.*`, `$context.*`, `$stageVariables.*`, and a result cache keyed by
  identity values for AuthorizerResultTtlInSeconds. AWS_IAM routes need a SigV4 signature
  for execute-api from a known principal (403 `{"message":"Forbidden"}` unsigned; the
  caller in requestContext.authorizer.iam / identity); IAM policies are not evaluated. API
  keys do not exist for HTTP APIs.
- CORS: with a CorsConfiguration, preflight OPTIONS (Origin + Access-Control-Request-Method)
  is answered 204 by the gateway before routing and authorization; the integration's own
  Access-Control-* headers are dropped and the API's Allow-Origin/-Credentials and
  Expose-Headers added when the origin is allowed (`*` and `https://*.x` patterns).
- Throttling: a token bucket per stage and route, its limits from DefaultRouteSettings
  overridden field by field by RouteSettings[routeKey], plus the account's 10000/5000,
  in memory; 429 `{"message":"Too Many Requests"}`.
- Access logs: the REST writer (`apigateway.access_log`), `$context.*` variables of HTTP
  APIs (requestId, routeKey, status, httpMethod, path, protocol, sourceIp, stage,
  integrationStatus, integrationLatency, responseLatency, responseLength, authorizer.*,
  error.message ...). Metrics, data traces and execution logs are not produced.
- Integration timeouts answer 503 `{"message":"Service Unavailable"}`; a failing function
  or an unparsable reply 500 `{"message":"Internal Server Error"}`.
- Request bodies are base64-encoded in events unless their Content-Type is text
  (text/*, or a JSON, XML or JavaScript type); AWS's own rule may differ in edge cases.
- Deployments freeze routes, integrations, authorizers and CORS; DisableExecuteApiEndpoint
  takes effect at once (403 `{"message":"Forbidden"}` on the execute-api endpoint).
- Choices where AWS's documentation is silent: deleting an integration or authorizer a
  route still uses answers ConflictException; a REQUEST authorizer's
  AuthorizerResultTtlInSeconds defaults to 0; a failing authorizer function (whatever it
  raised) answers 500; the Lambda authorizer's context reaches 1.0 and 2.0 events as
  `requestContext.authorizer.lambda`; a 2.0 reply whose `body` is not a string is sent
  as JSON.
- rawPath and requestContext.http.path are the path as sent (percent-encoded, the named
  stage included); path parameters are decoded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lenticular.services.apigatewayv2.apis import HttpApiEngine
from lenticular.services.apigatewayv2.composer import ApiComposer
from lenticular.services.apigatewayv2.definitions import DefinitionEngine
from lenticular.services.apigatewayv2.errors import BadRequestException
from lenticular.services.apigatewayv2.gateway import HttpGateway
from lenticular.services.apigatewayv2.stages import StageEngine
from lenticular.services.apigatewayv2.store import MIGRATIONS, HttpApiStore

if TYPE_CHECKING:
    from lenticular.context import RequestContext
    from lenticular.services.registry import ServiceRegistry

Params = dict[str, Any]


def page(items: list[Params], params: Params) -> Params:
    """One page by MaxResults/NextToken (the token: the index to start at)."""
    raw_max = params.get("MaxResults")
    start = 0
    try:
        limit = int(raw_max) if raw_max is not None else 100
        if params.get("NextToken"):
            start = int(params["NextToken"])
    except ValueError:
        raise BadRequestException("Invalid MaxResults or NextToken") from None
    if limit < 1 or start < 0:
        raise BadRequestException("Invalid MaxResults or NextToken")
    out: Params = {"Items": items[start : start + limit]}
    if start + limit < len(items):
        out["NextToken"] = str(start + limit)
    return out


class ApiGatewayV2Provider:
    def __init__(self, registry: ServiceRegistry) -> None:
        store = HttpApiStore(registry.data_dir.database("apigatewayv2", MIGRATIONS))
        port = registry.config.port
        self.gateway = HttpGateway(store, registry)  # the data plane
        self.stages = StageEngine(store, self._require, self.gateway.forget)
        self.apis = HttpApiEngine(
            store, lambda api_id: f"http://{api_id}.execute-api.localhost:{port}",
            lambda api_id: _rest_api_exists(registry, api_id), self.stages.auto_deploy,
        )  # fmt: skip
        self.definitions = DefinitionEngine(store, self._require, self.stages.auto_deploy)
        self.composer = ApiComposer(self.apis, self.definitions, self.stages)

    def _require(self, account_id: str, region: str, api_id: str) -> Params:
        return self.apis.require(account_id, region, api_id)

    # -- APIs -----------------------------------------------------------------------------

    def create_api(self, ctx: RequestContext, params: Params) -> Params:
        return self.composer.create(ctx.account_id, ctx.region, params)

    def import_api(self, ctx: RequestContext, params: Params) -> Params:
        return self.composer.import_api(ctx.account_id, ctx.region, params)

    def reimport_api(self, ctx: RequestContext, params: Params) -> Params:
        return self.composer.reimport_api(ctx.account_id, ctx.region, params)

    def get_api(self, ctx: RequestContext, params: Params) -> Params:
        return self.apis.get(ctx.account_id, ctx.region, params["ApiId"])

    def get_apis(self, ctx: RequestContext, params: Params) -> Params:
        return page(self.apis.list(ctx.account_id, ctx.region), params)

    def update_api(self, ctx: RequestContext, params: Params) -> Params:
        return self.composer.update(ctx.account_id, ctx.region, params)

    def delete_api(self, ctx: RequestContext, params: Params) -> Params:
        self.apis.delete(ctx.account_id, ctx.region, params["ApiId"])
        return {}

    def delete_cors_configuration(self, ctx: RequestContext, params: Params) -> Params:
        self.apis.delete_cors(ctx.account_id, ctx.region, params["ApiId"])
        return {}

    # -- routes, integrations, authorizers ------------------------------------------------

    def create_route(self, ctx: RequestContext, params: Params) -> Params:
        return self.definitions.create_route(ctx.account_id, ctx.region, params)

    def get_route(self, ctx: RequestContext, params: Params) -> Params:
        return self.definitions.get_route(
            ctx.account_id, ctx.region, params["ApiId"], params["RouteId"]
        )

    def get_routes(self, ctx: RequestContext, params: Params) -> Params:
        items = self.definitions.list(ctx.account_id, ctx.region, params["ApiId"], "route")
        return page(items, params)

    def update_route(self, ctx: RequestContext, params: Params) -> Params:
        return self.definitions.update_route(ctx.account_id, ctx.region, params)

    def delete_route(self, ctx: RequestContext, params: Params) -> Params:
        self.definitions.delete_route(
            ctx.account_id, ctx.region, params["ApiId"], params["RouteId"]
        )
        return {}

    def create_integration(self, ctx: RequestContext, params: Params) -> Params:
        return self.definitions.create_integration(ctx.account_id, ctx.region, params)

    def get_integration(self, ctx: RequestContext, params: Params) -> Params:
        return self.definitions.get_integration(
            ctx.account_id, ctx.region, params["ApiId"], params["IntegrationId"]
        )

    def get_integrations(self, ctx: RequestContext, params: Params) -> Params:
        items = self.definitions.list(ctx.account_id, ctx.region, params["ApiId"], "integration")
        return page(items, params)

    def update_integration(self, ctx: RequestContext, params: Params) -> Params:
        return self.definitions.update_integration(ctx.account_id, ctx.region, params)

    def delete_integration(self, ctx: RequestContext, params: Params) -> Params:
        self.definitions.delete_integration(
            ctx.account_id, ctx.region, params["ApiId"], params["IntegrationId"]
        )
        return {}

    def create_authorizer(self, ctx: RequestContext, params: Params) -> Params:
        return self.definitions.create_authorizer(ctx.account_id, ctx.region, params)

    def get_authorizer(self, ctx: RequestContext, params: Params) -> Params:
        return self.definitions.get_authorizer(
            ctx.account_id, ctx.region, params["ApiId"], params["AuthorizerId"]
        )

    def get_authorizers(self, ctx: RequestContext, params: Params) -> Params:
        items = self.definitions.list(ctx.account_id, ctx.region, params["ApiId"], "authorizer")
        return page(items, params)

    def update_authorizer(self, ctx: RequestContext, params: Params) -> Params:
        return self.definitions.update_authorizer(ctx.account_id, ctx.region, params)

    def delete_authorizer(self, ctx: RequestContext, params: Params) -> Params:
        self.definitions.delete_authorizer(
            ctx.account_id, ctx.region, params["ApiId"], params["AuthorizerId"]
        )
        return {}

    def reset_authorizers_cache(self, ctx: RequestContext, params: Params) -> Params:
        self.stages.get_stage(ctx.account_id, ctx.region, params["ApiId"], params["StageName"])
        self.gateway.reset_authorizer_cache(params["ApiId"])
        return {}

    # -- deployments and stages -----------------------------------------------------------

    def create_deployment(self, ctx: RequestContext, params: Params) -> Params:
        return self.stages.create_deployment(ctx.account_id, ctx.region, params)

    def get_deployment(self, ctx: RequestContext, params: Params) -> Params:
        return self.stages.get_deployment(
            ctx.account_id, ctx.region, params["ApiId"], params["DeploymentId"]
        )

    def get_deployments(self, ctx: RequestContext, params: Params) -> Params:
        items = self.stages.list_deployments(ctx.account_id, ctx.region, params["ApiId"])
        return page(items, params)

    def update_deployment(self, ctx: RequestContext, params: Params) -> Params:
        return self.stages.update_deployment(ctx.account_id, ctx.region, params)

    def delete_deployment(self, ctx: RequestContext, params: Params) -> Params:
        self.stages.delete_deployment(
            ctx.account_id, ctx.region, params["ApiId"], params["DeploymentId"]
        )
        return {}

    def create_stage(self, ctx: RequestContext, params: Params) -> Params:
        return self.stages.create_stage(ctx.account_id, ctx.region, params)

    def get_stage(self, ctx: RequestContext, params: Params) -> Params:
        return self.stages.get_stage(
            ctx.account_id, ctx.region, params["ApiId"], params["StageName"]
        )

    def get_stages(self, ctx: RequestContext, params: Params) -> Params:
        return page(self.stages.list_stages(ctx.account_id, ctx.region, params["ApiId"]), params)

    def update_stage(self, ctx: RequestContext, params: Params) -> Params:
        return self.stages.update_stage(ctx.account_id, ctx.region, params)

    def delete_stage(self, ctx: RequestContext, params: Params) -> Params:
        self.stages.delete_stage(ctx.account_id, ctx.region, params["ApiId"], params["StageName"])
        return {}

    def delete_route_settings(self, ctx: RequestContext, params: Params) -> Params:
        self.stages.delete_route_settings(
            ctx.account_id, ctx.region, params["ApiId"], params["StageName"], params["RouteKey"]
        )
        return {}

    def delete_access_log_settings(self, ctx: RequestContext, params: Params) -> Params:
        self.stages.delete_access_log_settings(
            ctx.account_id, ctx.region, params["ApiId"], params["StageName"]
        )
        return {}

    # -- tags -----------------------------------------------------------------------------

    def get_tags(self, ctx: RequestContext, params: Params) -> Params:
        return {"Tags": self.apis.get_tags(ctx.account_id, ctx.region, params["ResourceArn"])}

    def tag_resource(self, ctx: RequestContext, params: Params) -> Params:
        self.apis.tag(ctx.account_id, ctx.region, params["ResourceArn"], params.get("Tags") or {})
        return {}

    def untag_resource(self, ctx: RequestContext, params: Params) -> Params:
        self.apis.untag(ctx.account_id, ctx.region, params["ResourceArn"], params["TagKeys"])
        return {}


def _rest_api_exists(registry: Any, api_id: str) -> bool:
    """Whether a REST API has this id (ids are one namespace on the execute-api host)."""
    rest = registry.get("apigateway")
    return rest is not None and rest.gateway.store.get_api(api_id) is not None
