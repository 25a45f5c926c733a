"""SMS answers forwarded by the notifier: OUI / NON to the latest open liaison question.

Idempotent by the notifier's key (table ``processed_replies``). The phone
number is looked up in every SPST (the notifier does not know tenants); the
most recently updated open liaison wins. An unknown number is acknowledged
and nothing is recorded.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.scheduler.adapters.orm import Employee, Procedure, ProcessedReply
from services.scheduler.adapters.repository import CasesRepository
from services.scheduler.domain.workflows import states
from services.scheduler.service_layer import liaison

log = logging.getLogger(__name__)
ANSWERS = ("yes", "no")
QUESTIONS = (states.INFORMED, states.ACCEPTED, states.CONFIRMED)


@dataclass(frozen=True)
class ReplyOutcome:
    """What a reply did: ``applied``, ``duplicate``, ``unknown_phone`` or ``no_question``."""

    status: str
    procedure_id: int | None = None


def _open_question(session: Session, phone: str) -> Procedure | None:
    return session.scalars(
        select(Procedure)
        .join(Employee, (Employee.spst_id == Procedure.spst_id)
              & (Employee.id == Procedure.employee_id))
        .where(Employee.phone == phone, Procedure.kind == states.LIAISON,
               Procedure.state.in_(QUESTIONS))
        .order_by(Procedure.updated_at.desc(), Procedure.id.desc()).limit(1)).first()


def apply_reply(session: Session, phone: str, answer: str, *, key: str,
                now: datetime) -> ReplyOutcome:
    """Apply one SMS answer (``yes`` or ``no``) once.

    ``yes`` accepts a liaison the employee was told about (and does nothing on
    one already accepted or confirmed); ``no`` refuses it, at any step.
    """
    if session.get(ProcessedReply, key) is not None:
        return ReplyOutcome("duplicate")
    procedure = _open_question(session, phone)
    try:
        with session.begin_nested():
            session.add(ProcessedReply(idempotency_key=key,
                                       procedure_id=procedure.id if procedure else None,
                                       received_at=now))
    except IntegrityError:
        return ReplyOutcome("duplicate")
    if procedure is None:
        known = session.scalars(select(Employee.id).where(Employee.phone == phone)).first()
        log.info("SMS reply %s: %s", key, "no open question" if known else "unknown phone")
        return ReplyOutcome("no_question" if known else "unknown_phone")
    cases = CasesRepository(session, procedure.spst_id)
    if answer == "yes" and procedure.state != states.INFORMED:
        return ReplyOutcome("applied", procedure.id)
    liaison.answer(cases, procedure.id, accept=answer == "yes", via="sms", now=now)
    return ReplyOutcome("applied", procedure.id)
