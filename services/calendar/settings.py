"""The calendar's own settings, read from the environment."""

from __future__ import annotations

from typing import Any

from shared.config import env_int, env_str

REQUIRED_IN_PRODUCTION = ("CALENDAR_ENCRYPTION_KEY",)


def calendar_settings() -> dict[str, Any]:
    return {
        # Fernet key of CalDAV passwords; derived from SECRET_KEY outside production.
        "CALENDAR_ENCRYPTION_KEY": env_str("CALENDAR_ENCRYPTION_KEY"),
        "INVITE_LINK_MAX_AGE": env_int("CALENDAR_INVITE_LINK_MAX_AGE", 90 * 24 * 3600),
        "CALDAV_TIMEOUT": env_int("CALENDAR_CALDAV_TIMEOUT", 10),
        "PUSH_INTERVAL_SECONDS": env_int("CALENDAR_PUSH_INTERVAL", 5),
        # Invitation e-mails go through the notifier, with SERVICE_TOKEN.
        "NOTIFIER_URL": env_str("NOTIFIER_URL", "http://127.0.0.1:8002"),
        "NOTIFIER_TIMEOUT": env_int("CALENDAR_NOTIFIER_TIMEOUT", 10),
        "CALENDAR_API_RATE_LIMIT": env_str("RELAIS_CALENDAR_API_RATE_LIMIT", "1200/minute"),
        "FEED_RATE_LIMIT": env_str("RELAIS_FEED_RATE_LIMIT", "600/minute"),
        "API_DESCRIPTION": "Invitations ICS, flux d'abonnement des planificateurs, "
                           "synchronisation CalDAV et disponibilités.",
    }
