"""The scheduler's own settings, read from the environment."""

from __future__ import annotations

from typing import Any

from shared.config import env_str


def scheduler_settings() -> dict[str, Any]:
    return {
        "EVALUATE_RATE_LIMIT": env_str("RELAIS_EVALUATE_RATE_LIMIT", "120/minute"),
        "API_RATE_LIMIT": env_str("RELAIS_API_RATE_LIMIT", "600/minute"),
        "API_DESCRIPTION": "Règles PDP, dossiers, propositions de créneaux et relances.",
        # The workflows' peers and worker (docs/workflows.md).
        "NOTIFIER_URL": env_str("NOTIFIER_URL", "http://127.0.0.1:8002"),
        "CALENDAR_URL": env_str("CALENDAR_URL", "http://127.0.0.1:8003"),
        "RELAY_INTERVAL_SECONDS": float(
            env_str("RELAIS_SCHEDULER_RELAY_INTERVAL", "1") or "1"),
        # The relay's lease (rows claimed by a worker that died are due again
        # after it), its backoff between attempts (seconds) and its attempts.
        "RELAY_LEASE_SECONDS": float(env_str("RELAIS_SCHEDULER_RELAY_LEASE", "60") or "60"),
        "RELAY_MAX_ATTEMPTS": int(env_str("RELAIS_SCHEDULER_RELAY_MAX_ATTEMPTS", "12") or "12"),
        "RELAY_FIRST_DELAY_SECONDS": float(
            env_str("RELAIS_SCHEDULER_RELAY_FIRST_DELAY", "5") or "5"),
        "RELAY_MAX_DELAY_SECONDS": float(
            env_str("RELAIS_SCHEDULER_RELAY_MAX_DELAY", "3600") or "3600"),
        "ORGANIZER_EMAIL": env_str("RELAIS_SCHEDULER_ORGANIZER_EMAIL",
                                   "planification@relais.invalid"),
    }
