"""`lenticular deploy TEMPLATE`: deploy a CloudFormation or SAM template to a running
lenticular, creating or updating the stack, then print its events and outputs.

Local code folders (SAM `CodeUri`/`ContentUri`, a Lambda `Code` string) are resolved
against the template's folder and sent in the Lambda provider's local-folder form, so the
functions run straight from them; a SAM function that names no code runs from the
template's folder, as with SAM CLI. A stack whose create was rolled back (or left in review
by a change set) is deleted and created again, as a dev loop wants.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

from lenticular.config import Config

CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"]
RECREATE = {"ROLLBACK_COMPLETE", "REVIEW_IN_PROGRESS", "ROLLBACK_FAILED", "CREATE_FAILED"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("template", type=Path, help="CloudFormation or SAM template (YAML or JSON)")
    parser.add_argument("--stack-name", default=None, help="default: the template folder's name")
    parser.add_argument("--parameter-overrides", nargs="*", default=[], metavar="KEY=VALUE")
    parser.add_argument(
        "--endpoint-url", default=None, help="server (default: AWS_ENDPOINT_URL or the port)"
    )
    parser.add_argument("--region", default=None, help="default: AWS_REGION / AWS_DEFAULT_REGION")


def main(args: argparse.Namespace) -> int:
    from botocore.exceptions import ClientError, EndpointConnectionError

    from lenticular.services.cloudformation import sam, template

    path: Path = args.template.resolve()
    try:
        doc = sam.localize_code(default_code_uri(template.parse(path.read_text())), path.parent)
    except OSError as exc:
        return fail(f"cannot read {path}: {exc.strerror}")
    except Exception as exc:  # a template error, worded by the template module
        return fail(str(getattr(exc, "message", exc)))
    stack_name = args.stack_name or stack_name_for(path)
    try:
        overrides = dict(_pair(item) for item in args.parameter_overrides)
    except ValueError as exc:
        return fail(str(exc))
    cfn = _client(args)
    started = time.time()
    try:
        outcome = _deploy(cfn, stack_name, json.dumps(doc), doc, overrides)
    except EndpointConnectionError:
        return fail(f"no lenticular server at {cfn.meta.endpoint_url} (start one: lenticular up)")
    except ClientError as exc:
        return fail(exc.response["Error"].get("Message") or str(exc))
    if outcome == "unchanged":
        print(f"No changes to deploy. Stack {stack_name} is up to date.")
    else:
        _print_events(cfn, stack_name, started)
    stack = cfn.describe_stacks(StackName=stack_name)["Stacks"][0]
    status = stack["StackStatus"]
    if status not in ("CREATE_COMPLETE", "UPDATE_COMPLETE") and outcome != "unchanged":
        failure = _first_failure(cfn, stack_name, started)
        return fail(f"deploy of stack {stack_name} failed ({status}): {failure}")
    print(f"Stack {stack_name}: {status} in {time.time() - started:.1f}s")
    for output in stack.get("Outputs") or []:
        print(f"  {output['OutputKey']} = {output['OutputValue']}")
    return 0


TEMPLATE_NAMES = ("template.yaml", "template.yml")


def default_code_uri(doc: dict[str, Any]) -> dict[str, Any]:
    """Give a zip-packaged SAM function that names no code the template's folder as its
    CodeUri, as SAM CLI does (`sam init`'s Web Backend app relies on it)."""
    globals_fn = (doc.get("Globals") or {}).get("Function") or {}
    if not isinstance(globals_fn, dict) or "CodeUri" in globals_fn:
        return doc
    for resource in (doc.get("Resources") or {}).values():
        if not isinstance(resource, dict) or resource.get("Type") != "AWS::Serverless::Function":
            continue
        props = resource.setdefault("Properties", {})
        if not isinstance(props, dict) or any(
            key in props or key in globals_fn for key in ("CodeUri", "InlineCode", "ImageUri")
        ):
            continue
        if props.get("PackageType", globals_fn.get("PackageType")) != "Image":
            props["CodeUri"] = "."
    return doc


def find_template(folder: Path) -> Path | None:
    """The SAM/CloudFormation template `lenticular up` deploys from `folder`, if any."""
    return next((folder / n for n in TEMPLATE_NAMES if (folder / n).is_file()), None)


def deploy_in_background(template: Path, endpoint: str, region: str) -> threading.Thread:
    """Deploy `template` to the server at `endpoint` on a daemon thread (what `lenticular
    up` does once it serves): prints the events and outputs, or the failing resource."""

    def run() -> None:
        print(f"lenticular: deploying {template}", flush=True)
        args = argparse.Namespace(template=template, stack_name=None, parameter_overrides=[],
                                  endpoint_url=endpoint, region=region)  # fmt: skip
        try:
            main(args)
        except Exception as exc:  # never take the server down with a deploy
            fail(f"{type(exc).__name__}: {exc}")
        finally:
            sys.stdout.flush()
            sys.stderr.flush()

    thread = threading.Thread(target=run, name="lenticular-up-deploy", daemon=True)
    thread.start()
    return thread


def _deploy(cfn: Any, name: str, body: str, doc: dict[str, Any], overrides: dict[str, str]) -> str:
    from botocore.exceptions import ClientError

    existing = _existing(cfn, name)
    if existing is not None and existing["StackStatus"] in RECREATE:
        cfn.delete_stack(StackName=existing["StackId"])
        existing = None
    given = [{"ParameterKey": k, "ParameterValue": v} for k, v in overrides.items()]
    if existing is None:
        cfn.create_stack(StackName=name, TemplateBody=body, Parameters=given,
                         Capabilities=CAPABILITIES)  # fmt: skip
        return "created"
    previous = {p["ParameterKey"] for p in existing.get("Parameters") or []}
    given += [
        {"ParameterKey": key, "UsePreviousValue": True}
        for key in (doc.get("Parameters") or {})
        if key not in overrides and key in previous
    ]
    try:
        cfn.update_stack(StackName=name, TemplateBody=body, Parameters=given,
                         Capabilities=CAPABILITIES)  # fmt: skip
    except ClientError as exc:
        if "No updates are to be performed" in (exc.response["Error"].get("Message") or ""):
            return "unchanged"
        raise
    return "updated"


def _existing(cfn: Any, name: str) -> dict[str, Any] | None:
    from botocore.exceptions import ClientError

    try:
        return cfn.describe_stacks(StackName=name)["Stacks"][0]
    except ClientError as exc:
        if "does not exist" in (exc.response["Error"].get("Message") or ""):
            return None
        raise


def _events(cfn: Any, name: str, since: float) -> list[dict[str, Any]]:
    events = cfn.describe_stack_events(StackName=name)["StackEvents"]
    return [e for e in reversed(events) if e["Timestamp"].timestamp() >= since - 1]


def _print_events(cfn: Any, name: str, since: float) -> None:
    for e in _events(cfn, name, since):
        reason = f"  {e['ResourceStatusReason']}" if e.get("ResourceStatusReason") else ""
        print(f"{e['ResourceStatus']:<32} {e['ResourceType']:<34} {e['LogicalResourceId']}{reason}")


def _first_failure(cfn: Any, name: str, since: float) -> str:
    for e in _events(cfn, name, since):
        if (
            e["ResourceStatus"].endswith("_FAILED")
            and e["ResourceType"] != "AWS::CloudFormation::Stack"
        ):
            return (
                f"{e['LogicalResourceId']} ({e['ResourceType']}): {e.get('ResourceStatusReason')}"
            )
    for e in _events(cfn, name, since):
        if e.get("ResourceStatusReason"):
            return str(e["ResourceStatusReason"])
    return "see DescribeStackEvents"


def _client(args: argparse.Namespace) -> Any:
    import boto3

    defaults = Config.from_env()
    endpoint = (
        args.endpoint_url
        or os.environ.get("AWS_ENDPOINT_URL")
        or f"http://localhost:{defaults.port}"
    )
    region = (
        args.region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
        or defaults.default_region
    )  # fmt: skip
    return boto3.client(
        "cloudformation",
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID") or "test",
        aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY") or "test",
    )


def stack_name_for(path: Path) -> str:
    """The stack a template deploys to by default: its folder's name."""
    name = "".join(c if c.isalnum() or c == "-" else "-" for c in path.parent.name).strip("-")
    return name if name[:1].isalpha() else f"stack-{name}" if name else "lenticular-stack"


def _pair(item: str) -> tuple[str, str]:
    key, sep, value = item.partition("=")
    if not sep or not key:
        raise ValueError(f"--parameter-overrides takes KEY=VALUE, not {item!r}")
    return key, value


def fail(message: str) -> int:
    print(f"lenticular deploy: {message}", file=sys.stderr)
    return 1
