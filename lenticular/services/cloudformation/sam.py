"""The SAM transform (`Transform: AWS::Serverless-2016-10-31`), expanded by AWS's own
`aws-sam-translator`, offline: the managed-policy map is static, and the translator's
region and partition are pinned to the stack's (it never builds a boto3 session).

Local code: `CodeUri`/`ContentUri` folders become the Lambda provider's local-folder form
(`S3Bucket: lenticular-local`, `S3Key: /absolute/folder`). Relative folders need the
template's folder, which only `lenticular deploy` knows (it rewrites them before sending);
over the wire (e.g. `aws cloudformation deploy`) they are resolved against the server's
working directory, so they work when `lenticular up` runs in the template's folder. A code folder with a `requirements.txt` runs from
a build folder: the packages installed with `pip install --target`, cached by the hash of
requirements.txt, plus a fresh copy of the folder's files.
https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-specification.html
"""

from __future__ import annotations

import copy
import hashlib
import shutil
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lenticular.services.cloudformation.errors import TemplateError, ValidationError

SAM_TRANSFORM = "AWS::Serverless-2016-10-31"
LOCAL_BUCKET = "lenticular-local"  # the Lambda provider's local-folder bucket

# The AWS managed policies SAM templates name (Policies: [AWSLambdaBasicExecutionRole]).
_SERVICE_ROLE = (
    "AWSLambdaBasicExecutionRole", "AWSLambdaDynamoDBExecutionRole", "AWSLambdaKinesisExecutionRole",
    "AWSLambdaSQSQueueExecutionRole", "AWSLambdaVPCAccessExecutionRole", "AWSLambdaRole",
    "AWSLambdaENIManagementAccess", "AmazonAPIGatewayPushToCloudWatchLogs",
    "AWSLambdaMSKExecutionRole", "AWSCodeDeployRoleForLambda", "AWSLambdaExecute",
)  # fmt: skip
_TOP_LEVEL = (
    "AWSLambdaExecute", "AWSLambda_FullAccess", "AWSLambda_ReadOnlyAccess",
    "AmazonDynamoDBFullAccess", "AmazonDynamoDBReadOnlyAccess", "AmazonS3FullAccess",
    "AmazonS3ReadOnlyAccess", "AmazonSQSFullAccess", "AmazonSNSFullAccess",
    "AmazonKinesisFullAccess", "AmazonAPIGatewayInvokeFullAccess", "AmazonAPIGatewayAdministrator",
    "CloudWatchLogsFullAccess", "CloudWatchFullAccess", "AWSXrayWriteOnlyAccess",
    "AWSXRayDaemonWriteAccess", "AmazonCognitoPowerUser", "AmazonEventBridgeFullAccess",
    "AWSStepFunctionsFullAccess", "SecretsManagerReadWrite", "AmazonSSMReadOnlyAccess",
    "AdministratorAccess", "ReadOnlyAccess", "PowerUserAccess", "AWSXrayFullAccess",
)  # fmt: skip
_lock = threading.Lock()  # the translator keeps its region in a class attribute


def managed_policy_map(partition: str = "aws") -> dict[str, str]:
    names = {n: f"arn:{partition}:iam::aws:policy/{n}" for n in _TOP_LEVEL}
    names.update({n: f"arn:{partition}:iam::aws:policy/service-role/{n}" for n in _SERVICE_ROLE})
    names["AWSLambdaExecute"] = f"arn:{partition}:iam::aws:policy/AWSLambdaExecute"
    return names


