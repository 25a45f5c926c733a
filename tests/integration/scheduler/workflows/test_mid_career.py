"""Mid-career: found by the daily sweep, told once per window, followed up."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask

from services.scheduler.entrypoints.worker import daily
from services.scheduler.entrypoints.worker import due_actions as run_due
from tests.integration.scheduler.conftest import Tenant
from tests.integration.scheduler.workflows.conftest import Clock, due_actions, templates

EMPLOYER, SPST = "rh@boulangerie.fr", "planification@spst-alpha.fr"


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
