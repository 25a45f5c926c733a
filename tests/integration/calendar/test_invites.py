"""Invitation e-mails end to end: the calendar's outbox, a real notifier, its MIME message.

The calendar runs on SQLite and PostgreSQL; the notifier is the real app,
migrated on a temporary SQLite database and served by werkzeug in a thread on
a free loopback port. Its own dispatcher then builds the e-mails with a fake
gateway, so the MIME structure checked is the one that would go out.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import icalendar
import pytest
from flask import Flask
from sqlalchemy import select, update
from werkzeug.serving import BaseWSGIServer, make_server

from services.calendar.adapters.notifier import FakeInvites, NotifierInvites
from services.calendar.adapters.orm import InviteRow
from services.calendar.domain.invites import email_key
from services.calendar.entrypoints.worker import sweep_invites
from services.notifier.adapters.fakes import FakeEmailGateway, FakeSmsGateway
from services.notifier.adapters.orm import Notification
from services.notifier.app import MIGRATIONS as NOTIFIER_MIGRATIONS
from services.notifier.app import create_app as create_notifier_app
from services.notifier.service_layer.dispatch import Dispatcher, DispatchSettings
from shared import migrations
from shared.web import database
from tests.integration.calendar.conftest import TOKEN, Api, Clock, event_body, free_port

ZOE, BOULANGERIE = "zoe.dupont@example.fr", "rh@boulangerie.example.fr"
ORGANIZER = {"name": "Dr Claire Martin", "role": "chair", "email": "c.martin@spst.example.fr"}


class NotifierServer:
    """The notifier app on a fresh SQLite database, served in a thread; restartable."""

    def __init__(self, folder: Path) -> None:
        url = f"sqlite:///{folder / 'notifier.db'}"
        migrations.upgrade(NOTIFIER_MIGRATIONS, url)
        self.app = create_notifier_app({"TESTING": True, "RELAIS_ENV": "test",
                                        "DATABASE_URL": url, "RATELIMIT_ENABLED": False})
        self.db = database(self.app)
        self.port = free_port()
        self.server: BaseWSGIServer | None = None
        self.thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.server = make_server("127.0.0.1", self.port, self.app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        if self.server is not None and self.thread is not None:
            self.server.shutdown()
            self.server.server_close()
            self.thread.join(timeout=5)
            self.server = self.thread = None

    def notifications(self) -> list[Notification]:
        with self.db.session() as session:
            found = list(session.scalars(select(Notification).order_by(Notification.created_at,
                                                                       Notification.id)))
            for row in found:
                session.expunge(row)
            return found

    def send_emails(self) -> list[EmailMessage]:
        """Run the notifier's own dispatcher once with a fake SMTP gateway."""
        gateway = FakeEmailGateway()
        dispatcher = Dispatcher(self.db, FakeSmsGateway(), gateway,
                                DispatchSettings(quiet_hours=None))
        try:
            dispatcher.run_once()
        finally:
            dispatcher.close()
        return gateway.sent


@pytest.fixture
def notifier(tmp_path: Path, calendar_app: Flask) -> Iterator[NotifierServer]:
    """A running notifier, wired as the calendar's invitation sender."""
    server = NotifierServer(tmp_path)
    server.start()
    calendar_app.extensions["calendar_invites"] = NotifierInvites(server.url, TOKEN, timeout=5)
    yield server
    server.stop()
    server.db.dispose()


@pytest.fixture
def fake_invites(calendar_app: Flask) -> FakeInvites:
    fake = FakeInvites()
    calendar_app.extensions["calendar_invites"] = fake
    return fake


def _event(api: Api, uid: str, **fields: Any) -> dict[str, Any]:
    body = {"attendees": [
        {"name": "Zoé Dupont", "email": ZOE, "role": "req-participant"},
        {"name": "Boulangerie Martin", "email": BOULANGERIE, "role": "opt-participant"},
        ORGANIZER], **fields}
    return api.event(uid, **body)


