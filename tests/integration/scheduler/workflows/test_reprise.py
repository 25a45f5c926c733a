"""Reprise visit: referred at the recorded return, escalated, scheduled by the planner."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Flask

from services.scheduler.entrypoints.worker import due_actions as run_due
from tests.integration.scheduler.conftest import Tenant
from tests.integration.scheduler.workflows.conftest import (
    Clock,
    due_actions,
    make_case,
    outbox,
    templates,
)

SPST = "planification@spst-alpha.fr"


def _returned(spst: Tenant, clock: Clock) -> int:
    clock.now = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)
    case = make_case(spst, start="2025-01-01", end="2025-03-01")
    answer = spst.post(f"/api/v1/employees/{case.employee_id}/return",
                       {"return_date": "2025-03-03"})
    assert answer.status_code == 200, answer.json
    listing = spst.get(f"/api/v1/employees/{case.employee_id}/procedures").json["items"]
    assert [p["kind"] for p in listing] == ["reprise"]
    return int(listing[0]["id"])


def test_return_refers_to_the_spst_with_the_deadline(wf_app: Flask, spst: Tenant,
                                                    clock: Clock) -> None:
    procedure_id = _returned(spst, clock)
    body = spst.get(f"/api/v1/procedures/{procedure_id}").json
    assert body["state"] == "referred" and body["deadline"] == "2025-03-11"
    assert templates(wf_app) == [("reprise_referral", "email", SPST)]
    assert [kind for kind, *_ in due_actions(wf_app)] == ["reprise_d3", "reprise_d1",
                                                         "reprise_missed"]


def test_short_arret_opens_nothing(wf_app: Flask, spst: Tenant) -> None:
    case = make_case(spst, start="2025-02-01", end="2025-03-01")
    spst.post(f"/api/v1/employees/{case.employee_id}/return", {"return_date": "2025-03-03"})
    assert spst.get(f"/api/v1/employees/{case.employee_id}/procedures").json["items"] == []


def test_escalations_then_missed_each_once(wf_app: Flask, spst: Tenant, clock: Clock) -> None:
    procedure_id = _returned(spst, clock)
    clock.now = datetime(2025, 3, 12, 9, 0, tzinfo=UTC)
    run_due(wf_app)
    run_due(wf_app)
    sent = [t for t in templates(wf_app) if t[0].startswith("reprise_escalation")]
    assert sorted(sent) == sorted([("reprise_escalation", "email", SPST),
                                   ("reprise_escalation_employer", "email",
                                    "rh@boulangerie.fr")] * 3)
    assert spst.get(f"/api/v1/procedures/{procedure_id}").json["state"] == "missed"


def test_the_planner_sets_the_visit(wf_app: Flask, spst: Tenant, clock: Clock) -> None:
    procedure_id = _returned(spst, clock)
    answer = spst.post(f"/api/v1/procedures/{procedure_id}/appointment",
                       {"starts_at": "2025-03-06T09:30:00+01:00",
                        "location": "12 rue de la Paix, Paris"})
    assert answer.status_code == 200, answer.json
    assert answer.json["state"] == "scheduled"
    assert ("reprise_scheduled", "sms", "+33612345678") in templates(wf_app)
    assert all(status == "cancelled" for *_, status in due_actions(wf_app))
    clock.now = datetime(2025, 3, 12, 9, 0, tzinfo=UTC)
    run_due(wf_app)
    assert not [t for t in templates(wf_app) if t[0].startswith("reprise_escalation")]


# -- a return date recorded late, or one that cannot be right --------------------


def _escalation_data(app: Flask) -> dict[str, dict[str, Any]]:
    """Deadline and overdue flag of each escalation template queued; the planner's
    link goes to the SPST only."""
    found = {}
    for row in outbox(app, operation="notify"):
        template, data = row.payload["template"], row.payload["data"]
        if template.startswith("reprise_escalation"):
            assert ("link" in data) == (template == "reprise_escalation")
            found[template] = {"deadline": data["deadline"], "overdue": data["overdue"]}
    return found



def _record(spst: Tenant, clock: Clock, now: datetime, return_date: str) -> tuple[int, Any]:
    clock.now = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)
    case = make_case(spst, start="2025-01-01", end="2025-03-01")
    clock.now = now
    answer = spst.post(f"/api/v1/employees/{case.employee_id}/return",
                       {"return_date": return_date})
    return case.employee_id, answer


def test_a_return_recorded_after_the_deadline_is_overdue_at_once(
        wf_app: Flask, spst: Tenant, clock: Clock) -> None:
    # Return on Monday 3 March (deadline R + 8 = 11 March), recorded on the 20th.
    employee_id, answer = _record(spst, clock, datetime(2025, 3, 20, 9, 0, tzinfo=UTC),
                                  "2025-03-03")
    assert answer.status_code == 200, answer.json
    [procedure] = spst.get(f"/api/v1/employees/{employee_id}/procedures").json["items"]
    assert (procedure["state"], procedure["deadline"]) == ("missed", "2025-03-11")
    # The SPST gets the referral and, with the employer, the escalation: in the
    # same transaction, not left to a sweep.
    assert sorted(templates(wf_app)) == sorted([
        ("reprise_referral", "email", SPST),
        ("reprise_escalation", "email", SPST),
        ("reprise_escalation_employer", "email", "rh@boulangerie.fr")])
    assert _escalation_data(wf_app) == {
        "reprise_escalation": {"deadline": "2025-03-11", "overdue": True},
        "reprise_escalation_employer": {"deadline": "2025-03-11", "overdue": True}}
    assert due_actions(wf_app) == []
    run_due(wf_app)
    assert len(templates(wf_app)) == 3
    assert spst.get("/api/v1/dashboard").json["overdue"][0]["procedure_id"] == procedure["id"]
    # Late is better than never: the planner may still set the visit.
    scheduled = spst.post(f"/api/v1/procedures/{procedure['id']}/appointment",
                          {"starts_at": "2025-03-24T09:30:00+01:00"})
    assert scheduled.status_code == 200 and scheduled.json["state"] == "scheduled"


def test_a_return_recorded_close_to_the_deadline_escalates_now(
        wf_app: Flask, spst: Tenant, clock: Clock) -> None:
    # Recorded on Sunday 9 March, after D-3 (8 March 09:00): that escalation is
    # sent now rather than skipped; D-1 and the missed step stay planned.
    employee_id, answer = _record(spst, clock, datetime(2025, 3, 9, 9, 0, tzinfo=UTC),
                                  "2025-03-03")
    assert answer.status_code == 200, answer.json
    [procedure] = spst.get(f"/api/v1/employees/{employee_id}/procedures").json["items"]
    assert procedure["state"] == "referred"
    assert [t for t in templates(wf_app) if t[0].startswith("reprise_escalation")] == [
        ("reprise_escalation", "email", SPST),
        ("reprise_escalation_employer", "email", "rh@boulangerie.fr")]
    assert _escalation_data(wf_app) == {
        "reprise_escalation": {"deadline": "2025-03-11", "overdue": False},
        "reprise_escalation_employer": {"deadline": "2025-03-11", "overdue": False}}
    assert [(kind, status) for kind, _, status in due_actions(wf_app)] == [
        ("reprise_d1", "pending"), ("reprise_missed", "pending")]


def test_a_return_before_the_arret_began_is_refused_naming_the_field(
        wf_app: Flask, spst: Tenant, clock: Clock) -> None:
    employee_id, answer = _record(spst, clock, datetime(2025, 3, 3, 8, 0, tzinfo=UTC),
                                  "2024-12-31")
    assert answer.status_code == 409
    assert answer.json["error"]["field"] == "return_date"
    assert spst.get(f"/api/v1/employees/{employee_id}").json["return_date"] is None
    assert spst.get(f"/api/v1/employees/{employee_id}/procedures").json["items"] == []
    assert templates(wf_app) == []


def test_a_return_date_years_ahead_is_refused_naming_the_field(
        wf_app: Flask, spst: Tenant, clock: Clock) -> None:
    employee_id, answer = _record(spst, clock, datetime(2025, 3, 3, 8, 0, tzinfo=UTC),
                                  "2027-03-01")
    assert answer.status_code == 422
    assert answer.json["error"]["field"] == "return_date"
    assert "lointaine" in answer.json["error"]["message"]
    # Nothing was kept: not the date, no procedure, no message.
    assert spst.get(f"/api/v1/employees/{employee_id}").json["return_date"] is None
    assert spst.get(f"/api/v1/employees/{employee_id}/procedures").json["items"] == []
    assert templates(wf_app) == []
    # A planned return a few weeks ahead is an ordinary one.
    ahead = spst.post(f"/api/v1/employees/{employee_id}/return", {"return_date": "2025-03-24"})
    assert ahead.status_code == 200, ahead.json
    assert templates(wf_app) == [("reprise_referral", "email", SPST)]
