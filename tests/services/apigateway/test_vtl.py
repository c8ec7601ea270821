"""Engine tier: API Gateway's VTL (airspeed plus the Java semantics of AWS's Velocity)
with no HTTP: `$input`, `$util`, `$context`, `$stageVariables`, Java-style rendering,
Velocity truth, JSONPath, and the errors templates can raise."""

from __future__ import annotations

import pytest

from lenticular.services.apigateway import vtl
from lenticular.services.apigateway.vtl import MethodParams, TemplateVariables
from lenticular.services.apigateway.vtl.java import java_number

BODY = b'{"name": "it\'s", "n": 3, "f": 1.5, "ok": true, "none": null, "empty": "", "zero": 0,' \
    b' "list": [1, 2, {"k": "v"}], "obj": {"a": "b", "c": 1}, "odd key": "x"}'  # fmt: skip
CONTEXT = {
    "requestId": "req-1", "accountId": "123456789012", "apiId": "abc123", "httpMethod": "POST",
    "resourcePath": "/items/{id}", "resourceId": "r1", "stage": "dev", "path": "/dev/items/7",
    "requestTime": "09/Apr/2015:12:34:56 +0000", "requestTimeEpoch": 1428582896000,
    "identity": {"sourceIp": "10.0.0.1", "userAgent": "curl/8"},
    "authorizer": {"principalId": "user-1", "claims": {"sub": "s-1"}},
}  # fmt: skip


def render(template: str, body: bytes | str = BODY, **params: dict[str, str]) -> str:
    method = MethodParams(
        params.get("path", {"id": "7"}),
        params.get("querystring", {"q": "a b", "id": "from-query"}),
        params.get("header", {"Content-Type": "application/json", "X-Trace": "t1"}),
    )
    return vtl.render(
        template, TemplateVariables.for_request(body, method, CONTEXT, {"env": "dev"})
    )


# -- $input -------------------------------------------------------------------------------


@pytest.mark.parametrize(("path", "expected"), [
    ("$", '{"name":"it\'s","n":3,"f":1.5,"ok":true,"none":null,"empty":"","zero":0,'
          '"list":[1,2,{"k":"v"}],"obj":{"a":"b","c":1},"odd key":"x"}'),
    ("$.name", '"it\'s"'),
    ("$.obj.a", '"b"'),
    ("$.list[0]", "1"),
    ("$.list[-1]", '{"k":"v"}'),
    ("$.list[2].k", '"v"'),
    ("$['odd key']", '"x"'),
    ('$["obj"]["c"]', "1"),
    ("$.list[*]", '[1,2,{"k":"v"}]'),
    ("$.none", "null"),
])  # fmt: skip
def test_input_json(path, expected):
    quote = '"' if "'" in path else "'"
    assert render(f"$input.json({quote}{path}{quote})") == expected


@pytest.mark.parametrize(("path", "expected"), [
    ("$.name", "it's"),
    ("$.n", "3"),
    ("$.f", "1.5"),
    ("$.ok", "true"),
    ("$.obj", "{a=b, c=1}"),  # a Java Map's toString
    ("$.list", "[1, 2, {k=v}]"),  # a Java List's toString
    ("$.obj.c", "1"),
    ("$['odd key']", "x"),
])  # fmt: skip
def test_input_path_renders_java_objects(path, expected):
    quote = '"' if "'" in path else "'"
    assert render(f"$input.path({quote}{path}{quote})") == expected


def test_missing_paths_are_null_and_render_empty():
    assert (
        render("[$input.path('$.nope')][$input.path('$.obj.nope')][$input.path('$.list[9]')]")
        == "[][][]"
    )
    assert render("[$input.json('$.nope')]") == "[]"
    assert render("#if($input.path('$.nope'))set#{else}null#end") == "null"
    assert render("[$input.path('$.none')]") == "[]"  # JSON null is null too


