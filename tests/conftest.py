"""Shared test set-up: the lenticular fixtures come from the package's pytest plugin."""

from __future__ import annotations

import os

# Never let a developer's real AWS settings leak into the tests.
os.environ.setdefault("AWS_ACCESS_KEY_ID", "test")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "test")
os.environ["AWS_CONFIG_FILE"] = os.devnull
os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
os.environ.pop("AWS_PROFILE", None)