def _invites(api: Api, uid: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = api.get(f"/api/v1/events/{uid}").json["invites"]
    return found


def _summary(api: Api, uid: str) -> list[tuple[str, str, int, str]]:
    return [(i["email"], i["method"], i["sequence"], i["status"]) for i in _invites(api, uid)]


def _ics(notification: Notification) -> icalendar.Calendar:
    [attachment] = notification.attachments
    assert attachment["filename"] == "invite.ics"
    calendar = icalendar.Calendar.from_ical(attachment["content"])
    assert attachment["content_type"] == f"text/calendar; method={calendar['METHOD']}"
    return calendar


def test_a_change_queues_one_invite_per_attendee_in_its_transaction(
        calendar_app: Flask, api: Api) -> None:
    created = _event(api, "i1@relais")
    assert created["send_invites"] is True
    assert [(i["email"], i["method"], i["sequence"], i["status"]) for i in created["invites"]] \
        == [(ZOE, "REQUEST", 0, "pending"), (BOULANGERIE, "REQUEST", 0, "pending")]
    _event(api, "i1@relais")  # the same request again: nothing new
    _event(api, "i1@relais", attendees=[  # a display name only: no new SEQUENCE
        {"name": "Zoé D.", "email": ZOE}, {"name": "Boulangerie Martin", "email": BOULANGERIE,
                                          "role": "opt-participant"}, ORGANIZER])
    assert len(_invites(api, "i1@relais")) == 2
    with database(calendar_app).session() as session:
        keys = set(session.scalars(select(InviteRow.idempotency_key)))
    assert keys == {f"invite:i1@relais:0:REQUEST:{email_key(ZOE)}",
                    f"invite:i1@relais:0:REQUEST:{email_key(BOULANGERIE)}"}


def test_events_may_opt_out_of_invites(api: Api) -> None:
    created = _event(api, "i2@relais", send_invites=False)
    assert (created["send_invites"], created["invites"]) == (False, [])
    moved = _event(api, "i2@relais", location="Ailleurs")  # absent: unchanged
    assert (moved["sequence"], moved["send_invites"], moved["invites"]) == (1, False, [])
    assert api.delete("/api/v1/events/i2@relais").json["invites"] == []
    bad = api.put("/api/v1/events/i3@relais", {**event_body(), "send_invites": "non"})
    assert bad.status_code == 422 and bad.json["error"]["field"] == "send_invites"


def test_request_reschedule_and_cancel_reach_the_notifier(
        calendar_app: Flask, api: Api, clock: Clock, notifier: NotifierServer) -> None:
    _event(api, "i4@relais")
    report = sweep_invites(calendar_app, clock.moment)
    assert (report.delivered, report.failed) == (2, 0)
    states = _invites(api, "i4@relais")
    assert {s["status"] for s in states} == {"delivered"}
    assert all(s["notification_id"] for s in states)
    first = {n.recipient: n for n in notifier.notifications()}
    assert set(first) == {ZOE, BOULANGERIE}  # never the organizer
    zoe = first[ZOE]
    assert (zoe.channel, zoe.template, zoe.status) == ("email", "event_invitation", "queued")
    assert zoe.id == next(s["notification_id"] for s in states if s["email"] == ZOE)
    request = _ics(zoe)
    assert request["METHOD"] == "REQUEST"
    [vevent] = request.events
    assert (str(vevent["UID"]), vevent["SEQUENCE"]) == ("i4@relais", 0)
    assert zoe.data["start"] == "mardi 1er décembre 2026 à 9 h 00"
    assert "Invitation" in (zoe.subject or "")

    clock.advance(minutes=1)
    _event(api, "i4@relais", start="2026-12-03T14:00:00+01:00", end="2026-12-03T14:30:00+01:00")
    assert sweep_invites(calendar_app, clock.moment).delivered == 2
    moved = [n for n in notifier.notifications() if n.recipient == ZOE][-1]
    [vevent] = _ics(moved).events
    assert (str(vevent["UID"]), vevent["SEQUENCE"]) == ("i4@relais", 1)
    assert _ics(moved)["METHOD"] == "REQUEST"
    assert moved.data["update"] is True and moved.data["start"].startswith("jeudi 3 décembre")

    clock.advance(minutes=1)
    api.delete("/api/v1/events/i4@relais")
    assert sweep_invites(calendar_app, clock.moment).delivered == 2
    cancel = [n for n in notifier.notifications() if n.recipient == ZOE][-1]
    assert cancel.template == "event_cancelled"
    calendar = _ics(cancel)
    [vevent] = calendar.events
    assert calendar["METHOD"] == "CANCEL"
    assert (str(vevent["UID"]), vevent["SEQUENCE"], vevent["STATUS"]) == (
        "i4@relais", 2, "CANCELLED")
    assert _summary(api, "i4@relais")[-2:] == [(ZOE, "CANCEL", 2, "delivered"),
                                               (BOULANGERIE, "CANCEL", 2, "delivered")]

    sent = notifier.send_emails()  # the notifier's own MIME building
    assert len(sent) == 6
    [message] = [m for m in sent if m["To"] == ZOE and "annulé" in str(m["Subject"])]
    calendars = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    assert len(calendars) == 2  # the alternative and the invite.ics attachment
    for part in calendars:
        text = part.get_content()
        assert part.get_param("method") == "CANCEL"
        assert icalendar.Calendar.from_ical(text)["METHOD"] == "CANCEL"
    assert calendars[1].get_filename() == "invite.ics"


def test_a_superseded_request_is_skipped_but_a_cancel_never(
        calendar_app: Flask, api: Api, clock: Clock, fake_invites: FakeInvites) -> None:
    _event(api, "i5@relais", attendees=[{"name": "Zoé", "email": ZOE}])
    api.delete("/api/v1/events/i5@relais")  # SEQUENCE 1, CANCEL
    _event(api, "i5@relais", status="confirmed", attendees=[{"name": "Zoé", "email": ZOE}])
    report = sweep_invites(calendar_app, clock.moment)
    assert (report.delivered, report.skipped) == (2, 1)
    assert _summary(api, "i5@relais") == [(ZOE, "REQUEST", 0, "superseded"),
                                          (ZOE, "CANCEL", 1, "delivered"),
                                          (ZOE, "REQUEST", 2, "delivered")]
    assert [(m.method, m.idempotency_key.split(":")[2]) for m in fake_invites.sent] == [
        ("CANCEL", "1"), ("REQUEST", "2")]


def test_a_removed_attendee_gets_a_cancel_listing_only_them(
        calendar_app: Flask, api: Api, clock: Clock, fake_invites: FakeInvites) -> None:
    _event(api, "i6@relais")
    sweep_invites(calendar_app, clock.moment)
    _event(api, "i6@relais", attendees=[{"name": "Zoé", "email": ZOE}, ORGANIZER])
    sweep_invites(calendar_app, clock.moment)
    [removed] = [m for m in fake_invites.sent if m.method == "CANCEL"]
    assert removed.to == BOULANGERIE and removed.template == "event_cancelled"
    [vevent] = icalendar.Calendar.from_ical(removed.ics).events
    attendees = vevent["ATTENDEE"]
    assert str(attendees) == f"mailto:{BOULANGERIE}" and vevent["SEQUENCE"] == 1


def test_notifier_down_is_retried_then_delivered(
        calendar_app: Flask, api: Api, clock: Clock, notifier: NotifierServer) -> None:
    notifier.stop()
    _event(api, "i7@relais", attendees=[{"name": "Zoé", "email": ZOE}])
    assert sweep_invites(calendar_app, clock.moment).failed == 1
    [state] = _invites(api, "i7@relais")
    assert (state["status"], state["attempts"]) == ("pending", 1)
    assert "injoignable" in state["last_error"] and state["next_attempt_at"]
    assert sweep_invites(calendar_app, clock.moment).failed == 0  # not due yet
    notifier.start()
    clock.advance(seconds=15)
    assert sweep_invites(calendar_app, clock.moment).delivered == 1
    [state] = _invites(api, "i7@relais")
    assert (state["status"], state["attempts"], state["last_error"]) == ("delivered", 2, None)
    assert [n.recipient for n in notifier.notifications()] == [ZOE]


def test_delivering_a_row_twice_gives_one_notification_and_one_email(
        calendar_app: Flask, api: Api, clock: Clock, notifier: NotifierServer) -> None:
    _event(api, "i8@relais", attendees=[{"name": "Zoé", "email": ZOE}])
    sweep_invites(calendar_app, clock.moment)
    [first] = _invites(api, "i8@relais")
    # A worker that posted, then died before recording: its lease runs out.
    with database(calendar_app).session() as session:
        session.execute(update(InviteRow).values(status="in_progress",
                                                 next_attempt_at=clock.moment))
    clock.advance(minutes=3)
    assert sweep_invites(calendar_app, clock.moment).delivered == 1
    [again] = _invites(api, "i8@relais")
    assert again["notification_id"] == first["notification_id"]
    assert len(notifier.notifications()) == 1
    assert len(notifier.send_emails()) == 1
    assert notifier.send_emails() == []


def test_a_refusal_fails_at_once_and_is_visible(
        calendar_app: Flask, api: Api, clock: Clock, notifier: NotifierServer) -> None:
    calendar_app.extensions["calendar_invites"] = NotifierInvites(notifier.url, "wrong-token")
    _event(api, "i9@relais", attendees=[{"name": "Zoé", "email": ZOE}])
    assert sweep_invites(calendar_app, clock.moment).failed == 1
    [state] = _invites(api, "i9@relais")
    assert (state["status"], state["attempts"]) == ("failed", 1)
    assert state["last_error"].startswith("401")
    clock.advance(hours=2)
    assert sweep_invites(calendar_app, clock.moment).failed == 0
    assert notifier.notifications() == []