def test_input_path_object_members_and_methods():
    template = "#set($o = $input.path('$.obj'))$o.a $o.size() $o.containsKey('c') $o.keySet()"
    assert render(template) == "b 2 true [a, c]"
    assert render("$input.path('$.list').size() $input.path('$.name').length()") == "3 4"


def test_input_body_and_empty_body():
    assert render("$input.body", b'{"a": 1}') == '{"a": 1}'
    assert render("$input.body", b"plain text") == "plain text"
    # An empty payload reaches templates as "{}".
    assert render("$input.body|$input.json('$')", b"") == "{}|{}"


def test_input_json_of_a_body_that_is_not_json():
    with pytest.raises(vtl.BodyNotJson):
        render("$input.json('$')", b"not json")
    assert render("$input.body", b"not json") == "not json"  # reading the text is fine


def test_input_params_search_order_and_maps():
    assert render("$input.params('id')") == "7"  # path before query string
    assert render("$input.params('q')") == "a b"
    assert render("$input.params('x-trace')|$input.params('X-Trace')") == "t1|t1"
    assert render("[$input.params('absent')]") == "[]"
    assert render("$input.params().path.id $input.params().querystring.q") == "7 a b"
    assert render("$input.params().header.get('X-Trace')") == "t1"
    template = (
        "#foreach($type in $input.params().keySet())$type="
        "#foreach($name in $input.params().get($type).keySet())$name#if($foreach.hasNext),#end#end;#end"
    )
    assert render(template) == "path=id;querystring=q,id;header=Content-Type,X-Trace;"


# -- $util --------------------------------------------------------------------------------


def test_escape_javascript_escapes_single_quotes():
    assert render("$util.escapeJavaScript($input.path('$.name'))") == "it\\'s"
    assert vtl.escape_javascript('a"b\\c/d\n\t') == 'a\\"b\\\\c\\/d\\n\\t'
    assert vtl.escape_javascript("é€\x01") == "\\u00E9\\u20AC\\u0001"
    assert vtl.escape_javascript("😀") == "\\uD83D\\uDE00"  # UTF-16 units, as in Java


def test_util_functions():
    assert render("$util.urlEncode('a b&c=d~*')") == "a+b%26c%3Dd%7E*"
    assert render("$util.urlDecode('a+b%26c')") == "a b&c"
    assert render("$util.base64Encode('hello')") == "aGVsbG8="
    assert render("$util.base64Decode('aGVsbG8=')") == "hello"
    assert (
        render("#set($p = $util.parseJson('{\"a\": [1, true]}'))$p $p.a[1]") == "{a=[1, true]} true"
    )


def test_util_failures_are_template_failures():
    with pytest.raises(vtl.TemplateFailure):
        render("$util.base64Decode('***')")
    with pytest.raises(vtl.BodyNotJson):
        render("$util.parseJson('{nope')")


# -- $context and $stageVariables ----------------------------------------------------------


def test_context_variables():
    template = (
        "$context.requestId $context.accountId $context.apiId $context.httpMethod "
        "$context.resourcePath $context.resourceId $context.stage $context.path "
        "$context.identity.sourceIp $context.identity.userAgent $context.requestTime "
        "$context.requestTimeEpoch $context.authorizer.principalId $context.authorizer.claims.sub"
    )
    assert render(template) == (
        "req-1 123456789012 abc123 POST /items/{id} r1 dev /dev/items/7 10.0.0.1 curl/8 "
        "09/Apr/2015:12:34:56 +0000 1428582896000 user-1 s-1"
    )
    assert render("$stageVariables.env [$stageVariables.other]") == "dev []"


def test_response_override_is_kept_in_the_context():
    method = MethodParams()
    variables = TemplateVariables.for_request(b"", method, CONTEXT, {})
    vtl.render("#set($context.responseOverride.status = 404)", variables)
    assert variables.context["responseOverride"]["status"] == 404
    assert "responseOverride" not in CONTEXT  # the request's context is not touched


