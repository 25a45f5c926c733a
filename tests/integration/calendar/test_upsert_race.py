"""Two ``PUT /api/v1/events/{uid}`` creating the same event at once: both succeed.

A caller whose first request is slow retries it (the scheduler's outbox relay
does, once its lease runs out), and both requests may find no event and
insert one. The unique UID lets one in; the other must not fail (a 409 that a
caller takes as final leaves the meeting without its event and invitations):
it applies its details to the winner's event, which changes nothing.

The race is played deterministically: the second request's first read of
the UID comes back empty, as if it had run before the first one committed.
Run on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from services.calendar.adapters.orm import EventRow, InviteRow
from services.calendar.adapters.repository import CalendarRepository
from services.calendar.entrypoints.api.events import details_of
from services.calendar.entrypoints.api.schemas import EventInSchema
from services.calendar.service_layer import events
from shared.web import database
from tests.integration.calendar.conftest import Api, Clock, event_body

UID = "rdv-course@relais.example.fr"


class LateReader(CalendarRepository):
    """Reads the event as absent the first time: the winner had not committed yet."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.reads = 0

    def event(self, uid: str, lock: bool = False) -> EventRow | None:
        self.reads += 1
        return None if self.reads == 1 else super().event(uid, lock)


def test_the_create_that_loses_the_race_takes_the_winners_event(
        api: Api, calendar_app: Flask, clock: Clock) -> None:
    body = event_body()
    assert api.put(f"/api/v1/events/{UID}", body).status_code == 201
    invites_before = _count(calendar_app, InviteRow)
    assert invites_before > 0

    with calendar_app.app_context():
        fields = EventInSchema().load(body)
        with database(calendar_app).session() as session:
            repo = LateReader(session)
            done = events.upsert_event(repo, UID, details_of(fields), _now(clock),
                                       send_invites=fields["send_invites"])
            assert repo.reads == 2
            assert (done.created, done.changed, done.view.event.sequence) == (False, False, 0)

    assert _count(calendar_app, EventRow) == 1
    assert _count(calendar_app, InviteRow) == invites_before, "invitations en double"
    assert api.get(f"/api/v1/events/{UID}").json["sequence"] == 0


def _now(clock: Clock) -> datetime:
    return clock()


def _count(app: Flask, model: type[EventRow] | type[InviteRow]) -> int:
    with database(app).session() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)
