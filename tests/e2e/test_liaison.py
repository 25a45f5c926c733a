"""Scenario A: the liaison meeting, from eligibility to the reminder, a new date, a cancel.

Eligibility (an arrêt of more than 30 days) is found by the daily sweep; the
employer is e-mailed and the employee texted a link (e-mailed without a phone).
The employee accepts on the page or by answering OUI, which records T0; the
employer picks one of the 3 slots (inside the window, 8 days' notice for the
SPST) on their own page, or another date of the window, one too soon being
refused with the reason; the SPST, the employer and the employee receive
calendar invitations and the employee an SMS with the date and an "add to my
calendar" link. The day before, a reminder SMS. A new date is a new SEQUENCE of the same event, a
cancel a METHOD:CANCEL, and the reminder does not go. An employee who says no
is not written to again; the employer is told neutrally.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from services.scheduler.domain.rules.calendar import is_working_day
from tests.e2e.conftest import Spst
from tests.e2e.people import Visitor, send_sms, slot_ids, text_of
from tests.e2e.stack import Message, Stack, wait_for
from tests.e2e.workflow import (
    PARIS,
    Case,
    calendar_event,
    due_actions,
    new_case,
    paris,
    procedure,
    sweep,
    today,
    wait_for_event,
)

EMPLOYEE_LINK = re.compile(r"https?://[^\s\"<>]+/e/[A-Za-z0-9._-]+")
EMPLOYER_LINK = re.compile(r"https?://[^\s\"<>]+/l/[A-Za-z0-9._-]+")
MEDICAL_WORDS = ("maladie", "diagnostic", "pathologie", "médical :", "accident")


def link_in(message: Message, pattern: re.Pattern[str]) -> str:
    text = f"{message.body}\n{message.html or ''}\n{message.data}"
    found = pattern.search(text)
    assert found, f"aucun lien {pattern.pattern} dans {message.template} : {message.body!r}"
    return found.group(0)


def informed(stack: Stack, case: Case) -> tuple[Message, Message]:
    """The daily sweep finds the eligibility; the employer and the employee are told."""
    sweep(stack)
    assert case.phone is not None
    [sms] = stack.wait_for_message(case.phone, "liaison_information", "sms")
    [mail] = stack.wait_for_message(case.employer_email, "liaison_employer_duty", "email")
    return sms, mail


def test_liaison_meeting_end_to_end(stack: Stack, spst: Spst) -> None:
    case = new_case(stack, started=45, ends_in=40)
    sms, duty = informed(stack, case)

    # The employee: possible, optional, not medical, a link, « répondez OUI ».
    assert "OUI" in sms.body
    assert not any(word in sms.body.lower() for word in MEDICAL_WORDS), sms.body
    employee_url = link_in(sms, EMPLOYEE_LINK)
    assert link_in(duty, EMPLOYER_LINK)

    # Opening the link changes nothing; accepting does.
    employee = Visitor(stack)
    assert employee.open(employee_url).status_code == 200
    assert procedure(stack, case.employee_id, "liaison")["state"] == "informed"
    employee.press("accepter")
    assert employee.last is not None and employee.last.status_code == 200
    row = procedure(stack, case.employee_id, "liaison", "accepted")
    assert row["requested_on"] == str(today())  # T0, the day of the employee's request

    # Three slots, free in the SPST planner's calendar, reach the employer with
    # their page's link (the worker proposes them within a minute; the sweep now).
    sweep(stack)
    [slots_mail] = stack.wait_for_message(case.employer_email, "liaison_slots", "email")
    assert len(slots_mail.data["slots"]) == 3
    # Inside the legal window (15 days from T0, during the arrêt), leaving the SPST
    # its 8 days' notice.
    row = stack.api("GET", f"/api/v1/procedures/{row['id']}", expect=200).json()
    window_end = date.fromisoformat(row["window_end"])
    assert window_end <= today() + timedelta(days=15)
    proposed = [_aware(s["starts_at"]) for s in row["slots"] if s["status"] == "proposed"]
    assert len(proposed) == 3, row["slots"]
    earliest = max(date.fromisoformat(row["window_start"]), today() + timedelta(days=8))
    assert all(earliest <= s.astimezone(PARIS).date() <= window_end for s in proposed), (
        proposed, earliest, window_end)
    employer = Visitor(stack)
    page = employer.open(link_in(slots_mail, EMPLOYER_LINK))
    assert page.status_code == 200
    offered = slot_ids(page.text)
    assert len(offered) == 3, text_of(page.text)

    # The employer confirms the first slot.
    confirmed = employer.post(employer.form_action("confirmer"),
                              {"creneau": offered[0], "mode": "in_person"})
    assert confirmed.status_code == 200, text_of(confirmed.text)
    assert "confirmé" in text_of(confirmed.text)
    row = procedure(stack, case.employee_id, "liaison", "confirmed")
    uid, starts_at = row["calendar_uid"], row["starts_at"]
    assert uid and starts_at

    # The SPST organizes the event, in its planner's feed; employer and employee
    # are invited (SEQUENCE 0).
    event = wait_for_event(stack, uid, 0)
    assert event["organizer"]["email"] == spst.planning_email
    assert event["planner_id"] == spst.planner_id
    assert {case.employer_email, case.email} <= {a["email"] for a in event["attendees"]}
    feed = stack.get(spst.feed_url)
    assert feed.status_code == 200 and f"UID:{uid}" in feed.text
    for address in (case.employer_email, case.email):
        [invite] = stack.wait_for_message(address, "event_invitation", "email")
        assert any(name.endswith(".ics") for name in invite.attachments), invite.attachments

    # The employee's SMS: the date and an "add to my calendar" link to the ICS.
    [date_sms] = stack.wait_for_message(case.phone or "", "liaison_confirmed", "sms")
    calendar_link = date_sms.data.get("calendar_link")
    assert calendar_link and calendar_link in date_sms.body, date_sms.body
    ics = stack.get(calendar_link)
    assert ics.status_code == 200 and "text/calendar" in ics.headers["Content-Type"]
    assert f"UID:{uid}" in ics.text and "SEQUENCE:0" in ics.text

    # The reminder, the day before at 10:00 (Paris), sent by the due-actions sweep.
    [reminder] = [a for a in due_actions(stack, row["id"]) if a["kind"] == "liaison_reminder"]
    due_at = reminder["due_at"]
    sweep(stack, _aware(due_at) + timedelta(minutes=1))
    [reminder_sms] = stack.wait_for_message(case.phone or "", "liaison_reminder", "sms")
    assert employee_url.split("/e/")[0] in reminder_sms.body

    # A new date: the same event, SEQUENCE 1, new invitations, a new SMS.
    other = _other_slot(stack, row["id"], starts_at)
    stack.api("POST", f"/api/v1/procedures/{row['id']}/reschedule",
              {"starts_at": other.isoformat()}, expect=200)
    event = wait_for_event(stack, uid, 1)
    assert event["start"].startswith(other.isoformat()[:16]) or event["start"]
    stack.wait_for_message(case.phone or "", "liaison_confirmed", "sms", count=2)
    wait_for(lambda: [i for i in calendar_event(stack, uid)["invites"]
                      if i["sequence"] == 1 and i["status"] == "delivered"],
             "invitations SEQUENCE 1 remises au notifier", stack=stack)
    assert "SEQUENCE:1" in stack.service("calendar", "GET", f"/api/v1/events/{uid}.ics").text
    assert "SEQUENCE:1" in _feed_event(stack.get(spst.feed_url).text, uid)

    # Cancelled: METHOD:CANCEL to everyone, the employee told, no reminder left.
    stack.api("POST", f"/api/v1/procedures/{row['id']}/cancel", {}, expect=200)
    event = wait_for_event(stack, uid, 2, status="cancelled")
    for address in (case.employer_email, case.email):
        stack.wait_for_message(address, "event_cancelled", "email")
    assert "STATUS:CANCELLED" in _feed_event(stack.get(spst.feed_url).text, uid) or (
        f"UID:{uid}" not in stack.get(spst.feed_url).text)
    stack.wait_for_message(case.phone or "", "liaison_cancelled", "sms")
    pending = [a for a in due_actions(stack, row["id"]) if a["status"] == "pending"]
    assert pending == [], pending
    reminders_before = len(stack.inbox(case.phone))
    sweep(stack, _aware(due_at) + timedelta(days=7))
    assert len(stack.inbox(case.phone)) == reminders_before


def test_sms_oui_accepts_like_the_link(stack: Stack, spst: Spst) -> None:
    case = new_case(stack, started=40, ends_in=30)
    informed(stack, case)
    answer = send_sms(stack, case.phone or "", "oui")
    assert answer.status_code == 200, answer.text
    procedure(stack, case.employee_id, "liaison", "accepted")
    sweep(stack)
    stack.wait_for_message(case.employer_email, "liaison_slots", "email")


def test_an_employee_without_a_phone_is_told_by_email(stack: Stack, spst: Spst) -> None:
    case = new_case(stack, started=40, ends_in=30, phone=False)
    sweep(stack)
    [mail] = stack.wait_for_message(case.email, "liaison_information", "email")
    assert EMPLOYEE_LINK.search(mail.body), mail.body
    body = mail.body.lower()
    assert "maladie" not in body and "diagnostic" not in body, mail.body
    assert "sms" not in body, mail.body  # no phone: nothing to answer by SMS
    assert Visitor(stack).open(link_in(mail, EMPLOYEE_LINK)).status_code == 200


def test_the_employer_may_choose_another_date_inside_the_window(
        stack: Stack, spst: Spst) -> None:
    case = new_case(stack, started=40, ends_in=30)
    informed(stack, case)
    assert send_sms(stack, case.phone or "", "OUI").status_code == 200
    row = procedure(stack, case.employee_id, "liaison", "accepted")
    sweep(stack)
    [mail] = stack.wait_for_message(case.employer_email, "liaison_slots", "email")
    employer = Visitor(stack)
    employer.open(link_in(mail, EMPLOYER_LINK))

    # Inside the 15 days but with less than 8 days' notice for the SPST: refused, and why.
    early = employer.post(employer.form_action("confirmer"), {
        "creneau": "autre", "date": str(today() + timedelta(days=3)), "heure": "10:00",
        "mode": "in_person"})
    assert early.status_code == 422
    assert "8 jours" in text_of(early.text), text_of(early.text)
    assert procedure(stack, case.employee_id, "liaison")["state"] == "accepted"

    # A working day of the window, at an hour no slot offered: confirmed as asked.
    chosen = _free_moment(stack, case, row["id"])
    confirmed = employer.post(employer.form_action("confirmer"), {
        "creneau": "autre", "date": str(chosen.date()), "heure": f"{chosen:%H:%M}",
        "mode": "remote"})
    assert confirmed.status_code == 200 and "confirmé" in text_of(confirmed.text), (
        text_of(confirmed.text))
    row = procedure(stack, case.employee_id, "liaison", "confirmed")
    assert _aware(row["starts_at"]) == chosen and row["mode"] == "remote"
    wait_for_event(stack, row["calendar_uid"], 0)
    [date_sms] = stack.wait_for_message(case.phone or "", "liaison_confirmed", "sms")
    assert date_sms.data["starts_at"].startswith(chosen.isoformat()[:16]), date_sms.data


def test_refusal_closes_silently_and_the_employer_is_told_neutrally(
        stack: Stack, spst: Spst) -> None:
    case = new_case(stack, started=50, ends_in=20)
    sms, _ = informed(stack, case)
    employee = Visitor(stack)
    employee.open(link_in(sms, EMPLOYEE_LINK))
    employee.press("refuser")
    procedure(stack, case.employee_id, "liaison", "refused")

    [notice] = stack.wait_for_message(case.employer_email, "liaison_refused_employer", "email")
    text = f"{notice.subject} {notice.body}".lower()
    assert not any(word in text for word in MEDICAL_WORDS), notice.body
    # Silence toward the employee: only what was sent before the answer.
    before = [m.template for m in stack.inbox(case.phone)]
    sweep(stack, datetime.now(UTC) + timedelta(days=1))
    assert [m.template for m in stack.inbox(case.phone)] == before
    assert "liaison_information" in before


def _feed_event(feed: str, uid: str) -> str:
    """The VEVENT of ``uid`` in an ICS text (empty when absent)."""
    for block in feed.split("BEGIN:VEVENT")[1:]:
        if f"UID:{uid}" in block:
            return block.split("END:VEVENT")[0]
    return ""


def _aware(value: datetime | str) -> datetime:
    """A stored instant (naive means UTC, as SQLite keeps it)."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _free_moment(stack: Stack, case: Case, procedure_id: int) -> datetime:
    """15:00 (Paris) on a working day the employer may still choose, no slot's start."""
    row = stack.api("GET", f"/api/v1/procedures/{procedure_id}", expect=200).json()
    region = stack.api("GET", f"/api/v1/employers/{case.employer_id}", expect=200).json()["region"]
    taken = {_aware(s["starts_at"]) for s in row["slots"]}
    day = max(date.fromisoformat(row["window_start"]), today() + timedelta(days=8))
    while day <= date.fromisoformat(row["window_end"]):
        moment = paris(day, 15)
        if is_working_day(day, region) and moment not in taken:
            return moment
        day += timedelta(days=1)
    raise AssertionError(f"aucun jour ouvré libre dans la fenêtre : {row}")


def _other_slot(stack: Stack, procedure_id: int, current: datetime | str) -> datetime:
    """Another proposed slot of the procedure (inside the window by construction)."""
    slots = stack.api("GET", f"/api/v1/procedures/{procedure_id}", expect=200).json()["slots"]
    chosen = _aware(current)
    others = [_aware(s["starts_at"]) for s in slots if _aware(s["starts_at"]) != chosen]
    assert others, f"aucun autre créneau que {chosen} : {slots}"
    return others[0]
