"""Visite de reprise (return-to-work visit) — C. trav. R.4624-31 to -33.

Required after maternity leave and occupational disease (any length), a work
accident of at least 30 days, a sickness or non-occupational accident of at
least 60 days; a commuting accident follows the 60-day rule unless the
:class:`Policy` moves it onto the work-accident rule. A chain that started
before 2022-04-01 follows the old rule: at least 30 days. Interpretation: the
old rule lowers the thresholds only; maternity and occupational disease needed
a visit after any length under the old text too, so they still do. The chain's
cause is its most protective one. A work accident too short for a visit: the
occupational physician is informed. The visit takes place from the return day
``R`` (first day actually worked) to ``R + 8``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from services.scheduler.domain.rules.causes import Cause
from services.scheduler.domain.rules.chains import Chain
from services.scheduler.domain.rules.policy import DEFAULT_POLICY, Policy
from services.scheduler.domain.rules.window import Window

#: Chains starting before this day follow the old rule (décret 2022-372).
NEW_RULE_FROM = date(2022, 4, 1)
OLD_RULE_DAYS = 30
THRESHOLD_DAYS: dict[Cause, int] = {Cause.accident_travail: 30, Cause.maladie: 60}
ANY_LENGTH = (Cause.maternite, Cause.maladie_professionnelle)
#: The visit takes place at the latest this many days after the return.
VISIT_DAYS = 8


@dataclass(frozen=True)
class RepriseVisit:
    """Whether a visite de reprise is required, under which rule, and when."""

    required: bool
    rule: str | None
    window: Window | None
    inform_physician: bool


NO_VISIT = RepriseVisit(required=False, rule=None, window=None, inform_physician=False)


def reprise_rule(chain: Chain, policy: Policy = DEFAULT_POLICY) -> tuple[bool, str, Cause]:
    """Whether ``chain`` requires a visit, the rule's name, and the cause whose rule applied.

    The rule is named even when the visit is not required (the threshold missed).
    """
    cause = chain.cause
    if cause in ANY_LENGTH:
        return True, cause.value, cause
    follows = policy.accident_trajet_follows if cause == Cause.accident_trajet else cause
    if chain.start < NEW_RULE_FROM:
        return chain.days >= OLD_RULE_DAYS, f"before-{NEW_RULE_FROM}>={OLD_RULE_DAYS}", follows
    threshold = THRESHOLD_DAYS[follows]
    return chain.days >= threshold, f"{cause.value}>={threshold}", follows


def reprise_visit(chain: Chain | None, return_date: date | None,
                  policy: Policy = DEFAULT_POLICY) -> RepriseVisit:
    """The visite de reprise after ``chain``, windowed when ``return_date`` is known."""
    if chain is None:
        return NO_VISIT
    required, rule, follows = reprise_rule(chain, policy)
    if not required:
        return RepriseVisit(required=False, rule=None, window=None,
                            inform_physician=follows == Cause.accident_travail)
    window = None
    if return_date is not None:
        window = Window(return_date, return_date + timedelta(days=VISIT_DAYS))
    return RepriseVisit(required=True, rule=rule, window=window, inform_physician=False)
