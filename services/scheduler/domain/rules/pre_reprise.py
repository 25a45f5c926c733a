"""Visite de pré-reprise (pre-return visit) — C. trav. L.4624-2-4, R.4624-29/30.

Open during an arrêt of more than 30 days, never on or after the return.
Interpretations: it opens on the 31st day of the current chain
(``start + 30``), as the liaison meeting does; it is closed once ``as_of`` is
past the chain's last day (the return, early or not, cuts the chain the day
before, so "on or after the return" is covered). Only the current chain
counts: unlike the liaison meeting, there is no discontinuous basis.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from services.scheduler.domain.rules.chains import Chain

#: An arrêt of more than this many days opens the visit.
MORE_THAN_DAYS = 30


@dataclass(frozen=True)
class PreRepriseVisit:
    """Whether the employee may still ask for a pré-reprise visit, and from when."""

    eligible: bool
    eligible_from: date | None


def pre_reprise_opens(chain: Chain | None) -> date | None:
    """The day the visit opens during ``chain``, or None if the chain is too short."""
    if chain is None or chain.days <= MORE_THAN_DAYS:
        return None
    return chain.start + timedelta(days=MORE_THAN_DAYS)


def pre_reprise_visit(chain: Chain | None, as_of: date) -> PreRepriseVisit:
    """The pré-reprise visit on ``as_of``: eligible until the chain's last day."""
    opens = pre_reprise_opens(chain)
    if opens is None or chain is None or as_of > chain.end:
        return PreRepriseVisit(eligible=False, eligible_from=None)
    return PreRepriseVisit(eligible=True, eligible_from=opens)
