"""Planner accounts: creation, password check, lookup (the login's use cases).

Passwords are hashed with scrypt (werkzeug); an unknown e-mail address costs
the same hash as a wrong password, so the answer time tells nothing about
which addresses exist.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from services.scheduler.adapters.orm import PlannerAccount, Spst

HASH_METHOD = "scrypt"
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256


class AccountError(ValueError):
    """A planner account cannot be created as asked (French message)."""


@dataclass(frozen=True)
class Planner:
    """What a logged-in page needs to know about its planner."""

    id: int
    spst_id: int
    email: str
    name: str
    calendar_planner_id: int | None
    stamp: str


@cache
def _dummy_hash() -> str:
    """Checked against when the address is unknown, so that both paths cost one scrypt."""
    return generate_password_hash("relais-dummy-password", method=HASH_METHOD)


def normalize_email(email: str) -> str:
    return email.strip().lower()


def password_stamp(password_hash: str) -> str:
    """A short fingerprint of the hash: a changed password ends every open session."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


def _planner(row: PlannerAccount, spst: Spst | None = None) -> Planner:
    """The planner; without a calendar planner of their own, the SPST's (its feed)."""
    calendar_id = row.calendar_planner_id
    if calendar_id is None and spst is not None:
        calendar_id = spst.calendar_planner_id
    return Planner(row.id, row.spst_id, row.email, row.name, calendar_id,
                   password_stamp(row.password_hash))


def create_planner(session: Session, spst_id: int, email: str, name: str, password: str,
                   calendar_planner_id: int | None = None) -> Planner:
    """Create a planner account for SPST ``spst_id``.

    :raises AccountError: unknown SPST, address taken or malformed, weak password.
    """
    email, name = normalize_email(email), name.strip()
    if session.get(Spst, spst_id) is None:
        raise AccountError(f"SPST {spst_id} introuvable")
    if "@" not in email or len(email) > 254 or email.startswith("@") or email.endswith("@"):
        raise AccountError("adresse e-mail invalide")
    if not name or len(name) > 200:
        raise AccountError("le nom doit compter de 1 à 200 caractères")
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise AccountError(f"le mot de passe doit compter au moins {MIN_PASSWORD_LENGTH} "
                           "caractères")
    if find(session, email) is not None:
        raise AccountError(f"un compte existe déjà pour {email}")
    row = PlannerAccount(spst_id=spst_id, email=email, name=name,
                         password_hash=generate_password_hash(password, method=HASH_METHOD),
                         calendar_planner_id=calendar_planner_id)
    session.add(row)
    session.flush()
    return _planner(row)


def set_password(session: Session, email: str, password: str) -> Planner:
    """Replace the password of the account at ``email`` (open sessions end).

    :raises AccountError: unknown address or weak password.
    """
    row = find(session, email)
    if row is None:
        raise AccountError(f"aucun compte pour {normalize_email(email)}")
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise AccountError(f"le mot de passe doit compter au moins {MIN_PASSWORD_LENGTH} "
                           "caractères")
    row.password_hash = generate_password_hash(password, method=HASH_METHOD)
    session.flush()
    return _planner(row)


def find(session: Session, email: str) -> PlannerAccount | None:
    return session.scalars(select(PlannerAccount).where(
        func.lower(PlannerAccount.email) == normalize_email(email))).first()


def authenticate(session: Session, email: str, password: str) -> Planner | None:
    """The planner whose address and password these are, or None (same cost either way)."""
    row = find(session, email) if len(email) <= 254 else None
    if len(password) > MAX_PASSWORD_LENGTH:
        password = password[:MAX_PASSWORD_LENGTH + 1]
    if row is None:
        check_password_hash(_dummy_hash(), password)
        return None
    if not check_password_hash(row.password_hash, password):
        return None
    return _planner(row)


def load(session: Session, planner_id: int) -> Planner | None:
    row = session.get(PlannerAccount, planner_id) if 1 <= planner_id < 2**31 else None
    return None if row is None else _planner(row, session.get(Spst, row.spst_id))
