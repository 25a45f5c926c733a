"""Reprise visit: referred at the recorded return, escalated, scheduled by the planner."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask

from services.scheduler.entrypoints.worker import due_actions as run_due
from tests.integration.scheduler.conftest import Tenant
from tests.integration.scheduler.workflows.conftest import (
    Clock,
    due_actions,
    make_case,
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
    sent = [t for t in templates(wf_app) if t[0] == "reprise_escalation"]
    assert sorted(sent) == sorted([("reprise_escalation", "email", SPST),
                                   ("reprise_escalation", "email", "rh@boulangerie.fr")] * 3)
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
    assert not [t for t in templates(wf_app) if t[0] == "reprise_escalation"]
