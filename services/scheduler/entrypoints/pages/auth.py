"""The planner's login: ``/planner/connexion`` and ``/planner/deconnexion``.

The session lives in Flask's signed cookie (HttpOnly, SameSite=Lax, Secure in
production). It ends after ``PLANNER_IDLE_MINUTES`` without a request, after
``PLANNER_SESSION_HOURS`` in all, at logout, and when the password changes.
Logging in starts a fresh session (no fixation) and is rate-limited per client.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from werkzeug.wrappers import Response as WerkzeugResponse

from services.scheduler.entrypoints.pages import accounts
from services.scheduler.entrypoints.pages.common import now as _now
from services.scheduler.entrypoints.pages.csrf import check_csrf, rotate
from services.scheduler.entrypoints.pages.errors import install_html_errors
from shared.ratelimit import rate_limited
from shared.web import database

F = TypeVar("F", bound=Callable[..., Any])

bp = Blueprint("planner_auth", __name__)
bp.before_request(check_csrf)
install_html_errors(bp)


def _stamp(moment: datetime) -> float:
    return moment.timestamp()


def current_planner() -> accounts.Planner | None:
    """The logged-in planner, or None (an expired or stale session is cleared)."""
    if "planner" in g:
        found: accounts.Planner | None = g.planner
        return found
    g.planner = None
    planner_id, started, seen = (session.get("planner_id"), session.get("login_at"),
                                 session.get("seen_at"))
    if not (isinstance(planner_id, int) and isinstance(started, float)
            and isinstance(seen, float)):
        return None
    now = _stamp(_now())
    idle = timedelta(minutes=int(current_app.config["PLANNER_IDLE_MINUTES"])).total_seconds()
    total = timedelta(hours=int(current_app.config["PLANNER_SESSION_HOURS"])).total_seconds()
    if now - seen > idle or now - started > total or now < started:
        _end_session()
        return None
    with database().session() as db:
        planner = accounts.load(db, planner_id)
    if planner is None or planner.stamp != session.get("stamp"):
        _end_session()
        return None
    session["seen_at"] = now
    g.planner = planner
    return planner


def _end_session() -> None:
    session.clear()
    rotate()


def login_required(view: F) -> F:
    """Let a page through only for a logged-in planner; others go to the login page."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if current_planner() is None:
            if request.method == "GET":
                return redirect(url_for("planner_auth.login_form", next=request.path))
            flash("Votre session a expiré : reconnectez-vous.", "warning")
            return redirect(url_for("planner_auth.login_form"))
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def _safe_next(target: str | None) -> str:
    """Only a local path under /planner (never an open redirect)."""
    if target:
        parts = urlsplit(target)
        if (not parts.scheme and not parts.netloc and target.startswith("/planner")
                and not target.startswith("//") and "\\" not in target):
            return target
    return url_for("planner.dashboard")


@bp.get("/planner/connexion")
def login_form() -> str | WerkzeugResponse:
    if current_planner() is not None:
        return redirect(url_for("planner.dashboard"))
    return render_template("pages/login.html", email="", error=None,
                           next=_safe_next(request.args.get("next")))


@bp.post("/planner/connexion")
@rate_limited("LOGIN_RATE_LIMIT")
def login() -> tuple[str, int] | WerkzeugResponse:
    email = request.form.get("email", "").strip()[:254]
    password = request.form.get("password", "")
    target = _safe_next(request.form.get("next"))
    planner = None
    if email and password:
        with database().session() as db:
            planner = accounts.authenticate(db, email, password)
    if planner is None:
        error = "Adresse e-mail ou mot de passe incorrect."
        return render_template("pages/login.html", email=email, error=error,
                               next=target), 401
    session.clear()  # a fresh session: nothing from before the login survives
    now = _stamp(_now())
    session.update(planner_id=planner.id, login_at=now, seen_at=now, stamp=planner.stamp)
    session.permanent = True
    return redirect(target)


@bp.post("/planner/deconnexion")
def logout() -> WerkzeugResponse:
    _end_session()
    flash("Vous êtes déconnecté.", "ok")
    return redirect(url_for("planner_auth.login_form"))
