"""Engine tier: template parsing (JSON, YAML short forms), intrinsic functions,
conditions, parameters and the dependency graph, with no server."""

from __future__ import annotations

import pytest

from lenticular.services.cloudformation import graph, parameters, template
from lenticular.services.cloudformation.errors import ValidationError
from lenticular.services.cloudformation.intrinsics import (
    NO_VALUE,
    Evaluator,
    ResourceState,
    pseudo_parameters,
)

STACK_ID = "arn:aws:cloudformation:eu-west-1:123456789012:stack/demo/abc"


def evaluator(doc=None, params=None, resources=None, exports=None):
    doc = doc or {"Resources": {}}
    return Evaluator(
        doc,
        params or {},
        pseudo_parameters("123456789012", "eu-west-1", "demo", STACK_ID),
        resources or {},
        (exports or {}).__getitem__,
    )


def test_yaml_short_forms_become_long_forms():
    doc = template.parse(
        """
AWSTemplateFormatVersion: 2010-09-09
Resources:
  T:
    Type: AWS::DynamoDB::Table
    Properties:
      A: !Ref Env
      B: !GetAtt Table.Arn
      C: !Sub "${AWS::Region}-x"
      D: !Join [",", [a, b]]
      E: !Select [0, !Split [",", "a,b"]]
      F: !If [IsProd, 1, 2]
      G: !Equals [a, b]
      H: !And [!Condition C1, !Not [!Or [!Condition C2, !Condition C3]]]
      I: !FindInMap [M, k, v]
      J: !GetAZs ""
      K: !Base64 hi
      L: !Cidr ["10.0.0.0/16", 2, 8]
      M: !ImportValue other
"""
    )
    assert doc["AWSTemplateFormatVersion"] == "2010-09-09"
    props = doc["Resources"]["T"]["Properties"]
    assert props["A"] == {"Ref": "Env"}
    assert props["B"] == {"Fn::GetAtt": ["Table", "Arn"]}
    assert props["C"] == {"Fn::Sub": "${AWS::Region}-x"}
    assert props["D"] == {"Fn::Join": [",", ["a", "b"]]}
    assert props["E"] == {"Fn::Select": [0, {"Fn::Split": [",", "a,b"]}]}
    assert props["F"] == {"Fn::If": ["IsProd", 1, 2]}
    assert props["H"] == {"Fn::And": [{"Condition": "C1"}, {"Fn::Not": [
        {"Fn::Or": [{"Condition": "C2"}, {"Condition": "C3"}]}]}]}  # fmt: skip
    assert props["I"] == {"Fn::FindInMap": ["M", "k", "v"]}
    assert props["J"] == {"Fn::GetAZs": ""}
    assert props["K"] == {"Fn::Base64": "hi"}
    assert props["L"] == {"Fn::Cidr": ["10.0.0.0/16", 2, 8]}
    assert props["M"] == {"Fn::ImportValue": "other"}


def test_malformed_templates_are_worded_as_cloudformation_words_them():
    with pytest.raises(ValidationError, match=r"^Template format error: JSON not well-formed"):
        template.parse('{"Resources": ')
    with pytest.raises(ValidationError, match=r"^Template format error: YAML not well-formed"):
        template.parse("Resources: [a\n  b: c")
    with pytest.raises(ValidationError) as info:
        template.check_shape({"Resources": {"X": {"Type": "AWS::Foo::Bar"}}}, set())
    assert (
        info.value.message == "Template format error: Unrecognized resource types: [AWS::Foo::Bar]"
    )
    with pytest.raises(ValidationError, match="At least one Resources member must be defined"):
        template.check_shape({"Resources": {}}, set())


