"""Function management through boto3: create, read, list, update, delete, versions,
aliases, concurrency, tags, account settings, and the errors AWS gives."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.services.awslambda.conftest import ROLE, make_zip, unique

ARN_PREFIX = "arn:aws:lambda:us-east-1:000000000000:function:"


def error(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, str, int]:
    response = excinfo.value.response
    return (
        response["Error"]["Code"],
        response["Error"]["Message"],
        response["ResponseMetadata"]["HTTPStatusCode"],
    )


def test_create_function_reports_active_configuration(create_function):
    package = make_zip({"app.py": "def handler(e, c):\n    return 1\n"})
    name = unique()
    config = create_function(
        FunctionName=name,
        Code={"ZipFile": package},
        MemorySize=256,
        Timeout=10,
        Environment={"Variables": {"STAGE": "test"}},
        Description="hello",
        Architectures=["arm64"],
        EphemeralStorage={"Size": 1024},
    )
    assert config["FunctionName"] == name
    assert config["FunctionArn"] == ARN_PREFIX + name
    # Pending in CreateFunction's answer, as on AWS; Active (and Successful) from then on.
    assert (config["State"], config["StateReason"], config["StateReasonCode"]) == (
        "Pending",
        "The function is being created.",
        "Creating",
    )
    assert "LastUpdateStatus" not in config
    assert config["CodeSha256"] == base64.b64encode(hashlib.sha256(package).digest()).decode()
    assert config["CodeSize"] == len(package)
    assert config["Version"] == "$LATEST"
    assert config["MemorySize"] == 256 and config["Timeout"] == 10
    assert config["Environment"] == {"Variables": {"STAGE": "test"}}
    assert config["Architectures"] == ["arm64"]
    assert config["EphemeralStorage"] == {"Size": 1024}
    assert config["PackageType"] == "Zip"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000", config["LastModified"])
    assert re.fullmatch(r"[0-9a-f-]{36}", config["RevisionId"])


def test_get_function_and_configuration(lam, create_function):
    name = create_function(Tags={"team": "a"})["FunctionName"]
    got = lam.get_function(FunctionName=name)
    assert got["Configuration"]["FunctionName"] == name
    assert got["Code"]["RepositoryType"] == "S3"
    assert got["Code"]["Location"].startswith("http")
    assert got["Tags"] == {"team": "a"}
    assert "Concurrency" not in got
    by_arn = lam.get_function_configuration(FunctionName=ARN_PREFIX + name)
    assert by_arn["FunctionName"] == name
    partial = lam.get_function_configuration(FunctionName=f"000000000000:function:{name}")
    assert partial["FunctionArn"] == ARN_PREFIX + name


def test_missing_function_errors(lam):
    with pytest.raises(ClientError) as excinfo:
        lam.get_function(FunctionName="nope")
    assert error(excinfo) == (
        "ResourceNotFoundException",
        "Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope",
        404,
    )
    with pytest.raises(ClientError) as excinfo:
        lam.invoke(FunctionName="nope")
    assert error(excinfo)[0] == "ResourceNotFoundException"
    with pytest.raises(ClientError) as excinfo:
        lam.delete_function(FunctionName="nope")
    assert error(excinfo)[2] == 404


def test_duplicate_function_conflicts(create_function):
    name = create_function()["FunctionName"]
    with pytest.raises(ClientError) as excinfo:
        create_function(FunctionName=name)
    assert error(excinfo) == ("ResourceConflictException", f"Function already exist: {name}", 409)


@pytest.mark.parametrize(
    ("params", "code", "message"),
    [
        (
            {"Runtime": "nodejs20.x"},
            "InvalidParameterValueException",
            "Value nodejs20.x at 'runtime' failed to satisfy constraint: lenticular runs only"
            " the runtimes [python3.9, python3.10, python3.11, python3.12, python3.13,"
            " python3.14, provided.al2, provided.al2023]",
        ),
        (
            {"Runtime": "python3.7"},
            "InvalidParameterValueException",
            "The runtime parameter of python3.7 is no longer supported for creating or updating"
            " AWS Lambda functions. We recommend you use a supported runtime while creating or"
            " updating functions.",
        ),
        (
            {"Timeout": 901},
            "ValidationException",
            "1 validation error detected: Value '901' at 'timeout' failed to satisfy constraint:"
            " Member must have value less than or equal to 900",
        ),
        (
            {"Environment": {"Variables": {"AWS_REGION": "x"}}},
            "InvalidParameterValueException",
            "Lambda was unable to configure your environment variables because the environment"
            " variables you have provided contains reserved keys that are currently not"
            " supported for modification. Reserved keys used in this request: AWS_REGION",
        ),
        (
            {"Code": {"ZipFile": b"not a zip"}},
            "InvalidParameterValueException",
            "Could not unzip uploaded file. Please check your file, then try to upload again.",
        ),
        (
            {"Code": {"S3Bucket": "bucket", "S3Key": "code.zip"}},
            "InvalidParameterValueException",
            "lenticular has no S3 yet: upload the code as ZipFile, or run it from a local"
            " folder with S3Bucket=lenticular-local and S3Key=<absolute path>.",
        ),
    ],
)
def test_create_function_rejects_bad_parameters(create_function, params, code, message):
    with pytest.raises(ClientError) as excinfo:
        create_function(**params)
    assert error(excinfo)[:2] == (code, message)


def test_model_constraints_are_validated(aws_client, create_function):
    raw = aws_client("lambda", config=Config(parameter_validation=False))
    with pytest.raises(ClientError) as excinfo:
        create_function(client=raw, MemorySize=64)
    assert error(excinfo)[0] == "ValidationException"
    assert "at 'memorySize' failed to satisfy constraint" in error(excinfo)[1]
    with pytest.raises(ClientError) as excinfo:
        create_function(client=raw, Role="not-a-role")
    assert error(excinfo)[0] == "ValidationException"
    assert "at 'role' failed to satisfy constraint" in error(excinfo)[1]


def test_list_functions_pages(lam, create_function):
    names = {create_function(FunctionName=unique("page"))["FunctionName"] for _ in range(3)}
    seen: set[str] = set()
    marker = None
    while True:
        kwargs = {"MaxItems": 2, **({"Marker": marker} if marker else {})}
        page = lam.list_functions(**kwargs)
        assert len(page["Functions"]) <= 2
        seen |= {f["FunctionName"] for f in page["Functions"]}
        marker = page.get("NextMarker")
        if not marker:
            break
    assert names <= seen


def test_function_state_pending_to_active_and_last_update_status(lam, create_function):
    name = create_function()["FunctionName"]
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
    got = lam.get_function(FunctionName=name)["Configuration"]
    assert (got["State"], got["LastUpdateStatus"]) == ("Active", "Successful")
    assert "StateReason" not in got
    updates = (
        lambda: lam.update_function_code(FunctionName=name, ZipFile=make_zip({"app.py": "x=1"})),
        lambda: lam.update_function_configuration(FunctionName=name, Timeout=9),
    )
    for update in updates:
        answer = update()
        assert answer["State"] == "Active"
        assert (
            answer["LastUpdateStatus"],
            answer["LastUpdateStatusReason"],
            answer["LastUpdateStatusReasonCode"],
        ) == ("InProgress", "The function is being created.", "Creating")
        lam.get_waiter("function_updated_v2").wait(FunctionName=name)
        got = lam.get_function_configuration(FunctionName=name)
        assert (got["State"], got["LastUpdateStatus"]) == ("Active", "Successful")
        assert "LastUpdateStatusReason" not in got


def test_update_code_and_configuration(lam, create_function):
    config = create_function()
    name = config["FunctionName"]
    new_package = make_zip({"app.py": "def handler(e, c):\n    return 'v2'\n"})
    updated = lam.update_function_code(FunctionName=name, ZipFile=new_package)
    assert updated["CodeSize"] == len(new_package)
    assert updated["RevisionId"] != config["RevisionId"]
    assert lam.invoke(FunctionName=name)["Payload"].read() == b'"v2"'

    changed = lam.update_function_configuration(
        FunctionName=name, Timeout=30, Environment={"Variables": {"ALPHA": "1"}}
    )
    assert changed["Timeout"] == 30 and changed["Environment"]["Variables"] == {"ALPHA": "1"}
    with pytest.raises(ClientError) as excinfo:
        lam.update_function_configuration(FunctionName=name, Timeout=5, RevisionId="stale")
    code, message, status = error(excinfo)
    assert (code, status) == ("PreconditionFailedException", 412)
    assert message.startswith("The Revision Id provided does not match the latest Revision Id.")
    ok = lam.update_function_configuration(
        FunctionName=name, Timeout=5, RevisionId=changed["RevisionId"]
    )
    assert ok["Timeout"] == 5


def test_versions_and_aliases(lam, create_function):
    name = create_function(Publish=True)["FunctionName"]
    versions = lam.list_versions_by_function(FunctionName=name)["Versions"]
    assert [v["Version"] for v in versions] == ["$LATEST", "1"]
    # Nothing changed: publishing again returns version 1.
    assert lam.publish_version(FunctionName=name)["Version"] == "1"
    lam.update_function_code(
        FunctionName=name, ZipFile=make_zip({"app.py": "def handler(e, c):\n    return 2\n"})
    )
    v2 = lam.publish_version(FunctionName=name, Description="second")
    assert v2["Version"] == "2" and v2["FunctionArn"] == f"{ARN_PREFIX}{name}:2"
    assert v2["Description"] == "second"

    alias = lam.create_alias(
        FunctionName=name,
        Name="live",
        FunctionVersion="1",
        RoutingConfig={"AdditionalVersionWeights": {"2": 0.25}},
    )
    assert alias["AliasArn"] == f"{ARN_PREFIX}{name}:live"
    assert lam.get_alias(FunctionName=name, Name="live")["RoutingConfig"] == {
        "AdditionalVersionWeights": {"2": 0.25}
    }
    with pytest.raises(ClientError) as excinfo:
        lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    assert error(excinfo) == (
        "ResourceConflictException",
        f"Alias already exists: {ARN_PREFIX}{name}:live",
        409,
    )
    updated = lam.update_alias(
        FunctionName=name, Name="live", FunctionVersion="2", RoutingConfig={}
    )
    assert updated["FunctionVersion"] == "2"
    config = lam.get_function_configuration(FunctionName=name, Qualifier="live")
    assert config["Version"] == "2"
    assert [a["Name"] for a in lam.list_aliases(FunctionName=name)["Aliases"]] == ["live"]
    with pytest.raises(ClientError) as excinfo:
        lam.delete_function(FunctionName=name, Qualifier="2")
    assert error(excinfo)[0] == "ResourceConflictException"
    lam.delete_alias(FunctionName=name, Name="live")
    with pytest.raises(ClientError) as excinfo:
        lam.get_alias(FunctionName=name, Name="live")
    assert error(excinfo) == (
        "ResourceNotFoundException",
        f"Alias not found: {ARN_PREFIX}{name}:live",
        404,
    )
    lam.delete_function(FunctionName=name, Qualifier="1")
    with pytest.raises(ClientError) as excinfo:
        lam.get_function(FunctionName=name, Qualifier="1")
    assert error(excinfo)[1] == f"Function not found: {ARN_PREFIX}{name}:1"
    lam.delete_function(FunctionName=name)
    with pytest.raises(ClientError):
        lam.get_function(FunctionName=name)


def test_list_functions_all_versions(lam, create_function):
    name = create_function(Publish=True)["FunctionName"]
    everything = []
    for page in lam.get_paginator("list_functions").paginate(FunctionVersion="ALL"):
        everything += [f for f in page["Functions"] if f["FunctionName"] == name]
    assert sorted(f["Version"] for f in everything) == ["$LATEST", "1"]


def test_concurrency_settings(lam, create_function):
    name = create_function()["FunctionName"]
    assert (
        lam.get_function_concurrency(FunctionName=name).get("ReservedConcurrentExecutions") is None
    )
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=5)
    assert lam.get_function_concurrency(FunctionName=name)["ReservedConcurrentExecutions"] == 5
    assert lam.get_function(FunctionName=name)["Concurrency"] == {"ReservedConcurrentExecutions": 5}
    with pytest.raises(ClientError) as excinfo:
        lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=950)
    assert error(excinfo)[:2] == (
        "InvalidParameterValueException",
        "Specified ReservedConcurrentExecutions for function decreases account's"
        " UnreservedConcurrentExecution below its minimum value of [100].",
    )
    lam.delete_function_concurrency(FunctionName=name)
    assert "ReservedConcurrentExecutions" not in lam.get_function_concurrency(FunctionName=name)


def test_tags(lam, create_function):
    arn = create_function(Tags={"a": "1"})["FunctionArn"]
    lam.tag_resource(Resource=arn, Tags={"b": "2"})
    assert lam.list_tags(Resource=arn)["Tags"] == {"a": "1", "b": "2"}
    lam.untag_resource(Resource=arn, TagKeys=["a"])
    assert lam.list_tags(Resource=arn)["Tags"] == {"b": "2"}
    with pytest.raises(ClientError) as excinfo:
        lam.list_tags(Resource=ARN_PREFIX + "nope")
    assert error(excinfo)[0] == "ResourceNotFoundException"


def test_account_settings(lam, create_function):
    create_function()
    settings = lam.get_account_settings()
    assert settings["AccountLimit"]["ConcurrentExecutions"] == 1000
    assert settings["AccountLimit"]["CodeSizeZipped"] == 52428800
    assert settings["AccountUsage"]["FunctionCount"] >= 1


def test_handler_is_required(lam):
    with pytest.raises(ClientError) as excinfo:
        lam.create_function(
            FunctionName=unique(),
            Runtime="python3.12",
            Role=ROLE,
            Code={"ZipFile": make_zip({"app.py": ""})},
        )
    assert error(excinfo)[:2] == (
        "InvalidParameterValueException",
        "Runtime and Handler are mandatory parameters for functions created with deployment"
        " packages.",
    )
