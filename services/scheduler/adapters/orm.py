"""Tables of the scheduler service."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    """Declarative base of the scheduler's tables."""


metadata = Base.metadata