def test_ref_pseudo_parameters_parameters_and_resources():
    ev = evaluator(params={"Env": "prod"}, resources={"T": ResourceState("tbl", {"Arn": "arn:t"})})
    assert ev.resolve({"Ref": "AWS::AccountId"}) == "123456789012"
    assert ev.resolve({"Ref": "AWS::Region"}) == "eu-west-1"
    assert ev.resolve({"Ref": "AWS::StackName"}) == "demo"
    assert ev.resolve({"Ref": "AWS::StackId"}) == STACK_ID
    assert ev.resolve({"Ref": "AWS::Partition"}) == "aws"
    assert ev.resolve({"Ref": "AWS::URLSuffix"}) == "amazonaws.com"
    assert ev.resolve({"Ref": "Env"}) == "prod"
    assert ev.resolve({"Ref": "T"}) == "tbl"
    assert ev.resolve({"Fn::GetAtt": ["T", "Arn"]}) == "arn:t"
    assert ev.resolve({"Fn::GetAtt": "T.Arn"}) == "arn:t"
    assert ev.resolve({"a": {"Ref": "AWS::NoValue"}, "b": [1, {"Ref": "AWS::NoValue"}]}) == {
        "b": [1]
    }
    assert ev.resolve({"Ref": "AWS::NoValue"}) is NO_VALUE


def test_get_att_of_an_unknown_attribute_is_an_error():
    ev = evaluator(resources={"T": ResourceState("tbl", {"Arn": "arn:t"})})
    with pytest.raises(ValidationError, match="does not support attribute type Nope"):
        ev.resolve({"Fn::GetAtt": ["T", "Nope"]})


def test_sub_both_forms_and_literals():
    ev = evaluator(params={"Env": "dev"}, resources={"T": ResourceState("tbl", {"Arn": "arn:t"})})
    assert ev.resolve({"Fn::Sub": "${AWS::StackName}-${Env}-${T}-${T.Arn}"}) == "demo-dev-tbl-arn:t"
    assert ev.resolve({"Fn::Sub": ["${X}/${Env}", {"X": {"Ref": "T"}}]}) == "tbl/dev"
    assert ev.resolve({"Fn::Sub": "${!Literal}-${Env}"}) == "${Literal}-dev"


def test_join_select_split():
    ev = evaluator(params={"Ids": ["a", "b", "c"]})
    assert ev.resolve({"Fn::Join": ["-", ["x", {"Ref": "AWS::Region"}, 3]]}) == "x-eu-west-1-3"
    assert ev.resolve({"Fn::Join": [",", {"Ref": "Ids"}]}) == "a,b,c"
    assert ev.resolve({"Fn::Select": ["1", {"Ref": "Ids"}]}) == "b"
    assert ev.resolve({"Fn::Split": ["|", "a|b"]}) == ["a", "b"]
    with pytest.raises(ValidationError, match="cannot select nonexistent value at index 5"):
        ev.resolve({"Fn::Select": [5, {"Ref": "Ids"}]})


def test_conditions_and_if():
    doc = {
        "Resources": {},
        "Conditions": {
            "IsProd": {"Fn::Equals": [{"Ref": "Env"}, "prod"]},
            "IsDev": {"Fn::Not": [{"Condition": "IsProd"}]},
            "Both": {"Fn::And": [{"Condition": "IsProd"}, {"Fn::Equals": ["1", 1]}]},
            "Either": {"Fn::Or": [{"Condition": "IsDev"}, {"Condition": "IsProd"}]},
        },
    }
    ev = evaluator(doc, params={"Env": "prod"})
    assert ev.conditions() == {"IsProd": True, "IsDev": False, "Both": True, "Either": True}
    assert ev.resolve({"Fn::If": ["IsDev", "small", "large"]}) == "large"
    assert ev.resolve({"a": {"Fn::If": ["IsDev", 1, {"Ref": "AWS::NoValue"}]}}) == {}


def test_find_in_map_get_azs_base64_cidr_import():
    doc = {"Resources": {}, "Mappings": {"Size": {"prod": {"Units": 10}}}}
    ev = evaluator(doc, params={"Env": "prod"}, exports={"shared-arn": "arn:x"})
    assert ev.resolve({"Fn::FindInMap": ["Size", {"Ref": "Env"}, "Units"]}) == 10
    with pytest.raises(ValidationError, match="Unable to get mapping for Size::dev::Units"):
        ev.resolve({"Fn::FindInMap": ["Size", "dev", "Units"]})
    assert ev.resolve({"Fn::GetAZs": ""}) == ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
    assert ev.resolve({"Fn::Base64": "hello"}) == "aGVsbG8="
    assert ev.resolve({"Fn::Cidr": ["10.0.0.0/16", 3, 8]}) == [
        "10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24",
    ]  # fmt: skip
    assert ev.resolve({"Fn::ImportValue": "shared-arn"}) == "arn:x"


