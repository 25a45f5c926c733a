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
        # The worker's outboxes: lease (rows claimed by a worker that died are
        # due again after it), backoff between attempts (seconds) and attempts.
        "OUTBOX_LEASE_SECONDS": float(env_str("CALENDAR_OUTBOX_LEASE", "120") or "120"),
        "OUTBOX_MAX_ATTEMPTS": env_int("CALENDAR_OUTBOX_MAX_ATTEMPTS", 12),
        "OUTBOX_FIRST_DELAY_SECONDS": float(env_str("CALENDAR_OUTBOX_FIRST_DELAY", "10") or "10"),
        "OUTBOX_MAX_DELAY_SECONDS": float(env_str("CALENDAR_OUTBOX_MAX_DELAY", "3600") or "3600"),
        # Invitation e-mails go through the notifier, with SERVICE_TOKEN.
        "NOTIFIER_URL": env_str("NOTIFIER_URL", "http://127.0.0.1:8002"),
        "NOTIFIER_TIMEOUT": env_int("CALENDAR_NOTIFIER_TIMEOUT", 10),
        "CALENDAR_API_RATE_LIMIT": env_str("RELAIS_CALENDAR_API_RATE_LIMIT", "1200/minute"),
        "FEED_RATE_LIMIT": env_str("RELAIS_FEED_RATE_LIMIT", "600/minute"),
        "API_DESCRIPTION": "Invitations ICS, flux d'abonnement des planificateurs, "
                           "synchronisation CalDAV et disponibilités.",
    }
