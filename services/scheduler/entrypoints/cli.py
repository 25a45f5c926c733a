"""The scheduler's ``flask`` commands (placeholder until the cases land)."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    """Add the scheduler's commands to ``app.cli``."""
