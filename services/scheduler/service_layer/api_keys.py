"""API keys: issued to one SPST, shown once, stored as a SHA-256 digest.

A key is ``rk_`` followed by 32 random bytes in URL-safe base64 (256 bits):
with that much entropy a plain, unsalted SHA-256 is enough to make the stored
digest useless to a thief, and it lets a request find its key with one indexed
lookup. The first characters are kept in clear as ``prefix`` so that people
can tell their keys apart and revoke one.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from services.scheduler.adapters.orm import ApiKey
from services.scheduler.adapters.repository import KeyRepository
from services.scheduler.service_layer.errors import Missing

KEY_MARK = "rk_"
PREFIX_LENGTH = 11
MAX_KEY_LENGTH = 128
USE_RECORDED_EVERY = timedelta(minutes=5)


@dataclass(frozen=True)
class IssuedKey:
    """A key just created: ``secret`` is never stored and never shown again."""

    id: int
    spst_id: int
    prefix: str
    secret: str


def digest(secret: str) -> str:
    """The hex SHA-256 under which a key is stored."""
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret() -> str:
    return KEY_MARK + secrets.token_urlsafe(32)


def development_secret(secret_key: str) -> str:
    """The same key on every run for one ``SECRET_KEY`` (development only)."""
    mac = hmac.new(secret_key.encode(), b"relais dev-setup api key", hashlib.sha256)
    return f"{KEY_MARK}dev_{mac.hexdigest()[:40]}"


@dataclass(frozen=True)
class KeyScope:
    """Who a valid key speaks for: an SPST, or only one of its employers."""

    spst_id: int
    employer_id: int | None = None


def issue(keys: KeyRepository, spst_id: int, label: str | None = None,
          secret: str | None = None, employer_id: int | None = None) -> IssuedKey:
    """Create a key for the SPST.

    :param secret: a given key (development); a fresh random one by default.
    :param employer_id: an employer of the SPST: the key sees only its cases.
    :raises Missing: when the SPST (or the employer) does not exist.
    """
    if keys.spst(spst_id) is None:
        raise Missing(f"SPST {spst_id}")
    if employer_id is not None and not keys.has_employer(spst_id, employer_id):
        raise Missing(f"employeur {employer_id}")
    secret = secret or new_secret()
    row = ApiKey(spst_id=spst_id, label=label, prefix=secret[:PREFIX_LENGTH],
                 key_hash=digest(secret), employer_id=employer_id)
    keys.add(row)
    return IssuedKey(row.id, spst_id, row.prefix, secret)


def revoke(keys: KeyRepository, prefix: str, now: datetime) -> int:
    """Revoke the keys that start with ``prefix``; how many were revoked."""
    found = [key for key in keys.key_with_prefix(prefix) if key.revoked_at is None]
    for key in found:
        key.revoked_at = now
    return len(found)


def authenticate(keys: KeyRepository, secret: str, now: datetime) -> int | None:
    """The SPST of a valid, unrevoked key, or None; records the key's use."""
    scope = authenticate_scope(keys, secret, now)
    return None if scope is None else scope.spst_id


def authenticate_scope(keys: KeyRepository, secret: str, now: datetime) -> KeyScope | None:
    """The scope of a valid, unrevoked key, or None; records the key's use."""
    if not secret.startswith(KEY_MARK) or len(secret) > MAX_KEY_LENGTH:
        return None
    key = keys.key_with_hash(digest(secret))
    if key is None or key.revoked_at is not None:
        return None
    keys.touch(key, now, now - USE_RECORDED_EVERY)
    return KeyScope(key.spst_id, key.employer_id)
