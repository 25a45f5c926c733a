"""The pages people open on their phone, driven in Chromium (390×844, touch, French).

The employee opens the link of their SMS and accepts; the employer opens the
link of their e-mail, is refused a date outside the window with the reason,
then confirms a proposed slot; the employee's page then shows the date and an
"add to my calendar" button that gives the ICS. Screenshots of every step go
to ``var/test-artifacts/e2e/screenshots/``.
"""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from typing import Any
from urllib.parse import urljoin

from tests.e2e.conftest import NewPhone, Shot, Spst, unique_phone
from tests.e2e.stack import Stack
from tests.e2e.workflow import new_case, procedure, sweep, today

EMPLOYEE_LINK = re.compile(r"https?://[^\s\"<>]+/e/[A-Za-z0-9._-]+")
EMPLOYER_LINK = re.compile(r"https?://[^\s\"<>]+/l/[A-Za-z0-9._-]+")


def fits_the_screen(page: Any) -> bool:
    """No horizontal scrolling on the phone."""
    return bool(page.evaluate(
        "document.documentElement.scrollWidth <= window.innerWidth + 1"))


def test_employee_accepts_and_employer_confirms_on_their_phones(
        stack: Stack, spst: Spst, new_phone: NewPhone, shot: Shot) -> None:
    case = new_case(stack, started=45, ends_in=40, headcount=300, first_name="Amandine")
    sweep(stack)
    [sms] = stack.wait_for_message(case.phone or "", "liaison_information", "sms")
    link = EMPLOYEE_LINK.search(sms.body)
    assert link, sms.body

    # The employee, on their phone.
    employee = new_phone()
    employee.goto(link.group(0))
    assert employee.locator("html").get_attribute("lang") == "fr"
    assert employee.locator("#accepter").is_visible()
    assert fits_the_screen(employee)
    shot("salarie-invitation", employee)
    employee.locator("#accepter").click()
    employee.wait_for_load_state()
    assert "Merci" in employee.locator("body").inner_text()
    shot("salarie-accepte", employee)
    procedure(stack, case.employee_id, "liaison", "accepted")

    # The slots reach the employer's e-mail; they open the link on their phone.
    sweep(stack)
    [mail] = stack.wait_for_message(case.employer_email, "liaison_slots", "email")
    employer_link = EMPLOYER_LINK.search(f"{mail.body} {mail.data}")
    assert employer_link, mail.body
    employer = new_phone()
    employer.goto(employer_link.group(0))
    slots = employer.locator('input[name="creneau"]:not([value="autre"])')
    assert slots.count() == 3
    assert fits_the_screen(employer)
    shot("employeur-creneaux", employer)

    # A date outside the window is refused, with the reason next to the field.
    employer.locator("#creneau-autre").check()
    employer.locator("#autre-date").fill((today() + timedelta(days=60)).isoformat())
    employer.locator("#autre-heure").fill("10:00")
    employer.locator("#confirmer").click()
    employer.wait_for_load_state()
    assert "ne peut pas être retenue" in employer.locator("body").inner_text()
    shot("employeur-date-refusee", employer)
    assert procedure(stack, case.employee_id, "liaison")["state"] == "accepted"

    # The first slot, confirmed.
    employer.locator('input[name="creneau"]:not([value="autre"])').first.check()
    employer.locator("#confirmer").click()
    employer.wait_for_load_state()
    assert "confirmé" in employer.locator("body").inner_text()
    shot("employeur-confirme", employer)
    row = procedure(stack, case.employee_id, "liaison", "confirmed")

    # The employee's page shows the date and gives the ICS to add to the calendar.
    stack.wait_for_message(case.phone or "", "liaison_confirmed", "sms")
    employee.goto(link.group(0))
    assert employee.locator("#ajouter-agenda").is_visible()
    assert fits_the_screen(employee)
    shot("salarie-date-fixee", employee)

    # The référent handicap choice is offered (300 employees) and kept.
    employee.locator("#referent-handicap").check()
    employee.locator("#enregistrer-choix").click()
    employee.wait_for_load_state()
    assert employee.locator("#referent-handicap").is_checked()
    shot("salarie-choix-enregistres", employee)
    assert procedure(stack, case.employee_id, "liaison")["referent_handicap_consent"] is True

    # « Ajouter à mon agenda » gives the ICS of the appointment.
    employee.goto(link.group(0))
    href = employee.locator("#ajouter-agenda").get_attribute("href")
    ics = employee.request.get(urljoin(employee.url, href))
    assert ics.status == 200, ics.text()
    assert "text/calendar" in ics.headers["content-type"]
    assert f"UID:{row['calendar_uid']}" in ics.text()


def test_a_link_that_was_tampered_with_shows_a_french_error(
        stack: Stack, page: Any, shot: Shot) -> None:
    page.goto(stack.urls["scheduler"] + "/e/" + "x" * 40)
    text = page.locator("body").inner_text()
    assert re.search(r"lien|Lien", text), text
    assert fits_the_screen(page)
    shot("lien-invalide")


def test_dev_inbox_shows_the_sms(stack: Stack, page: Any, shot: Shot) -> None:
    phone = unique_phone()
    stack.service("notifier", "POST", "/api/v1/notifications", {
        "idempotency_key": f"e2e-inbox-{uuid.uuid4().hex}", "channel": "sms", "to": phone,
        "template": "liaison_information",
        "data": {"name": "Inès", "employer_name": "Boulangerie Martin",
                 "link": "https://relais.example.fr/e/abc"}}, expect=202)
    stack.wait_for_message(phone, "liaison_information", "sms")
    page.goto(stack.urls["notifier"] + "/dev/outbox")
    assert page.get_by_text(phone).first.is_visible()
    shot("boite-de-developpement")
