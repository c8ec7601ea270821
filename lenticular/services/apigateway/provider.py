"""Amazon API Gateway REST APIs over the wire (botocore "apigateway", rest-json), and the
execute-api data plane that serves their stages (`invoke.Gateway`, reached through
`routes.handle_execute_api`).

Stage URLs: `http://{apiId}.execute-api.localhost:4566/{stage}/...` and
`http://localhost:4566/_aws/execute-api/{apiId}/{stage}/...`.

Limitations versus AWS:
- Implemented: Create/Get/Update/Delete RestApi and GetRestApis; Create/Get/Update/Delete
  Resource and GetResources (embed=methods); Put/Get/Update/Delete Method, MethodResponse,
  Integration and IntegrationResponse (Update* in `updates`); Create/Get/Delete Deployment and GetDeployments
  (embed=apisummary); Create/Get/Update/Delete Stage, GetStages and FlushStageCache;
  Create/Get/Update/Delete Authorizer, GetAuthorizers and TestInvokeAuthorizer (TOKEN and REQUEST; COGNITO_USER_POOLS
  ones are stored and enforced through `user_pool_auth`); Create/Get/Update/Delete ApiKey and GetApiKeys;
  Create/Get/Update/Delete UsagePlan and GetUsagePlans; Create/Get/Delete UsagePlanKey and
  GetUsagePlanKeys; GetUsage; ImportRestApi and PutRestApi from OpenAPI (`openapi`); GetExport (`export`);
  Create/Get/Update/Delete Model, GetModels and GetModelTemplate, Create/Get/Update/Delete
  RequestValidator and GetRequestValidators (`models_validators`); Put/Get/Update/Delete
  GatewayResponse and GetGatewayResponses (`gateway_responses`).
  Everything else (ImportApiKeys, UpdateUsage, tags, domain
  names, VPC links, ...) answers NotImplemented.
- UpdateRestApi patches name, description, version, policy, apiKeySource,
  minimumCompressionSize, disableExecuteApiEndpoint, binaryMediaTypes and the endpoint
  type; UpdateStage patches description, deploymentId, variables, tracing/cache flags,
  access log settings and method settings (throttling and caching ones are enforced).
- Invocation: route match (literal over `{param}` over `{proxy+}`, ANY), then the
  integration: AWS_PROXY to Lambda (payload format 1.0, in-process), HTTP_PROXY (over
  plain HTTP from the server; path parameters and stage variables substituted in the
  URI), and the non-proxy MOCK, HTTP and AWS integrations with VTL mapping templates
  (`vtl`, on airspeed). AWS integrations reach DynamoDB actions
  (`...:dynamodb:action/PutItem` etc., any DynamoDB operation, in-process through its
  wire model) and Lambda (`...:lambda:path/2015-03-31/functions/{arn}/invocations`);
  other AWS services answer 500 saying they are not implemented yet. The integration's
  `credentials` role is recorded, not assumed. Lambda's X-Amz-Invocation-Type (async
  invoke) is not honoured; binary payloads and contentHandling (CONVERT_TO_BINARY/TEXT) of
  non-proxy integrations follow AWS's conversion tables (`content_handling`).
- Mapping: request templates chosen by Content-Type (application/json when absent) with
  the WHEN_NO_MATCH / WHEN_NO_TEMPLATES / NEVER passthrough behaviours (415 "Unsupported
  Media Type"); response templates by the client's Accept, else application/json, else
  the first; integration responses chosen by `selectionPattern` (a full match) against
  the status code, or a Lambda error's errorMessage (a Lambda success takes the
  default); request/response parameter mapping from method request parameters,
  integration response headers, body JSONPaths, static values, stage variables and
  context; `$context.responseOverride` status and headers. VTL differences: Velocity
  1.7 semantics are emulated on airspeed (Java-style printing, null renders as "",
  Velocity truth and `==`, common Java String/List/Map methods), but exotic Java
  methods, `#evaluate` of generated text, and Velocity's keep-old-value rule for
  `#set` to null are not; `$input.json`/`$input.path` support the JSONPath subset `$`,
  `.a`, `['a']`, `[n]`, `[*]` (no filters or `..`); a header name in
  `$input.params().header` is lower-case.
- Gates before the integration (`gates`): API key (x-api-key, or the authorizer's
  usageIdentifierKey when apiKeySource is AUTHORIZER; the key must be enabled and in a
  usage plan listing the API stage, else 403 Forbidden), Lambda authorizers (identity
  sources, validation regex, result cache by identity values for the TTL, policy checked
  against each request's method ARN; 401/403/500 with AWS's bodies; context stringified
  into requestContext.authorizer and `$context.authorizer`), then token-bucket
  throttling at account (10000/5000), stage (`*/*`) and method level from the stage's
  method settings and per key from its usage plan, and plan quotas (429 "Too Many
  Requests" / "Limit Exceeded"). Authorizers are deployed with the API (redeploy after
  changing one). Buckets, quotas, GetUsage counts and the authorizer cache live in
  memory (they restart with the server); per-method throttles inside a plan's apiStages
  are recorded, not enforced; the authorizer timeout is fixed at 30 s.
- AWS_IAM methods (`iam_auth`) require a SigV4 signature for execute-api and the API's
  region by a key lenticular knows (test/test, LENTICULAR_CREDENTIALS, STS), checked
  whatever --verify-signatures says, and fill requestContext.identity (accessKey,
  accountId, caller, user, userArn); IAM policies are not evaluated. COGNITO_USER_POOLS
  methods answer 401 without the identity header and 500 AuthorizerConfigurationException
  with one: lenticular serves no Cognito yet (`user_pool_auth` is the hook).
- Access logs (`access_log`): with a stage's accessLogSettings (a CloudWatch Logs group
  ARN and a format), each request to the stage, routed or not, writes one line with its
  `$context.*` variables substituted ("-" when absent) to the group, in one stream per
  API and stage (32 hex digits), buffered and written ~100 ms later; lines for a group
  that does not exist are dropped; Firehose destinations are not written to.
  `$context.integrationStatus` is the backend's status for HTTP integrations and 200 for
  a Lambda/AWS call that answered (none for MOCK); `$context.error.*` comes from the
  error's gateway response type (`response_types`). Execution logs (`execution_log`): with a method
  setting's loggingLevel INFO or ERROR (and dataTraceEnabled), AWS's lines go to
  `API-Gateway-Execution-Logs_{apiId}/{stage}`, created on first write; the endpoint
  request/response and the key, plan and authorizer steps are not logged.
- Caching (`cache`): with the stage's cacheClusterEnabled (its status is AVAILABLE at
  once) and a method setting's cachingEnabled (`*/*` applies to GET only; another method
  needs a setting of its own), responses are cached in memory after the gates for
  cacheTtlInSeconds (0 disables, at most 3600), keyed by method, resource path, path
  parameter values and the integration's cacheKeyParameters; only 2xx responses are kept,
  bounded by cacheClusterSize in bytes (least recently used out). `Cache-Control:
  max-age=0` refetches and replaces the entry; with requireAuthorizationForCacheControl
  only a SigV4-signed caller may (no IAM policy is evaluated), others get the
  unauthorizedCacheControlHeaderStrategy (403 Forbidden, or the header ignored, with a
  `Warning: 199 ...` header of lenticular's wording for SUCCEED_WITH_RESPONSE_HEADER).
  FlushStageCache empties a stage's cache; disabling or deleting the stage's cache
  cluster drops it. cacheDataEncrypted is recorded only.
- Metrics (`metrics`): AWS/ApiGateway Count, 4XXError, 5XXError, Latency,
  IntegrationLatency and CacheHitCount/CacheMissCount by ApiName, ApiName+Stage and, with
  metricsEnabled, ApiName+Method+Resource+Stage, written about once a second.
- Models are JSON Schema draft 4 (checked on create; `$ref`s between models by their
  canonical URLs); every new API has the Empty and Error models. Request validation
  (`request_validation`), after authorization and before throttling: a method's request
  validator checks its required parameters (400 "Missing required request parameters:
  [a, b]") and its body against the model of its Content-Type (400 "Invalid request
  body"), with the details in `$context.error.validationErrorString`.
- Gateway responses (`gateway_responses`): every error API Gateway makes itself (routing,
  gates, validation, mapping, integration failures and timeouts) carries its response
  type (`response_types`) and goes through the deployed gateway response of that type,
  else DEFAULT_4XX/DEFAULT_5XX: status override, `gatewayresponse.header.*` mappings
  (static, method request parameters, context, stage variables) and non-VTL templates
  with `$context`/`$stageVariables` substituted. Models, validators and gateway
  responses are deployed with the API (redeploy after changing them), as on AWS.
- Not enforced yet: canary settings.
- The proxy event's header names are lower-case (the server sees them so) and a header
  sent several times appears once, with its values joined by commas;
  `requestContext.identity.sourceIp` is the first X-Forwarded-For address or 127.0.0.1.
  `domainName` is the Host the request used.
- A request to an API id that does not exist answers 403 {"message": "Forbidden"}; an
  unknown stage or route answers 403 "Missing Authentication Token", as AWS does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lenticular.services.apigateway import export, openapi
from lenticular.services.apigateway.apis import RestApiEngine
from lenticular.services.apigateway.authorizers import AuthorizerEngine
from lenticular.services.apigateway.deployments import DeploymentEngine
from lenticular.services.apigateway.errors import BadRequestException
from lenticular.services.apigateway.gates import Gates
from lenticular.services.apigateway.gateway_responses import GatewayResponseEngine
from lenticular.services.apigateway.invoke import Gateway
from lenticular.services.apigateway.lambda_authorizer import test_invoke
from lenticular.services.apigateway.models_validators import ModelEngine
from lenticular.services.apigateway.store import MIGRATIONS, ApiGatewayStore
from lenticular.services.apigateway.updates import TreeUpdates
from lenticular.services.apigateway.usage_plans import UsagePlanEngine

if TYPE_CHECKING:
    from lenticular.context import RequestContext
    from lenticular.services.registry import ServiceRegistry

Params = dict[str, Any]
DEFAULT_LIMIT = 25
MAX_LIMIT = 500


def page(items: list[Params], params: Params) -> Params:
    """One page of `items` by GetXxx's position/limit (position: the index to start at)."""
    limit = params.get("limit") or DEFAULT_LIMIT
    if not 1 <= limit <= MAX_LIMIT:
        raise BadRequestException(f"Invalid limit specified. Must be between 1 and {MAX_LIMIT}")
    position = params.get("position")
    start = 0
    if position:
        if not position.isdigit():
            raise BadRequestException("Invalid position parameter")
        start = int(position)
    out: Params = {"items": items[start : start + limit]}
    if start + limit < len(items):
        out["position"] = str(start + limit)
    return out


