"""Scenario D: the mid-career visit, told once per window and followed up.

The window is the calendar year of the branch age (45 by default). The daily
sweep tells the employer and the SPST once when the window opens, however
often it runs; the middle of the window brings a reminder, and two months
before it closes an alert, as long as no date is set. The scenario runs the
sweeps "as of" days of next year's window.
"""

from __future__ import annotations

from datetime import date, timedelta

from tests.e2e.conftest import Spst
from tests.e2e.stack import Message, Stack
from tests.e2e.workflow import new_case, paris, procedure, procedures, sweep, today


def test_daily_sweep_tells_once_then_midyear_reminder_and_closing_alert(
        stack: Stack, spst: Spst) -> None:
    year = today().year + 1
    case = new_case(stack, started=0, birth_date=date(year - 45, 3, 14), first_name="Hugo")

    def told(address: str) -> list[Message]:
        return [m for m in stack.inbox(address) if m.template == "mid_career_due"
                and str(m.data.get("employee_name", "")).startswith("Hugo")
                and m.data.get("deadline") == f"{year}-12-31"]

    # Before the window: nothing.
    sweep(stack, paris(date(year - 1, 12, 30), 12))
    assert told(case.employer_email) == []

    # The window opens: employer and SPST told, with the deadline and a link.
    sweep(stack, paris(date(year, 1, 4), 3))
    [due] = stack.wait_for_message(case.employer_email, "mid_career_due", "email")
    assert due.data["deadline"] == f"{year}-12-31" and "/l/" in str(due.data["link"])
    row = procedure(stack, case.employee_id, "mid_career", "due")
    stack.wait_for_message(spst.planning_email, "mid_career_due", "email",
                           where=lambda m: str(m.data.get("link", "")).endswith(
                               f"/planner/procedures/{row['id']}"))

    # The sweep again, the next day and the next: nothing more.
    for day in (5, 6):
        sweep(stack, paris(date(year, 1, day), 3))
    assert len(told(case.employer_email)) == 1
    assert len(procedures(stack, case.employee_id, "mid_career")) == 1

    # The middle of the window: a reminder to both.
    sweep(stack, paris(date(year, 7, 1), 9, 1))
    stack.wait_for_message(case.employer_email, "mid_career_due", "email", count=2)

    # Two months before it closes: an alert to both.
    sweep(stack, paris(date(year, 11, 1), 9, 1))
    stack.wait_for_message(case.employer_email, "mid_career_due", "email", count=3)
    mine = stack.wait_for_message(
        spst.planning_email, "mid_career_due", "email", count=3,
        where=lambda m: str(m.data.get("link", "")).endswith(f"/planner/procedures/{row['id']}"))
    assert len(mine) == 3
    # And nothing after that, nor to the employee (not the SPST's setting).
    sweep(stack, paris(date(year, 12, 31) - timedelta(days=1), 12))
    assert len(told(case.employer_email)) == 3
    assert not [m for m in stack.inbox(case.email) if m.template == "mid_career_due"]

