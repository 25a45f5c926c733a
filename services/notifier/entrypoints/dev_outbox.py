"""``/dev/outbox``: the developer's inbox of the console backend (development only)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template
from sqlalchemy import select

from services.notifier.adapters.orm import ConsoleMessage
from shared.web import database

bp = Blueprint("dev_outbox", __name__, template_folder="pages")
PAGE_SIZE = 200


@bp.get("/dev/outbox")
def outbox() -> str:
    """Every message the console backend "sent", newest first (404 outside development)."""
    if current_app.config.get("RELAIS_ENV") != "development":
        abort(404)
    with database().session() as session:
        messages = list(session.scalars(
            select(ConsoleMessage).order_by(ConsoleMessage.id.desc()).limit(PAGE_SIZE)))
    return render_template("dev_outbox.html", messages=messages)
