"""Visite de pré-reprise: more than 30 days, never on or after the return."""

from __future__ import annotations

import pytest

from services.scheduler.domain.rules import Absence, PreRepriseVisit
from services.scheduler.domain.rules.chains import build_chains
from services.scheduler.domain.rules.pre_reprise import pre_reprise_visit
from tests.unit.scheduler.rules.builders import d, sick

ARRET_31 = sick("2025-03-03", "2025-04-02")


@pytest.mark.parametrize("absences, as_of, expected", [
    pytest.param([ARRET_31], "2025-03-10", PreRepriseVisit(True, d("2025-04-02")),
                 id="pre-reprise-31-days-open"),
    pytest.param([sick("2025-03-03", "2025-04-01")], "2025-03-10",
                 PreRepriseVisit(False, None), id="pre-reprise-30-days-closed"),
    pytest.param([ARRET_31], "2025-04-02", PreRepriseVisit(True, d("2025-04-02")),
                 id="pre-reprise-open-on-last-day-of-arret"),
    pytest.param([ARRET_31], "2025-04-03", PreRepriseVisit(False, None),
                 id="pre-reprise-never-after-the-arret"),
    pytest.param([ARRET_31], "2025-02-01", PreRepriseVisit(True, d("2025-04-02")),
                 id="pre-reprise-announced-future-arret"),
    pytest.param([sick("2025-01-06", "2025-01-25"), sick("2025-03-03", "2025-03-20")],
                 "2025-03-10", PreRepriseVisit(False, None),
                 id="pre-reprise-no-discontinuous-basis"),
    pytest.param([], "2025-03-10", PreRepriseVisit(False, None), id="pre-reprise-no-arret"),
])
def test_pre_reprise_visit(absences: list[Absence], as_of: str,
                           expected: PreRepriseVisit) -> None:
    chains = build_chains(absences)
    assert pre_reprise_visit(chains[-1] if chains else None, d(as_of)) == expected
