"""The encryption key: derived in development, required and checked in production."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from services.calendar.adapters.secrets import SecretBox, derived_dev_key, token_hash
from services.calendar.app import create_app
from services.calendar.bootstrap import encryption_key, secret_box
from shared.config import ConfigError

PRODUCTION = {"RELAIS_ENV": "production", "DATABASE_URL": "sqlite://",
              "SERVICE_TOKEN": "t" * 40, "SECRET_KEY": "s" * 40}


def test_box_round_trip_and_other_key_refused() -> None:
    box = SecretBox(Fernet.generate_key().decode())
    sealed = box.seal("mot de passe é")
    assert "mot de passe" not in sealed
    assert box.open(sealed) == "mot de passe é"
    with pytest.raises(ValueError):
        SecretBox(Fernet.generate_key().decode()).open(sealed)


def test_development_key_is_derived_from_the_secret_key() -> None:
    config = {"RELAIS_ENV": "development", "SECRET_KEY": "abc"}
    assert encryption_key(config) == derived_dev_key("abc")
    SecretBox(encryption_key(config))  # a valid Fernet key


def test_production_refuses_to_start_without_its_own_key() -> None:
    with pytest.raises(ConfigError, match="CALENDAR_ENCRYPTION_KEY"):
        create_app({**PRODUCTION, "CALENDAR_ENCRYPTION_KEY": None})


def test_production_refuses_a_malformed_key() -> None:
    with pytest.raises(ConfigError, match="Fernet"):
        secret_box({**PRODUCTION, "CALENDAR_ENCRYPTION_KEY": "trop-courte"})


def test_production_starts_with_a_key() -> None:
    app = create_app({**PRODUCTION, "CALENDAR_ENCRYPTION_KEY": Fernet.generate_key().decode()})
    assert app.config["SERVICE_NAME"] == "calendar"


def test_token_hash_is_sha256_hex() -> None:
    assert len(token_hash("x")) == 64
