"""What the rules are asked about: arrêts and the facts around them.

Both values are plain frozen data; :func:`checked_absences` and
:func:`check_situation` refuse what cannot be evaluated, naming the field by
the API's JSON path.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import MAXYEAR, date

from services.scheduler.domain.rules.calendar import check_region
from services.scheduler.domain.rules.causes import Cause
from services.scheduler.domain.rules.errors import InvalidSituation

#: Branch-agreement ages outside this range are refused: the mid-career
#: windows start two years before the age and must stay real calendar years.
BRANCH_AGES = range(2, 121)


@dataclass(frozen=True)
class Absence:
    """One arrêt: its cause, first and last day, both inclusive."""

    cause: Cause
    start: date
    end: date

    @property
    def days(self) -> int:
        """Its length in calendar days: ``end - start + 1``."""
        return (self.end - self.start).days + 1


@dataclass(frozen=True)
class Situation:
    """Every fact the rules use, on the day ``as_of`` the question is asked.

    ``liaison_spst_notified_on`` defaults to ``liaison_requested_on`` (the SPST
    told at once). ``referent_handicap_consent`` is the employee's consent to
    the référent handicap attending the liaison meeting (default: none).
    """

    as_of: date
    absences: tuple[Absence, ...] = ()
    region: str = "national"
    headcount: int | None = None
    birth_date: date | None = None
    branch_age: int = 45
    return_date: date | None = None
    liaison_requested_on: date | None = None
    liaison_spst_notified_on: date | None = None
    inaptitude_opinion_on: date | None = None
    referent_handicap_consent: bool = False


def checked_absences(absences: tuple[Absence, ...], field: str = "absences") -> tuple[Absence, ...]:
    """``absences`` with their causes as :class:`Cause`, each checked.

    :raises InvalidSituation: for an unknown cause or an ``end`` before ``start``.
    """
    checked = []
    for index, absence in enumerate(absences):
        checked.append(checked_absence(absence, f"{field}[{index}]"))
    return tuple(checked)


def checked_absence(absence: Absence, field: str) -> Absence:
    """``absence`` with its cause as a :class:`Cause`, checked.

    :raises InvalidSituation: for an unknown cause or an ``end`` before ``start``.
    """
    try:
        cause = Cause(absence.cause)
    except ValueError as exc:
        raise InvalidSituation(f"{field}.cause", f"cause {absence.cause!r} inconnue") from exc
    if absence.end < absence.start:
        raise InvalidSituation(
            f"{field}.end", "la fin de l'arrêt (dernier jour, inclus) précède son début")
    return Absence(cause, absence.start, absence.end)


def check_situation(situation: Situation) -> None:
    """Refuse the facts that make no sense on their own (not the arrêts).

    :raises InvalidSituation: unknown region, negative headcount, branch age
        out of :data:`BRANCH_AGES`, birth after ``as_of``.
    """
    check_region(situation.region)
    if situation.headcount is not None and situation.headcount < 0:
        raise InvalidSituation("employer.headcount", "l'effectif ne peut pas être négatif")
    if situation.branch_age not in BRANCH_AGES:
        raise InvalidSituation(
            "employee.branch_age",
            f"âge entre {BRANCH_AGES.start} et {BRANCH_AGES.stop - 1} ans attendu")
    birth = situation.birth_date
    if birth is not None:
        if birth > situation.as_of:
            raise InvalidSituation(
                "employee.birth_date", "la date de naissance suit le jour de la question")
        if birth.year + situation.branch_age > MAXYEAR:
            raise InvalidSituation("employee.birth_date", "date de naissance hors calendrier")
