"""A real day of work across the three services, for the privacy tests to look at.

Two employees of one employer: Marie (a phone and an e-mail, an arrêt for an
occupational disease) goes through the liaison meeting (informed by the
sweep, accepts by SMS, the date confirmed) and asks for a pré-reprise visit
that she does not share; Jean (e-mail only, an accident at work) returns to
work, and the planner sets his reprise visit. Everything is relayed,
invitations included, and sent.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.scheduler.entrypoints.worker import daily
from tests.integration.privacy.conftest import SERVICE, Stack

MARIE_PHONE, MARIE_EMAIL = "06 12 34 56 78", "marie.dupont@example.fr"
JEAN_EMAIL = "jean.martin@example.fr"
EMPLOYER_EMAIL = "rh@boulangerie-martin.fr"
#: Digit runs of the phone numbers, which no log line may hold in full.
NUMBERS = ("612345678", "12 34 56 78", "12.34.56.78")


@dataclass(frozen=True)
class Story:
    employer_id: int
    marie: int
    jean: int
    liaison: int
    pre_reprise: int
    reprise: int


def _ok(answer: object, status: int = 200) -> dict[str, object]:
    code = getattr(answer, "status_code", None)
    body = getattr(answer, "json", None)
    assert code == status, (code, body)
    assert isinstance(body, dict)
    return body


def _id(body: dict[str, object]) -> int:
    value = body["id"]
    assert isinstance(value, int)
    return value


def run(stack: Stack) -> Story:
    spst, app = stack.spst, stack.scheduler
    employer = spst.employer(name="Boulangerie Martin", contact_email=EMPLOYER_EMAIL,
                             headcount=300)
    marie = spst.employee(employer["id"], first_name="Marie", last_name="Dupont",
                          phone=MARIE_PHONE, email=MARIE_EMAIL, birth_date="1978-05-12")
    spst.arret(marie["id"], cause="maladie_professionnelle", start="2025-03-03",
               end="2025-05-31")
    jean = spst.employee(employer["id"], first_name="Jean", last_name="Martin", phone=None,
                         email=JEAN_EMAIL)
    spst.arret(jean["id"], cause="accident_travail", start="2025-01-06", end="2025-04-06")
    daily(app)  # the sweep informs about the liaison meeting and the pré-reprise visit
    opened = spst.post(f"/api/v1/employees/{marie['id']}/liaison",
                       {"initiated_by": "employee"})
    assert opened.status_code in (200, 201), opened.json
    liaison = _id(opened.json)
    replied = app.test_client().post("/internal/v1/replies", headers=SERVICE, json={
        "phone": "+33612345678", "answer": "yes", "idempotency_key": "reply:sms-oui-1"})
    assert replied.status_code == 200, replied.json
    _ok(spst.post(f"/api/v1/procedures/{liaison}/confirm", {
        "starts_at": "2025-04-16T10:00:00+02:00", "mode": "in_person",
        "location": "Service de prévention, 12 rue de la Paix, Paris"}))
    pre_reprise = _id(_ok(spst.post(f"/api/v1/employees/{marie['id']}/pre-reprise",
                                    {"share_with_employer": False}), 201))
    _ok(spst.post(f"/api/v1/employees/{jean['id']}/return", {"return_date": "2025-04-07"}))
    procedures = _ok(spst.get(f"/api/v1/employees/{jean['id']}/procedures"))["items"]
    assert isinstance(procedures, list)
    reprise = next(p["id"] for p in procedures if p["kind"] == "reprise")
    _ok(spst.post(f"/api/v1/procedures/{reprise}/appointment", {
        "starts_at": "2025-04-10T09:00:00+02:00", "mode": "in_person"}))
    stack.deliver()
    return Story(employer["id"], marie["id"], jean["id"], liaison, pre_reprise, reprise)
