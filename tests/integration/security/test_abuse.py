"""Abuse: every route anyone can call is rate-limited, and every form needs its CSRF token.

The route tables of ``test_route_walk.py`` say which routes need no
credentials (open routes, signed links, capability URLs); each one must be
rate-limited unless listed in :data:`UNLIMITED` with the reason. Each limit
is then exercised: at ``1/minute`` the second request answers 429 with
``Retry-After`` (an HTML page on the pages, the JSON error elsewhere), and
neither a made-up bearer token nor a forged ``X-Forwarded-For`` gets a fresh
count. Every POST of the page blueprints refuses a form without the
session's CSRF token.
"""

from __future__ import annotations

from collections.abc import Iterator
from importlib import import_module

import pytest
from flask import Flask

from services.scheduler.adapters.links import Role
from shared.web import database
from tests.conftest import DatabaseFactory, make_app_fixture
from tests.integration.scheduler.conftest import make_tenant
from tests.integration.scheduler.pages.conftest import csrf_of
from tests.integration.security.conftest import Spst, state
from tests.integration.security.test_route_walk import (
    CALENDAR,
    NOTIFIER,
    SCHEDULER,
    STATIC_FILES,
    Access,
    Kind,
    routes,
    url,
)

TABLES = {"scheduler": SCHEDULER, "notifier": NOTIFIER, "calendar": CALENDAR}
#: Public routes without a limit, and why.
UNLIMITED = {
    "/healthz": "sonde de l'orchestrateur",
    "/readyz": "sonde de l'orchestrateur",
    "/metrics": "collecte Prometheus (jeton de service en production)",
    "/api/v1/openapi.json": "document statique, mis en cache",
    "/api/v1/docs": "page statique",
    "/static/<path:filename>": "fichiers statiques",
    "/static/pages/<path:filename>": "fichiers statiques",
    "/static/system/<path:filename>": "fichiers statiques",
    "/dev/outbox": "404 hors développement",
    "/planner/deconnexion": "ne touche que la session de l'appelant",
    "GET /planner/connexion": "le formulaire seul (la connexion, POST, est limitée)",
    "/webhooks/twilio/status": "signés par Twilio : un refus ne coûte qu'un HMAC",
    "/webhooks/twilio/inbound": "signés par Twilio : un refus ne coûte qu'un HMAC",
}
PUBLIC_KINDS = {Kind.OPEN, Kind.LINK, Kind.CAPABILITY, Kind.SIGNED, Kind.DEVELOPMENT}
#: The pages answer a refusal in HTML.
PAGE_PREFIXES = ("/e/", "/l/", "/planner")


def public_routes(service: str) -> list[tuple[str, str, str]]:
    """(service, method, rule) of every route that needs no credentials and is limited."""
    app = import_module(f"services.{service}.app").create_app(
        {"TESTING": True, "RELAIS_ENV": "test", "DATABASE_URL": "sqlite://"})
    found = []
    for (method, rule), _ in routes(app):
        # A route the walk has no decision for is taken as public until it has one.
        access = TABLES[service].get((method, rule), Access(Kind.OPEN))
        if access.kind in PUBLIC_KINDS and f"{method} {rule}" not in UNLIMITED \
                and rule not in UNLIMITED:
            found.append((service, method, rule))
    database(app).dispose()
    return found


PUBLIC = [route for service in TABLES for route in public_routes(service)]


def limited_app(request: pytest.FixtureRequest, database_factory: DatabaseFactory,
                service: str, setting: str, **config: object) -> Iterator[Flask]:
    """The service on its migrated SQLite database, with ``setting`` at one a minute."""
    module = import_module(f"services.{service}.app")
    orm = import_module(f"services.{service}.adapters.orm")
    yield from make_app_fixture(request, database_factory, service, module.create_app,
                                module.MIGRATIONS, orm.metadata, "sqlite",
                                {"RATELIMIT_ENABLED": True, setting: "1/minute", **config})


def _setting(app: Flask, rule: str, method: str) -> str:
    endpoint = next(r.endpoint for r in app.url_map.iter_rules()
                    if r.rule == rule and method in (r.methods or ()))
    setting = getattr(app.view_functions[endpoint], "_rate_limit_setting", None)
    assert setting, f"{method} {rule} : route publique sans limite de débit"
    return str(setting)


@pytest.mark.parametrize(("service", "method", "rule"), PUBLIC,
                         ids=[f"{s} {m} {r}" for s, m, r in PUBLIC])
