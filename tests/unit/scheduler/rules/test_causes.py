"""The most protective cause of a chain."""

from __future__ import annotations

import pytest

from services.scheduler.domain.rules import Cause
from services.scheduler.domain.rules.causes import most_protective

C = Cause


@pytest.mark.parametrize("causes, expected", [
    pytest.param([C.maladie], C.maladie, id="cause-single"),
    pytest.param([C.maladie, C.accident_travail], C.accident_travail,
                 id="cause-work-accident-over-sickness"),
    pytest.param([C.accident_travail, C.maladie], C.accident_travail,
                 id="cause-order-does-not-matter"),
    pytest.param([C.maladie, C.accident_trajet], C.accident_trajet,
                 id="cause-commuting-over-sickness"),
    pytest.param([C.accident_trajet, C.accident_travail], C.accident_travail,
                 id="cause-work-accident-over-commuting"),
    pytest.param([C.accident_travail, C.maternite], C.maternite,
                 id="cause-maternity-over-work-accident"),
    pytest.param([C.maternite, C.maladie_professionnelle], C.maladie_professionnelle,
                 id="cause-occupational-disease-first"),
    pytest.param(list(C), C.maladie_professionnelle, id="cause-all"),
])
def test_most_protective(causes: list[Cause], expected: Cause) -> None:
    assert most_protective(causes) is expected


def test_causes_are_the_contract_strings() -> None:
    assert [c.value for c in Cause] == [
        "maladie", "accident_travail", "maladie_professionnelle", "maternite",
        "accident_trajet"]
    assert Cause("maladie") is Cause.maladie


def test_no_cause_has_no_most_protective() -> None:
    with pytest.raises(ValueError):
        most_protective([])
