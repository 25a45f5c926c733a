"""Per-client rate limits on public endpoints (Flask-Limiter).

A view is marked with :func:`rate_limited` and the name of the setting that
holds its limit; :func:`install_limiter` gives each app its own limiter (so
that two apps in one process never share counters) once its blueprints are
registered. The client is the API key on the routes documented with bearer
authentication, otherwise the remote address as seen through the configured
number of trusted proxies. Storage is in memory by default; production points
``RELAIS_RATELIMIT_STORAGE_URI`` at Redis so that all replicas share the counts.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, current_app, request
from flask_limiter import Limiter

from shared.auth import bearer_token

F = TypeVar("F", bound=Callable[..., Any])


#: ``app.extensions`` key of the endpoints that take a bearer token.
KEYED_ENDPOINTS = "relais_keyed_endpoints"


def client_key() -> str:
    """Who a request counts for: its key on the routes that take one, else its address.

    A route without bearer authentication ignores the ``Authorization``
    header: a made-up token would otherwise start a fresh count each time.
    """
    keyed = current_app.extensions.get(KEYED_ENDPOINTS, frozenset())
    token = bearer_token() if request.endpoint in keyed else None
    if token:
        return "key:" + hashlib.sha256(token.encode()).hexdigest()[:16]
    return "ip:" + (request.remote_addr or "unknown")


def rate_limited(setting: str) -> Callable[[F], F]:
    """Mark a view as limited by the limit string in ``app.config[setting]``."""

    def mark(view: F) -> F:
        view._rate_limit_setting = setting  # type: ignore[attr-defined]
        return view

    return mark


def _limit_of(app: Flask, setting: str) -> Callable[[], str]:
    return lambda: str(app.config[setting])


def install_limiter(app: Flask) -> Limiter:
    """Create the app's limiter and apply the limits of every marked view."""
    limiter = Limiter(
        key_func=client_key, app=app, headers_enabled=True,
        storage_uri=app.config["RATELIMIT_STORAGE_URI"],
        key_prefix=str(app.config.get("RATELIMIT_KEY_PREFIX", "relais")),
    )
    app.extensions[KEYED_ENDPOINTS] = frozenset(
        endpoint for endpoint, view in app.view_functions.items()
        if (getattr(view, "_openapi", None) or {}).get("auth"))
    for endpoint, view in list(app.view_functions.items()):
        setting = getattr(view, "_rate_limit_setting", None)
        if setting:
            app.view_functions[endpoint] = limiter.limit(_limit_of(app, setting))(view)  # type: ignore[assignment]
    app.extensions["relais_limiter"] = limiter
    return limiter
