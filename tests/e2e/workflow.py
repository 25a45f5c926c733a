"""Scenario building blocks: an employer and an employee on arrêt, the sweeps, what is stored.

Everything goes through the public API and the ``flask`` commands, as an SPST
would; the database is only read, to find a procedure's id and state, which
no person sees directly.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from stdnum import luhn

from tests.e2e.conftest import unique_email, unique_phone
from tests.e2e.stack import WAIT, Stack, wait_for

PARIS = ZoneInfo("Europe/Paris")


def today() -> date:
    return datetime.now(PARIS).date()


def paris(day: date, hour: int = 9, minute: int = 0) -> datetime:
    """An instant of ``day`` in Paris, as an aware datetime."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=PARIS)


def siret() -> str:
    """A random valid SIRET (one employer per SIRET): Luhn on the SIREN, then on all 14."""
    siren = "".join(random.choices("0123456789", k=8))
    siren += luhn.calc_check_digit(siren)
    number = siren + "".join(random.choices("0123456789", k=4))
    return number + str(luhn.calc_check_digit(number))


@dataclass
class Case:
    """One employer and one of its employees, with their addresses."""

    employer_id: int
    employer_email: str
    employee_id: int
    phone: str | None
    email: str
    first_name: str


def new_employer(stack: Stack, *, headcount: int = 40, name: str = "Boulangerie Martin"
                 ) -> tuple[int, str]:
    email = unique_email("rh")
    employer = stack.api("POST", "/api/v1/employers", {
        "name": name, "siret": siret(), "headcount": headcount, "contact_email": email,
    }, expect=201).json()
    return int(employer["id"]), email


def new_case(stack: Stack, *, cause: str = "maladie", started: int = 45, ends_in: int = 40,
             headcount: int = 40, phone: bool = True, birth_date: date | None = None,
             employer: tuple[int, str] | None = None, first_name: str = "Inès") -> Case:
    """An employee on arrêt since ``started`` days, ending in ``ends_in`` days.

    ``ends_in`` negative: the arrêt is over.
    """
    employer_id, employer_email = employer or new_employer(stack, headcount=headcount)
    number = unique_phone() if phone else None
    email = unique_email(first_name.lower().replace("è", "e"))
    employee = stack.api("POST", "/api/v1/employees", {
        "employer_id": employer_id, "first_name": first_name, "last_name": "Moreau",
        "phone": number, "email": email,
        "birth_date": str(birth_date) if birth_date else None,
    }, expect=201).json()
    if started:
        stack.api("POST", f"/api/v1/employees/{employee['id']}/arrets", {
            "cause": cause, "start": str(today() - timedelta(days=started)),
            "end": str(today() + timedelta(days=ends_in)),
        }, expect=201)
    return Case(employer_id, employer_email, int(employee["id"]), number, email, first_name)


def configure_spst(stack: Stack, **settings: Any) -> None:
    """The SPST's workflow settings (planning e-mail, office hours...)."""
    stack.api("PATCH", "/api/v1/settings", settings, expect=200)


def sweep(stack: Stack, now: datetime | None = None) -> str:
    """Run every sweep once: now (``flask ... sweep``), or as of ``now``.

    The ``sweep`` command has no ``--now`` option: a date in the future runs
    the worker's same functions through :mod:`tests.e2e.sweep_as_of`.
    """
    if now is None:
        return stack.flask("scheduler", "sweep")
    return stack.python("tests.e2e.sweep_as_of", now.astimezone(UTC).isoformat())


def procedures(stack: Stack, employee_id: int, kind: str | None = None) -> list[dict[str, Any]]:
    """The employee's procedures (with their slots), oldest first, from the API."""
    items: list[dict[str, Any]] = stack.api(
        "GET", f"/api/v1/employees/{employee_id}/procedures", expect=200).json()["items"]
    return sorted((p for p in items if kind is None or p["kind"] == kind),
                  key=lambda p: int(p["id"]))


def procedure(stack: Stack, employee_id: int, kind: str, state: str | None = None,
              timeout: float = WAIT) -> dict[str, Any]:
    """The employee's procedure of ``kind`` (in ``state``), waiting for it."""
    def found() -> dict[str, Any] | None:
        rows = [row for row in procedures(stack, employee_id, kind)
                if state is None or row["state"] == state]
        return rows[-1] if rows else None

    try:
        return wait_for(found, f"procédure {kind} {state or ''} du salarié {employee_id}",
                        timeout, stack=stack)
    except AssertionError:
        seen = [(row["kind"], row["state"]) for row in procedures(stack, employee_id)]
        raise AssertionError(f"procédure {kind} {state or ''} du salarié {employee_id} "
                             f"attendue ; en base : {seen}") from None


def due_actions(stack: Stack, procedure_id: int) -> list[dict[str, Any]]:
    return stack.rows("scheduler", "SELECT * FROM due_actions WHERE procedure_id = :p "
                                   "ORDER BY due_at", p=procedure_id)


def calendar_event(stack: Stack, uid: str) -> dict[str, Any]:
    answer = stack.service("calendar", "GET", f"/api/v1/events/{uid}", expect=200).json()
    assert isinstance(answer, dict)
    return answer


def wait_for_event(stack: Stack, uid: str, sequence: int, status: str = "confirmed",
                   timeout: float = WAIT) -> dict[str, Any]:
    """The calendar's event once it reaches ``sequence`` (and ``status``)."""
    def reached() -> dict[str, Any] | None:
        response = stack.service("calendar", "GET", f"/api/v1/events/{uid}")
        if response.status_code != 200:
            return None
        event: dict[str, Any] = response.json()
        return event if event["sequence"] >= sequence and event["status"] == status else None

    return wait_for(reached, f"événement {uid} SEQUENCE {sequence} {status}", timeout,
                    stack=stack)
