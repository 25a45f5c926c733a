"""Secrets: from the environment only, never a development default in production, never
stored in clear.

Each service is built by its own ``create_app()`` from the environment, as
gunicorn builds it: in production a missing secret or a development default
stops it with a message naming the variable. Then the databases are searched,
every column of every table, for the secrets the services were given: the
planner's password (a scrypt hash is stored), the API key (its SHA-256), the
CalDAV password (Fernet-encrypted) and the feed token (its SHA-256).
"""

from __future__ import annotations

from importlib import import_module
from pathlib import Path

import pytest
from cryptography.fernet import Fernet, InvalidToken
from flask import Flask
from sqlalchemy import MetaData, select

from services.scheduler.adapters.repository import KeyRepository
from services.scheduler.entrypoints.pages import accounts
from services.scheduler.service_layer import api_keys
from shared.config import DEV_SECRET_KEY, DEV_SERVICE_TOKEN, ConfigError
from shared.web import database
from tests.integration.calendar.conftest import Api
from tests.integration.scheduler.conftest import make_tenant
from tests.integration.scheduler.pages.conftest import PASSWORD

SERVICES = ["scheduler", "notifier", "calendar"]
#: Every variable the services read a secret or a database from.
SECRET_VARIABLES = (
    "RELAIS_ENV", "DATABASE_URL", "RELAIS_SERVICE_TOKEN", "RELAIS_SECRET_KEY",
    "CALENDAR_ENCRYPTION_KEY", "RELAIS_NOTIFIER_BACKEND", "TWILIO_ACCOUNT_SID", "SMTP_HOST",
    *(f"{s.upper()}_{v}" for s in SERVICES for v in ("DATABASE_URL", "SECRET_KEY")),
)


@pytest.fixture
def production(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, str]:
    """A complete production environment; tests spoil one variable of it."""
    for name in SECRET_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    environ = {"RELAIS_ENV": "production", "DATABASE_URL": f"sqlite:///{tmp_path}/prod.db",
               "RELAIS_SERVICE_TOKEN": "jeton-de-service-de-production-0123456789",
               "RELAIS_SECRET_KEY": "clé-secrète-de-production-0123456789abcdef",
               "CALENDAR_ENCRYPTION_KEY": Fernet.generate_key().decode(),
               # No SMS nor e-mail provider here: the notifier is told to log them.
               "RELAIS_NOTIFIER_BACKEND": "console"}
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    return environ


def build(service: str) -> Flask:
    """The service's app, configured by the environment alone (no test overrides)."""
    app: Flask = import_module(f"services.{service}.app").create_app()
    database(app).dispose()
    return app


@pytest.mark.parametrize("service", SERVICES)
def test_production_takes_its_secrets_from_the_environment(
    service: str, production: dict[str, str],
) -> None:
    app = build(service)
    assert app.config["RELAIS_ENV"] == "production"
    assert app.config["SECRET_KEY"] == production["RELAIS_SECRET_KEY"]
    assert app.config["SERVICE_TOKEN"] == production["RELAIS_SERVICE_TOKEN"]
    assert app.config["DATABASE_URL"] == production["DATABASE_URL"]


def test_production_cookies_are_secure(production: dict[str, str]) -> None:
    app = build("scheduler")
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True


DEVELOPMENT_DEFAULTS = [
    ("RELAIS_SERVICE_TOKEN", DEV_SERVICE_TOKEN, "SERVICE_TOKEN utilise la valeur de développement"),
    ("RELAIS_SECRET_KEY", DEV_SECRET_KEY, "SECRET_KEY utilise la valeur de développement"),
]
MISSING = [
    ("DATABASE_URL", "DATABASE_URL manquant"),
    ("RELAIS_SERVICE_TOKEN", "SERVICE_TOKEN manquant"),
    ("RELAIS_SECRET_KEY", "SECRET_KEY manquant"),
]


@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize(("variable", "value", "message"), DEVELOPMENT_DEFAULTS,
                         ids=[v for v, _, _ in DEVELOPMENT_DEFAULTS])
def test_production_refuses_a_development_default(
    service: str, variable: str, value: str, message: str, production: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as refused:
        build(service)
    assert message in str(refused.value)
    assert "README.md" in str(refused.value)  # where to read what production needs


@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize(("variable", "message"), MISSING, ids=[v for v, _ in MISSING])
def test_production_refuses_a_missing_secret(
    service: str, variable: str, message: str, production: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(variable)
    with pytest.raises(ConfigError, match=message):
        build(service)


@pytest.mark.parametrize(("value", "message"), [
    (None, "CALENDAR_ENCRYPTION_KEY manquant"),
    ("pas-une-clé-fernet", "CALENDAR_ENCRYPTION_KEY doit être une clé Fernet"),
], ids=["missing", "malformed"])
def test_production_calendar_needs_its_own_encryption_key(
    value: str | None, message: str, production: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if value is None:
        monkeypatch.delenv("CALENDAR_ENCRYPTION_KEY")
    else:
        monkeypatch.setenv("CALENDAR_ENCRYPTION_KEY", value)
    with pytest.raises(ConfigError, match=message):
        build("calendar")


def everything_stored(app: Flask, metadata: MetaData) -> str:
    """Every value of every row of every table, as one text."""
    with database(app).engine.connect() as connection:
        return "\n".join(repr(row) for table in metadata.sorted_tables
                         for row in connection.execute(select(table)))


def test_scheduler_stores_no_password_nor_key_in_clear(scheduler_app: Flask) -> None:
    from services.scheduler.adapters.orm import metadata

    tenant = make_tenant(scheduler_app, "SPST Alpha")
    with database(scheduler_app).session() as session:
        accounts.create_planner(session, tenant.spst_id, "paule@alpha.example.fr",
                                "Paule Planning", PASSWORD)
        other_key = api_keys.issue(KeyRepository(session), tenant.spst_id, "autre").secret
    stored = everything_stored(scheduler_app, metadata)
    assert "paule@alpha.example.fr" in stored  # the dump does hold the rows
    for secret in (PASSWORD, tenant.key, other_key, tenant.key[-24:]):
        assert secret not in stored
    with database(scheduler_app).session() as session:
        row = accounts.find(session, "paule@alpha.example.fr")
        assert row is not None and row.password_hash.startswith("scrypt:")
    assert tenant.get("/api/v1/employers").status_code == 200  # the key still works


def test_calendar_stores_no_caldav_password_nor_feed_token_in_clear(
    calendar_app: Flask,
) -> None:
    from services.calendar.adapters.orm import metadata

    api = Api(calendar_app.test_client())
    planner_id = api.planner()
    answer = api.put(f"/api/v1/planners/{planner_id}/caldav", {
        "url": "https://caldav.example.fr/anne/", "username": "anne",
        "password": "mot de passe CalDAV très secret"})
    assert answer.status_code == 200, answer.json
    feed = api.post(f"/api/v1/planners/{planner_id}/feed-token")
    assert feed.status_code == 201
    token = feed.json["token"]
    stored = everything_stored(calendar_app, metadata)
    assert "caldav.example.fr/anne" in stored
    assert "très secret" not in stored
    assert token not in stored
    with database(calendar_app).engine.connect() as connection:
        [sealed] = connection.exec_driver_sql(
            "SELECT password_encrypted FROM caldav_accounts").scalars()
    # Fernet, with the service's key: another key cannot open it.
    assert calendar_app.extensions["calendar_box"].open(sealed) == (
        "mot de passe CalDAV très secret")
    with pytest.raises(InvalidToken):
        Fernet(Fernet.generate_key()).decrypt(sealed.encode())
