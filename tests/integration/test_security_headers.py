"""Security headers of every service, set in one place (shared/web.py).

Run on SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from importlib import import_module
from typing import Any

import pytest
from flask import Flask

from shared.web import CONTENT_SECURITY_POLICY
from tests.conftest import DatabaseFactory, make_app_fixture

SERVICES = ["scheduler", "notifier", "calendar"]
HSTS = "Strict-Transport-Security"


def make_app(request: pytest.FixtureRequest, database_factory: DatabaseFactory, service: str,
             backend: str, extra: dict[str, Any] | None = None) -> Iterator[Flask]:
    module = import_module(f"services.{service}.app")
    orm = import_module(f"services.{service}.adapters.orm")
    yield from make_app_fixture(request, database_factory, service, module.create_app,
                                module.MIGRATIONS, orm.metadata, backend, extra)


@pytest.fixture(params=SERVICES)
def service_app(request: pytest.FixtureRequest, database_factory: DatabaseFactory,
                db_backend: str) -> Iterator[Flask]:
    yield from make_app(request, database_factory, request.param, db_backend)


@pytest.fixture(params=SERVICES)
def proxied_app(request: pytest.FixtureRequest, database_factory: DatabaseFactory,
                db_backend: str) -> Iterator[Flask]:
    yield from make_app(request, database_factory, request.param, db_backend,
                        {"TRUSTED_PROXIES": 1})


def test_every_response_says_nosniff_no_referrer_no_framing(service_app: Flask) -> None:
    client = service_app.test_client()
    for path in ("/healthz", "/api/v1/openapi.json", "/api/v1/docs", "/api/v1/nope", "/metrics"):
        headers = client.get(path).headers
        assert headers["X-Content-Type-Options"] == "nosniff", path
        assert headers["Referrer-Policy"] == "no-referrer", path
        assert headers["X-Frame-Options"] == "DENY", path


def test_html_pages_get_the_policy_and_are_never_cached(service_app: Flask) -> None:
    page = service_app.test_client().get("/api/v1/docs")
    assert page.status_code == 200
    assert page.mimetype == "text/html"
    assert page.headers["Content-Security-Policy"] == (
        "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; "
        "object-src 'none'")
    assert page.headers["Cache-Control"] == "no-store"


def test_json_answers_carry_no_page_policy(service_app: Flask) -> None:
    answer = service_app.test_client().get("/healthz")
    assert answer.mimetype == "application/json"
    assert "Content-Security-Policy" not in answer.headers


def test_the_api_docs_page_works_under_its_policy(service_app: Flask) -> None:
    """Nothing inline (the policy would block it); the stylesheet is served from 'self'."""
    client = service_app.test_client()
    html = client.get("/api/v1/docs").get_data(as_text=True)
    assert "<script" not in html
    assert "<style" not in html
    assert not re.search(r"\sstyle=|\son[a-z]+=", html)
    stylesheets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)
    assert stylesheets
    for href in stylesheets:
        assert href.startswith("/"), href
        with client.get(href) as sheet:
            assert sheet.status_code == 200
            assert sheet.mimetype == "text/css"
            assert b".m{" in sheet.data
            assert "Content-Security-Policy" not in sheet.headers


def test_no_hsts_over_plain_http(service_app: Flask) -> None:
    assert HSTS not in service_app.test_client().get("/healthz").headers


def test_hsts_over_https(service_app: Flask) -> None:
    answer = service_app.test_client().get("/healthz", base_url="https://relais.example.fr")
    assert answer.headers[HSTS].startswith("max-age=")


def test_hsts_behind_a_trusted_tls_proxy(proxied_app: Flask) -> None:
    answer = proxied_app.test_client().get("/healthz", headers={"X-Forwarded-Proto": "https"})
    assert answer.headers[HSTS].startswith("max-age=")


def test_a_forwarded_scheme_is_ignored_without_trusted_proxies(service_app: Flask) -> None:
    answer = service_app.test_client().get("/healthz", headers={"X-Forwarded-Proto": "https"})
    assert HSTS not in answer.headers


@pytest.fixture
def dev_notifier(request: pytest.FixtureRequest, database_factory: DatabaseFactory,
                 db_backend: str) -> Iterator[Flask]:
    yield from make_app(request, database_factory, "notifier", db_backend,
                        {"RELAIS_ENV": "development"})


def test_the_dev_outbox_allows_only_inline_styles_for_its_email_previews(
    dev_notifier: Flask,
) -> None:
    page = dev_notifier.test_client().get("/dev/outbox")
    assert page.status_code == 200
    policy = page.headers["Content-Security-Policy"]
    assert policy.startswith(CONTENT_SECURITY_POLICY)
    assert "style-src 'self' 'unsafe-inline'" in policy
    assert "script" not in policy
    assert page.headers["Cache-Control"] == "no-store"
