"""Models (JSON Schema draft 4 documents a method's request or response body follows) and
request validators of REST APIs: their management operations, the default Empty and
Error models every new API has, the checks PutMethod makes of the names and ids it is
given, and what a deployment keeps of them (with the API's gateway responses).
https://docs.aws.amazon.com/apigateway/latest/developerguide/models-mappings-models.html

A model's schema must be a JSON object that is a valid draft 4 schema; a `$ref` to another
model uses its canonical URL, `https://apigateway.amazonaws.com/restapis/{id}/models/{name}`,
and the model must exist. Limitations: AWS's schema checks are its own (a Java validator);
here the draft 4 meta-schema decides, so a few schemas AWS refuses (or takes) differ. The
wording for a reference to a missing model and for deleting a model another model refers
to is lenticular's. GetModelTemplate writes a template in AWS's shape but not byte for byte.
"""

from __future__ import annotations

import json
import re
from typing import Any

from jsonschema import Draft4Validator
from jsonschema.exceptions import SchemaError

from lenticular.services.apigateway import errors
from lenticular.services.apigateway.apis import RestApiEngine
from lenticular.services.apigateway.errors import BadRequestException, ConflictException
from lenticular.services.apigateway.models import new_id
from lenticular.services.apigateway.patch import invalid_path
from lenticular.services.apigateway.store import ApiGatewayStore

Doc = dict[str, Any]
MODEL = "model"
VALIDATOR = "requestvalidator"
GATEWAY_RESPONSE = "gatewayresponse"  # kept by `gateway_responses`
MODEL_URL = re.compile(r"^https://apigateway\.amazonaws\.com/restapis/([^/]+)/models/([^/#]+)$")
_NAME = re.compile(r"^[A-Za-z0-9]+$")
_TEMPLATE_DEPTH = 8

DEFAULT_MODELS = (
    {
        "name": "Empty",
        "description": "This is a default empty schema model",
        "schema": '{\n  "$schema": "http://json-schema.org/draft-04/schema#",\n'
        '  "title" : "Empty Schema",\n  "type" : "object"\n}',
        "contentType": "application/json",
    },
    {
        "name": "Error",
        "description": "This is a default error schema model",
        "schema": '{\n  "$schema" : "http://json-schema.org/draft-04/schema#",\n'
        '  "title" : "Error Schema",\n  "type" : "object",\n  "properties" : {\n'
        '    "message" : { "type" : "string" }\n  }\n}',
        "contentType": "application/json",
    },
)


def invalid_model(*problems: str) -> BadRequestException:
    listed = ", ".join(("Invalid model schema specified", *problems))
    return BadRequestException(
        f"Invalid model specified: Validation Result: warnings : [], errors : [{listed}]"
    )


def model_url(api_id: str, name: str) -> str:
    return f"https://apigateway.amazonaws.com/restapis/{api_id}/models/{name}"


def references(schema: Any) -> list[str]:
    """Every `$ref` string inside a schema document (bounded by the document's size)."""
    found: list[str] = []
    pending = [schema]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                found.append(ref)
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)
    return found


def parse_schema(text: str) -> Doc:
    """The schema document of a model, or AWS's BadRequestException."""
    try:
        schema = json.loads(text)
    except ValueError:
        raise invalid_model() from None
    if not isinstance(schema, dict):
        raise invalid_model()
    try:
        Draft4Validator.check_schema(schema)
    except SchemaError:
        raise invalid_model() from None
    return schema


