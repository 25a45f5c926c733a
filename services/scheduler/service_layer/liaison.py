"""The liaison meeting (rendez-vous de liaison): inform, accept, propose, confirm, remind.

States and transitions: ``domain.workflows.states``. The window is the rules
engine's (``liaison_window``): with ``T0`` the day the employee accepted and
``N`` the day the SPST is told, ``[max(N + 8, T0 + 1), min(T0 + 15, arrêt end)]``.
Slots are proposed with ``N`` = the day they are proposed, and a date is
confirmed only if it still leaves the SPST 8 days from the confirmation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from services.scheduler.adapters.orm import Procedure, Slot
from services.scheduler.adapters.repository import CasesRepository
from services.scheduler.domain.cases import CaseConflict, InvalidValue
from services.scheduler.domain.rules import Window
from services.scheduler.domain.rules.liaison import (
    REFERENT_HANDICAP_HEADCOUNT,
    liaison_window,
)
from services.scheduler.domain.workflows import schedule, states
from services.scheduler.domain.workflows.slots import (
    Interval,
    OfficeHours,
    propose_slots,
    refusal,
)
from services.scheduler.service_layer import messages, outbox, procedures
from services.scheduler.service_layer.employees import get_employee
from services.scheduler.service_layer.obligations import obligations_of

INITIATORS = ("employer", "employee", "sweep", "spst")
VIAS = ("link", "sms", "api")
MODES = ("in_person", "remote")
REMINDER = "reminder"


@dataclass(frozen=True)
class BusyRequest:
    """What to ask the calendar before proposing slots: a planner's busy times."""

    planner_id: int
    start: datetime
    end: datetime


@dataclass(frozen=True)
class _Chain:
    start: date
    end: date


def _chain(cases: CasesRepository, employee_id: int, today: date) -> _Chain | None:
    current = obligations_of(cases, employee_id, today).current_absence
    return None if current is None else _Chain(current.start, current.end)


def _window(cases: CasesRepository, procedure: Procedure, today: date) -> Window:
    """The legal window when the SPST is told ``today``."""
    assert procedure.requested_on is not None
    chain = _chain(cases, procedure.employee_id, today)
    return liaison_window(procedure.requested_on, today,
                          chain.end if chain else None, chain.start if chain else None)


def _hours(people: messages.Parties) -> OfficeHours:
    return OfficeHours(people.spst.office_opens, people.spst.office_closes)


def open_liaison(cases: CasesRepository, employee_id: int, *, initiated_by: str,
                 now: datetime) -> Procedure:
    """Open the liaison procedure of the employee's current arrêt and tell both sides.

    The employer is e-mailed that the employee must be told; the employee gets
    an SMS (an e-mail without a phone): possible, optional, not medical, a link,
    « répondez OUI ». Opening again for the same arrêt returns the same procedure.

    :raises Missing: unknown employee.
    :raises CaseConflict: no arrêt in progress, or not eligible (30 days or less).
    """
    if initiated_by not in INITIATORS:
        raise InvalidValue("initiated_by", f"valeurs possibles : {', '.join(INITIATORS)}")
    employee = get_employee(cases, employee_id, lock=True)
    today = schedule.paris_day(now)
    evaluation = obligations_of(cases, employee_id, today)
    current = evaluation.current_absence
    if current is None or today > current.end:
        raise CaseConflict(
            "no_arret_in_progress", "employee_id",
            "aucun arrêt en cours : le rendez-vous de liaison a lieu pendant l'arrêt")
    meeting = evaluation.liaison_meeting
    if not meeting.eligible or meeting.eligible_from is None:
        raise CaseConflict("not_eligible", "employee_id",
                           "arrêt de 30 jours ou moins : pas de rendez-vous de liaison")
    procedure, created = procedures.open_procedure(
        cases, employee_id=employee.id, employer_id=employee.employer_id, kind=states.LIAISON,
        state=states.INFORMED, anchor=current.start, now=now, initiated_by=initiated_by,
        deadline=max(meeting.eligible_from, today))
    if created:
        people = messages.parties(cases, procedure)
        messages.to_employer(cases, procedure, people, purpose="duty",
                             template="liaison_employer_duty", now=now, data={
                                 "link": messages.employer_link(procedure),
                                 "deadline": str(procedure.deadline)})
        messages.to_employee(cases, procedure, people, purpose="information",
                             template="liaison_information", now=now,
                             data={"link": messages.employee_link(procedure)})
    return procedure


