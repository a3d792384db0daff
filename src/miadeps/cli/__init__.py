"""The ``miadeps`` command line."""

from __future__ import annotations

from miadeps.cli._app import app, main, run

__all__ = ["app", "main", "run"]
