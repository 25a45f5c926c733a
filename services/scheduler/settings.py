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
        "ORGANIZER_EMAIL": env_str("RELAIS_SCHEDULER_ORGANIZER_EMAIL",
                                   "planification@relais.invalid"),
    }
