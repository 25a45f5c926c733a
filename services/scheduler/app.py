"""Application factory of the scheduler service."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from services.scheduler.settings import scheduler_settings
from shared.cli import register_common_commands
from shared.web import create_service_app, finish_app

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the scheduler: rules calculator, cases, and their API."""
    from services.scheduler.entrypoints import (
        audit_trail,
        cli,
        internal,
        metrics,
        pages,
        runtime,
        worker,
    )
    from services.scheduler.entrypoints.api import cases, evaluate, privacy, workflows

    app = create_service_app("scheduler", __name__, scheduler_settings(), test_config)
    app.register_blueprint(evaluate.bp)
    app.register_blueprint(cases.bp)
    app.register_blueprint(workflows.bp)
    app.register_blueprint(privacy.bp)
    app.register_blueprint(internal.bp)
    runtime.install(app)
    audit_trail.install(app)
    app.cli.add_command(worker.sweep_command)
    app.cli.add_command(worker.purge_command)
    pages.register(app)
    register_common_commands(app, MIGRATIONS)
    cli.register(app)
    metrics.register(app)
    return finish_app(app)
