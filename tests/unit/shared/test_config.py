"""Configuration: development defaults, production refuses to start unsafe."""

from __future__ import annotations

import pytest

from shared.config import (
    DEV_SECRET_KEY,
    DEV_SERVICE_TOKEN,
    ConfigError,
    base_settings,
    check_settings,
)


def test_development_defaults_give_a_working_service(tmp_path: object) -> None:
    settings = base_settings("notifier", {"RELAIS_DATA_DIR": "/tmp/relais-data"})
    assert settings["RELAIS_ENV"] == "development"
    assert settings["SERVICE_TOKEN"] == DEV_SERVICE_TOKEN
    assert settings["DATABASE_URL"] == "sqlite:////tmp/relais-data/notifier.db"
    assert settings["PORT"] == 8002
    check_settings(settings)  # does not raise


def test_service_specific_database_url_wins() -> None:
    settings = base_settings("calendar", {
        "DATABASE_URL": "postgresql://a/b", "CALENDAR_DATABASE_URL": "postgresql://a/cal"})
    assert settings["DATABASE_URL"] == "postgresql://a/cal"


def test_production_without_secrets_stops_with_a_clear_message() -> None:
    settings = base_settings("scheduler", {"RELAIS_ENV": "production"})
    with pytest.raises(ConfigError) as info:
        check_settings(settings)
    message = str(info.value)
    for name in ("DATABASE_URL", "SERVICE_TOKEN", "SECRET_KEY"):
        assert f"{name} manquant" in message


@pytest.mark.parametrize("variable, value, named", [
    ("RELAIS_SERVICE_TOKEN", DEV_SERVICE_TOKEN, "SERVICE_TOKEN"),
    ("RELAIS_SECRET_KEY", DEV_SECRET_KEY, "SECRET_KEY"),
], ids=["dev-token-refused", "dev-secret-refused"])
def test_production_refuses_development_defaults(variable: str, value: str, named: str) -> None:
    environ = {"RELAIS_ENV": "production", "DATABASE_URL": "postgresql://db/relais",
               "RELAIS_SERVICE_TOKEN": "s3cret-token", "RELAIS_SECRET_KEY": "s3cret-key",
               variable: value}
    with pytest.raises(ConfigError, match=f"{named} utilise la valeur de développement"):
        check_settings(base_settings("scheduler", environ))


def test_production_with_everything_set_starts() -> None:
    environ = {"RELAIS_ENV": "production", "DATABASE_URL": "postgresql://db/relais",
               "RELAIS_SERVICE_TOKEN": "t" * 32, "RELAIS_SECRET_KEY": "k" * 32}
    check_settings(base_settings("scheduler", environ))


@pytest.mark.parametrize("environ, fragment", [
    ({"RELAIS_ENV": "staging"}, "RELAIS_ENV"),
    ({"SCHEDULER_PORT": "huit"}, "SCHEDULER_PORT"),
], ids=["unknown-environment", "malformed-port"])
def test_malformed_settings_are_named(environ: dict[str, str], fragment: str) -> None:
    with pytest.raises(ConfigError, match=fragment):
        base_settings("scheduler", environ)
