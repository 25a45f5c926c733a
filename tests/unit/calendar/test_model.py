"""SEQUENCE rules: raised by what matters to the people invited, nothing else."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.calendar.domain import model
from services.calendar.domain.model import Attendee, EventDetails, Person, Role, Status
from tests.unit.calendar.samples import details, event

LATER = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
ZOE = Attendee("Zoé Dupont", "zoe.dupont@example.fr", Role.REQUIRED)


def test_create_starts_at_zero() -> None:
    revision = model.create("a@relais", details())
    assert (revision.event.sequence, revision.changed, revision.meaningful) == (0, True, True)


@pytest.mark.parametrize("change", [
    {"start": LATER, "end": LATER + timedelta(hours=1)},
    {"end": datetime(2026, 12, 1, 9, 0, tzinfo=UTC)},
    {"location": "Autre adresse"},
    {"video_url": "https://visio.example.fr/x"},
    {"summary": "Visite de pré-reprise"},
    {"description": "Nouvelles consignes"},
    {"status": Status.TENTATIVE},
    {"organizer": Person("Dr Autre", "autre@spst.example.fr")},
    {"attendees": (ZOE,)},
    {"attendees": (replace(ZOE, role=Role.OPTIONAL),)},
])
def test_meaningful_changes_raise_sequence_by_one(change: dict[str, Any]) -> None:
    revision = model.revise(event(sequence=4), details(**change))
    assert revision.changed and revision.meaningful
    assert revision.event.sequence == 5
    assert revision.event.uid == "rdv-42@relais.example.fr"


@pytest.mark.parametrize("change", [
    {"organizer": Person("Docteur C. Martin", "C.Martin@spst.example.fr")},
    {"attendees": tuple(replace(a, name=a.name.upper()) for a in details().attendees)},
    {"attendees": tuple(reversed(details().attendees))},
    {"planner_id": 12},
])
def test_cosmetic_changes_keep_the_sequence(change: dict[str, Any]) -> None:
    revision = model.revise(event(sequence=4), details(**change))
    assert revision.changed and not revision.meaningful
    assert revision.event.sequence == 4


def test_same_details_change_nothing() -> None:
    original = event(sequence=2)
    revision = model.revise(original, details())
    assert not revision.changed and revision.event is original


def test_same_instant_in_another_offset_changes_nothing() -> None:
    paris = details().start.astimezone(datetime(2026, 1, 1).astimezone().tzinfo)
    revision = model.revise(event(sequence=1), details(start=paris))
    assert not revision.meaningful and revision.event.sequence == 1


def test_cancel_raises_sequence_once_and_keeps_attendees() -> None:
    original = event(sequence=3)
    first = model.cancel(original)
    assert first.event.cancelled and first.event.sequence == 4
    assert first.event.details.attendees == original.details.attendees
    again = model.cancel(first.event)
    assert not again.changed and again.event.sequence == 4


def test_uncancelling_is_a_new_revision() -> None:
    cancelled = model.cancel(event(sequence=1)).event
    revision = model.revise(cancelled, details(status=Status.CONFIRMED))
    assert revision.event.sequence == 3 and not revision.event.cancelled


@pytest.mark.parametrize(("start", "end"), [
    (datetime(2026, 12, 1, 9), datetime(2026, 12, 1, 10, tzinfo=UTC)),
    (datetime(2026, 12, 1, 9, tzinfo=UTC), datetime(2026, 12, 1, 9, tzinfo=UTC)),
    (datetime(2026, 12, 1, 10, tzinfo=UTC), datetime(2026, 12, 1, 9, tzinfo=UTC)),
])
def test_details_refuse_naive_or_backwards_times(start: datetime, end: datetime) -> None:
    with pytest.raises(ValueError):
        EventDetails(start=start, end=end, summary="x", organizer=Person("a", "a@b.fr"))
