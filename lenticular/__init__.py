"""lenticular: the AWS Serverless Application Lens architectures on one machine.

Speaks AWS's own wire APIs on one port so that unmodified SDKs, the AWS CLI and
SAM/CloudFormation templates work against it.
"""

from __future__ import annotations

__version__ = "0.1.0"

from lenticular import compiled as _compiled  # noqa: E402

_compiled.install()  # compiled copies of the request path, while they match their sources
