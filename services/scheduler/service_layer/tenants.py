"""SPSTs (the tenants) and the development setup."""

from __future__ import annotations

from dataclasses import dataclass

from services.scheduler.adapters.orm import Spst
from services.scheduler.adapters.repository import KeyRepository
from services.scheduler.service_layer import api_keys

DEVELOPMENT_SPST = "SPST de démonstration"


def create_spst(keys: KeyRepository, name: str) -> Spst:
    """Register a new SPST.

    :raises ValueError: on a blank or over-long name.
    """
    name = name.strip()
    if not name or len(name) > 200:
        raise ValueError("le nom du SPST doit compter de 1 à 200 caractères")
    spst = Spst(name=name)
    keys.add(spst)
    return spst


@dataclass(frozen=True)
class DevelopmentSetup:
    spst_id: int
    secret: str
    created: bool


def ensure_development_setup(keys: KeyRepository, secret_key: str) -> DevelopmentSetup:
    """Make sure the demonstration SPST and its key exist; safe to run again.

    The key is derived from ``secret_key`` so every run prints the same one;
    a revoked development key is brought back.
    """
    spst = keys.spst_named(DEVELOPMENT_SPST)
    created = spst is None
    if spst is None:
        spst = create_spst(keys, DEVELOPMENT_SPST)
    secret = api_keys.development_secret(secret_key)
    key = keys.key_with_hash(api_keys.digest(secret))
    if key is None:
        api_keys.issue(keys, spst.id, "développement", secret)
    else:
        key.revoked_at = None
    return DevelopmentSetup(spst.id, secret, created)
