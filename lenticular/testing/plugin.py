"""pytest plugin registered by the package: provides the `lenticular` fixtures."""

from __future__ import annotations
