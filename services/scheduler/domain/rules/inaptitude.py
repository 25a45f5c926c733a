"""What follows an inaptitude opinion — C. trav. L.1226-4 and L.1226-11.

If the employee is neither redeployed nor dismissed one month after the
opinion given on ``D``, the salary resumes on ``D + 1 month`` (same day of
month, else the month's last day: 2024-01-31 gives 2024-02-29).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from services.scheduler.domain.rules.calendar import add_months


@dataclass(frozen=True)
class Inaptitude:
    """The day the salary resumes unless the employee was redeployed or dismissed."""

    salary_resumes_on: date


def inaptitude(opinion_on: date | None) -> Inaptitude | None:
    """The consequences of an inaptitude opinion given on ``opinion_on``, if any."""
    if opinion_on is None:
        return None
    return Inaptitude(salary_resumes_on=add_months(opinion_on, 1))
