"""The Flask plumbing every Relais service shares.

:func:`create_service_app` does, in order: defaults, environment, the caller's
test configuration, checks, logging, the database, error handlers, rate
limiting, security headers, request metrics, and the ``/metrics``, health and
API-documentation routes. The service then registers its own blueprints.
Nothing happens at import.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Flask, Response, current_app, jsonify, render_template, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask.wrappers import Request
from werkzeug.middleware.proxy_fix import ProxyFix

from shared.config import base_settings, check_settings
from shared.db import Database
from shared.errors import ApiError, register_error_handlers
from shared.logging import configure_logging
from shared.metrics import install_metrics
from shared.openapi import build_spec
from shared.ratelimit import install_limiter

system = Blueprint("system", __name__, template_folder="templates", static_folder="static",
                   static_url_path="/static/system")


def create_service_app(
    service: str, import_name: str, settings: Mapping[str, Any] | None = None,
    test_config: Mapping[str, Any] | None = None, required: tuple[str, ...] = (),
) -> Flask:
    """Build a service's Flask app without its own blueprints.

    :param settings: the service's own settings, read from the environment.
    :param test_config: overrides applied last (tests).
    :param required: extra settings that production must define.
    :raises shared.config.ConfigError: when production lacks a secret.
    """
    app = Flask(import_name)
    app.config.update(base_settings(service))
    app.config.update(settings or {})
    app.config.update(test_config or {})
    app.config.setdefault("RATELIMIT_ENABLED", True)
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.session_interface = PageSessions()
    check_settings(app.config, required)
    configure_logging(service, app.config["LOG_LEVEL"])
    if app.config["TRUSTED_PROXIES"]:
        n = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]
    app.extensions["relais_db"] = Database(app.config["DATABASE_URL"])
    register_error_handlers(app)
    app.after_request(_security_headers)
    install_metrics(app)
    app.register_blueprint(system)
    return app


#: Paths of machines (APIs, webhooks): no cookie session is read or written there.
SESSIONLESS_PREFIXES = ("/api/", "/internal/", "/webhooks/")


class PageSessions(SecureCookieSessionInterface):
    """The signed-cookie session of the pages, not opened for machine paths.

    An API call carries a bearer token, never a cookie: decoding (or making)
    a session on each would be work for nothing, and a view there that tried
    to write one would fail loudly (a null session refuses writes).
    """

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if request.path.startswith(SESSIONLESS_PREFIXES):
            return self.make_null_session(app)
        return super().open_session(app, request)


def finish_app(app: Flask) -> Flask:
    """Last step of a service's factory, once all its blueprints are in."""
    install_limiter(app)
    return app


def database(app: Flask | None = None) -> Database:
    """The app's :class:`~shared.db.Database`."""
    db: Database = (app or current_app).extensions["relais_db"]
    return db


def json_body() -> dict[str, Any]:
    """The request's JSON object, or a 4xx that says what is wrong with it."""
    if not request.mimetype or request.mimetype != "application/json":
        raise ApiError(415, "unsupported_media_type",
                       "le corps doit être du JSON (Content-Type: application/json)", "body")
    try:
        payload = json.loads(request.get_data(cache=True) or b"null")
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(400, "invalid_json", f"JSON illisible : {exc}", "body") from exc
    except RecursionError as exc:
        raise ApiError(400, "invalid_json", "JSON illisible : imbrication trop profonde",
                       "body") from exc
    if not isinstance(payload, dict):
        raise ApiError(422, "invalid_input", "le corps doit être un objet JSON", "body")
    return payload


#: The policy of every HTML page: nothing inline, nothing from elsewhere.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; "
    "object-src 'none'"
)


def _security_headers(response: Response) -> Response:
    """Headers on every response; a view may set its own value first.

    Links carry tokens, hence no referrer. HTML pages get the Content-Security-
    Policy and are never cached; HSTS only over HTTPS (directly, or behind a
    TLS proxy trusted through ``RELAIS_TRUSTED_PROXIES``).
    """
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "no-referrer")
    headers.setdefault("X-Frame-Options", "DENY")
    if response.mimetype == "text/html":
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("Cache-Control", "no-store")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


@system.get("/healthz")
def healthz() -> Response:
    """Alive: the process answers."""
    return jsonify({"status": "ok", "service": current_app.config["SERVICE_NAME"]})


@system.get("/readyz")
def readyz() -> tuple[Response, int]:
    """Ready: the database answers."""
    ok = database().ping()
    body = {"status": "ok" if ok else "unavailable", "database": "ok" if ok else "unreachable"}
    return jsonify(body), 200 if ok else 503


def _spec() -> dict[str, Any]:
    spec: dict[str, Any] | None = current_app.extensions.get("relais_openapi")
    if spec is None:
        name = current_app.config["SERVICE_NAME"]
        spec = build_spec(current_app, f"Relais {name}", description=current_app.config.get(
            "API_DESCRIPTION", ""))
        current_app.extensions["relais_openapi"] = spec
    return spec


@system.get("/api/v1/openapi.json")
def openapi_json() -> Response:
    """The service's OpenAPI 3 document."""
    return jsonify(_spec())


@system.get("/api/v1/docs")
def api_docs() -> str:
    """A browsable page of the OpenAPI document."""
    return render_template("api_docs.html", spec=_spec(), spec_json=json.dumps(_spec(), indent=2,
                           ensure_ascii=False))
