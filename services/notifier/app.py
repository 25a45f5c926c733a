"""Application factory of the notifier service."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from shared.cli import register_common_commands
from shared.web import create_service_app, finish_app

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the notifier service: Durable SMS and e-mail delivery."""
    app = create_service_app("notifier", __name__, {}, test_config)
    register_common_commands(app, MIGRATIONS)
    return finish_app(app)
