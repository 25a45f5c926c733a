"""Sample events for the calendar's unit tests."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from services.calendar.domain.model import Attendee, Event, EventDetails, Person, Role

STAMP = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def details(**changes: Any) -> EventDetails:
    base = EventDetails(
        start=datetime(2026, 12, 1, 8, 0, tzinfo=UTC),
        end=datetime(2026, 12, 1, 8, 30, tzinfo=UTC),
        summary="Visite de reprise – Mme Zoé Dupont",
        organizer=Person("Dr Claire Martin", "c.martin@spst.example.fr"),
        description="Apportez vos arrêts, votre carte Vitale.",
        location="SPST Centre, 3 rue de la Paix",
        attendees=(
            Attendee("Zoé Dupont", "zoe.dupont@example.fr", Role.REQUIRED),
            Attendee("Boulangerie Martin", "rh@boulangerie.example.fr", Role.OPTIONAL),
            Attendee("Dr Claire Martin", "c.martin@spst.example.fr", Role.CHAIR),
        ),
    )
    return replace(base, **changes)


def event(uid: str = "rdv-42@relais.example.fr", sequence: int = 0, **changes: Any) -> Event:
    return Event(uid, details(**changes), sequence)
