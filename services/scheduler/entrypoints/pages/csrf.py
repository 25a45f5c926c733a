"""CSRF protection of the pages' forms, bound to the session.

Each browser session holds one random secret (in Flask's signed cookie); every
form carries it in a hidden ``csrf_token`` field and every POST to a page must
send it back unchanged. A cross-site form cannot read the cookie, so it cannot
forge the field. The session cookie is also ``SameSite=Lax``, which keeps it
off cross-site POSTs in the first place.
"""

from __future__ import annotations

import hmac
import secrets

from flask import abort, request, session

SESSION_KEY = "_csrf"
FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def csrf_token() -> str:
    """The session's token, created on first use (templates call it in every form)."""
    token = session.get(SESSION_KEY)
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        session[SESSION_KEY] = token
    return token


def rotate() -> None:
    """Forget the token (at login and logout) so that a new one is issued."""
    session.pop(SESSION_KEY, None)


def check_csrf() -> None:
    """``before_request`` of the page blueprints: refuse a POST without the right token.

    :raises werkzeug.exceptions.BadRequest: 400 on a missing or wrong token.
    """
    if request.method in SAFE_METHODS:
        return
    expected = session.get(SESSION_KEY)
    sent = request.form.get(FIELD, "")
    if (not isinstance(expected, str) or not expected or not sent
            or not hmac.compare_digest(sent.encode(), expected.encode())):
        abort(400, description="csrf")
