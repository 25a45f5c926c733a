"""The mid-career visit: found by the daily sweep, told once per window, followed up.

The window is the rules engine's (the calendar year of the branch age); on
the SPST's setting, the two-year combined window before it opens a procedure
of its own. Each window is told once (employer, SPST, and the employee on the
SPST's setting), reminded at its middle and two months before it closes.
"""

from __future__ import annotations

from datetime import datetime

from services.scheduler.adapters.orm import Procedure
from services.scheduler.adapters.repository import CasesRepository
from services.scheduler.domain.rules import Window
from services.scheduler.domain.workflows import schedule as timing
from services.scheduler.domain.workflows import states
from services.scheduler.service_layer import messages, procedures, reprise
from services.scheduler.service_layer.employees import get_employee
from services.scheduler.service_layer.obligations import obligations_of

FOLLOW_UPS = (timing.MID_CAREER_MIDYEAR, timing.MID_CAREER_CLOSING)


def open_due(cases: CasesRepository, employee_id: int, *, now: datetime) -> list[Procedure]:
    """Open the procedure of each mid-career window the employee is in today (sweep only)."""
    employee = get_employee(cases, employee_id)
    today = timing.paris_day(now)
    visit = obligations_of(cases, employee_id, today).mid_career_visit
    spst = cases.spst()
    windows: list[Window] = []
    if spst.mid_career_combined_window and visit.combined_window is not None:
        windows.append(visit.combined_window)
    if visit.window is not None:
        windows.append(visit.window)
    known = cases.procedures_of(employee_id)
    if any(p.kind == states.MID_CAREER and p.state in (states.SCHEDULED, states.HELD)
           for p in known):
        return []
    opened = []
    for window in windows:
        if today not in window:
            continue
        procedure, created = procedures.open_procedure(
            cases, employee_id=employee.id, employer_id=employee.employer_id,
            kind=states.MID_CAREER, state=states.DUE, anchor=window.earliest, now=now,
            initiated_by="sweep", window_start=window.earliest, window_end=window.latest,
            deadline=window.latest)
        if created:
            _tell(cases, procedure, now, "due")
            procedures.plan(cases, procedure,
                            timing.future_only(timing.mid_career_actions(window), now))
            opened.append(procedure)
    return opened


def _tell(cases: CasesRepository, procedure: Procedure, now: datetime, suffix: str) -> None:
    people = messages.parties(cases, procedure)
    deadline = str(procedure.deadline)
    messages.to_employer(cases, procedure, people, purpose="due", template="mid_career_due",
                         suffix=suffix, now=now, data={
                             "deadline": deadline, "link": messages.employer_link(procedure)})
    messages.to_spst(cases, procedure, people, purpose="due", template="mid_career_due",
                     suffix=suffix, now=now, data={
                         "deadline": deadline, "link": messages.planner_link(procedure)})
    if people.spst.mid_career_notify_employee:
        messages.to_employee(cases, procedure, people, purpose="due",
                             template="mid_career_employee", suffix=suffix, now=now, data={
                                 "deadline": deadline, "link": messages.employee_link(procedure)})


def follow_up(cases: CasesRepository, procedure: Procedure, kind: str, now: datetime) -> None:
    """A mid-career due action: the middle of the window, or two months before it closes."""
    if procedure.state == states.DUE:
        _tell(cases, procedure, now, kind)


def schedule(cases: CasesRepository, procedure_id: int, starts_at: datetime, *, now: datetime,
             mode: str = "in_person", location: str | None = None,
             video_url: str | None = None) -> Procedure:
    """Set the visit's date (same as a reprise visit).

    The employee gets ``mid_career_scheduled`` (an SMS with a link adding the
    date to their calendar, or an e-mail) and the invitation, on the SPST's
    setting ``mid_career_notify_employee``; otherwise only the employer and
    the SPST are invited.
    """
    return reprise.schedule(cases, procedure_id, starts_at, now=now, mode=mode,
                            location=location, video_url=video_url)
