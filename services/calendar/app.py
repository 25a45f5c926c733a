"""Application factory of the calendar service."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from services.calendar.bootstrap import wire
from services.calendar.entrypoints import metrics
from services.calendar.entrypoints.api import errors, events, feeds, planners, privacy
from services.calendar.settings import REQUIRED_IN_PRODUCTION, calendar_settings
from shared.cli import register_common_commands
from shared.web import create_service_app, finish_app

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the calendar service: ICS invites, feeds, CalDAV push and busy times."""
    app = create_service_app("calendar", __name__, calendar_settings(), test_config,
                             required=REQUIRED_IN_PRODUCTION)
    wire(app)
    errors.register(app)
    app.register_blueprint(events.bp)
    app.register_blueprint(planners.bp)
    app.register_blueprint(feeds.bp)
    app.register_blueprint(privacy.bp)
    metrics.register(app)
    register_common_commands(app, MIGRATIONS)
    return finish_app(app)