# -- Velocity semantics ---------------------------------------------------------------------


@pytest.mark.parametrize(("expression", "expected"), [
    ("$input.path('$.empty')", "T"),  # an empty string is true in Velocity 1.7
    ("$input.path('$.zero')", "T"),
    ("$input.path('$.obj')", "T"),
    ("$input.path('$.ok')", "T"),
    ("$input.path('$.nope')", "F"),
    ("$input.path('$.none')", "F"),
    ("!$input.path('$.nope')", "T"),
    ("$input.path('$.nope') || $input.path('$.empty')", "T"),
    ("$input.path('$.empty') && $input.path('$.zero')", "T"),
    ("$input.path('$.n') == 3", "T"),
    ("$input.path('$.n') == '3'", "T"),  # different types compare as strings
    ("$input.path('$.empty') == ''", "T"),
    ("$input.path('$.n') != 3", "F"),
    ("$input.path('$.ok') == true", "T"),
    ("false", "F"),
])  # fmt: skip
def test_if_truth(expression, expected):
    assert render(f"#if({expression})T#{{else}}F#end") == expected


def test_elseif_and_set():
    template = "#set($n = $input.path('$.n'))#if($n > 5)big#elseif($n > 2)mid#{else}small#end"
    assert render(template) == "mid"


def test_foreach_over_lists_and_maps():
    template = "#foreach($x in $input.path('$.list'))$x#if($foreach.hasNext); #end#end"
    assert render(template) == "1; 2; {k=v}"
    # A map iterates its values, as in Velocity.
    assert render("#foreach($v in $input.path('$.obj'))[$v]#end") == "[b][1]"
    assert render("#foreach($k in $input.path('$.obj').keySet())$k#end") == "ac"


def test_java_rendering_of_literals_and_numbers():
    assert render("#set($m = {'a': true, 'b': [1, 'x']})$m") == "{a=true, b=[1, x]}"
    assert render("#set($b = false)$b") == "false"
    assert java_number(1.0) == "1.0"
    assert java_number(1e20) == "1.0E20"
    assert java_number(12345678.9) == "1.23456789E7"
    assert java_number(1.5e-5) == "1.5E-5"


def test_undefined_references_render_empty_and_strings_have_java_methods():
    assert render("[$nothing][$nothing.deeper][${nothing}]") == "[][][]"
    assert render("#set($s = ' Mixed Case ')$s.trim().toLowerCase()|$s.toUpperCase().trim()") == (
        "mixed case|MIXED CASE"
    )
    assert (
        render("#set($s = 'a,b,c')$s.split(',').size() $s.substring(2) $s.indexOf('b')")
        == "3 b,c 2"
    )


def test_a_typical_request_template():
    template = """{
  "TableName": "items",
  "Item": {
    "id": {"S": "$input.params('id')"},
    "name": {"S": "$util.escapeJavaScript($input.path('$.name'))"}
  }
}"""
    assert vtl.parse_json(render(template).replace("\\'", "'")) == {
        "TableName": "items",
        "Item": {"id": {"S": "7"}, "name": {"S": "it's"}},
    }


def test_syntax_errors_are_template_failures():
    with pytest.raises(vtl.TemplateFailure):
        render("#foreach($x in )#end")
    with pytest.raises(vtl.TemplateFailure):
        render("#foreach($x in 5)$x#end")


def test_jsonpath_subset():
    document = {"a": {"b": [10, 20]}, "c d": 1}
    assert vtl.select(document, "$") is document
    assert vtl.select(document, "$.a.b[1]") == 20
    assert vtl.select(document, "$['c d']") == 1
    assert vtl.select(document, "$.a.x") is vtl.MISSING
    assert vtl.select(document, "a.b[0]") == 10  # the bare form parameter mappings use
    with pytest.raises(vtl.InvalidPath):
        vtl.select(document, "$..b")
