"""Scenario C: the pré-reprise visit, between the employee and the SPST only.

An employee on arrêt for more than 30 days is told by SMS, with a link, that
they may ask for a pré-reprise visit. The request reaches the SPST alone: the
employer receives nothing and its page shows nothing, until the employee
chooses to share it.
"""

from __future__ import annotations

import re

from tests.e2e.conftest import Spst
from tests.e2e.people import Visitor, text_of
from tests.e2e.stack import Stack
from tests.e2e.workflow import new_case, procedure, sweep

EMPLOYEE_LINK = re.compile(r"https?://[^\s\"<>]+/e/[A-Za-z0-9._-]+")
EMPLOYER_LINK = re.compile(r"https?://[^\s\"<>]+/l/[A-Za-z0-9._-]+")
SECTION = "Visite de pré-reprise"


def test_request_goes_to_the_spst_only_and_the_employer_sees_it_with_consent(
        stack: Stack, spst: Spst) -> None:
    case = new_case(stack, started=40, ends_in=30, first_name="Chloé")
    sweep(stack)
    [sms] = stack.wait_for_message(case.phone or "", "pre_reprise_information", "sms")
    found = EMPLOYEE_LINK.search(sms.body)
    assert found, sms.body
    assert "arrêt" not in sms.body.lower() or "maladie" not in sms.body.lower()

    # The employer's page (from the liaison e-mail it received) says nothing.
    [duty] = stack.wait_for_message(case.employer_email, "liaison_employer_duty", "email")
    employer_link = EMPLOYER_LINK.search(f"{duty.body} {duty.data}")
    assert employer_link, duty.body
    employer = Visitor(stack)
    assert SECTION not in text_of(employer.open(employer_link.group(0)).text)

    # The employee asks, without sharing (the box is unticked by default).
    employee = Visitor(stack)
    page = employee.open(found.group(0))
    assert page.status_code == 200
    assert re.search(r'id="partage-employeur"[^>]*checked', page.text) is None
    employee.press("demander-pre-reprise")
    row = procedure(stack, case.employee_id, "pre_reprise", "requested")
    assert row["share_with_employer"] is False

    [request] = stack.wait_for_message(
        spst.planning_email, "pre_reprise_request", "email",
        where=lambda m: str(m.data.get("link", "")).endswith(f"/planner/procedures/{row['id']}"))
    assert request.data["employee_name"].startswith(case.first_name)

    assert not [m for m in stack.inbox(case.employer_email)
                if (m.template or "").startswith("pre_reprise")]
    assert SECTION not in text_of(employer.open(employer_link.group(0)).text)

    # With the employee's consent, the employer's page shows the request, still no e-mail.
    employee.open(found.group(0))
    employee.press("enregistrer-partage", {"partage_employeur": "oui"})
    assert procedure(stack, case.employee_id, "pre_reprise")["share_with_employer"] is True
    assert SECTION in text_of(employer.open(employer_link.group(0)).text)
    assert not [m for m in stack.inbox(case.employer_email)
                if (m.template or "").startswith("pre_reprise")]
