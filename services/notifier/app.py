"""Application factory of the notifier service."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from services.notifier.bootstrap import check_backends
from services.notifier.settings import notifier_settings
from shared.cli import register_common_commands
from shared.web import create_service_app, finish_app

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the notifier: notifications API, Twilio webhooks, development inbox."""
    from services.notifier.entrypoints import api, dev_outbox, metrics, privacy, webhooks

    app = create_service_app("notifier", __name__, notifier_settings(), test_config)
    check_backends(app.config)
    app.register_blueprint(api.bp)
    app.register_blueprint(webhooks.bp)
    app.register_blueprint(dev_outbox.bp)
    app.register_blueprint(privacy.bp)
    metrics.register(app)
    register_common_commands(app, MIGRATIONS)
    return finish_app(app)
