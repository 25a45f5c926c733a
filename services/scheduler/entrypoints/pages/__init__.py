"""Server-rendered pages: the employee's and the employer's links, the planner's dashboard.

:func:`register` adds them to the scheduler app: their settings (with
defaults read from the environment), the link signer, the blueprints, the
CSRF check and the HTML error pages. The pages are French, mobile-first and
need neither JavaScript nor inline styles, so that a ``default-src 'self'``
Content-Security-Policy holds.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, Flask, current_app

from services.scheduler.adapters.links import DEFAULT_MAX_AGE, LinkSigner
from services.scheduler.entrypoints.pages.common import install_filters
from services.scheduler.entrypoints.pages.csrf import csrf_token
from services.scheduler.entrypoints.pages.errors import install_unrouted_pages
from shared.config import env_int, env_str

#: Templates and the stylesheet, shared by every page blueprint.
assets = Blueprint("pages", __name__, template_folder="templates", static_folder="static",
                   static_url_path="/static/pages")


def page_settings() -> dict[str, Any]:
    """The pages' settings, read from the environment (defaults for development)."""
    return {
        "LINK_MAX_AGE": env_int("RELAIS_LINK_MAX_AGE", DEFAULT_MAX_AGE),
        "PAGES_RATE_LIMIT": env_str("RELAIS_PAGES_RATE_LIMIT", "60/minute"),
        "LOGIN_RATE_LIMIT": env_str("RELAIS_LOGIN_RATE_LIMIT", "10/minute;50/hour"),
        "PLANNER_IDLE_MINUTES": env_int("RELAIS_PLANNER_IDLE_MINUTES", 30),
        "PLANNER_SESSION_HOURS": env_int("RELAIS_PLANNER_SESSION_HOURS", 10),
        "CALENDAR_URL": env_str("CALENDAR_URL", "http://127.0.0.1:8003"),
    }


def register(app: Flask) -> None:
    """Add the pages to the scheduler ``app`` (before ``finish_app``)."""
    from services.scheduler.entrypoints.pages.auth import bp as auth_bp
    from services.scheduler.entrypoints.pages.employee import bp as employee_bp
    from services.scheduler.entrypoints.pages.employer import bp as employer_bp
    from services.scheduler.entrypoints.pages.planner import bp as planner_bp

    for key, value in page_settings().items():
        app.config.setdefault(key, value)
    production = app.config.get("RELAIS_ENV") == "production"
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    if app.config.get("SESSION_COOKIE_SAMESITE") is None:
        app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    if production:
        app.config["SESSION_COOKIE_SECURE"] = True
    app.permanent_session_lifetime = timedelta(hours=int(app.config["PLANNER_SESSION_HOURS"]))
    app.extensions["relais_links"] = LinkSigner(
        app.config["SECRET_KEY"], app.config["PUBLIC_BASE_URL"],
        int(app.config["LINK_MAX_AGE"]))
    app.jinja_env.globals["csrf_token"] = csrf_token
    install_filters(app)
    app.register_blueprint(assets)
    for blueprint in (employee_bp, employer_bp, auth_bp, planner_bp):
        app.register_blueprint(blueprint)
    install_unrouted_pages(app)


def link_signer() -> LinkSigner:
    """The app's :class:`LinkSigner` (also used to write the links into messages)."""
    signer: LinkSigner = current_app.extensions["relais_links"]
    return signer