def busy_request(cases: CasesRepository, procedure_id: int, now: datetime) -> BusyRequest | None:
    """The busy times to fetch before :func:`answer` or a slot proposal, if any are needed."""
    procedure = cases.procedure(procedure_id)
    if procedure is None or procedure.kind != states.LIAISON or procedure.state not in (
            states.INFORMED, states.ACCEPTED):
        return None
    spst = cases.spst()
    if not spst.spst_attends_liaison or spst.calendar_planner_id is None:
        return None
    today = schedule.paris_day(now)
    requested = procedure.requested_on or today
    chain = _chain(cases, procedure.employee_id, today)
    window = liaison_window(requested, today, chain.end if chain else None,
                            chain.start if chain else None)
    if window.is_empty:
        return None
    return BusyRequest(spst.calendar_planner_id, schedule.paris_time(window.earliest, 0),
                       schedule.paris_time(window.latest + timedelta(days=1), 0))


def answer(cases: CasesRepository, procedure_id: int, *, accept: bool, via: str,
           now: datetime, busy: Sequence[Interval] | None = None) -> Procedure:
    """The employee's answer (link, SMS reply or API): accept/ask, or refuse.

    Accepting records ``T0`` and proposes 3 slots to the employer, or reports
    the window impossible. ``busy`` None with the SPST attending means the
    calendar could not be read: the slots are proposed later by the sweep.

    :raises Missing: unknown liaison procedure.
    :raises CaseConflict: the procedure no longer takes this answer.
    """
    if via not in VIAS:
        raise InvalidValue("via", f"valeurs possibles : {', '.join(VIAS)}")
    procedure = procedures.get_procedure(cases, procedure_id, lock=True, kind=states.LIAISON)
    if not accept:
        return refuse(cases, procedure, now)
    if procedure.state in (states.ACCEPTED, states.CONFIRMED):
        return procedure  # the same answer twice (a link clicked, then an SMS)
    today = schedule.paris_day(now)
    states.check_transition(procedure.kind, procedure.state, states.ACCEPTED)
    procedure.requested_on = today
    window = _window(cases, procedure, today)
    procedure.window_start, procedure.window_end = window.earliest, window.latest
    people = messages.parties(cases, procedure)
    if window.is_empty:
        _impossible(cases, procedure, people, now)
        return procedure
    procedures.move(procedure, states.ACCEPTED, now)
    propose(cases, procedure, now=now, busy=busy)
    return procedure


def _impossible(cases: CasesRepository, procedure: Procedure, people: messages.Parties,
                now: datetime) -> None:
    procedures.move(procedure, states.IMPOSSIBLE, now)
    procedures.cancel_actions(cases, procedure)
    chain = _chain(cases, procedure.employee_id, schedule.paris_day(now))
    back = (chain.end + timedelta(days=1)) if chain else schedule.paris_day(now)
    data = {"return_date": str(back)}
    messages.to_employer(cases, procedure, people, purpose="impossible",
                         template="liaison_window_impossible", data=data, now=now)
    messages.to_spst(cases, procedure, people, purpose="impossible",
                     template="liaison_window_impossible", data=data, now=now)
    # The employee accepted and waits for a date: told too, that none will come.
    messages.to_employee(cases, procedure, people, purpose="impossible",
                         template="liaison_window_impossible_employee", now=now,
                         data={"link": messages.employee_link(procedure)})


def propose(cases: CasesRepository, procedure: Procedure, *, now: datetime,
            busy: Sequence[Interval] | None) -> list[Slot]:
    """Propose up to 3 slots to the employer (or plan it for later without busy times)."""
    people = messages.parties(cases, procedure)
    spst = people.spst
    if spst.spst_attends_liaison and spst.calendar_planner_id is not None and busy is None:
        procedures.plan(cases, procedure, [(schedule.LIAISON_PROPOSE_SLOTS, now)])
        return []
    today = schedule.paris_day(now)
    window = _window(cases, procedure, today)
    if window.is_empty:
        _impossible(cases, procedure, people, now)
        return []
    starts = propose_slots(window, region=people.employer.region, hours=_hours(people),
                           busy=busy or (), duration=spst.meeting_minutes)
    for old in cases.slots(procedure.id):
        if old.status == "proposed":
            old.status = "discarded"
    length = timedelta(minutes=spst.meeting_minutes)
    slots = [Slot(procedure_id=procedure.id, starts_at=start, ends_at=start + length,
                  status="proposed", created_at=now) for start in starts]
    for slot in slots:
        cases.add(slot)
    messages.to_employer(cases, procedure, people, purpose="slots", template="liaison_slots",
                         suffix=str(len(cases.slots(procedure.id))), now=now, data={
                             "slots": [messages.paris_iso(s) for s in starts],
                             "earliest": str(window.earliest), "latest": str(window.latest),
                             "link": messages.employer_link(procedure)})
    return slots


