"""Visite de reprise: which rule, whether required, its window."""

from __future__ import annotations

import pytest

from services.scheduler.domain.rules import Absence, Cause, Policy, RepriseVisit
from services.scheduler.domain.rules.chains import build_chains
from services.scheduler.domain.rules.policy import DEFAULT_POLICY
from services.scheduler.domain.rules.reprise import reprise_visit
from tests.unit.scheduler.rules.builders import arret, d, sick, window

AT = "accident_travail"
TRAJET_AS_AT = Policy(accident_trajet_follows=Cause.accident_travail)


def visit(absences: list[Absence], returned: str | None,
          policy: Policy = DEFAULT_POLICY) -> RepriseVisit:
    chains = build_chains(absences)
    return reprise_visit(chains[-1] if chains else None, d(returned) if returned else None,
                         policy)


@pytest.mark.parametrize("absences, returned, policy, expected", [
    pytest.param([sick("2025-01-01", "2025-03-01")], "2025-03-03", Policy(),
                 RepriseVisit(True, "maladie>=60", window("2025-03-03", "2025-03-11"), False),
                 id="reprise-sickness-60-days-required"),
    pytest.param([sick("2025-01-01", "2025-02-28")], "2025-03-03", Policy(),
                 RepriseVisit(False, None, None, False), id="reprise-sickness-59-days-not"),
    pytest.param([sick("2024-01-01", "2024-02-29")], "2024-03-01", Policy(),
                 RepriseVisit(True, "maladie>=60", window("2024-03-01", "2024-03-09"), False),
                 id="reprise-sickness-60-days-leap-year"),
    pytest.param([arret(AT, "2025-06-02", "2025-07-01")], "2025-07-02", Policy(),
                 RepriseVisit(True, "accident_travail>=30",
                              window("2025-07-02", "2025-07-10"), False),
                 id="reprise-work-accident-30-days-required"),
    pytest.param([arret(AT, "2025-06-02", "2025-06-30")], "2025-07-01", Policy(),
                 RepriseVisit(False, None, None, True),
                 id="reprise-work-accident-29-days-physician-informed"),
    pytest.param([arret("maternite", "2025-06-02", "2025-06-11")], "2025-06-12", Policy(),
                 RepriseVisit(True, "maternite", window("2025-06-12", "2025-06-20"), False),
                 id="reprise-maternity-any-length"),
    pytest.param([arret("maladie_professionnelle", "2025-06-02", "2025-06-02")], "2025-06-03",
                 Policy(), RepriseVisit(True, "maladie_professionnelle",
                                        window("2025-06-03", "2025-06-11"), False),
                 id="reprise-occupational-disease-one-day"),
    pytest.param([arret("accident_trajet", "2025-01-01", "2025-02-28")], "2025-03-03",
                 Policy(), RepriseVisit(False, None, None, False),
                 id="reprise-commuting-59-days-not"),
    pytest.param([arret("accident_trajet", "2025-01-01", "2025-03-01")], "2025-03-03",
                 Policy(), RepriseVisit(True, "accident_trajet>=60",
                                        window("2025-03-03", "2025-03-11"), False),
                 id="reprise-commuting-follows-60-day-rule"),
    pytest.param([arret("accident_trajet", "2025-06-02", "2025-07-01")], "2025-07-02",
                 TRAJET_AS_AT, RepriseVisit(True, "accident_trajet>=30",
                                            window("2025-07-02", "2025-07-10"), False),
                 id="reprise-commuting-configured-as-work-accident"),
    pytest.param([arret("accident_trajet", "2025-06-02", "2025-06-30")], "2025-07-01",
                 TRAJET_AS_AT, RepriseVisit(False, None, None, True),
                 id="reprise-commuting-configured-29-days-physician-informed"),
    pytest.param([sick("2022-03-31", "2022-04-29")], "2022-05-02", Policy(),
                 RepriseVisit(True, "before-2022-04-01>=30",
                              window("2022-05-02", "2022-05-10"), False),
                 id="reprise-old-rule-start-2022-03-31-30-days"),
    pytest.param([sick("2022-03-31", "2022-04-28")], "2022-05-02", Policy(),
                 RepriseVisit(False, None, None, False),
                 id="reprise-old-rule-29-days-not"),
    pytest.param([sick("2022-04-01", "2022-04-30")], "2022-05-02", Policy(),
                 RepriseVisit(False, None, None, False),
                 id="reprise-new-rule-start-2022-04-01-30-days-not"),
    pytest.param([sick("2022-03-20", "2022-03-31"), sick("2022-04-01", "2022-04-25")],
                 "2022-04-26", Policy(),
                 RepriseVisit(True, "before-2022-04-01>=30",
                              window("2022-04-26", "2022-05-04"), False),
                 id="reprise-old-rule-follows-chain-start"),
    pytest.param([arret(AT, "2022-03-01", "2022-03-29")], "2022-03-30", Policy(),
                 RepriseVisit(False, None, None, True),
                 id="reprise-old-rule-work-accident-29-days-informed"),
    pytest.param([arret("maternite", "2022-01-10", "2022-01-19")], "2022-01-20", Policy(),
                 RepriseVisit(True, "maternite", window("2022-01-20", "2022-01-28"), False),
                 id="reprise-old-rule-maternity-still-any-length"),
    pytest.param([sick("2025-03-01", "2025-03-20"), arret(AT, "2025-03-21", "2025-04-04")],
                 "2025-04-07", Policy(),
                 RepriseVisit(True, "accident_travail>=30",
                              window("2025-04-07", "2025-04-15"), False),
                 id="reprise-chain-takes-most-protective-cause"),
    pytest.param([sick("2025-01-01", "2025-03-01")], None, Policy(),
                 RepriseVisit(True, "maladie>=60", None, False),
                 id="reprise-required-without-return-no-window"),
    pytest.param([], "2025-03-03", Policy(), RepriseVisit(False, None, None, False),
                 id="reprise-no-arret"),
])
def test_reprise_visit(absences: list[Absence], returned: str | None, policy: Policy,
                       expected: RepriseVisit) -> None:
    assert visit(absences, returned, policy) == expected


def test_policy_refuses_other_trajet_rules() -> None:
    with pytest.raises(ValueError):
        Policy(accident_trajet_follows=Cause.maternite)