def test_parameters_defaults_types_and_constraints():
    declared = {
        "Env": {"Type": "String", "AllowedValues": ["dev", "prod"], "Default": "dev"},
        "Count": {"Type": "Number", "MinValue": 1, "MaxValue": 5, "Default": 2},
        "Ids": {"Type": "CommaDelimitedList", "Default": "a,b"},
        "Ports": {"Type": "List<Number>", "Default": "80,443"},
        "Name": {"Type": "String", "AllowedPattern": "[a-z]+", "MinLength": 2, "Default": "ab"},
        "Secret": {"Type": "String", "NoEcho": True},
    }
    values = parameters.raw_values(declared, [{"ParameterKey": "Secret", "ParameterValue": "s3"}])
    typed = parameters.typed(declared, values)
    assert typed["Count"] == "2"
    assert typed["Ids"] == ["a", "b"]
    assert typed["Ports"] == ["80", "443"]
    masked = {
        p["ParameterKey"]: p["ParameterValue"] for p in parameters.described(declared, values)
    }
    assert masked["Secret"] == "****"
    assert masked["Env"] == "dev"

    def error(given):
        with pytest.raises(ValidationError) as info:
            parameters.raw_values(
                declared, [{"ParameterKey": "Secret", "ParameterValue": "s"}, *given]
            )
        return info.value.message

    assert error([{"ParameterKey": "Env", "ParameterValue": "qa"}]) == (
        "Parameter 'Env' must be one of AllowedValues"
    )
    assert error([{"ParameterKey": "Count", "ParameterValue": "9"}]) == (
        "Parameter 'Count' must be a number not greater than 5"
    )
    assert error([{"ParameterKey": "Count", "ParameterValue": "x"}]) == (
        "Parameter 'Count' must be a number"
    )
    assert error([{"ParameterKey": "Name", "ParameterValue": "A1"}]) == (
        "Parameter 'Name' must match pattern [a-z]+"
    )
    assert error([{"ParameterKey": "Nope", "ParameterValue": "1"}]) == (
        "Parameters: [Nope] do not exist in the template"
    )
    with pytest.raises(ValidationError, match=r"Parameters: \[Secret\] must have values"):
        parameters.raw_values(declared, [])


def test_dependency_order_from_refs_getatt_sub_and_depends_on():
    resources = {
        "Fn": {
            "Type": "X",
            "Properties": {"Role": {"Fn::GetAtt": ["Role", "Arn"]}, "Env": {"Fn::Sub": "${Table}"}},
        },  # fmt: skip
        "Table": {"Type": "X", "Properties": {}},
        "Logs": {"Type": "X", "DependsOn": "Fn", "Properties": {"Name": {"Ref": "AWS::Region"}}},
        "Role": {"Type": "X", "Properties": {"Name": {"Ref": "Table"}}},
    }
    order = graph.creation_order(graph.dependencies(resources))
    assert order.index("Table") < order.index("Role") < order.index("Fn") < order.index("Logs")


def test_cycles_and_unknown_depends_on_are_template_errors():
    resources = {
        "A": {"Type": "X", "Properties": {"x": {"Ref": "B"}}},
        "B": {"Type": "X", "Properties": {"x": {"Fn::GetAtt": ["A", "Arn"]}}},
    }
    with pytest.raises(ValidationError) as info:
        graph.creation_order(graph.dependencies(resources))
    assert info.value.message == (
        "Template format error: Circular dependency between resources: [A, B]"
    )
    with pytest.raises(ValidationError, match=r"Unresolved resource dependencies \[Z\]"):
        graph.dependencies({"A": {"Type": "X", "DependsOn": ["Z"]}})


def test_if_only_follows_the_chosen_branch_for_dependencies():
    resources = {
        "A": {"Type": "X", "Properties": {"x": {"Fn::If": ["C", {"Ref": "B"}, "none"]}}},
        "B": {"Type": "X", "Properties": {"x": {"Ref": "A"}}},
    }
    assert graph.creation_order(graph.dependencies(resources, lambda name: False)) == ["A", "B"]
