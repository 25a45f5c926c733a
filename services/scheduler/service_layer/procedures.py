"""What every workflow shares: find, open and close procedures, plan due actions, events."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError

from services.scheduler.adapters.orm import DueAction, Employer, Procedure, Slot
from services.scheduler.adapters.repository import CasesRepository
from services.scheduler.domain.rules.liaison import REFERENT_HANDICAP_HEADCOUNT
from services.scheduler.domain.workflows import states
from services.scheduler.service_layer import messages, outbox
from services.scheduler.service_layer.errors import Missing

WHAT = "procédure"
SUMMARIES = {states.LIAISON: "Rendez-vous de liaison", states.REPRISE: "Visite de reprise",
             states.MID_CAREER: "Visite de mi-carrière",
             states.PRE_REPRISE: "Visite de pré-reprise"}
REFERENT_NAME = "Référent handicap"


def get_procedure(cases: CasesRepository, procedure_id: int, lock: bool = False,
                  kind: str | None = None) -> Procedure:
    """:raises Missing: unknown here, another SPST's, or hidden from an employer-scoped key."""
    procedure = cases.procedure(procedure_id, lock)
    if procedure is None or (kind is not None and procedure.kind != kind):
        raise Missing(WHAT)
    return procedure


def list_procedures(cases: CasesRepository, employee_id: int) -> list[Procedure]:
    """:raises Missing: unknown employee."""
    from services.scheduler.service_layer.employees import get_employee

    get_employee(cases, employee_id)
    return cases.procedures_of(employee_id)


def slots_of(cases: CasesRepository, procedure: Procedure) -> list[Slot]:
    return cases.slots(procedure.id)


def open_procedure(cases: CasesRepository, *, employee_id: int, employer_id: int, kind: str,
                   state: str, anchor: date, now: datetime,
                   **fields: Any) -> tuple[Procedure, bool]:
    """The procedure under its unique key, created when missing.

    Two sweeps racing for the same key: the loser's insert fails inside a
    savepoint and it takes the winner's row, so nothing is opened (or sent) twice.

    :returns: the procedure and whether it was created now.
    """
    existing = cases.procedure_with_anchor(employee_id, kind, anchor)
    if existing is not None:
        return existing, False
    procedure = Procedure(employee_id=employee_id, employer_id=employer_id, kind=kind,
                          state=state, anchor=anchor, sequence=0, link_version=0,
                          referent_handicap_consent=False, share_with_employer=False,
                          created_at=now, updated_at=now, **fields)
    try:
        with cases.session.begin_nested():
            cases.add(procedure)
    except IntegrityError:
        found = cases.procedure_with_anchor(employee_id, kind, anchor)
        if found is None:
            raise
        return found, False
    return procedure, True


def move(procedure: Procedure, target: str, now: datetime) -> None:
    """Change the state, checked against the transitions.

    :raises CaseConflict: when the move is not allowed.
    """
    states.check_transition(procedure.kind, procedure.state, target)
    procedure.state = target
    procedure.updated_at = now
    if not states.is_open(procedure.kind, target):
        procedure.closed_at = now


def plan(cases: CasesRepository, procedure: Procedure,
         actions: Iterable[tuple[str, datetime]]) -> None:
    """Add due actions, once each (the unique key makes a second plan a no-op)."""
    known = {(a.kind, a.due_at) for a in cases.pending_actions(procedure.id)}
    for kind, due_at in actions:
        if (kind, due_at) not in known:
            cases.add(DueAction(procedure_id=procedure.id, kind=kind, due_at=due_at,
                                status="pending"))


def cancel_actions(cases: CasesRepository, procedure: Procedure,
                   kinds: tuple[str, ...] | None = None) -> int:
    """Cancel pending due actions (all, or those of ``kinds``)."""
    count = 0
    for action in cases.pending_actions(procedure.id):
        if kinds is None or action.kind in kinds:
            action.status = "cancelled"
            count += 1
    cases.flush()
    return count


