"""Mid-career: found by the daily sweep, told once per window, followed up."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Flask
from sqlalchemy import select

from services.calendar.adapters.orm import EventRow
from services.calendar.service_layer.invites import invites_of
from services.notifier.adapters.orm import Notification
from services.scheduler.entrypoints.worker import daily
from services.scheduler.entrypoints.worker import due_actions as run_due
from services.scheduler.service_layer.relay import OutboxRelay
from shared.web import database
from tests.integration.scheduler.conftest import Tenant
from tests.integration.scheduler.workflows.conftest import (
    ClientPeers,
    Clock,
    due_actions,
    outbox,
    templates,
)

EMPLOYER, SPST, PHONE = "rh@boulangerie.fr", "planification@spst-alpha.fr", "+33612345678"


def _employee(spst: Tenant) -> int:
    employer = spst.employer(contact_email=EMPLOYER)
    return int(spst.employee(employer["id"], birth_date="1980-06-15")["id"])


def test_the_window_is_told_once_and_followed_up(wf_app: Flask, spst: Tenant,
                                                clock: Clock) -> None:
    clock.now = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
    employee_id = _employee(spst)
    daily(wf_app)
    daily(wf_app)
    assert sorted(templates(wf_app)) == sorted([("mid_career_due", "email", EMPLOYER),
                                                ("mid_career_due", "email", SPST)])
    listing = spst.get(f"/api/v1/employees/{employee_id}/procedures").json["items"]
    assert [(p["kind"], p["state"], p["deadline"]) for p in listing] == [
        ("mid_career", "due", "2025-12-31")]
    assert [(kind, due.date().isoformat()) for kind, due, _ in due_actions(wf_app)] == [
        ("mid_career_midyear", "2025-07-01"), ("mid_career_closing", "2025-11-01")]
    clock.now = datetime(2025, 7, 2, 9, 0, tzinfo=UTC)
    run_due(wf_app)
    run_due(wf_app)
    assert len(templates(wf_app)) == 4


def test_combined_window_and_employee_on_the_spst_setting(wf_app: Flask, spst: Tenant,
                                                         clock: Clock) -> None:
    spst.send("PATCH", "/api/v1/settings", {"mid_career_combined_window": True,
                                            "mid_career_notify_employee": True})
    clock.now = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
    employee_id = _employee(spst)
    daily(wf_app)
    listing = spst.get(f"/api/v1/employees/{employee_id}/procedures").json["items"]
    assert [(p["window_start"], p["window_end"]) for p in listing] == [
        ("2023-01-01", "2024-12-31")]
    assert ("mid_career_employee", "sms", "+33612345678") in templates(wf_app)


def test_outside_the_window_nothing_happens(wf_app: Flask, spst: Tenant, clock: Clock) -> None:
    clock.now = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
    _employee(spst)
    daily(wf_app)
    assert templates(wf_app) == []


# -- the appointment: the employee told on the SPST's setting --------------------


def _due(spst: Tenant, wf_app: Flask, clock: Clock, **employee: Any) -> int:
    clock.now = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
    employer = spst.employer(contact_email=EMPLOYER)
    person = spst.employee(employer["id"], birth_date="1980-06-15", **employee)
    daily(wf_app)
    [procedure] = spst.get(f"/api/v1/employees/{person['id']}/procedures").json["items"]
    assert procedure["state"] == "due"
    return int(procedure["id"])


def _set(spst: Tenant, procedure_id: int) -> dict[str, Any]:
    answer = spst.post(f"/api/v1/procedures/{procedure_id}/appointment",
                       {"starts_at": "2025-03-18T14:00:00+01:00",
                        "location": "12 rue de la Paix, Paris"})
    assert answer.status_code == 200, answer.json
    assert answer.json["state"] == "scheduled"
    return answer.json  # type: ignore[no-any-return]


def _attendees(app: Flask) -> dict[str, str]:
    [event] = outbox(app, operation="put_event")
    return {a["email"]: a["role"] for a in event.payload["event"]["attendees"]}


def test_the_employee_gets_an_sms_and_the_invitation_on_the_spst_setting(
        wf_app: Flask, spst: Tenant, clock: Clock) -> None:
    spst.send("PATCH", "/api/v1/settings", {"mid_career_notify_employee": True})
    procedure_id = _due(spst, wf_app, clock, email="marie@example.fr")
    body = _set(spst, procedure_id)
    [sms] = [r.payload for r in outbox(wf_app, operation="notify")
             if r.payload["template"] == "mid_career_scheduled"]
    assert (sms["channel"], sms["to"]) == ("sms", PHONE)
    assert sms["data"]["starts_at"] == "2025-03-18T14:00:00+01:00"
    assert sms["data"]["location"] == "12 rue de la Paix, Paris"
    # Like the liaison meeting: the relay puts the event's ICS link in the SMS.
    assert sms["invite_link_uid"] == body["calendar_uid"] == f"relais-mid-career-{procedure_id}"
    # The e-mail address receives the calendar invitation (an ICS) with the others.
    assert _attendees(wf_app) == {"marie@example.fr": "req-participant",
                                  EMPLOYER: "opt-participant"}


def test_an_employee_without_phone_gets_the_email_and_the_invitation(
        wf_app: Flask, spst: Tenant, clock: Clock) -> None:
    spst.send("PATCH", "/api/v1/settings", {"mid_career_notify_employee": True})
    procedure_id = _due(spst, wf_app, clock, phone=None, email="marie@example.fr")
    _set(spst, procedure_id)
    assert ("mid_career_scheduled", "email", "marie@example.fr") in templates(wf_app)
    assert "marie@example.fr" in _attendees(wf_app)


def test_without_the_setting_the_employee_is_not_contacted(
        wf_app: Flask, spst: Tenant, clock: Clock) -> None:
    procedure_id = _due(spst, wf_app, clock, email="marie@example.fr")
    _set(spst, procedure_id)
    assert not [t for t in templates(wf_app) if t[2] in (PHONE, "marie@example.fr")]
    # The employer is told of the date (and passes the convocation on), the SPST organizes.
    assert _attendees(wf_app) == {EMPLOYER: "opt-participant"}


def test_the_appointment_reaches_the_real_notifier_and_calendar(
        wf_app: Flask, spst: Tenant, clock: Clock, notifier_app: Flask,
        calendar_app: Flask) -> None:
    spst.send("PATCH", "/api/v1/settings", {"mid_career_notify_employee": True})
    procedure_id = _due(spst, wf_app, clock, email="marie@example.fr")
    _set(spst, procedure_id)
    relay = OutboxRelay(database(wf_app), ClientPeers(notifier_app.test_client(),
                                                      calendar_app.test_client()))
    report = relay.run_until_idle(clock())
    assert report.failed == 0 and report.retried == 0
    [sms] = [r for r in outbox(wf_app, operation="notify")
             if r.payload["template"] == "mid_career_scheduled"]
    assert sms.status == "delivered"
    with database(notifier_app).session() as session:
        sent = session.scalars(select(Notification).where(
            Notification.idempotency_key == sms.idempotency_key)).one()
        assert sent.template == "mid_career_scheduled"
        assert str(sent.data["calendar_link"]).startswith("https://agenda.example.fr/")
    with database(calendar_app).session() as session:
        event = session.scalars(select(EventRow).where(
            EventRow.uid == f"relais-mid-career-{procedure_id}")).one()
        invited = {(i.email, i.method) for i in invites_of(session, event.id)}
    assert ("marie@example.fr", "REQUEST") in invited
