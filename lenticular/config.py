"""Server settings: command-line flags, each also settable by a LENTICULAR_* variable."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_PORT = 4566
DEFAULT_REGION = "us-east-1"


def _env_bool(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


@dataclass(slots=True)
class Config:
    host: str = "127.0.0.1"  # interface to listen on
    port: int = DEFAULT_PORT  # the one port for every AWS API and data-plane endpoint
    data_dir: Path = Path(".lenticular")  # where all state lives
    verify_signatures: bool = False  # strict mode: check SigV4/SigV2 signatures like AWS
    default_region: str = DEFAULT_REGION  # region for requests that carry none

    @classmethod
    def from_env(cls) -> Config:
        return cls(
            host=os.environ.get("LENTICULAR_HOST", "127.0.0.1"),
            port=int(os.environ.get("LENTICULAR_PORT", DEFAULT_PORT)),
            data_dir=Path(os.environ.get("LENTICULAR_DATA_DIR", ".lenticular")),
            verify_signatures=_env_bool("LENTICULAR_VERIFY_SIGNATURES"),
            default_region=os.environ.get("LENTICULAR_DEFAULT_REGION", DEFAULT_REGION),
        )

    @property
    def endpoint(self) -> str:
        host = "localhost" if self.host in ("127.0.0.1", "0.0.0.0", "::") else self.host
        return f"http://{host}:{self.port}"
