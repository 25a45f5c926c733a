"""The headers of every page people open: no framing, a strict policy, HSTS behind TLS.

The scheduler here runs as in production behind one TLS proxy
(``RELAIS_TRUSTED_PROXIES=1``). Every GET route of the page blueprints is
walked (a page added later is walked too), with the answers it gives a
person: the page itself, and its error pages (unknown link, expired link).
Each HTML answer carries the Content-Security-Policy with
``frame-ancestors 'none'``, ``X-Frame-Options: DENY``, no referrer (links
carry tokens) and no caching; HSTS when the proxy says the request came over
TLS, never over plain HTTP.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from services.scheduler.adapters.links import LinkSigner, Role
from shared.web import CONTENT_SECURITY_POLICY
from tests.conftest import DatabaseFactory, make_app_fixture
from tests.integration.security.conftest import Spst

PAGE_BLUEPRINTS = ("employee", "employer", "planner", "planner_auth")
HTTPS = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}


@pytest.fixture
def scheduler_app(request: pytest.FixtureRequest, database_factory: DatabaseFactory,
                  db_backend: str) -> Iterator[Flask]:
    """The scheduler behind one trusted TLS proxy (replaces the shared fixture here)."""
    from services.scheduler.adapters.orm import metadata
    from services.scheduler.app import MIGRATIONS, create_app

    yield from make_app_fixture(request, database_factory, "scheduler", create_app,
                                MIGRATIONS, metadata, db_backend, {"TRUSTED_PROXIES": 1})


def page_paths(app: Flask, spst: Spst) -> list[str]:
    """Every GET page of the app, with the values of a real case."""
    values = {"procedure_id": str(spst.case.procedure_id)}
    paths = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] not in PAGE_BLUEPRINTS or "GET" not in (rule.methods or ()):
            continue
        path = rule.rule
        for name in rule.arguments:
            if name == "token":
                role = Role.EMPLOYEE if path.startswith("/e/") else Role.EMPLOYER
                path = path.replace("<token>", spst.case.token(role))
            else:
                path = path.replace(f"<int:{name}>", values[name])
        paths.append(path)
    return sorted(paths)


def check_page_headers(answer: TestResponse, where: str, *, https: bool) -> None:
    headers = answer.headers
    assert headers["X-Frame-Options"] == "DENY", where
    assert headers["Referrer-Policy"] == "no-referrer", where
    assert headers["X-Content-Type-Options"] == "nosniff", where
    if answer.mimetype == "text/html":
        policy = headers["Content-Security-Policy"]
        assert policy == CONTENT_SECURITY_POLICY, where
        assert "frame-ancestors 'none'" in policy and "unsafe-inline" not in policy, where
        assert headers["Cache-Control"] == "no-store", where
    if https:
        assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains", where
    else:
        assert "Strict-Transport-Security" not in headers, where


def _answers(client: FlaskClient, paths: list[str], headers: dict[str, str],
             ) -> Iterator[tuple[str, TestResponse]]:
    for path in paths:
        answer = client.get(path, headers=headers)
        assert answer.status_code in (200, 302, 303), (path, answer.status_code)
        yield path, answer


def test_every_page_forbids_framing_and_gets_hsts_behind_tls(scheduler_app: Flask,
                                                            spst_a: Spst) -> None:
    spst_a.case.accept()
    spst_a.case.confirm_first_slot()
    paths = page_paths(scheduler_app, spst_a)
    assert {"/planner", "/planner/connexion"} <= set(paths)
    assert any(p.startswith("/e/") for p in paths) and any(p.startswith("/l/") for p in paths)
    anonymous = scheduler_app.test_client()
    for https, headers in ((True, HTTPS), (False, {})):
        for path, answer in _answers(spst_a.planner.client, paths, headers):
            check_page_headers(answer, path, https=https)
        for path in ("/e/pas-un-jeton", "/l/pas-un-jeton", "/planner/nulle-part", "/e/"):
            answer = anonymous.get(path, headers=headers)
            assert answer.status_code == 404 and answer.mimetype == "text/html", path
            check_page_headers(answer, path, https=https)


def test_expired_link_and_login_pages_too(scheduler_app: Flask, spst_a: Spst) -> None:
    client = scheduler_app.test_client()
    url = spst_a.case.employee_url
    scheduler_app.extensions["relais_links"] = LinkSigner(
        scheduler_app.config["SECRET_KEY"], "http://x", max_age=-1)
    expired = client.get(url, headers=HTTPS)
    assert expired.status_code == 410
    check_page_headers(expired, "lien expiré", https=True)
    login = client.get("/planner/connexion", headers=HTTPS)
    check_page_headers(login, "connexion", https=True)
    refused = client.post("/planner/connexion", data={"email": "x@y.fr", "password": "z"},
                          headers=HTTPS)
    assert refused.status_code == 400  # no CSRF token
    check_page_headers(refused, "connexion refusée", https=True)


def test_a_forwarded_scheme_from_an_untrusted_hop_is_not_believed(
    scheduler_app: Flask, spst_a: Spst,
) -> None:
    """Only the one trusted proxy's word counts: a client's own header is overwritten by it."""
    answer = scheduler_app.test_client().get(
        "/planner/connexion", headers={"X-Forwarded-Proto": "http, https"})
    assert "Strict-Transport-Security" in answer.headers  # the proxy's (last) value
    answer = scheduler_app.test_client().get(
        "/planner/connexion", headers={"X-Forwarded-Proto": "https, http"})
    assert "Strict-Transport-Security" not in answer.headers