class ModelEngine:
    """Models and request validators, stored as documents under their API."""

    def __init__(self, store: ApiGatewayStore, apis: RestApiEngine) -> None:
        self.store = store
        self.apis = apis

    # -- models ---------------------------------------------------------------------------

    def create_defaults(self, account_id: str, region: str, api_id: str) -> None:
        """Empty and Error, which AWS adds to every new REST API."""
        for model in DEFAULT_MODELS:
            self._put_model(account_id, region, api_id, {"id": new_id(6), **model})

    def _put_model(self, account_id: str, region: str, api_id: str, model: Doc) -> None:
        self.store.put_doc(
            MODEL, f"{api_id}/{model['name']}", account_id, region, model, parent=api_id
        )

    def model(self, account_id: str, region: str, api_id: str, name: str) -> Doc:
        self.apis.api(account_id, region, api_id)
        found = self.store.get_doc(MODEL, f"{api_id}/{name}", account_id, region)
        if found is None:
            raise errors.NotFoundException(f"Invalid model name specified: {name}")
        return found

    def flattened(self, account_id: str, region: str, api_id: str, name: str) -> Doc:
        """GetModel with flatten: the schema with other models' `$ref`s replaced by their
        schemas (a reference cycle stops at a bounded depth)."""
        model = dict(self.model(account_id, region, api_id, name))
        if not model.get("schema"):
            return model
        schemas = {m["name"]: _loads(m.get("schema")) for m in self.list_models(
            account_id, region, api_id)}  # fmt: skip

        def inline(node: Any, depth: int) -> Any:
            if isinstance(node, list):
                return [inline(item, depth) for item in node]
            if not isinstance(node, dict):
                return node
            match = MODEL_URL.match(node["$ref"]) if isinstance(node.get("$ref"), str) else None
            if match is not None and depth < _TEMPLATE_DEPTH:
                target = {k: v for k, v in schemas.get(match.group(2), {}).items()
                          if k != "$schema"}  # fmt: skip
                return inline(target, depth + 1)
            return {key: inline(value, depth) for key, value in node.items()}

        model["schema"] = json.dumps(inline(_loads(model["schema"]), 0))
        return model

    def _check_schema(self, account_id: str, region: str, api_id: str, text: str) -> None:
        schema = parse_schema(text)
        for ref in references(schema):
            if ref.startswith("#"):
                continue
            match = MODEL_URL.match(ref)
            if match is None or match.group(1) != api_id:
                raise invalid_model("Model reference must be in canonical form")
            if self.store.get_doc(MODEL, f"{api_id}/{match.group(2)}", account_id, region) is None:
                raise invalid_model(f"Referenced model does not exist: {match.group(2)}")

    def create_model(self, account_id: str, region: str, params: Doc) -> Doc:
        api_id = params["restApiId"]
        self.apis.api(account_id, region, api_id)
        name = params["name"]
        if not _NAME.match(name):
            raise BadRequestException("Model name must be alphanumeric")
        if self.store.get_doc(MODEL, f"{api_id}/{name}", account_id, region) is not None:
            raise ConflictException("Model name already exists for this REST API")
        model: Doc = {"id": new_id(6), "name": name, "contentType": params["contentType"]}
        if params.get("description"):
            model["description"] = params["description"]
        if params.get("schema") is not None:
            self._check_schema(account_id, region, api_id, params["schema"])
            model["schema"] = params["schema"]
        self._put_model(account_id, region, api_id, model)
        return model

    def list_models(self, account_id: str, region: str, api_id: str) -> list[Doc]:
        self.apis.api(account_id, region, api_id)
        return self.store.list_docs(MODEL, account_id, region, parent=api_id)

    def update_model(
        self, account_id: str, region: str, api_id: str, name: str, operations: list[Doc]
    ) -> Doc:
        model = dict(self.model(account_id, region, api_id, name))
        for operation in operations:
            path, value = operation.get("path") or "", operation.get("value")
            if operation.get("op") != "replace" or path not in ("/description", "/schema"):
                raise invalid_path(path)
            if path == "/schema":
                self._check_schema(account_id, region, api_id, value or "")
            if value is None:
                model.pop(path[1:], None)
            else:
                model[path[1:]] = value
        self._put_model(account_id, region, api_id, model)
        return model

    def delete_model(self, account_id: str, region: str, api_id: str, name: str) -> None:
        self.model(account_id, region, api_id, name)
        user = self._model_user(self.apis.api(account_id, region, api_id).resources, name)
        if user is None:
            url = model_url(api_id, name)
            for other in self.list_models(account_id, region, api_id):
                if other["name"] != name and url in references(_loads(other.get("schema"))):
                    user = f"model: {other['name']}"
        if user is not None:
            raise ConflictException(f"Cannot delete model '{name}', is referenced in {user}")
        self.store.delete_doc(MODEL, f"{api_id}/{name}")

    @staticmethod
    def _model_user(resources: dict[str, Doc], name: str) -> str | None:
        for resource in resources.values():
            for verb, method in (resource.get("resourceMethods") or {}).items():
                if name in (method.get("requestModels") or {}).values():
                    return f"method request: {resource['path']}/{verb}"
                for response in (method.get("methodResponses") or {}).values():
                    if name in (response.get("responseModels") or {}).values():
                        return f"method response: {resource['path']}/{verb}"
        return None

    def model_template(self, account_id: str, region: str, api_id: str, name: str) -> Doc:
        model = self.model(account_id, region, api_id, name)
        models = {m["name"]: _loads(m.get("schema")) for m in self.list_models(
            account_id, region, api_id)}  # fmt: skip
        schema = _loads(model.get("schema"))
        body = _template_value(schema, "$inputRoot", models, 1)
        return {"value": f"#set($inputRoot = $input.path('$'))\n{body}"}

    # -- request validators ---------------------------------------------------------------

    def validator(self, account_id: str, region: str, api_id: str, validator_id: str) -> Doc:
        self.apis.api(account_id, region, api_id)
        found = self.store.get_doc(VALIDATOR, f"{api_id}/{validator_id}", account_id, region)
        if found is None:
            raise errors.NotFoundException("Invalid Request Validator identifier specified")
        return found

    def _put_validator(self, account_id: str, region: str, api_id: str, doc: Doc) -> None:
        self.store.put_doc(
            VALIDATOR, f"{api_id}/{doc['id']}", account_id, region, doc, parent=api_id
        )

    def create_validator(self, account_id: str, region: str, params: Doc) -> Doc:
        api_id = params["restApiId"]
        self.apis.api(account_id, region, api_id)
        doc: Doc = {"id": new_id(6)}
        if params.get("name"):
            doc["name"] = params["name"]
        doc["validateRequestBody"] = bool(params.get("validateRequestBody", False))
        doc["validateRequestParameters"] = bool(params.get("validateRequestParameters", False))
        self._put_validator(account_id, region, api_id, doc)
        return doc

    def list_validators(self, account_id: str, region: str, api_id: str) -> list[Doc]:
        self.apis.api(account_id, region, api_id)
        return self.store.list_docs(VALIDATOR, account_id, region, parent=api_id)

    def update_validator(
        self, account_id: str, region: str, api_id: str, validator_id: str,
        operations: list[Doc],
    ) -> Doc:  # fmt: skip
        doc = dict(self.validator(account_id, region, api_id, validator_id))
        for operation in operations:
            path, value = operation.get("path") or "", operation.get("value")
            if operation.get("op") != "replace":
                raise invalid_path(path)
            if path == "/name":
                doc["name"] = value
            elif path in ("/validateRequestBody", "/validateRequestParameters"):
                text = str(value).strip().lower()
                if text not in ("true", "false"):
                    raise BadRequestException(f"Invalid boolean value for {path}: {value}")
                doc[path[1:]] = text == "true"
            else:
                raise invalid_path(path)
        self._put_validator(account_id, region, api_id, doc)
        return doc

    def delete_validator(self, account_id: str, region: str, api_id: str, validator_id: str
                         ) -> None:  # fmt: skip
        self.validator(account_id, region, api_id, validator_id)
        self.store.delete_doc(VALIDATOR, f"{api_id}/{validator_id}")

    # -- what methods and deployments use -------------------------------------------------

    def check_method(self, account_id: str, region: str, params: Doc) -> None:
        """PutMethod's references: its request validator and request models must exist."""
        api_id = params["restApiId"]
        if params.get("requestValidatorId"):
            try:
                self.validator(account_id, region, api_id, params["requestValidatorId"])
            except errors.NotFoundException:
                raise BadRequestException(
                    "Invalid Request Validator identifier specified"
                ) from None
        for name in (params.get("requestModels") or {}).values():
            if self.store.get_doc(MODEL, f"{api_id}/{name}", account_id, region) is None:
                raise BadRequestException(f"Invalid model identifier specified: {name}")

    def clone(self, account_id: str, region: str, source_id: str, api_id: str) -> None:
        """CreateRestApi's cloneFrom: the source's models, validators (same ids, which the
        cloned methods name) and gateway responses."""
        for kind in (MODEL, VALIDATOR, GATEWAY_RESPONSE):
            for doc in self.store.list_docs(kind, account_id, region, parent=source_id):
                key = doc.get("name") if kind == MODEL else doc.get("id", doc.get("responseType"))
                self.store.put_doc(kind, f"{api_id}/{key}", account_id, region, doc, parent=api_id)

    def forget_api(self, api_id: str) -> None:
        """Drop the documents of a deleted API."""
        for kind in (MODEL, VALIDATOR, GATEWAY_RESPONSE):
            self.store.delete_children(kind, api_id)