def check_date(cases: CasesRepository, procedure: Procedure, starts_at: datetime,
               now: datetime) -> None:
    """:raises InvalidValue: ``starts_at`` with the reason, when the date cannot be taken."""
    people = messages.parties(cases, procedure)
    window = _window(cases, procedure, schedule.paris_day(now))
    reason = refusal(starts_at, window=window, region=people.employer.region,
                     hours=_hours(people), duration=people.spst.meeting_minutes)
    if reason is None and starts_at <= now:
        reason = "la date est passée"
    if reason is not None:
        raise InvalidValue("starts_at", reason)


def _check_mode(mode: str) -> None:
    if mode not in MODES:
        raise InvalidValue("mode", f"valeurs possibles : {', '.join(MODES)}")


def confirm(cases: CasesRepository, procedure_id: int, starts_at: datetime, *, now: datetime,
            mode: str = "in_person", location: str | None = None,
            video_url: str | None = None) -> Procedure:
    """Set the meeting's date: one of the slots or another date inside the window.

    The SPST is told at once (its planner's calendar event, an invitation to
    the SPST, the employer and the employee), the employee gets an SMS with a
    link that adds it to their calendar, and a reminder is planned the day
    before at 10:00.

    :raises InvalidValue: ``starts_at`` outside the window (with the reason), ``mode``.
    :raises CaseConflict: not in the ``accepted`` state.
    """
    _check_mode(mode)
    procedure = procedures.get_procedure(cases, procedure_id, lock=True, kind=states.LIAISON)
    if procedure.state == states.CONFIRMED:
        raise CaseConflict("already_confirmed", "state",
                           "rendez-vous déjà confirmé : utilisez la reprogrammation")
    states.check_transition(procedure.kind, procedure.state, states.CONFIRMED)
    check_date(cases, procedure, starts_at, now)
    people = messages.parties(cases, procedure)
    procedures.set_appointment(procedure, starts_at, people.spst.meeting_minutes, mode,
                               location, video_url)
    procedure.spst_notified_on = schedule.paris_day(now)
    procedures.move(procedure, states.CONFIRMED, now)
    for slot in cases.slots(procedure.id):
        if slot.status == "proposed":
            slot.status = "chosen" if slot.starts_at == starts_at else "discarded"
    _announce(cases, procedure, people, now)
    return procedure


def reschedule(cases: CasesRepository, procedure_id: int, starts_at: datetime, *,
               now: datetime, mode: str | None = None, location: str | None = None,
               video_url: str | None = None) -> Procedure:
    """Move a confirmed meeting: a new SEQUENCE for the invitations, a new SMS and reminder.

    :raises InvalidValue: ``starts_at`` outside the window.
    :raises CaseConflict: not confirmed.
    """
    procedure = procedures.get_procedure(cases, procedure_id, lock=True, kind=states.LIAISON)
    if procedure.state != states.CONFIRMED:
        raise CaseConflict("not_confirmed", "state", "aucun rendez-vous confirmé à déplacer")
    mode = mode or procedure.mode or "in_person"
    _check_mode(mode)
    check_date(cases, procedure, starts_at, now)
    people = messages.parties(cases, procedure)
    _withdraw_reminders(cases, procedure)
    procedures.set_appointment(procedure, starts_at, people.spst.meeting_minutes, mode,
                               location if location is not None else procedure.location,
                               video_url if video_url is not None else procedure.video_url)
    procedure.spst_notified_on = schedule.paris_day(now)
    procedure.updated_at = now
    _announce(cases, procedure, people, now)
    return procedure