class ApiGatewayProvider:
    def __init__(self, registry: ServiceRegistry) -> None:
        store = ApiGatewayStore(registry.data_dir.database("apigateway", MIGRATIONS))
        self.plans = UsagePlanEngine(store)
        self.gateway = Gateway(store, registry, Gates(self.plans, registry))  # the data plane
        self.apis = RestApiEngine(store, self.gateway.forget)
        self.deployments = DeploymentEngine(store, self.apis, self.gateway.forget)
        self.authorizers = AuthorizerEngine(store, self.apis)
        self.models = ModelEngine(store, self.apis)  # models and request validators
        self.gateway_responses = GatewayResponseEngine(store, self.apis)
        self._registry = registry
        self.tree_updates = TreeUpdates(self.apis)  # Update* of resources, methods, ...

    # -- REST APIs ------------------------------------------------------------------------

    def create_rest_api(self, ctx: RequestContext, params: Params) -> Params:
        api = self.apis.create_api(ctx.account_id, ctx.region, params)
        self.models.create_defaults(ctx.account_id, ctx.region, api["id"])  # Empty and Error
        if params.get("cloneFrom"):
            self.models.clone(ctx.account_id, ctx.region, params["cloneFrom"], api["id"])
        return api

    def get_rest_api(self, ctx: RequestContext, params: Params) -> Params:
        return self.apis.get_api(ctx.account_id, ctx.region, params["restApiId"])

    def get_rest_apis(self, ctx: RequestContext, params: Params) -> Params:
        return page(self.apis.list_apis(ctx.account_id, ctx.region), params)

    def update_rest_api(self, ctx: RequestContext, params: Params) -> Params:
        return self.apis.update_api(
            ctx.account_id, ctx.region, params["restApiId"], params.get("patchOperations") or []
        )

    def delete_rest_api(self, ctx: RequestContext, params: Params) -> Params:
        self.apis.delete_api(ctx.account_id, ctx.region, params["restApiId"])
        self.models.forget_api(params["restApiId"])
        return {}

    def import_rest_api(self, ctx: RequestContext, params: Params) -> Params:
        """A new REST API from an OpenAPI document (see `openapi` for what is imported)."""
        doc = openapi.parse_document(params["body"])
        api = self.create_rest_api(ctx, openapi.api_settings(doc))
        openapi.OpenApiImport(self, ctx, api["id"], doc).run()
        return self.get_rest_api(ctx, {"restApiId": api["id"]})

    def get_export(self, ctx: RequestContext, params: Params) -> Params:
        """A stage's deployed API as an OpenAPI document (see `export`)."""
        kind, media_type, extensions = export.export_options(params)
        api_id, stage_name = params["restApiId"], params["stageName"]
        stage = self.deployments.get_stage(ctx.account_id, ctx.region, api_id, stage_name)
        deployment = self.deployments.deployment(api_id, stage["deploymentId"])
        document = export.OpenApiExport(
            api_id, ctx.region, stage_name, deployment.snapshot, deployment.created, kind,
            extensions,
        ).document()  # fmt: skip
        suffix = "yaml" if media_type == "application/yaml" else "json"
        return {
            "contentType": media_type,
            "contentDisposition": f'attachment; filename="{kind}_{deployment.id}.{suffix}"',
            "body": export.render(document, media_type),
        }

    def put_rest_api(self, ctx: RequestContext, params: Params) -> Params:
        """Merge (the default) or overwrite an existing REST API from an OpenAPI document."""
        doc = openapi.parse_document(params["body"])
        mode = (params.get("mode") or "merge").lower()
        importer = openapi.OpenApiImport(self, ctx, params["restApiId"], doc)
        if mode == "overwrite":
            importer.clear()
        importer.run()
        return self.get_rest_api(ctx, {"restApiId": params["restApiId"]})

    # -- resources ------------------------------------------------------------------------

    def create_resource(self, ctx: RequestContext, params: Params) -> Params:
        return self.apis.create_resource(
            ctx.account_id, ctx.region, params["restApiId"], params["parentId"], params["pathPart"]
        )

    def get_resources(self, ctx: RequestContext, params: Params) -> Params:
        resources = self.apis.list_resources(ctx.account_id, ctx.region, params["restApiId"])
        embed = "methods" in (params.get("embed") or [])
        return page([_resource(r, embed) for r in resources], params)

    def get_resource(self, ctx: RequestContext, params: Params) -> Params:
        resource = self.apis.get_resource(
            ctx.account_id, ctx.region, params["restApiId"], params["resourceId"]
        )
        return _resource(resource, "methods" in (params.get("embed") or []))

    def delete_resource(self, ctx: RequestContext, params: Params) -> Params:
        self.apis.delete_resource(
            ctx.account_id, ctx.region, params["restApiId"], params["resourceId"]
        )
        return {}

    # -- methods and integrations ---------------------------------------------------------

    def put_method(self, ctx: RequestContext, params: Params) -> Params:
        self.models.check_method(ctx.account_id, ctx.region, params)  # validator and models
        return self.apis.put_method(ctx.account_id, ctx.region, params)

    def get_method(self, ctx: RequestContext, params: Params) -> Params:
        return self.apis.get_method(
            ctx.account_id, ctx.region, params["restApiId"], params["resourceId"],
            params["httpMethod"],
        )  # fmt: skip

    def delete_method(self, ctx: RequestContext, params: Params) -> Params:
        self.apis.delete_method(
            ctx.account_id, ctx.region, params["restApiId"], params["resourceId"],
            params["httpMethod"],
        )  # fmt: skip
        return {}

    def put_method_response(self, ctx: RequestContext, params: Params) -> Params:
        return self.apis.put_method_response(ctx.account_id, ctx.region, params)

    def get_method_response(self, ctx: RequestContext, params: Params) -> Params:
        return self.apis.get_method_response(ctx.account_id, ctx.region, params)

    def delete_method_response(self, ctx: RequestContext, params: Params) -> Params:
        self.apis.delete_method_response(ctx.account_id, ctx.region, params)
        return {}

    def put_integration(self, ctx: RequestContext, params: Params) -> Params:
        return self.apis.put_integration(ctx.account_id, ctx.region, params)

    def get_integration(self, ctx: RequestContext, params: Params) -> Params:
        return self.apis.get_integration(ctx.account_id, ctx.region, params)

    def delete_integration(self, ctx: RequestContext, params: Params) -> Params:
        self.apis.delete_integration(ctx.account_id, ctx.region, params)
        return {}

    def put_integration_response(self, ctx: RequestContext, params: Params) -> Params:
        return self.apis.put_integration_response(ctx.account_id, ctx.region, params)

    def get_integration_response(self, ctx: RequestContext, params: Params) -> Params:
        return self.apis.get_integration_response(ctx.account_id, ctx.region, params)

    def delete_integration_response(self, ctx: RequestContext, params: Params) -> Params:
        self.apis.delete_integration_response(ctx.account_id, ctx.region, params)
        return {}

    # -- Update* of the resource tree (`updates`) -----------------------------------------

    def update_resource(self, ctx: RequestContext, params: Params) -> Params:
        return self.tree_updates.update_resource(ctx.account_id, ctx.region, params)

    def update_method(self, ctx: RequestContext, params: Params) -> Params:
        return self.tree_updates.update_method(ctx.account_id, ctx.region, params)

    def update_method_response(self, ctx: RequestContext, params: Params) -> Params:
        return self.tree_updates.update_method_response(ctx.account_id, ctx.region, params)

    def update_integration(self, ctx: RequestContext, params: Params) -> Params:
        return self.tree_updates.update_integration(ctx.account_id, ctx.region, params)

    def update_integration_response(self, ctx: RequestContext, params: Params) -> Params:
        return self.tree_updates.update_integration_response(ctx.account_id, ctx.region, params)

    # -- deployments and stages -----------------------------------------------------------

    def create_deployment(self, ctx: RequestContext, params: Params) -> Params:
        return self.deployments.create_deployment(ctx.account_id, ctx.region, params)

    def get_deployment(self, ctx: RequestContext, params: Params) -> Params:
        return self.deployments.get_deployment(
            ctx.account_id, ctx.region, params["restApiId"], params["deploymentId"],
            [e.lower() for e in params.get("embed") or []],
        )  # fmt: skip

    def get_deployments(self, ctx: RequestContext, params: Params) -> Params:
        items = self.deployments.list_deployments(ctx.account_id, ctx.region, params["restApiId"])
        return page(items, params)

    def delete_deployment(self, ctx: RequestContext, params: Params) -> Params:
        self.deployments.delete_deployment(
            ctx.account_id, ctx.region, params["restApiId"], params["deploymentId"]
        )
        return {}

    def create_stage(self, ctx: RequestContext, params: Params) -> Params:
        return self.deployments.create_stage(ctx.account_id, ctx.region, params)

    def get_stage(self, ctx: RequestContext, params: Params) -> Params:
        return self.deployments.get_stage(
            ctx.account_id, ctx.region, params["restApiId"], params["stageName"]
        )

    def get_stages(self, ctx: RequestContext, params: Params) -> Params:
        stages = self.deployments.list_stages(
            ctx.account_id, ctx.region, params["restApiId"], params.get("deploymentId")
        )
        return {"item": stages}

    def update_stage(self, ctx: RequestContext, params: Params) -> Params:
        return self.deployments.update_stage(
            ctx.account_id, ctx.region, params["restApiId"], params["stageName"],
            params.get("patchOperations") or [],
        )  # fmt: skip

    def delete_stage(self, ctx: RequestContext, params: Params) -> Params:
        self.deployments.delete_stage(
            ctx.account_id, ctx.region, params["restApiId"], params["stageName"]
        )
        return {}

    def flush_stage_cache(self, ctx: RequestContext, params: Params) -> Params:
        self.deployments.get_stage(
            ctx.account_id, ctx.region, params["restApiId"], params["stageName"]
        )
        self.gateway.flush_cache(params["restApiId"], params["stageName"])
        return {}

    # -- models, request validators, gateway responses (`models_validators`, ...) ---------

    def create_model(self, ctx: RequestContext, params: Params) -> Params:
        return self.models.create_model(ctx.account_id, ctx.region, params)

    def get_model(self, ctx: RequestContext, params: Params) -> Params:
        where = (ctx.account_id, ctx.region, params["restApiId"], params["modelName"])
        return self.models.flattened(*where) if params.get("flatten") else self.models.model(*where)

    def get_models(self, ctx: RequestContext, params: Params) -> Params:
        return page(
            self.models.list_models(ctx.account_id, ctx.region, params["restApiId"]), params
        )

    def update_model(self, ctx: RequestContext, params: Params) -> Params:
        return self.models.update_model(
            ctx.account_id, ctx.region, params["restApiId"], params["modelName"],
            params.get("patchOperations") or [],
        )  # fmt: skip

    def delete_model(self, ctx: RequestContext, params: Params) -> Params:
        self.models.delete_model(
            ctx.account_id, ctx.region, params["restApiId"], params["modelName"]
        )
        return {}

    def get_model_template(self, ctx: RequestContext, params: Params) -> Params:
        return self.models.model_template(
            ctx.account_id, ctx.region, params["restApiId"], params["modelName"]
        )

    def create_request_validator(self, ctx: RequestContext, params: Params) -> Params:
        return self.models.create_validator(ctx.account_id, ctx.region, params)

    def get_request_validator(self, ctx: RequestContext, params: Params) -> Params:
        return self.models.validator(
            ctx.account_id, ctx.region, params["restApiId"], params["requestValidatorId"]
        )

    def get_request_validators(self, ctx: RequestContext, params: Params) -> Params:
        validators = self.models.list_validators(ctx.account_id, ctx.region, params["restApiId"])
        return page(validators, params)

    def update_request_validator(self, ctx: RequestContext, params: Params) -> Params:
        return self.models.update_validator(
            ctx.account_id, ctx.region, params["restApiId"], params["requestValidatorId"],
            params.get("patchOperations") or [],
        )  # fmt: skip

    def delete_request_validator(self, ctx: RequestContext, params: Params) -> Params:
        self.models.delete_validator(
            ctx.account_id, ctx.region, params["restApiId"], params["requestValidatorId"]
        )
        return {}

    def put_gateway_response(self, ctx: RequestContext, params: Params) -> Params:
        return self.gateway_responses.put(ctx.account_id, ctx.region, params)

    def get_gateway_response(self, ctx: RequestContext, params: Params) -> Params:
        return self.gateway_responses.get(
            ctx.account_id, ctx.region, params["restApiId"], params["responseType"]
        )

    def get_gateway_responses(self, ctx: RequestContext, params: Params) -> Params:
        # Not paged on AWS: limit and position do not apply to this collection.
        return {"items": self.gateway_responses.list(ctx.account_id, ctx.region,
                                                      params["restApiId"])}  # fmt: skip

    def update_gateway_response(self, ctx: RequestContext, params: Params) -> Params:
        return self.gateway_responses.update(
            ctx.account_id, ctx.region, params["restApiId"], params["responseType"],
            params.get("patchOperations") or [],
        )  # fmt: skip

    def delete_gateway_response(self, ctx: RequestContext, params: Params) -> Params:
        self.gateway_responses.delete(
            ctx.account_id, ctx.region, params["restApiId"], params["responseType"]
        )
        return {}

    # -- authorizers ----------------------------------------------------------------------

    def create_authorizer(self, ctx: RequestContext, params: Params) -> Params:
        return self.authorizers.create(ctx.account_id, ctx.region, params)

    def get_authorizer(self, ctx: RequestContext, params: Params) -> Params:
        return self.authorizers.get(
            ctx.account_id, ctx.region, params["restApiId"], params["authorizerId"]
        )

    def get_authorizers(self, ctx: RequestContext, params: Params) -> Params:
        return page(self.authorizers.list(ctx.account_id, ctx.region, params["restApiId"]), params)

    def update_authorizer(self, ctx: RequestContext, params: Params) -> Params:
        return self.authorizers.update(
            ctx.account_id, ctx.region, params["restApiId"], params["authorizerId"],
            params.get("patchOperations") or [],
        )  # fmt: skip

    def delete_authorizer(self, ctx: RequestContext, params: Params) -> Params:
        self.authorizers.delete(
            ctx.account_id, ctx.region, params["restApiId"], params["authorizerId"]
        )
        return {}

    async def test_invoke_authorizer(self, ctx: RequestContext, params: Params) -> Params:
        authorizer = self.authorizers.get(
            ctx.account_id, ctx.region, params["restApiId"], params["authorizerId"]
        )
        engine = self._registry.get("lambda").engine
        return await test_invoke(authorizer, params, ctx.account_id, ctx.region, engine)

    # -- API keys, usage plans and usage --------------------------------------------------

    def create_api_key(self, ctx: RequestContext, params: Params) -> Params:
        return self.plans.create_key(ctx.account_id, ctx.region, params)

    def get_api_key(self, ctx: RequestContext, params: Params) -> Params:
        return self.plans.get_key(
            ctx.account_id, ctx.region, params["apiKey"], bool(params.get("includeValue"))
        )

    def get_api_keys(self, ctx: RequestContext, params: Params) -> Params:
        return page(self.plans.list_keys(ctx.account_id, ctx.region, params), params)

    def update_api_key(self, ctx: RequestContext, params: Params) -> Params:
        return self.plans.update_key(
            ctx.account_id, ctx.region, params["apiKey"], params.get("patchOperations") or []
        )

    def delete_api_key(self, ctx: RequestContext, params: Params) -> Params:
        self.plans.delete_key(ctx.account_id, ctx.region, params["apiKey"])
        return {}

    def create_usage_plan(self, ctx: RequestContext, params: Params) -> Params:
        return self.plans.create_plan(ctx.account_id, ctx.region, params)

    def get_usage_plan(self, ctx: RequestContext, params: Params) -> Params:
        return self.plans.get_plan(ctx.account_id, ctx.region, params["usagePlanId"])

    def get_usage_plans(self, ctx: RequestContext, params: Params) -> Params:
        plans = self.plans.list_plans(ctx.account_id, ctx.region, params.get("keyId"))
        return page(plans, params)

    def update_usage_plan(self, ctx: RequestContext, params: Params) -> Params:
        return self.plans.update_plan(
            ctx.account_id, ctx.region, params["usagePlanId"], params.get("patchOperations") or []
        )

    def delete_usage_plan(self, ctx: RequestContext, params: Params) -> Params:
        self.plans.delete_plan(ctx.account_id, ctx.region, params["usagePlanId"])
        return {}

    def create_usage_plan_key(self, ctx: RequestContext, params: Params) -> Params:
        return self.plans.add_plan_key(
            ctx.account_id, ctx.region, params["usagePlanId"], params["keyId"], params["keyType"]
        )

    def get_usage_plan_key(self, ctx: RequestContext, params: Params) -> Params:
        return self.plans.get_plan_key(
            ctx.account_id, ctx.region, params["usagePlanId"], params["keyId"]
        )

    def get_usage_plan_keys(self, ctx: RequestContext, params: Params) -> Params:
        keys = self.plans.list_plan_keys(ctx.account_id, ctx.region, params["usagePlanId"])
        name = params.get("nameQuery")
        return page([k for k in keys if not name or k["name"].startswith(name)], params)

    def delete_usage_plan_key(self, ctx: RequestContext, params: Params) -> Params:
        self.plans.delete_plan_key(
            ctx.account_id, ctx.region, params["usagePlanId"], params["keyId"]
        )
        return {}

    def get_usage(self, ctx: RequestContext, params: Params) -> Params:
        return self.plans.get_usage(ctx.account_id, ctx.region, params)


def _resource(resource: Params, embed_methods: bool) -> Params:
    """A Resource as GetResources shows it: its methods in full with embed=methods, else
    only their names (empty objects), as AWS does."""
    methods = resource.get("resourceMethods")
    if not methods or embed_methods:
        return resource
    return {**resource, "resourceMethods": {verb: {} for verb in methods}}
