"""Realistic request bodies for ``POST /api/v1/evaluate``.

A mix of what HR people and planners ask: prolongations (chains), discontinuous
arrêts over a year, liaison requests (possible and impossible windows), returns
that require a visite de reprise or not, mid-career dates, the old pre-2022
rule, inaptitude. Most come from the worked examples of the rules. ``as_of`` is
fixed so that the answers, hence the work done, do not depend on the day the
benchmark runs.
"""

from __future__ import annotations

import json
from typing import Any


def _absence(cause: str, start: str, end: str) -> dict[str, str]:
    return {"cause": cause, "start": start, "end": end}


SITUATIONS: list[dict[str, Any]] = [
    {  # Sickness prolonged past 30 days, employee asks Mon 07 Apr, SPST told the same day.
        "as_of": "2025-04-07",
        "employer": {"headcount": 120},
        "employee": {"birth_date": "1982-05-17"},
        "absences": [
            _absence("maladie", "2025-03-03", "2025-04-01"),
            _absence("maladie", "2025-04-02", "2025-04-30"),
        ],
        "liaison": {"requested_on": "2025-04-07", "spst_notified_on": "2025-04-07"},
    },
    {  # Same request, SPST told on 16 Apr: the window is impossible.
        "as_of": "2025-04-16",
        "region": "national",
        "absences": [
            _absence("maladie", "2024-11-04", "2024-11-08"),
            _absence("maladie", "2025-03-03", "2025-04-01"),
            _absence("maladie", "2025-04-02", "2025-04-30"),
        ],
        "liaison": {"requested_on": "2025-04-07", "spst_notified_on": "2025-04-16"},
    },
    {  # 60 days of sickness, return Mon 3 Mar: reprise visit [03-03, 03-11]; born 29 Feb.
        "as_of": "2025-03-03",
        "employee": {"birth_date": "1980-02-29", "branch_age": 45},
        "absences": [
            _absence("maladie", "2024-06-10", "2024-06-14"),
            _absence("maladie", "2025-01-01", "2025-01-31"),
            _absence("maladie", "2025-02-01", "2025-03-01"),
        ],
        "return_date": "2025-03-03",
    },
    {  # Work accident of 30 days in Alsace-Moselle, large employer: visit required.
        "as_of": "2025-07-02",
        "region": "alsace-moselle",
        "employer": {"headcount": 300},
        "employee": {"birth_date": "1978-09-02", "branch_age": 47},
        "absences": [
            _absence("accident_travail", "2025-06-02", "2025-06-15"),
            _absence("accident_travail", "2025-06-16", "2025-07-01"),
        ],
        "return_date": "2025-07-02",
    },
    {  # Work accident of 29 days: no visit, the physician is informed.
        "as_of": "2025-07-01",
        "absences": [
            _absence("maladie", "2025-01-13", "2025-01-17"),
            _absence("accident_travail", "2025-06-02", "2025-06-30"),
        ],
        "return_date": "2025-07-01",
    },
    {  # Discontinuous: four short arrêts over a year add up to more than 30 days.
        "as_of": "2025-05-20",
        "employer": {"headcount": 45},
        "employee": {"birth_date": "1990-12-01"},
        "absences": [
            _absence("maladie", "2024-07-01", "2024-07-12"),
            _absence("accident_trajet", "2024-10-07", "2024-10-18"),
            _absence("maladie", "2025-02-10", "2025-02-21"),
            _absence("maladie", "2025-05-05", "2025-05-16"),
        ],
        "return_date": "2025-05-19",
    },
    {  # Maternity then sickness prolongation, liaison requested during the arrêt.
        "as_of": "2025-01-06",
        "employee": {"birth_date": "1991-03-08"},
        "absences": [
            _absence("maternite", "2024-09-01", "2024-12-20"),
            _absence("maladie", "2024-12-21", "2025-01-31"),
        ],
        "liaison": {"requested_on": "2025-01-06"},
        "return_date": "2025-02-03",
    },
    {  # Chain begun before 2022-04-01: the old 30-day rule.
        "as_of": "2022-03-14",
        "absences": [
            _absence("maladie", "2022-02-01", "2022-02-20"),
            _absence("maladie", "2022-02-21", "2022-03-10"),
        ],
        "return_date": "2022-03-14",
    },
    {  # Occupational disease, inaptitude opinion on 31 Jan 2024: salary on 29 Feb.
        "as_of": "2024-02-01",
        "employer": {"headcount": 250},
        "employee": {"birth_date": "1969-01-31", "branch_age": 55},
        "absences": [
            _absence("maladie_professionnelle", "2023-09-04", "2023-10-31"),
            _absence("maladie_professionnelle", "2023-11-01", "2024-01-28"),
        ],
        "return_date": "2024-01-29",
        "inaptitude_opinion_on": "2024-01-31",
    },
    {  # Commuting accident, prolonged three times, liaison asked near Ascension.
        "as_of": "2025-05-20",
        "region": "alsace-moselle",
        "employee": {"birth_date": "1985-07-14"},
        "absences": [
            _absence("accident_trajet", "2025-04-01", "2025-04-20"),
            _absence("accident_trajet", "2025-04-21", "2025-05-11"),
            _absence("accident_trajet", "2025-05-12", "2025-06-15"),
        ],
        "liaison": {"requested_on": "2025-05-20", "spst_notified_on": "2025-05-21"},
    },
]


def bodies() -> list[str]:
    """The situations as compact JSON request bodies, in a fixed order."""
    return [json.dumps(s, ensure_ascii=False, separators=(",", ":")) for s in SITUATIONS]