def _announce(cases: CasesRepository, procedure: Procedure, people: messages.Parties,
              now: datetime) -> None:
    assert procedure.starts_at is not None and procedure.calendar_uid is not None
    procedures.send_event(cases, procedure, people, now)
    messages.to_employee(cases, procedure, people, purpose="confirmed",
                         template="liaison_confirmed", suffix=str(procedure.sequence), now=now,
                         invite_link_uid=procedure.calendar_uid, data={
                             "starts_at": messages.paris_iso(procedure.starts_at),
                             "location": procedures.location_text(procedure)})
    reminder = schedule.reminder_at(procedure.starts_at)
    procedures.plan(cases, procedure, schedule.future_only(
        [(schedule.LIAISON_REMINDER, reminder)], now))


def _withdraw_reminders(cases: CasesRepository, procedure: Procedure) -> None:
    procedures.cancel_actions(cases, procedure, (schedule.LIAISON_REMINDER,))
    outbox.cancel_pending(cases, procedure, REMINDER)


def _close(cases: CasesRepository, procedure: Procedure, target: str, now: datetime) -> bool:
    """Close the procedure; True when a confirmed appointment had to be cancelled."""
    had_event = procedure.state == states.CONFIRMED and procedure.calendar_uid is not None
    procedures.move(procedure, target, now)
    procedures.cancel_actions(cases, procedure)
    outbox.cancel_pending(cases, procedure, REMINDER)
    for slot in cases.slots(procedure.id):
        if slot.status == "proposed":
            slot.status = "discarded"
    procedure.link_version += 1
    if had_event:
        procedure.sequence += 1
        outbox.cancel_event(cases, procedure, now=now)
    return had_event


def refuse(cases: CasesRepository, procedure: Procedure, now: datetime) -> Procedure:
    """The employee declines: everything stops, silently; the employer is told neutrally."""
    if procedure.state == states.REFUSED:
        return procedure
    _close(cases, procedure, states.REFUSED, now)
    people = messages.parties(cases, procedure)
    messages.to_employer(cases, procedure, people, purpose="refused",
                         template="liaison_refused_employer", data={}, now=now)
    return procedure


def cancel(cases: CasesRepository, procedure_id: int, *, now: datetime) -> Procedure:
    """The employer (or the SPST) cancels: a CANCEL for the invitations, the employee told.

    :raises CaseConflict: already closed.
    """
    procedure = procedures.get_procedure(cases, procedure_id, lock=True, kind=states.LIAISON)
    starts_at = procedure.starts_at
    if _close(cases, procedure, states.CANCELLED, now) and starts_at is not None:
        people = messages.parties(cases, procedure)
        messages.to_employee(cases, procedure, people, purpose="cancelled",
                             template="liaison_cancelled", now=now, data={
                                 "starts_at": messages.paris_iso(starts_at),
                                 "link": messages.employee_link(procedure)})
    return procedure


def set_consent(cases: CasesRepository, procedure_id: int, *, referent_handicap: bool,
                now: datetime) -> Procedure:
    """The employee's consent to the référent handicap attending (250 employees or more).

    On a confirmed meeting the change reaches the invitations at once: a new
    revision of the event invites the référent, or withdraws the invitation
    (a CANCEL for them alone) when the employee changes their mind.

    :raises InvalidValue: ``referent_handicap`` in a company under 250 employees.
    """
    procedure = procedures.get_procedure(cases, procedure_id, lock=True, kind=states.LIAISON)
    people = messages.parties(cases, procedure)
    if referent_handicap and people.employer.headcount < REFERENT_HANDICAP_HEADCOUNT:
        raise InvalidValue("referent_handicap",
                           f"possible seulement dans les entreprises d'au moins "
                           f"{REFERENT_HANDICAP_HEADCOUNT} salariés")
    invited_before = procedures.referent_invited(procedure, people.employer)
    procedure.referent_handicap_consent = referent_handicap
    procedure.updated_at = now
    if (procedure.state == states.CONFIRMED and procedure.starts_at is not None
            and procedures.referent_invited(procedure, people.employer) != invited_before):
        procedure.sequence += 1
        procedures.send_event(cases, procedure, people, now)
    return procedure


def remind(cases: CasesRepository, procedure: Procedure, now: datetime) -> None:
    """The reminder SMS of the day before (a due action)."""
    if procedure.state != states.CONFIRMED or procedure.starts_at is None:
        return
    people = messages.parties(cases, procedure)
    messages.to_employee(cases, procedure, people, purpose=REMINDER,
                         template="liaison_reminder", suffix=str(procedure.sequence), now=now,
                         data={"starts_at": messages.paris_iso(procedure.starts_at),
                               "location": procedures.location_text(procedure),
                               "link": messages.employee_link(procedure)})
