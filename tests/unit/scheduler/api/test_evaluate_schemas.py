"""The calculator's schemas on their own: defaults, Europe/Paris, domain values."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from services.scheduler.domain.rules import Absence, Cause, Situation
from services.scheduler.entrypoints.api.evaluate_schemas import EvaluateRequestSchema
from services.scheduler.entrypoints.api.fields import today_in_paris


@pytest.mark.parametrize("instant, expected", [
    pytest.param(datetime(2025, 3, 31, 21, 59, tzinfo=UTC), date(2025, 3, 31),
                 id="summer-time-before-midnight"),
    pytest.param(datetime(2025, 3, 31, 22, 0, tzinfo=UTC), date(2025, 4, 1),
                 id="summer-time-midnight-is-22h-utc"),
    pytest.param(datetime(2025, 1, 15, 22, 59, tzinfo=UTC), date(2025, 1, 15),
                 id="winter-time-before-midnight"),
    pytest.param(datetime(2025, 1, 15, 23, 0, tzinfo=UTC), date(2025, 1, 16),
                 id="winter-time-midnight-is-23h-utc"),
])
def test_today_is_the_date_in_paris(instant: datetime, expected: date) -> None:
    assert today_in_paris(instant) == expected


def test_empty_request_loads_the_defaults() -> None:
    situation = EvaluateRequestSchema().load({})
    assert isinstance(situation, Situation)
    assert situation.as_of == today_in_paris()
    assert situation.region == "national"
    assert situation.absences == ()
    assert situation.branch_age == 45
    assert situation.headcount is None
    assert situation.birth_date is None
    assert situation.return_date is None
    assert situation.liaison_requested_on is None
    assert situation.liaison_spst_notified_on is None
    assert situation.inaptitude_opinion_on is None


def test_nested_fields_land_on_the_situation() -> None:
    situation = EvaluateRequestSchema().load({
        "as_of": "2025-04-07", "region": "alsace-moselle",
        "employer": {"headcount": 250},
        "employee": {"birth_date": "1980-02-29", "branch_age": 50},
        "absences": [{"cause": "accident_travail", "start": "2025-03-03", "end": "2025-04-02"}],
        "return_date": "2025-04-03",
        "liaison": {"requested_on": "2025-03-20", "spst_notified_on": "2025-03-21"},
        "inaptitude_opinion_on": "2025-04-01",
    })
    assert situation == Situation(
        as_of=date(2025, 4, 7), region="alsace-moselle", headcount=250,
        birth_date=date(1980, 2, 29), branch_age=50,
        absences=(Absence(Cause.accident_travail, date(2025, 3, 3), date(2025, 4, 2)),),
        return_date=date(2025, 4, 3), liaison_requested_on=date(2025, 3, 20),
        liaison_spst_notified_on=date(2025, 3, 21), inaptitude_opinion_on=date(2025, 4, 1),
    )
