"""Who the calendar event of an appointment invites (rules.md: the référent handicap)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from services.scheduler.adapters.orm import Employee, Employer, Procedure, Spst
from services.scheduler.service_layer import procedures
from services.scheduler.service_layer.messages import Parties

REFERENT = "referent@groupe.fr"


def _people(headcount: int = 300, referent: str | None = REFERENT,
            notify_employee: bool = False) -> Parties:
    spst = Spst(id=1, name="SPST Alpha", planning_email="planif@spst.fr",
                mid_career_notify_employee=notify_employee, calendar_planner_id=None)
    employer = Employer(id=2, name="Groupe", headcount=headcount,
                        contact_email="rh@groupe.fr", referent_handicap_email=referent)
    employee = Employee(id=3, first_name="Marie", last_name="Dupont", email="marie@ex.fr")
    return Parties(spst, employer, employee)


def _procedure(kind: str = "liaison", consent: bool = False) -> Procedure:
    starts = datetime(2025, 4, 16, 8, 0, tzinfo=UTC)
    return Procedure(id=9, kind=kind, referent_handicap_consent=consent, starts_at=starts,
                     ends_at=starts.replace(hour=9), mode="in_person", location=None,
                     video_url=None)


def _invited(procedure: Procedure, people: Parties) -> dict[str, Any]:
    body = procedures.event_body(None, procedure, people)  # type: ignore[arg-type]
    return {a["email"]: a["role"] for a in body["attendees"]}


@pytest.mark.parametrize(("headcount", "consent", "invited"), [
    (250, True, True), (5000, True, True),
    (250, False, False), (249, True, False), (249, False, False), (0, True, False),
])
def test_the_referent_only_with_consent_at_250_or_more(headcount: int, consent: bool,
                                                       invited: bool) -> None:
    people = _people(headcount)
    procedure = _procedure(consent=consent)
    assert procedures.referent_invited(procedure, people.employer) is invited
    assert (REFERENT in _invited(procedure, people)) is invited


def test_no_address_no_other_kind() -> None:
    assert not procedures.referent_invited(_procedure(consent=True),
                                           _people(referent=None).employer)
    for kind in ("reprise", "mid_career"):
        procedure = _procedure(kind, consent=True)
        assert not procedures.referent_invited(procedure, _people().employer)
        assert REFERENT not in _invited(procedure, _people(notify_employee=True))


def test_the_referent_is_not_invited_twice() -> None:
    people = _people(referent="RH@groupe.fr")  # the same mailbox as the employer's contact
    assert list(_invited(_procedure(consent=True), people)) == ["marie@ex.fr", "rh@groupe.fr"]


@pytest.mark.parametrize(("kind", "setting", "convened"), [
    ("liaison", False, True), ("reprise", False, True),
    ("mid_career", False, False), ("mid_career", True, True),
])
def test_the_employee_is_invited_except_to_mid_career_against_the_setting(
        kind: str, setting: bool, convened: bool) -> None:
    people = _people(notify_employee=setting)
    procedure = _procedure(kind)
    assert procedures.employee_convened(procedure, people) is convened
    assert ("marie@ex.fr" in _invited(procedure, people)) is convened
