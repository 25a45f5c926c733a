"""Visite de mi-carrière (mid-career visit) — C. trav. L.4624-2-2.

Due during the calendar year of the birthday at the branch age ``A`` (45 by
default): ``[1 Jan Y+A, 31 Dec Y+A]`` for someone born in year ``Y``; it may
be brought forward, combined with another visit, into
``[1 Jan Y+A-2, 31 Dec Y+A-1]``. Whole calendar years, so a birthday on
29 February needs no special case.

Not expressible here: "hired or returning at or after that age without a
mid-career visit: due at once" needs the hiring date and the visit history,
which a situation does not carry. The evaluation warns instead when ``as_of``
is past the window (see :mod:`.warnings`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from services.scheduler.domain.rules.window import Window

#: The default age, when no branch agreement sets another one.
DEFAULT_AGE = 45
#: How many calendar years a combined visit may come early.
COMBINED_YEARS_EARLY = 2


@dataclass(frozen=True)
class MidCareerVisit:
    """The mid-career visit's year, and the earlier years open to a combined visit."""

    window: Window | None
    combined_window: Window | None


def year_window(first_year: int, last_year: int) -> Window:
    """1 January of ``first_year`` to 31 December of ``last_year``."""
    return Window(date(first_year, 1, 1), date(last_year, 12, 31))


def mid_career_visit(birth_date: date | None, branch_age: int = DEFAULT_AGE) -> MidCareerVisit:
    """The mid-career windows; both None without a birth date."""
    if birth_date is None:
        return MidCareerVisit(window=None, combined_window=None)
    due_year = birth_date.year + branch_age
    return MidCareerVisit(
        window=year_window(due_year, due_year),
        combined_window=year_window(due_year - COMBINED_YEARS_EARLY, due_year - 1),
    )
