"""The interpretations that rules.md marks as configurable, with their defaults."""

from __future__ import annotations

from dataclasses import dataclass

from services.scheduler.domain.rules.causes import Cause

#: The causes whose visite de reprise rule a commuting accident may follow.
TRAJET_RULES = (Cause.maladie, Cause.accident_travail)


@dataclass(frozen=True)
class Policy:
    """Choices a service may make where the law leaves room for interpretation.

    :param accident_trajet_follows: whose visite de reprise rule a commuting
        accident follows. ``Cause.maladie`` (the default): at least 60 days, as
        a non-occupational accident under the Code du travail.
        ``Cause.accident_travail``: at least 30 days, and under that the
        occupational physician is informed, as for a work accident.
    :param invite_referent_handicap: whether the référent handicap is invited
        to the liaison meeting when the law allows it (250 employees or more
        and the employee's consent). Default: not invited.
    :raises ValueError: when ``accident_trajet_follows`` is another cause.
    """

    accident_trajet_follows: Cause = Cause.maladie
    invite_referent_handicap: bool = False

    def __post_init__(self) -> None:
        if self.accident_trajet_follows not in TRAJET_RULES:
            raise ValueError("accident_trajet_follows must be maladie or accident_travail")


#: The defaults, shared: a Policy is frozen, so one instance serves every call.
DEFAULT_POLICY = Policy()
