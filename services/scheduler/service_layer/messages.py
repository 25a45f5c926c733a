"""Who is told what: the recipients and data of each notification.

The employee is written to by SMS, or by e-mail without a phone; the employer
at its contact e-mail; the SPST at its planning e-mail. A recipient without an
address is skipped (nothing to send), never an error. Data carries names,
dates and links only: no medical detail ever.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from services.scheduler.adapters.links import LinkSigner, Role
from services.scheduler.adapters.orm import Employee, Employer, Procedure, Spst
from services.scheduler.adapters.repository import CasesRepository
from services.scheduler.domain.workflows.schedule import PARIS
from services.scheduler.service_layer import outbox
from shared.config import DEV_SECRET_KEY

log = logging.getLogger(__name__)


@dataclass
class LinkSettings:
    """How links in messages are made; set once at start (:func:`configure`)."""

    signer: LinkSigner
    base_url: str
    organizer_email: str = "planification@relais.invalid"


_settings = LinkSettings(LinkSigner(DEV_SECRET_KEY, "http://127.0.0.1:8001"),
                         "http://127.0.0.1:8001")


def configure(secret: str, base_url: str, organizer_email: str | None = None) -> None:
    """Sign links with ``secret`` under ``base_url`` (the app and the worker call this)."""
    global _settings
    _settings = LinkSettings(LinkSigner(secret, base_url), base_url.rstrip("/"),
                             organizer_email or _settings.organizer_email)


def settings() -> LinkSettings:
    return _settings


def employee_link(procedure: Procedure) -> str:
    return _settings.signer.url(procedure.id, Role.EMPLOYEE, procedure.link_version)


def employer_link(procedure: Procedure) -> str:
    return _settings.signer.url(procedure.id, Role.EMPLOYER, procedure.link_version)


def planner_link(procedure: Procedure) -> str:
    return f"{_settings.base_url}/planner/procedures/{procedure.id}"


def paris_iso(moment: datetime) -> str:
    """An aware instant in Paris time, ISO 8601 (what the notifier's ``date_fr`` reads)."""
    return moment.astimezone(PARIS).isoformat()


def full_name(employee: Employee) -> str:
    return f"{employee.first_name} {employee.last_name}"


@dataclass(frozen=True)
class Parties:
    """The people of one procedure."""

    spst: Spst
    employer: Employer
    employee: Employee


def parties(cases: CasesRepository, procedure: Procedure) -> Parties:
    employee = cases.session.get(Employee, procedure.employee_id)
    employer = cases.session.get(Employer, procedure.employer_id)
    assert employee is not None and employer is not None
    return Parties(cases.spst(), employer, employee)


def to_employee(cases: CasesRepository, procedure: Procedure, people: Parties, *,
                purpose: str, template: str, data: dict[str, Any], now: datetime,
                suffix: str = "", invite_link_uid: str | None = None) -> bool:
    """SMS to the employee's phone, else e-mail; False when neither is known."""
    employee = people.employee
    channel, address = ("sms", employee.phone) if employee.phone else ("email", employee.email)
    if not address:
        log.warning("procedure %s: employee unreachable, %s not sent", procedure.id, purpose)
        return False
    payload = {"name": employee.first_name, "employer_name": people.employer.name, **data}
    outbox.notify(cases, procedure, purpose=purpose, channel=channel, to=address,
                  template=template, data=payload, now=now, suffix=suffix,
                  invite_link_uid=invite_link_uid)
    return True


def to_employer(cases: CasesRepository, procedure: Procedure, people: Parties, *,
                purpose: str, template: str, data: dict[str, Any], now: datetime,
                suffix: str = "") -> bool:
    """E-mail to the employer's contact; False without one."""
    address = people.employer.contact_email
    if not address:
        log.warning("procedure %s: employer without e-mail, %s not sent", procedure.id, purpose)
        return False
    payload = {"name": people.employer.name, "employee_name": full_name(people.employee),
               **data}
    outbox.notify(cases, procedure, purpose=f"{purpose}-employer", channel="email",
                  to=address, template=template, data=payload, now=now, suffix=suffix)
    return True


def to_spst(cases: CasesRepository, procedure: Procedure, people: Parties, *,
            purpose: str, template: str, data: dict[str, Any], now: datetime,
            suffix: str = "") -> bool:
    """E-mail to the SPST's planning team; False without a planning address."""
    address = people.spst.planning_email
    if not address:
        log.warning("procedure %s: SPST without planning e-mail, %s not sent", procedure.id,
                    purpose)
        return False
    payload = {"name": "Service de planification", "employee_name": full_name(people.employee),
               "employer_name": people.employer.name, **data}
    outbox.notify(cases, procedure, purpose=f"{purpose}-spst", channel="email", to=address,
                  template=template, data=payload, now=now, suffix=suffix)
    return True


def day_text(day: date) -> str:
    return day.isoformat()
