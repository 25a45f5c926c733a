"""The scheduler's own settings, read from the environment."""

from __future__ import annotations

from typing import Any

from shared.config import env_str


def scheduler_settings() -> dict[str, Any]:
    return {
        "EVALUATE_RATE_LIMIT": env_str("RELAIS_EVALUATE_RATE_LIMIT", "120/minute"),
        "API_RATE_LIMIT": env_str("RELAIS_API_RATE_LIMIT", "600/minute"),
        "API_DESCRIPTION": "Règles PDP, dossiers, propositions de créneaux et relances.",
    }