def deployed_documents(store: ApiGatewayStore, api_id: str) -> Doc:
    """What a deployment keeps besides the resource tree: models by name, request
    validators by id and customized gateway responses by type."""
    return {
        "models": {m["name"]: m for m in store.list_docs(MODEL, parent=api_id)},
        "requestValidators": {v["id"]: v for v in store.list_docs(VALIDATOR, parent=api_id)},
        "gatewayResponses": {
            g["responseType"]: g for g in store.list_docs(GATEWAY_RESPONSE, parent=api_id)
        },
    }


def _loads(text: str | None) -> Any:
    try:
        return json.loads(text) if text else {}
    except ValueError:
        return {}


def _resolve(schema: Any, models: dict[str, Any], depth: int) -> Any:
    ref = schema.get("$ref") if isinstance(schema, dict) else None
    match = MODEL_URL.match(ref) if isinstance(ref, str) else None
    if match is not None and depth < _TEMPLATE_DEPTH:
        return models.get(match.group(2), {})
    return schema


def _template_value(schema: Any, var: str, models: dict[str, Any], depth: int) -> str:
    """A mapping template fragment that rebuilds `schema`'s shape from `var`."""
    schema = _resolve(schema, models, depth)
    kind = schema.get("type") if isinstance(schema, dict) else None
    pad = "  " * depth
    if kind == "object" and depth < _TEMPLATE_DEPTH:
        props = schema.get("properties") or {}
        lines = [
            f'{pad}"{name}" : {_template_value(sub, f"{var}.{name}", models, depth + 1)}'
            for name, sub in props.items()
        ]
        return "{\n" + ",\n".join(lines) + "\n" + "  " * (depth - 1) + "}"
    if kind == "array" and depth < _TEMPLATE_DEPTH:
        elem = f"$elem{depth}"
        inner = _template_value(schema.get("items") or {}, elem, models, depth + 1)
        return (
            f"[\n#foreach({elem} in {var})\n{pad}{inner}#if($foreach.hasNext),#end\n"
            f"#end\n{'  ' * (depth - 1)}]"
        )
    if kind in ("number", "integer", "boolean"):
        return var
    return f'"{var}"'
