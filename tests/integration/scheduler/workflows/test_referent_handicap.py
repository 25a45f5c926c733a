"""Référent handicap: invited to the liaison meeting only with consent, at 250 or more.

rules.md: « The référent handicap may attend only in companies of 250 employees
or more, and only when the employee consents. Default: not invited. » The
employer's référent has an address (``referent_handicap_email``); the
employee's consent is on the procedure; the invitation is the calendar event's.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from tests.integration.scheduler.conftest import Tenant
from tests.integration.scheduler.workflows.conftest import make_case, outbox

REFERENT = "referent.handicap@boulangerie.fr"
CONFIRM = {"starts_at": "2025-04-16T10:00:00+02:00"}


def _accepted_liaison(spst: Tenant, headcount: int) -> tuple[int, int]:
    """A liaison accepted in a company of ``headcount`` with a référent's address."""
    case = make_case(spst, headcount=headcount)
    changed = spst.patch(f"/api/v1/employers/{case.employer_id}",
                         {"referent_handicap_email": REFERENT})
    assert changed.status_code == 200, changed.json
    opened = spst.post(f"/api/v1/employees/{case.employee_id}/liaison", {})
    assert opened.status_code == 201, opened.json
    procedure_id = int(opened.json["id"])
    accepted = spst.post(f"/api/v1/procedures/{procedure_id}/answer", {"accept": True})
    assert accepted.json["state"] == "accepted", accepted.json
    return procedure_id, case.employer_id


def _events(app: Flask) -> list[dict[str, Any]]:
    return [row.payload["event"] for row in outbox(app, operation="put_event")]


def _attendees(event: dict[str, Any]) -> dict[str, str]:
    return {a["email"]: a["role"] for a in event["attendees"]}


@pytest.mark.parametrize(("headcount", "consent", "invited"), [
    (300, True, True),     # 250 or more, and the employee agrees: invited
    (300, False, False),   # 250 or more, no consent: not invited (the default)
    (249, False, False),   # under 250, no consent
    (249, True, False),    # under 250: not even with the employee's consent
])
def test_the_referent_is_invited_only_with_consent_at_250_or_more(
        wf_app: Flask, spst: Tenant, headcount: int, consent: bool, invited: bool) -> None:
    # Consent is given while the company counts 300; a smaller company then
    # gets its headcount corrected, the consent staying on the procedure.
    procedure_id, employer_id = _accepted_liaison(spst, 300)
    answer = spst.post(f"/api/v1/procedures/{procedure_id}/consent",
                       {"referent_handicap": consent})
    assert answer.status_code == 200 and answer.json["referent_handicap_consent"] is consent
    if headcount != 300:
        spst.patch(f"/api/v1/employers/{employer_id}", {"headcount": headcount})

    confirmed = spst.post(f"/api/v1/procedures/{procedure_id}/confirm", CONFIRM)
    assert confirmed.status_code == 200, confirmed.json

    [event] = _events(wf_app)
    attendees = _attendees(event)
    assert "rh@boulangerie.fr" in attendees  # the meeting itself is unchanged
    if invited:
        assert attendees[REFERENT] == "req-participant"
    else:
        assert REFERENT not in attendees
    # No message of its own: the calendar's invitation is the référent's only news.
    assert not [r for r in outbox(wf_app, operation="notify") if r.payload["to"] == REFERENT]


def test_consent_cannot_be_given_under_250(wf_app: Flask, spst: Tenant) -> None:
    procedure_id, _ = _accepted_liaison(spst, 249)
    refused = spst.post(f"/api/v1/procedures/{procedure_id}/consent",
                        {"referent_handicap": True})
    assert refused.status_code == 422
    assert refused.json["error"]["field"] == "referent_handicap"
    assert spst.get(f"/api/v1/procedures/{procedure_id}").json[
        "referent_handicap_consent"] is False


def test_without_an_address_nobody_is_invited(wf_app: Flask, spst: Tenant) -> None:
    procedure_id, employer_id = _accepted_liaison(spst, 300)
    spst.patch(f"/api/v1/employers/{employer_id}", {"referent_handicap_email": None})
    spst.post(f"/api/v1/procedures/{procedure_id}/consent", {"referent_handicap": True})
    spst.post(f"/api/v1/procedures/{procedure_id}/confirm", CONFIRM)
    [event] = _events(wf_app)
    # The employer only: the SPST organizes, the employee has no e-mail address.
    assert set(_attendees(event)) == {"rh@boulangerie.fr"}


def test_a_change_of_mind_after_confirmation_updates_the_invitations(
        wf_app: Flask, spst: Tenant) -> None:
    procedure_id, _ = _accepted_liaison(spst, 300)
    spst.post(f"/api/v1/procedures/{procedure_id}/confirm", CONFIRM)
    given = spst.post(f"/api/v1/procedures/{procedure_id}/consent", {"referent_handicap": True})
    assert given.status_code == 200 and given.json["sequence"] == 2
    withdrawn = spst.post(f"/api/v1/procedures/{procedure_id}/consent",
                          {"referent_handicap": False})
    assert withdrawn.json["sequence"] == 3
    # Three revisions of one event: without, with, then without the référent (the
    # calendar sends them a CANCEL when they leave the attendees).
    events = outbox(wf_app, operation="put_event")
    assert [row.payload["uid"] for row in events] == [f"relais-liaison-{procedure_id}"] * 3
    assert [REFERENT in _attendees(row.payload["event"]) for row in events] == [
        False, True, False]
    # The same answer twice is no new revision.
    spst.post(f"/api/v1/procedures/{procedure_id}/consent", {"referent_handicap": False})
    assert len(outbox(wf_app, operation="put_event")) == 3


def test_rescheduling_keeps_the_referent_invited(wf_app: Flask, spst: Tenant) -> None:
    procedure_id, _ = _accepted_liaison(spst, 300)
    spst.post(f"/api/v1/procedures/{procedure_id}/consent", {"referent_handicap": True})
    spst.post(f"/api/v1/procedures/{procedure_id}/confirm", CONFIRM)
    moved = spst.post(f"/api/v1/procedures/{procedure_id}/reschedule",
                      {"starts_at": "2025-04-18T14:00:00+02:00"})
    assert moved.status_code == 200, moved.json
    assert [REFERENT in _attendees(event) for event in _events(wf_app)] == [True, True]


def test_the_referent_address_is_an_employer_field_checked_by_the_api(
        wf_app: Flask, spst: Tenant) -> None:
    created = spst.employer(headcount=400, referent_handicap_email=" Handicap@Groupe.FR ")
    assert created["referent_handicap_email"] == "Handicap@groupe.fr"
    url = f"/api/v1/employers/{created['id']}"
    assert spst.get(url).json["referent_handicap_email"] == "Handicap@groupe.fr"
    for bad in ("pas une adresse", "handicap@", 42, "x" * 250 + "@groupe.fr"):
        answer = spst.patch(url, {"referent_handicap_email": bad})
        assert answer.status_code == 422, (bad, answer.json)
        assert answer.json["error"]["field"] == "referent_handicap_email"
    assert spst.get(url).json["referent_handicap_email"] == "Handicap@groupe.fr"
    cleared = spst.patch(url, {"referent_handicap_email": None})
    assert cleared.status_code == 200 and cleared.json["referent_handicap_email"] is None
