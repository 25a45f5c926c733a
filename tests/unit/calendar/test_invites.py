"""Invitation e-mails: who gets what, idempotency keys, superseded and cancelled invites."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from services.calendar.domain.french import date_fr
from services.calendar.domain.ics import Method
from services.calendar.domain.invites import (
    Decision,
    decide,
    email_key,
    idempotency_key,
    plan,
    recipients,
)
from services.calendar.domain.model import Attendee, Role, Status
from tests.unit.calendar.samples import details, event

ZOE, BOULANGERIE = "zoe.dupont@example.fr", "rh@boulangerie.example.fr"


def test_idempotency_key_names_uid_sequence_method_and_hashed_address() -> None:
    key = idempotency_key("rdv-42@relais", 3, Method.REQUEST, ZOE)
    assert key == f"invite:rdv-42@relais:3:REQUEST:{email_key(ZOE)}"
    assert len(email_key(ZOE)) == 16 and ZOE not in key
    assert email_key(" Zoe.Dupont@Example.FR ") == email_key(ZOE)
    assert idempotency_key("rdv-42@relais", 3, Method.CANCEL, ZOE) != key
    assert idempotency_key("rdv-42@relais", 4, Method.REQUEST, ZOE) != key


def test_a_long_uid_is_hashed_to_fit_the_notifier() -> None:
    key = idempotency_key("u" * 200, 12, Method.CANCEL, ZOE)
    assert len(key) <= 200
    assert key.startswith("invite:h-") and key.endswith(f":12:CANCEL:{email_key(ZOE)}")
    assert key != idempotency_key("v" * 200, 12, Method.CANCEL, ZOE)


def test_recipients_leave_out_the_organizer_and_duplicates() -> None:
    sample = event(attendees=(
        Attendee("Zoé", ZOE), Attendee("Zoé bis", ZOE.upper()),
        Attendee("Dr Claire Martin", "C.Martin@spst.example.fr", Role.CHAIR),
        Attendee("RH", BOULANGERIE, Role.OPTIONAL)))
    assert [a.email for a in recipients(sample)] == [ZOE, BOULANGERIE]


def test_creation_sends_a_request_to_each_attendee() -> None:
    created = event()
    sent = plan(None, created)
    assert [(i.attendee.email, i.method, i.sequence, i.update) for i in sent] == [
        (ZOE, Method.REQUEST, 0, False), (BOULANGERIE, Method.REQUEST, 0, False)]
    assert sent[0].template == "event_invitation"


def test_an_update_is_a_request_marked_as_such_and_a_cancel_for_who_was_removed() -> None:
    before = event()
    after = event(sequence=1, attendees=(before.details.attendees[0],
                                         Attendee("Nouvelle RH", "rh2@example.fr")))
    sent = {(i.attendee.email, i.method): i for i in plan(before, after)}
    assert set(sent) == {(ZOE, Method.REQUEST), ("rh2@example.fr", Method.REQUEST),
                         (BOULANGERIE, Method.CANCEL)}
    assert sent[(ZOE, Method.REQUEST)].update is True
    assert sent[("rh2@example.fr", Method.REQUEST)].update is False  # their first one
    removed = sent[(BOULANGERIE, Method.CANCEL)]
    assert removed.removed and removed.sequence == 1
    assert [a.email for a in removed.as_sent().details.attendees] == [BOULANGERIE]
    assert removed.template == "event_cancelled"


def test_a_cancellation_tells_everyone_who_was_invited() -> None:
    before = event(sequence=2)
    after = replace(before, sequence=3,
                    details=replace(before.details, status=Status.CANCELLED))
    sent = plan(before, after)
    assert {(i.attendee.email, i.method, i.sequence) for i in sent} == {
        (ZOE, Method.CANCEL, 3), (BOULANGERIE, Method.CANCEL, 3)}
    assert all(not i.removed for i in sent)


def test_nothing_for_an_event_born_cancelled_and_a_fresh_request_after_revival() -> None:
    cancelled = event(status=Status.CANCELLED)
    assert plan(None, cancelled) == []
    revived = event(sequence=1)
    assert [(i.method, i.update) for i in plan(cancelled, revived)] == [
        (Method.REQUEST, False), (Method.REQUEST, False)]


@pytest.mark.parametrize(("method", "sequence", "newest", "expected"), [
    ("REQUEST", 0, 0, Decision.DELIVER),
    ("REQUEST", 0, None, Decision.DELIVER),
    ("REQUEST", 0, 1, Decision.SUPERSEDED),
    ("REQUEST", 2, 5, Decision.SUPERSEDED),
    ("CANCEL", 1, 2, Decision.DELIVER),  # a CANCEL is never skipped
    ("CANCEL", 3, 3, Decision.DELIVER),
])
def test_superseded_requests_are_skipped_cancels_never(method: str, sequence: int,
                                                       newest: int | None,
                                                       expected: Decision) -> None:
    assert decide(method, sequence, newest) is expected


def test_template_data_is_french_and_says_nothing_of_the_description() -> None:
    sample = event(start=datetime(2025, 4, 15, 8, 0, tzinfo=UTC),
                   end=datetime(2025, 4, 15, 8, 30, tzinfo=UTC),
                   attendees=(Attendee("", ZOE),), organizer=details().organizer)
    [invitation] = plan(None, sample)
    data = invitation.data()
    assert data == {
        "name": "Madame, Monsieur", "summary": sample.details.summary,
        "start": "mardi 15 avril 2025 à 10 h 00", "end": "mardi 15 avril 2025 à 10 h 30",
        "location": "SPST Centre, 3 rue de la Paix", "video_url": None,
        "organizer_name": "Dr Claire Martin", "update": False,
    }
    assert "arrêts" not in str(data)


def test_french_dates_in_paris_time() -> None:
    assert date_fr(datetime(2025, 4, 15, 8, 0, tzinfo=UTC)) == "mardi 15 avril 2025 à 10 h 00"
    assert date_fr(datetime(2026, 12, 1, 8, 5, tzinfo=UTC)) == "mardi 1er décembre 2026 à 9 h 05"
    with pytest.raises(ValueError):
        date_fr(datetime(2026, 12, 1, 8, 5))
