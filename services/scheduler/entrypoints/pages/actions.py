"""The pages' actions: each calls one use case of the service layer.

Every function runs inside the caller's unit of work, on the procedure the
link (or the planner's session) opened, through a repository bound to that
procedure's SPST. A refusal of the domain comes back as a French sentence for
the page (None when the action went through); the page rolls back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy.orm import Session

from services.scheduler.adapters.orm import Procedure
from services.scheduler.adapters.repository import CasesRepository
from services.scheduler.domain.cases.errors import CaseError
from services.scheduler.domain.workflows import states
from services.scheduler.service_layer.errors import Forbidden, Missing

VIA_LINK = "link"


class _Refused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@contextmanager
def _refusals() -> Iterator[None]:
    """Turn the domain's refusals into :class:`_Refused` with their French message."""
    try:
        yield
    except CaseError as exc:
        raise _Refused(exc.message) from exc
    except Missing as exc:
        raise _Refused(f"{exc.what} introuvable") from exc
    except Forbidden as exc:
        raise _Refused(str(exc)) from exc


def _run(session: Session, action: Callable[[], object]) -> str | None:
    savepoint = session.begin_nested()
    try:
        with _refusals():
            action()
    except _Refused as exc:
        savepoint.rollback()
        return exc.message
    savepoint.commit()
    return None


def _cases(session: Session, row: Procedure) -> CasesRepository:
    return CasesRepository(session, row.spst_id)


def answer(session: Session, row: Procedure, *, accept: bool, now: datetime) -> str | None:
    """The employee's yes or no to the liaison meeting (a no closes it silently)."""
    from services.scheduler.service_layer import liaison

    if row.kind != states.LIAISON:
        return "Cette réponse ne concerne pas ce rendez-vous."
    return _run(session, lambda: liaison.answer(_cases(session, row), row.id, accept=accept,
                                                via=VIA_LINK, now=now))


def set_referent_consent(session: Session, row: Procedure, *, consent: bool,
                         now: datetime) -> str | None:
    """Invite the référent handicap (or not): only with consent, only at 250 or more."""
    from services.scheduler.service_layer import liaison

    if row.kind != states.LIAISON:
        return "Ce choix ne concerne pas ce rendez-vous."
    return _run(session, lambda: liaison.set_consent(
        _cases(session, row), row.id, referent_handicap=consent, now=now))


def request_pre_reprise(session: Session, row: Procedure, *, share: bool,
                        now: datetime) -> str | None:
    """The employee asks for a pré-reprise visit: the SPST only, unless ``share``."""
    from services.scheduler.service_layer import pre_reprise

    return _run(session, lambda: pre_reprise.request(
        _cases(session, row), row.employee_id, share_with_employer=share, now=now))


def set_pre_reprise_consent(session: Session, row: Procedure, *, share: bool,
                            now: datetime) -> str | None:
    """Share the pré-reprise request with the employer, or stop sharing it."""
    from services.scheduler.entrypoints.pages.queries import latest_pre_reprise
    from services.scheduler.service_layer import pre_reprise

    pre = latest_pre_reprise(session, row)
    if pre is None:
        return "Aucune demande de visite de pré-reprise n'est enregistrée."
    return _run(session, lambda: pre_reprise.set_consent(_cases(session, row), pre.id,
                                                         share_with_employer=share, now=now))


def confirm(session: Session, row: Procedure, starts_at: datetime, *, mode: str,
            now: datetime) -> str | None:
    """The employer confirms the liaison meeting at ``starts_at``."""
    from services.scheduler.service_layer import liaison

    return _run(session, lambda: liaison.confirm(_cases(session, row), row.id, starts_at, mode=mode,
                                                 now=now))


def schedule_reprise(session: Session, spst_id: int, procedure_id: int, starts_at: datetime,
                     *, mode: str, now: datetime) -> str | None:
    """The planner sets (or moves) the date of a reprise or mid-career visit."""
    from services.scheduler.service_layer import reprise

    cases = CasesRepository(session, spst_id)
    return _run(session, lambda: reprise.schedule(cases, procedure_id, starts_at, mode=mode,
                                                  now=now))