def set_appointment(procedure: Procedure, starts_at: datetime, minutes: int, mode: str,
                    location: str | None, video_url: str | None) -> None:
    """Record the date on the procedure and give its calendar event a stable UID."""
    procedure.starts_at = starts_at
    procedure.ends_at = starts_at + timedelta(minutes=minutes)
    procedure.mode = mode
    procedure.location = location
    procedure.video_url = video_url
    procedure.sequence += 1
    if procedure.calendar_uid is None:
        procedure.calendar_uid = f"relais-{procedure.kind.replace('_', '-')}-{procedure.id}"


def referent_invited(procedure: Procedure, employer: Employer) -> bool:
    """Whether the employer's référent handicap is convened to this meeting.

    Only a liaison meeting, only with the employee's consent, only in a
    company of 250 employees or more, and only when the employer gave an
    address. Anything else: not invited (the rule's default).
    """
    return (procedure.kind == states.LIAISON and procedure.referent_handicap_consent
            and employer.headcount >= REFERENT_HANDICAP_HEADCOUNT
            and bool(employer.referent_handicap_email))


def employee_convened(procedure: Procedure, people: messages.Parties) -> bool:
    """Whether Relais writes to the employee about this appointment.

    Always, except a mid-career visit when the SPST chose not to contact the
    employee about it (``mid_career_notify_employee``): the employer then
    passes the convocation on, as the SPST does without Relais.
    """
    return procedure.kind != states.MID_CAREER or people.spst.mid_career_notify_employee


def location_text(procedure: Procedure) -> str:
    if procedure.mode == "remote":
        return "Visioconférence"
    return procedure.location or "Lieu communiqué par le service de santé au travail"


def event_body(cases: CasesRepository, procedure: Procedure,
               people: messages.Parties) -> dict[str, Any]:
    """The calendar's ``PUT /api/v1/events/{uid}`` body: invites to everyone concerned."""
    assert procedure.starts_at is not None and procedure.ends_at is not None
    organizer_email = people.spst.planning_email or messages.settings().organizer_email
    attendees = []
    seen = {organizer_email.lower()}
    employee_email = people.employee.email if employee_convened(procedure, people) else None
    candidates = [
        (messages.full_name(people.employee), employee_email, "req-participant"),
        (people.employer.name, people.employer.contact_email, "req-participant"),
        (people.spst.name, people.spst.planning_email, "req-participant"),
    ]
    if procedure.kind != states.LIAISON:  # the employer is told, not convened
        candidates[1] = (people.employer.name, people.employer.contact_email, "opt-participant")
    if referent_invited(procedure, people.employer):
        candidates.append((REFERENT_NAME, people.employer.referent_handicap_email,
                           "req-participant"))
    for name, email, role in candidates:
        if email and email.lower() not in seen:
            seen.add(email.lower())
            attendees.append({"name": name, "email": email, "role": role})
    body: dict[str, Any] = {
        "start": procedure.starts_at.isoformat(), "end": procedure.ends_at.isoformat(),
        "timezone": "Europe/Paris",
        "summary": f"{SUMMARIES[procedure.kind]} – {messages.full_name(people.employee)}",
        "description": "Rendez-vous organisé par Relais pour le service de prévention et de "
                       "santé au travail.",
        "location": location_text(procedure) if procedure.mode != "remote" else None,
        "video_url": procedure.video_url,
        "organizer": {"name": people.spst.name, "email": organizer_email},
        "attendees": attendees, "status": "confirmed",
        "planner_id": people.spst.calendar_planner_id, "send_invites": True,
    }
    if body["location"] is None and body["video_url"] is None:
        body["location"] = "Visioconférence (lien communiqué par le service)"
    return body


def send_event(cases: CasesRepository, procedure: Procedure, people: messages.Parties,
               now: datetime) -> None:
    outbox.put_event(cases, procedure, event_body(cases, procedure, people), now=now)