def test_every_public_route_is_rate_limited(
    request: pytest.FixtureRequest, database_factory: DatabaseFactory, service: str,
    method: str, rule: str,
) -> None:
    probe = import_module(f"services.{service}.app").create_app(
        {"TESTING": True, "RELAIS_ENV": "test", "DATABASE_URL": "sqlite://"})
    setting = _setting(probe, rule, method)
    database(probe).dispose()
    for app in limited_app(request, database_factory, service, setting):
        path = url(rule, {"token": "jeton", "filename": STATIC_FILES.get(rule, "")})
        client = app.test_client()
        form = {"x": "1"}
        if method == "POST" and path.startswith(PAGE_PREFIXES):  # past the CSRF check
            form["csrf_token"] = csrf_of(client.get("/planner/connexion"))
        first = client.open(path, method=method, data=form)
        assert first.status_code != 429
        # Neither a made-up bearer token nor a forged client address starts a new count.
        for headers in ({}, {"Authorization": "Bearer invente-1"},
                        {"Authorization": "Bearer invente-2"},
                        {"X-Forwarded-For": "198.51.100.9"}):
            answer = client.open(path, method=method, data=form, headers=headers)
            assert answer.status_code == 429, (headers, answer.status_code)
            assert int(answer.headers["Retry-After"]) > 0
            expected = "text/html" if path.startswith(PAGE_PREFIXES) else "application/json"
            assert answer.mimetype == expected


def test_the_unlimited_routes_are_still_there() -> None:
    """The exemptions name real routes: a renamed route must be decided again."""
    rules = set()
    for service in TABLES:
        rules |= {rule for _, rule in TABLES[service]}
        rules |= {f"{method} {rule}" for method, rule in TABLES[service]}
    assert set(UNLIMITED) <= rules


def test_behind_a_proxy_the_proxy_s_address_counts(request: pytest.FixtureRequest,
                                                   database_factory: DatabaseFactory) -> None:
    """With one trusted proxy, a client cannot pick its address by prepending its own."""
    for app in limited_app(request, database_factory, "scheduler", "EVALUATE_RATE_LIMIT",
                           TRUSTED_PROXIES=1):
        client = app.test_client()
        statuses = [client.post("/api/v1/evaluate", json={}, headers={
            "X-Forwarded-For": f"198.51.100.{n}, 203.0.113.7"}).status_code for n in range(3)]
        assert statuses[1:] == [429, 429]
        other = client.post("/api/v1/evaluate", json={},
                            headers={"X-Forwarded-For": "203.0.113.8"})
        assert other.status_code != 429  # another real client keeps its own count


def test_an_api_key_has_its_own_count(request: pytest.FixtureRequest,
                                      database_factory: DatabaseFactory) -> None:
    """On the routes that take a key, the key is the client (many SPSTs behind one address)."""
    for app in limited_app(request, database_factory, "scheduler", "API_RATE_LIMIT"):
        first, second = make_tenant(app, "SPST Un"), make_tenant(app, "SPST Deux")
        assert [first.get("/api/v1/employers").status_code for _ in range(2)] == [200, 429]
        assert second.get("/api/v1/employers").status_code == 200


# -- CSRF ---------------------------------------------------------------------------


def _values(spst: Spst, rule: str) -> dict[str, object]:
    role = Role.EMPLOYER if rule.startswith("/l/") else Role.EMPLOYEE
    return {"token": spst.case.token(role), "procedure_id": spst.case.procedure_id}


def test_every_page_form_needs_the_csrf_token(spst_a: Spst) -> None:
    """Every POST route of the pages, walked: without the session's token, a 400 page."""
    app = spst_a.case.app
    client = spst_a.planner.client
    client.get(spst_a.case.employee_url)  # the session holds a token; the posts do not send it
    before = state(app)
    posts = [rule for (method, rule), _ in routes(app)
             if method == "POST" and rule.startswith(PAGE_PREFIXES)]
    assert len(posts) >= 8
    for rule in posts:
        for token in (None, "", "faux-jeton"):
            data = {} if token is None else {"csrf_token": token}
            answer = client.post(url(rule, _values(spst_a, rule)), data=data)
            assert answer.status_code == 400, (rule, token)
            assert answer.mimetype == "text/html"
            assert "Demande invalide" in answer.get_data(as_text=True)
    assert state(app) == before
    assert client.get("/planner").status_code == 200  # the refused logout did not log out