def partition_of(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    return "aws-us-gov" if region.startswith("us-gov-") else "aws"


def uses_sam(doc: dict[str, Any]) -> bool:
    transform = doc.get("Transform")
    names = transform if isinstance(transform, list) else [transform]
    return SAM_TRANSFORM in names


@dataclass(slots=True)
class _PinnedSession:
    """All the translator reads from a boto3 session; it never reaches AWS through it."""

    region_name: str


def expand(
    doc: dict[str, Any], region: str, account: str, given: list[dict[str, Any]] | None = None,
    build_root: Path | None = None,
) -> dict[str, Any]:  # fmt: skip
    """The template with its SAM resources replaced by CloudFormation ones."""
    transform = doc.get("Transform")
    others = [t for t in (transform if isinstance(transform, list) else [transform])
              if t != SAM_TRANSFORM]  # fmt: skip
    if others:
        raise ValidationError(
            f"lenticular supports only the {SAM_TRANSFORM} transform, not {others}"
        )
    from samtranslator.model.exceptions import InvalidDocumentException
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.arn_generator import ArnGenerator
    from samtranslator.translator.translator import Translator

    source = localize_code(copy.deepcopy(doc), None)
    partition = partition_of(region)
    values: dict[str, Any] = {
        p["ParameterKey"]: p["ParameterValue"] for p in given or [] if "ParameterValue" in p
    }
    values.update({"AWS::Region": region, "AWS::Partition": partition, "AWS::AccountId": account})
    policies = managed_policy_map(partition)
    with _lock:
        translator = Translator(policies, Parser(), boto_session=_PinnedSession(region))  # type: ignore[arg-type]
        try:
            expanded = translator.translate(
                source, parameter_values=values, get_managed_policy_map=lambda: policies
            )
        except InvalidDocumentException as exc:
            causes = " ".join(str(getattr(c, "message", c)) for c in exc.causes)
            raise TemplateError(f"Transform {SAM_TRANSFORM} failed with: {causes}") from None
        finally:
            ArnGenerator.BOTO_SESSION_REGION_NAME = None
            translator.metrics.publish()  # to its no-op publisher; else it warns when collected
    expanded.pop("Transform", None)
    if build_root is not None:
        build_code(expanded, build_root)
    return expanded


# -- local code ----------------------------------------------------------------------------

_CODE_PROPERTIES = {
    "AWS::Serverless::Function": "CodeUri",
    "AWS::Serverless::LayerVersion": "ContentUri",
}


def localize_code(doc: dict[str, Any], base_dir: Path | None) -> dict[str, Any]:
    """Rewrite local CodeUri/ContentUri (SAM) and Code (Lambda) folders to the
    lenticular-local form; relative ones are resolved against `base_dir`."""
    globals_code = (doc.get("Globals") or {}).get("Function") or {}
    if isinstance(globals_code.get("CodeUri"), str):
        globals_code["CodeUri"] = _local_uri(globals_code["CodeUri"], base_dir)
    for logical_id, resource in (doc.get("Resources") or {}).items():
        if not isinstance(resource, dict):
            continue
        props = resource.get("Properties")
        if not isinstance(props, dict):
            continue
        key = _CODE_PROPERTIES.get(resource.get("Type", ""))
        if key and isinstance(props.get(key), str):
            props[key] = _local_uri(props[key], base_dir, logical_id)
        if resource.get("Type") == "AWS::Lambda::Function" and isinstance(props.get("Code"), str):
            uri = _local_uri(props["Code"], base_dir, logical_id)
            props["Code"] = {"S3Bucket": uri["Bucket"], "S3Key": uri["Key"]}
    return doc


def _local_uri(uri: str, base_dir: Path | None, logical_id: str = "Globals") -> Any:
    if uri.startswith("s3://"):
        return uri
    path = Path(uri)
    if not path.is_absolute():
        if base_dir is None:  # over the wire: the server's working directory
            if not (Path.cwd() / path).exists():
                raise ValidationError(
                    f"[{logical_id}] local code folder {uri!r} is relative and not in the"
                    f" server's working directory ({Path.cwd()}): deploy with `lenticular"
                    " deploy TEMPLATE`, which resolves it against the template's folder"
                )
            base_dir = Path.cwd()
        path = base_dir / path
    path = path.resolve()
    if not path.exists():
        raise ValidationError(f"[{logical_id}] local code folder {str(path)!r} does not exist")
    return {"Bucket": LOCAL_BUCKET, "Key": str(path)}


def build_code(doc: dict[str, Any], build_root: Path) -> None:
    """Point each local-folder function that has a requirements.txt at its build folder."""
    for resource in (doc.get("Resources") or {}).values():
        if resource.get("Type") != "AWS::Lambda::Function":
            continue
        code = (resource.get("Properties") or {}).get("Code")
        if not isinstance(code, dict) or code.get("S3Bucket") != LOCAL_BUCKET:
            continue
        folder = Path(str(code.get("S3Key")))
        if (folder / "requirements.txt").is_file():
            code["S3Key"] = str(build_folder(folder, build_root))


def build_folder(folder: Path, build_root: Path) -> Path:
    """`folder`'s files plus its requirements, installed once per requirements.txt hash."""
    requirements = (folder / "requirements.txt").read_bytes()
    digest = hashlib.sha256(str(folder).encode() + b"\0" + requirements).hexdigest()[:16]
    target = build_root / digest
    marker = target / ".lenticular-installed"
    if not marker.exists():
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        done = subprocess.run(
            [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
             "--target", str(target), "-r", str(folder / "requirements.txt")],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if done.returncode != 0:
            shutil.rmtree(target, ignore_errors=True)
            raise ValidationError(
                f"pip install -r {folder / 'requirements.txt'} failed: {done.stderr.strip()[-500:]}"
            )
        marker.write_text(digest)
    shutil.copytree(folder, target, dirs_exist_ok=True)
    return target
