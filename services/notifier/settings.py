"""The notifier's own settings, read from the environment.

Providers are chosen by presence: with ``TWILIO_ACCOUNT_SID`` SMS go through
Twilio, with ``SMTP_HOST`` e-mail goes through SMTP; otherwise both use the
``console`` backend (logged, and listed on ``/dev/outbox`` in development).
In production the console backend is refused unless
``RELAIS_NOTIFIER_BACKEND=console`` accepts it explicitly.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from shared.config import ConfigError, base_settings, env_int, env_str


def _float(name: str, default: float, environ: Mapping[str, str] | None) -> float:
    raw = env_str(name, None, environ)
    if raw is None:
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} doit être un nombre (reçu {raw!r})") from exc


def _flag(name: str, default: bool, environ: Mapping[str, str] | None) -> bool:
    raw = env_str(name, None, environ)
    return default if raw is None else raw.lower() in ("1", "true", "yes", "oui", "on")


def notifier_settings(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Provider, delivery and worker settings (see README, section Notifier)."""
    e = environ if environ is not None else os.environ
    return {
        "API_DESCRIPTION": "Envoi durable des SMS (Twilio) et e-mails (SMTP) de Relais.",
        "API_RATE_LIMIT": env_str("RELAIS_NOTIFIER_RATE_LIMIT", "6000/minute", e),
        # "console": accept the console backend in production (see bootstrap.check_backends).
        "NOTIFIER_BACKEND": env_str("RELAIS_NOTIFIER_BACKEND", None, e),
        # Twilio
        "TWILIO_ACCOUNT_SID": env_str("TWILIO_ACCOUNT_SID", None, e),
        "TWILIO_AUTH_TOKEN": env_str("TWILIO_AUTH_TOKEN", None, e),
        "TWILIO_FROM_NUMBER": env_str("TWILIO_FROM_NUMBER", None, e),
        "TWILIO_MESSAGING_SERVICE_SID": env_str("TWILIO_MESSAGING_SERVICE_SID", None, e),
        "TWILIO_API_BASE_URL": env_str("TWILIO_API_BASE_URL", None, e),
        # Where Twilio posts delivery updates; default: our public URL.
        "TWILIO_STATUS_CALLBACK_URL": env_str("TWILIO_STATUS_CALLBACK_URL", None, e),
        # SMTP
        "SMTP_HOST": env_str("SMTP_HOST", None, e),
        "SMTP_PORT": env_int("SMTP_PORT", 587, e),
        "SMTP_USERNAME": env_str("SMTP_USERNAME", None, e),
        "SMTP_PASSWORD": env_str("SMTP_PASSWORD", None, e),
        "SMTP_SECURITY": env_str("SMTP_SECURITY", "starttls", e),
        "SMTP_FROM": env_str("SMTP_FROM", "Relais <no-reply@relais.localhost>", e),
        # Right-hand side of Message-IDs: our own mail domain in production.
        "EMAIL_MESSAGE_ID_DOMAIN": env_str("NOTIFIER_MESSAGE_ID_DOMAIN", "relais.invalid", e),
        "PROVIDER_TIMEOUT": _float("NOTIFIER_PROVIDER_TIMEOUT", 10.0, e),
        # Peers and callbacks
        "SCHEDULER_URL": env_str("SCHEDULER_URL", "http://127.0.0.1:8001", e),
        "CALLBACK_SIGNING_KEY": env_str("NOTIFIER_CALLBACK_SIGNING_KEY", None, e),
        # Quiet hours for SMS (Europe/Paris)
        "QUIET_HOURS_START": env_str("NOTIFIER_SMS_FROM", "08:00", e),
        "QUIET_HOURS_END": env_str("NOTIFIER_SMS_UNTIL", "20:00", e),
        "QUIET_SUNDAYS": _flag("NOTIFIER_QUIET_SUNDAYS", True, e),
        "QUIET_HOLIDAYS": _flag("NOTIFIER_QUIET_HOLIDAYS", True, e),
        # Dispatcher
        "DISPATCH_CONCURRENCY": env_int("NOTIFIER_DISPATCH_CONCURRENCY", 8, e),
        "DISPATCH_BATCH": env_int("NOTIFIER_DISPATCH_BATCH", 32, e),
        "DISPATCH_INTERVAL": _float("NOTIFIER_DISPATCH_INTERVAL", 1.0, e),
        "LEASE_SECONDS": _float("NOTIFIER_LEASE_SECONDS", 120.0, e),
        "MAX_ATTEMPTS": env_int("NOTIFIER_MAX_ATTEMPTS", 10, e),
        "BACKOFF_BASE": _float("NOTIFIER_BACKOFF_BASE", 2.0, e),
        "BACKOFF_CAP": _float("NOTIFIER_BACKOFF_CAP", 600.0, e),
        "OUTBOX_MAX_ATTEMPTS": env_int("NOTIFIER_OUTBOX_MAX_ATTEMPTS", 15, e),
        "OUTBOX_TIMEOUT": _float("NOTIFIER_OUTBOX_TIMEOUT", 5.0, e),
    }


def load_settings(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Everything the worker needs, without a Flask app: base plus notifier settings."""
    return {**base_settings("notifier", environ), **notifier_settings(environ)}
