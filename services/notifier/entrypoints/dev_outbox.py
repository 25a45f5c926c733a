"""``/dev/outbox``: the developer's inbox of the console backend (development only)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template
from sqlalchemy import select

from services.notifier.adapters.orm import ConsoleMessage
from shared.web import CONTENT_SECURITY_POLICY, database

bp = Blueprint("dev_outbox", __name__, template_folder="pages")
PAGE_SIZE = 200


@bp.get("/dev/outbox")
def outbox() -> tuple[str, int, dict[str, str]]:
    """Every message the console backend "sent", newest first (404 outside development)."""
    if current_app.config.get("RELAIS_ENV") != "development":
        abort(404)
    with database().session() as session:
        messages = list(session.scalars(
            select(ConsoleMessage).order_by(ConsoleMessage.id.desc()).limit(PAGE_SIZE)))
    # The e-mail previews (iframe srcdoc, which inherits this page's policy) are
    # styled inline, as e-mails must be: this development page allows inline styles.
    return render_template("dev_outbox.html", messages=messages), 200, {
        "Content-Security-Policy": CONTENT_SECURITY_POLICY + "; style-src 'self' 'unsafe-inline'"}
