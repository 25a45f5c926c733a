"""Scenario B: the reprise visit, from the recorded return to the visit or its escalation.

The employer records the end of an arrêt that requires a visit (60 days of
illness): the SPST is e-mailed at once with the deadline R+8 and a link to the
procedure. Its planner logs in and sets the date: the employee gets an SMS
with it, employer and employee a calendar invitation. Without a date, the SPST
and the employer are reminded at D-3 and D-1, and told the day after D that
it was missed.
"""

from __future__ import annotations

from datetime import date, timedelta

from tests.e2e.conftest import Spst
from tests.e2e.people import Visitor, planner_login, text_of
from tests.e2e.stack import Stack
from tests.e2e.workflow import (
    Case,
    new_case,
    paris,
    procedure,
    sweep,
    today,
    wait_for_event,
)


def returned(stack: Stack, spst: Spst, case: Case, on: date) -> dict[str, object]:
    """The employer records the return; the SPST's referral e-mail."""
    stack.api("POST", f"/api/v1/employees/{case.employee_id}/return",
              {"return_date": str(on)}, expect=200)
    row = procedure(stack, case.employee_id, "reprise", "referred")
    [referral] = stack.wait_for_message(
        spst.planning_email, "reprise_referral", "email",
        where=lambda m: str(m.data.get("link", "")).endswith(f"/planner/procedures/{row['id']}"))
    assert referral.data["return_date"] == str(on)
    assert referral.data["deadline"] == str(row["deadline"])
    return row


def test_return_refers_to_the_spst_and_the_planner_sets_the_visit(
        stack: Stack, spst: Spst) -> None:
    back = today()
    case = new_case(stack, cause="maladie", started=75, ends_in=-1, first_name="Paul")
    row = returned(stack, spst, case, back)
    assert row["deadline"] == str(back + timedelta(days=8)), row

    # The planner logs in and sets the visit three days after the return.
    planner = Visitor(stack)
    planner_login(stack, planner)
    planner.open(stack.urls["scheduler"] + f"/planner/procedures/{row['id']}")
    assert planner.last is not None and planner.last.status_code == 200
    visit = paris(back + timedelta(days=3), 10, 30)
    answer = planner.post(planner.form_action("enregistrer-date"), {
        "date": visit.date().isoformat(), "heure": "10:30", "mode": "in_person"})
    assert answer.status_code == 200, text_of(answer.text)
    row = procedure(stack, case.employee_id, "reprise", "scheduled")

    # The employee's SMS with the date; employer and employee invited (ICS).
    [sms] = stack.wait_for_message(case.phone or "", "reprise_scheduled", "sms")
    assert sms.data["starts_at"].startswith(visit.isoformat()[:16]), sms.data
    event = wait_for_event(stack, str(row["calendar_uid"]), 0)
    assert event["organizer"]["email"] == spst.planning_email
    for address in (case.employer_email, case.email):
        [invite] = stack.wait_for_message(address, "event_invitation", "email")
        assert any(name.endswith(".ics") for name in invite.attachments)
    assert f"UID:{row['calendar_uid']}" in stack.get(spst.feed_url).text

    # No escalation once the date is set.
    deadline = date.fromisoformat(str(row["deadline"]))
    sweep(stack, paris(deadline + timedelta(days=2), 12))
    assert not [m for m in stack.inbox(case.employer_email)
                if m.template.startswith("reprise_escalation")]


def test_without_a_date_the_spst_is_reminded_d3_d1_then_told_it_was_missed(
        stack: Stack, spst: Spst) -> None:
    back = today()
    case = new_case(stack, cause="maladie", started=90, ends_in=-1, first_name="Léa")
    row = returned(stack, spst, case, back)
    deadline = date.fromisoformat(str(row["deadline"]))

    def escalations(address: str) -> list[tuple[str, bool]]:
        """(deadline, overdue) of the employer's escalations: theirs, with no planner link."""
        found = [m for m in stack.inbox(address) if m.template.startswith("reprise_escalation")]
        assert all(m.template == "reprise_escalation_employer" and "link" not in m.data
                   for m in found)
        return [(m.data.get("deadline", ""), m.data.get("overdue")) for m in found]

    for step, (moment, count) in enumerate((
            (paris(deadline - timedelta(days=3), 9, 1), 1),
            (paris(deadline - timedelta(days=1), 9, 1), 2),
            (paris(deadline + timedelta(days=1), 0, 6), 3)), start=1):
        sweep(stack, moment)
        stack.wait_for_message(case.employer_email, "reprise_escalation_employer", "email",
                               count=count)
        assert escalations(case.employer_email) == (
            [(str(deadline), False)] * min(count, 2) + [(str(deadline), True)] * (count - 2)
        ), step
    # The SPST got the same three, about this employee.
    stack.wait_for_message(spst.planning_email, "reprise_escalation", "email", count=3,
                           where=lambda m: str(m.data.get("link", "")).endswith(
                               f"/planner/procedures/{row['id']}"))
    procedure(stack, case.employee_id, "reprise", "missed")
    # A sweep run twice sends nothing more.
    sweep(stack, paris(deadline + timedelta(days=1), 0, 7))
    assert len(escalations(case.employer_email)) == 3
    assert not [m for m in stack.inbox(case.phone) if m.template.startswith("reprise_escalation")]
