"""Configuration read from environment variables.

Every service reads the same base settings; each adds its own. Development has
working defaults for everything; in production a missing secret stops the
service at start with a message that names the variable.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

DEV_SERVICE_TOKEN = "dev-service-token"
DEV_SECRET_KEY = "dev-secret-key-not-for-production"
ENVIRONMENTS = ("development", "test", "production")
DEFAULT_PORTS = {"scheduler": 8001, "notifier": 8002, "calendar": 8003}


class ConfigError(RuntimeError):
    """Raised at start when the configuration cannot run the service."""


def env_str(
    name: str, default: str | None = None, environ: Mapping[str, str] | None = None
) -> str | None:
    """Return the variable, or ``default`` when it is unset or blank."""
    value = (environ if environ is not None else os.environ).get(name, "").strip()
    return value or default


def env_int(name: str, default: int, environ: Mapping[str, str] | None = None) -> int:
    """Return the variable as an int; a malformed value is a configuration error."""
    raw = env_str(name, None, environ)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} doit être un entier (reçu {raw!r})") from exc


def data_dir(environ: Mapping[str, str] | None = None) -> Path:
    """The folder holding the embedded SQLite databases in development."""
    return Path(env_str("RELAIS_DATA_DIR", "var/data", environ) or "var/data").resolve()


def base_settings(service: str, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The settings every service shares, read from the environment.

    :param service: ``scheduler``, ``notifier`` or ``calendar``.
    :raises ConfigError: on an unknown environment or a malformed value.
    """
    env = env_str("RELAIS_ENV", "development", environ) or "development"
    if env not in ENVIRONMENTS:
        raise ConfigError(f"RELAIS_ENV doit valoir {', '.join(ENVIRONMENTS)} (reçu {env!r})")
    prefix = service.upper()
    default_db = f"sqlite:///{data_dir(environ) / (service + '.db')}"
    production = env == "production"
    return {
        "SERVICE_NAME": service,
        "RELAIS_ENV": env,
        # A service-specific variable wins, so one shell can run all three.
        "DATABASE_URL": env_str(f"{prefix}_DATABASE_URL", None, environ)
        or env_str("DATABASE_URL", None if production else default_db, environ),
        "SERVICE_TOKEN": env_str(
            "RELAIS_SERVICE_TOKEN", None if production else DEV_SERVICE_TOKEN, environ
        ),
        "SECRET_KEY": env_str(f"{prefix}_SECRET_KEY", None, environ)
        or env_str("RELAIS_SECRET_KEY", None if production else DEV_SECRET_KEY, environ),
        "HOST": env_str(f"{prefix}_HOST", "127.0.0.1", environ),
        "PORT": env_int(f"{prefix}_PORT", DEFAULT_PORTS.get(service, 8000), environ),
        "LOG_LEVEL": env_str("RELAIS_LOG_LEVEL", "INFO", environ),
        "PUBLIC_BASE_URL": env_str(
            f"{prefix}_PUBLIC_URL", f"http://127.0.0.1:{DEFAULT_PORTS.get(service, 8000)}", environ
        ),
        "RATELIMIT_STORAGE_URI": env_str("RELAIS_RATELIMIT_STORAGE_URI", "memory://", environ),
        "TRUSTED_PROXIES": env_int("RELAIS_TRUSTED_PROXIES", 0, environ),
        "MAX_CONTENT_LENGTH": env_int("RELAIS_MAX_BODY_BYTES", 256 * 1024, environ),
    }


REQUIRED_IN_PRODUCTION = ("DATABASE_URL", "SERVICE_TOKEN", "SECRET_KEY")
DEV_DEFAULTS = {"SERVICE_TOKEN": DEV_SERVICE_TOKEN, "SECRET_KEY": DEV_SECRET_KEY}


def check_settings(settings: Mapping[str, Any], required: tuple[str, ...] = ()) -> None:
    """Refuse to start on a configuration that is unsafe or incomplete.

    In production every secret must be set and none may be a development default.

    :raises ConfigError: naming every missing or unsafe variable.
    """
    if settings.get("RELAIS_ENV") != "production":
        return
    problems = [
        f"{key} manquant" for key in (*REQUIRED_IN_PRODUCTION, *required) if not settings.get(key)
    ]
    problems += [
        f"{key} utilise la valeur de développement"
        for key, dev_value in DEV_DEFAULTS.items()
        if settings.get(key) == dev_value
    ]
    if problems:
        raise ConfigError(
            "Configuration de production incomplète : " + "; ".join(problems)
            + ". Voir README.md, section Production."
        )
