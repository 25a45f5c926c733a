"""The liaison meeting through the API, with the outbox contents asserted."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask

from services.scheduler.domain.workflows.slots import Interval
from services.scheduler.entrypoints.worker import due_actions as run_due
from shared.web import database
from tests.integration.scheduler.conftest import Tenant
from tests.integration.scheduler.workflows.conftest import (
    Clock,
    FakePeers,
    due_actions,
    make_case,
    outbox,
    procedure_row,
    templates,
)

EMPLOYER, PHONE, SPST = "rh@boulangerie.fr", "+33612345678", "planification@spst-alpha.fr"


def _open(spst: Tenant, **case: object) -> tuple[int, int]:
    found = make_case(spst, **case)  # type: ignore[arg-type]
    answer = spst.post(f"/api/v1/employees/{found.employee_id}/liaison", {})
    assert answer.status_code == 201, answer.json
    return answer.json["id"], found.employee_id


def _accept(spst: Tenant, procedure_id: int) -> dict:  # type: ignore[type-arg]
    answer = spst.post(f"/api/v1/procedures/{procedure_id}/answer", {"accept": True})
    assert answer.status_code == 200, answer.json
    return answer.json  # type: ignore[no-any-return]


def test_opening_tells_the_employer_and_the_employee_once(wf_app: Flask, spst: Tenant) -> None:
    procedure_id, employee_id = _open(spst)
    assert procedure_row(wf_app, procedure_id).state == "informed"
    assert templates(wf_app) == [("liaison_employer_duty", "email", EMPLOYER),
                                 ("liaison_information", "sms", PHONE)]
    information = outbox(wf_app, purpose="information")[0].payload
    assert "/e/" in information["data"]["link"]
    again = spst.post(f"/api/v1/employees/{employee_id}/liaison", {})
    assert again.status_code == 201 and again.json["id"] == procedure_id
    assert len(templates(wf_app)) == 2


def test_an_employee_without_phone_gets_an_email(wf_app: Flask, spst: Tenant) -> None:
    _open(spst, phone=None, email="marie@example.fr")
    assert ("liaison_information", "email", "marie@example.fr") in templates(wf_app)


def test_thirty_days_or_less_is_refused(wf_app: Flask, spst: Tenant) -> None:
    case = make_case(spst, start="2025-03-20", end="2025-04-18")
    answer = spst.post(f"/api/v1/employees/{case.employee_id}/liaison", {})
    assert answer.status_code == 409
    assert answer.json["error"]["field"] == "employee_id"


def test_acceptance_proposes_three_slots_inside_the_window(wf_app: Flask, spst: Tenant,
                                                          peers: FakePeers) -> None:
    spst.send("PATCH", "/api/v1/settings", {"calendar_planner_id": 7})
    peers.busy_periods = [Interval(datetime(2025, 4, 15, 6, 0, tzinfo=UTC),
                                   datetime(2025, 4, 15, 16, 0, tzinfo=UTC))]
    procedure_id, _ = _open(spst)
    body = _accept(spst, procedure_id)
    assert body["state"] == "accepted"
    assert (body["window_start"], body["window_end"]) == ("2025-04-15", "2025-04-22")
    days = [slot["starts_at"][:10] for slot in body["slots"]]
    assert len(days) == 3 and len(set(days)) == 3
    assert "2025-04-15" not in days  # busy all day
    assert "2025-04-21" not in days  # Easter Monday
    assert all("2025-04-16" <= day <= "2025-04-22" for day in days)
    slots_mail = outbox(wf_app, purpose="slots-employer")[0].payload
    assert slots_mail["template"] == "liaison_slots" and slots_mail["to"] == EMPLOYER
    assert len(slots_mail["data"]["slots"]) == 3
    assert peers.calls[0][0] == "busy"


def test_a_date_outside_the_window_is_refused_with_the_reason(wf_app: Flask,
                                                             spst: Tenant) -> None:
    procedure_id, _ = _open(spst)
    _accept(spst, procedure_id)
    for starts_at, words in (("2025-04-14T09:00:00+02:00", "8 jours"),
                             ("2025-04-23T09:00:00+02:00", "trop tard"),
                             ("2025-04-21T09:00:00+02:00", "férié"),
                             ("2025-04-16T20:00:00+02:00", "heures d'ouverture")):
        answer = spst.post(f"/api/v1/procedures/{procedure_id}/confirm",
                           {"starts_at": starts_at})
        assert answer.status_code == 422, answer.json
        assert answer.json["error"]["field"] == "starts_at"
        assert words in answer.json["error"]["message"]


def test_confirmation_invites_everyone_and_plans_the_reminder(wf_app: Flask, spst: Tenant,
                                                             clock: Clock) -> None:
    procedure_id, _ = _open(spst)
    _accept(spst, procedure_id)
    answer = spst.post(f"/api/v1/procedures/{procedure_id}/confirm",
                       {"starts_at": "2025-04-16T10:00:00+02:00", "mode": "remote",
                        "video_url": "https://visio.example.fr/abc"})
    assert answer.status_code == 200, answer.json
    assert answer.json["state"] == "confirmed" and answer.json["sequence"] == 1
    event = outbox(wf_app, operation="put_event")[0].payload
    assert event["uid"] == f"relais-liaison-{procedure_id}"
    emails = {a["email"] for a in event["event"]["attendees"]}
    assert EMPLOYER in emails
    assert event["event"]["organizer"]["email"] == SPST
    sms = outbox(wf_app, purpose="confirmed")[0].payload
    assert sms["template"] == "liaison_confirmed" and sms["to"] == PHONE
    assert sms["invite_link_uid"] == event["uid"]
    reminder = [a for a in due_actions(wf_app) if a[0] == "liaison_reminder"]
    assert reminder == [("liaison_reminder", datetime(2025, 4, 15, 8, 0, tzinfo=UTC),
                         "pending")]
    clock.now = datetime(2025, 4, 15, 8, 1, tzinfo=UTC)
    run_due(wf_app)
    run_due(wf_app)
    assert [t for t in templates(wf_app) if t[0] == "liaison_reminder"] == [
        ("liaison_reminder", "sms", PHONE)]


def test_reschedule_and_cancel_propagate(wf_app: Flask, spst: Tenant) -> None:
    procedure_id, _ = _open(spst)
    _accept(spst, procedure_id)
    spst.post(f"/api/v1/procedures/{procedure_id}/confirm",
              {"starts_at": "2025-04-16T10:00:00+02:00"})
    moved = spst.post(f"/api/v1/procedures/{procedure_id}/reschedule",
                      {"starts_at": "2025-04-18T14:00:00+02:00"})
    assert moved.status_code == 200, moved.json
    assert moved.json["sequence"] == 2
    assert len(outbox(wf_app, operation="put_event")) == 2
    reminders = [a for a in due_actions(wf_app) if a[0] == "liaison_reminder"]
    assert sorted(status for *_, status in reminders) == ["cancelled", "pending"]
    cancelled = spst.post(f"/api/v1/procedures/{procedure_id}/cancel")
    assert cancelled.json["state"] == "cancelled"
    assert outbox(wf_app, operation="cancel_event")[0].payload["uid"] == (
        f"relais-liaison-{procedure_id}")
    assert ("liaison_cancelled", "sms", PHONE) in templates(wf_app)
    assert all(status != "pending" for *_, status in due_actions(wf_app))


def test_refusal_closes_silently_and_tells_the_employer_neutrally(wf_app: Flask,
                                                                 spst: Tenant) -> None:
    procedure_id, _ = _open(spst)
    before = templates(wf_app)
    answer = spst.post(f"/api/v1/procedures/{procedure_id}/answer", {"accept": False})
    assert answer.json["state"] == "refused"
    assert templates(wf_app)[len(before):] == [("liaison_refused_employer", "email", EMPLOYER)]
    late = spst.post(f"/api/v1/procedures/{procedure_id}/answer", {"accept": True})
    assert late.status_code == 409


def test_an_impossible_window_is_reported(wf_app: Flask, spst: Tenant) -> None:
    procedure_id, _ = _open(spst, start="2025-03-03", end="2025-04-10")
    before = templates(wf_app)
    body = _accept(spst, procedure_id)
    assert body["state"] == "impossible" and body["slots"] == []
    # Everyone concerned is told, the employee who accepted included, once each.
    assert sorted(templates(wf_app)[len(before):]) == sorted([
        ("liaison_window_impossible", "email", EMPLOYER),
        ("liaison_window_impossible", "email", SPST),
        ("liaison_window_impossible_employee", "sms", PHONE)])
    told = outbox(wf_app, purpose="impossible")[0].payload
    assert "/e/" in told["data"]["link"] and told["data"]["name"] == "Marie"
    assert not due_actions(wf_app)
    again = spst.post(f"/api/v1/procedures/{procedure_id}/answer", {"accept": True})
    assert again.status_code == 409
    assert len(templates(wf_app)) == len(before) + 3


def test_an_impossible_window_reaches_an_employee_without_phone_by_email(
        wf_app: Flask, spst: Tenant) -> None:
    procedure_id, _ = _open(spst, start="2025-03-03", end="2025-04-10", phone=None,
                            email="marie@example.fr")
    _accept(spst, procedure_id)
    assert ("liaison_window_impossible_employee", "email", "marie@example.fr") in templates(
        wf_app)


def test_a_window_that_closes_before_the_slots_are_proposed_is_reported_to_all(
        wf_app: Flask, spst: Tenant, peers: FakePeers, clock: Clock) -> None:
    # Accepted on Monday 7 with the arrêt ending Sunday 20: a window [15, 20],
    # but the calendar is down, so the slots wait for the sweep...
    spst.send("PATCH", "/api/v1/settings", {"calendar_planner_id": 7})
    procedure_id, _ = _open(spst, start="2025-03-03", end="2025-04-20")
    peers.down = True
    assert _accept(spst, procedure_id)["state"] == "accepted"
    # ...which runs again only on the 13th: the SPST could no longer have 8 days.
    peers.down = False
    clock.now = datetime(2025, 4, 13, 8, 0, tzinfo=UTC)
    run_due(wf_app)
    run_due(wf_app)
    assert procedure_row(wf_app, procedure_id).state == "impossible"
    impossible = [t for t in templates(wf_app) if t[0].startswith("liaison_window_impossible")]
    assert sorted(impossible) == sorted([
        ("liaison_window_impossible", "email", EMPLOYER),
        ("liaison_window_impossible", "email", SPST),
        ("liaison_window_impossible_employee", "sms", PHONE)])
    assert not outbox(wf_app, purpose="slots-employer")


def test_calendar_down_keeps_the_acceptance_and_proposes_later(
        wf_app: Flask, spst: Tenant, peers: FakePeers, clock: Clock) -> None:
    spst.send("PATCH", "/api/v1/settings", {"calendar_planner_id": 7})
    procedure_id, _ = _open(spst)
    peers.down = True
    body = _accept(spst, procedure_id)
    assert body["state"] == "accepted" and body["slots"] == []
    run_due(wf_app)
    assert not outbox(wf_app, purpose="slots-employer")
    peers.down = False
    clock.advance(minutes=1)
    run_due(wf_app)
    run_due(wf_app)
    assert len(outbox(wf_app, purpose="slots-employer")) == 1
    with database(wf_app).session() as session:
        from services.scheduler.adapters.repository import CasesRepository

        assert len(CasesRepository(session, spst.spst_id).slots(procedure_id)) == 3


def test_bad_input_names_the_field(wf_app: Flask, spst: Tenant) -> None:
    procedure_id, _ = _open(spst)
    answer = spst.post(f"/api/v1/procedures/{procedure_id}/answer", {"accept": "oui"})
    assert answer.status_code == 422 and answer.json["error"]["field"] == "accept"
    answer = spst.post(f"/api/v1/procedures/{procedure_id}/confirm", {"starts_at": "demain"})
    assert answer.status_code == 422 and answer.json["error"]["field"] == "starts_at"
    assert spst.get("/api/v1/procedures/999999").status_code == 404
