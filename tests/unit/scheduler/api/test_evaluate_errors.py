"""Bad input to the rules calculator: always a 4xx JSON error naming the field.

Each case asserts the status and the exact ``error.field`` (the request's own
JSON path); none may ever answer a 500.
"""

from __future__ import annotations

import json
import random
from datetime import date, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient

EVALUATE = "/api/v1/evaluate"
ESSAI = "/api/v1/evaluate/essai-encadre"
CRPE = "/api/v1/evaluate/crpe"

ABSENCE = {"cause": "maladie", "start": "2025-03-03", "end": "2025-04-02"}


def situation(**changes: Any) -> dict[str, Any]:
    """A valid situation with ``changes`` applied on top."""
    base: dict[str, Any] = {
        "as_of": "2025-04-07", "region": "national",
        "employer": {"headcount": 10}, "employee": {"birth_date": "1980-02-29"},
        "absences": [dict(ABSENCE)], "liaison": {"requested_on": "2025-04-07"},
    }
    return base | changes


def absence(**changes: Any) -> dict[str, Any]:
    return {**ABSENCE, **changes}


def assert_error(response: Any, status: int, field: str) -> dict[str, Any]:
    """Check a 4xx JSON error naming ``field`` with a message; return the error."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    error: dict[str, Any] = response.get_json()["error"]
    assert error["field"] == field, error
    assert error["code"]
    assert error["message"]
    return error


EVALUATE_CASES = [
    # absences
    pytest.param(situation(absences=[absence(cause="grippe")]), "absences[0].cause",
                 id="unknown-cause"),
    pytest.param(situation(absences=[absence(cause="MALADIE")]), "absences[0].cause",
                 id="cause-wrong-case"),
    pytest.param(situation(absences=[absence(cause=1)]), "absences[0].cause", id="cause-int"),
    pytest.param(situation(absences=[{"start": "2025-03-03", "end": "2025-04-02"}]),
                 "absences[0].cause", id="cause-missing"),
    pytest.param(situation(absences=[{"cause": "maladie", "end": "2025-04-02"}]),
                 "absences[0].start", id="start-missing"),
    pytest.param(situation(absences=[absence(end="2025-03-02")]), "absences[0].end",
                 id="end-before-start"),
    pytest.param(situation(absences=[dict(ABSENCE), absence(start="2025-05-10", end="2025-05-01")]),
                 "absences[1].end", id="second-arret-end-before-start"),
    pytest.param(situation(absences=[absence(start="2025-02-30")]), "absences[0].start",
                 id="nonexistent-date"),
    pytest.param(situation(absences=[absence(end="2025-02-29")]), "absences[0].end",
                 id="29-february-not-leap"),
    pytest.param(situation(absences=[absence(start="1850-01-01")]), "absences[0].start",
                 id="date-before-1900"),
    pytest.param(situation(absences=[None]), "absences[0]", id="null-arret"),
    pytest.param(situation(absences=["maladie"]), "absences[0]", id="string-arret"),
    pytest.param(situation(absences=[absence(diagnosis="lombalgie")]), "absences[0].diagnosis",
                 id="medical-detail-refused"),
    pytest.param(situation(absences={"0": ABSENCE}), "absences", id="absences-object"),
    pytest.param(situation(absences="maladie"), "absences", id="absences-string"),
    pytest.param(situation(absences=None), "absences", id="absences-null"),
    pytest.param(situation(absences=[None] * 5000), "absences", id="5000-absences"),
    pytest.param(situation(absences=[dict(ABSENCE)] * 1000), "absences",
                 id="1000-valid-absences"),
    pytest.param(situation(absences=[dict(ABSENCE)] * 101), "absences", id="101-absences"),
    # dates
    pytest.param(situation(as_of="2025-1-1"), "as_of", id="date-without-zero-padding"),
    pytest.param(situation(as_of="2025-04-07T10:00:00"), "as_of", id="datetime"),
    pytest.param(situation(as_of="2025-04-07T10:00:00Z"), "as_of", id="datetime-utc"),
    pytest.param(situation(as_of="2025-04-07 10:00"), "as_of", id="datetime-with-space"),
    pytest.param(situation(as_of="20250407"), "as_of", id="compact-iso-date"),
    pytest.param(situation(as_of="2025-W15-1"), "as_of", id="iso-week-date"),
    pytest.param(situation(as_of="07/04/2025"), "as_of", id="french-date"),
    pytest.param(situation(as_of=" 2025-04-07"), "as_of", id="date-with-space"),
    pytest.param(situation(as_of="２０２５-04-07"), "as_of", id="fullwidth-digits"),
    pytest.param(situation(as_of=20250407), "as_of", id="date-as-int"),
    pytest.param(situation(as_of=None), "as_of", id="as-of-null"),
    pytest.param(situation(as_of="2200-01-01"), "as_of", id="date-after-2100"),
    pytest.param(situation(return_date="2025-13-01"), "return_date", id="month-13"),
    pytest.param(situation(inaptitude_opinion_on="31/01/2024"), "inaptitude_opinion_on",
                 id="inaptitude-french-date"),
    pytest.param(situation(liaison={"requested_on": "2025-04-31"}), "liaison.requested_on",
                 id="liaison-nonexistent-date"),
    pytest.param(situation(liaison={"requested_on": "2025-04-07", "spst_notified_on": True}),
                 "liaison.spst_notified_on", id="liaison-date-bool"),
    pytest.param(situation(liaison={"requested_on": "2025-04-07", "meeting_on": "2025-04-15"}),
                 "liaison.meeting_on", id="liaison-unknown-field"),
    pytest.param(situation(liaison="2025-04-07"), "liaison", id="liaison-string"),
    pytest.param(situation(liaison={"spst_notified_on": "2025-04-07"}), "liaison.requested_on",
                 id="spst-notice-without-request"),
    pytest.param(situation(employee={"birth_date": "1980-02-30"}), "employee.birth_date",
                 id="birth-date-nonexistent"),
    # employer, employee
    pytest.param(situation(employer={"headcount": "250"}), "employer.headcount",
                 id="headcount-string"),
    pytest.param(situation(employer={"headcount": True}), "employer.headcount",
                 id="headcount-bool"),
    pytest.param(situation(employer={"headcount": 250.0}), "employer.headcount",
                 id="headcount-float"),
    pytest.param(situation(employer={"headcount": -1}), "employer.headcount",
                 id="headcount-negative"),
    pytest.param(situation(employer={"headcount": 10**12}), "employer.headcount",
                 id="headcount-absurd"),
    pytest.param(situation(employer={"size": 250}), "employer.size", id="employer-unknown-field"),
    pytest.param(situation(employer=[250]), "employer", id="employer-list"),
    pytest.param(situation(employer=250), "employer", id="employer-int"),
    pytest.param(situation(employee="1980-02-29"), "employee", id="employee-string"),
    pytest.param(situation(employee={"branch_age": "45"}), "employee.branch_age",
                 id="branch-age-string"),
    pytest.param(situation(employee={"branch_age": 17}), "employee.branch_age",
                 id="branch-age-17"),
    pytest.param(situation(employee={"branch_age": 71}), "employee.branch_age",
                 id="branch-age-71"),
    pytest.param(situation(employee={"branch_age": None}), "employee.branch_age",
                 id="branch-age-null"),
    # region, unknown fields
    pytest.param(situation(region="corse"), "region", id="unknown-region"),
    pytest.param(situation(region="Alsace-Moselle"), "region", id="region-wrong-case"),
    pytest.param(situation(region=None), "region", id="region-null"),
    pytest.param(situation(absence=[ABSENCE]), "absence", id="typo-top-level-field"),
    pytest.param(situation(headcount=10), "headcount", id="flat-headcount-refused"),
]


@pytest.mark.parametrize("payload, field", EVALUATE_CASES)
def test_bad_situation_is_a_422_naming_the_field(
    evaluate_client: FlaskClient, payload: dict[str, Any], field: str,
) -> None:
    error = assert_error(evaluate_client.post(EVALUATE, json=payload), 422, field)
    assert error["code"] == "invalid_input"
    assert error["details"][0]["field"] == field


BODY_CASES = [
    pytest.param({"data": "as_of=2025-04-07", "content_type": "text/plain"}, 415,
                 id="text-plain"),
    pytest.param({"data": "as_of=2025-04-07",
                  "content_type": "application/x-www-form-urlencoded"}, 415, id="form"),
    pytest.param({"data": "{}"}, 415, id="no-content-type"),
    pytest.param({"data": "{as_of: 2025-04-07}", "content_type": "application/json"}, 400,
                 id="not-json"),
    pytest.param({"data": b"{\"as_of\": \"\xc3\x28\"}", "content_type": "application/json"}, 400,
                 id="not-utf8"),
    pytest.param({"data": "[]", "content_type": "application/json"}, 422, id="json-array"),
    pytest.param({"data": '"2025-04-07"', "content_type": "application/json"}, 422,
                 id="json-string"),
    pytest.param({"data": "null", "content_type": "application/json"}, 422, id="json-null"),
    pytest.param({"data": "", "content_type": "application/json"}, 422, id="empty-body"),
    pytest.param({"data": json.dumps({"as_of": "2025-04-07", "padding": "x" * 300_000}),
                  "content_type": "application/json"}, 413, id="body-over-256-KiB"),
    pytest.param({"data": json.dumps(situation(absences=[dict(ABSENCE)] * 5000)),
                  "content_type": "application/json"}, 413, id="5000-valid-absences-too-big"),
]


@pytest.mark.parametrize("path", [EVALUATE, ESSAI, CRPE])
@pytest.mark.parametrize("request_args, status", [*BODY_CASES, pytest.param(
    {"data": '{"employer": ' + '{"a": ' * 2000 + "1" + "}" * 2001,
     "content_type": "application/json"}, 400, id="deeply-nested-json")])
def test_bad_body_is_a_4xx_naming_the_body(
    evaluate_client: FlaskClient, path: str, request_args: dict[str, Any], status: int,
) -> None:
    assert_error(evaluate_client.post(path, **request_args), status, "body")


ESSAI_CASES = [
    pytest.param({"start": "2025-04-14", "days": 29}, "days", id="days-29"),
    pytest.param({"start": "2025-04-14", "days": 0}, "days", id="days-0"),
    pytest.param({"start": "2025-04-14", "days": -14}, "days", id="days-negative"),
    pytest.param({"start": "2025-04-14", "days": "14"}, "days", id="days-string"),
    pytest.param({"start": "2025-04-14", "days": 14.0}, "days", id="days-float"),
    pytest.param({"start": "2025-04-14", "days": True}, "days", id="days-bool"),
    pytest.param({"start": "2025-04-14", "days": None}, "days", id="days-null"),
    pytest.param({"start": "2025-04-14", "days": 10**6}, "days", id="days-absurd"),
    pytest.param({"days": 14}, "start", id="start-missing"),
    pytest.param({"start": "2025-04-31"}, "start", id="start-nonexistent"),
    pytest.param({"start": "2025-04-14T08:00:00"}, "start", id="start-datetime"),
    pytest.param({"start": "2025-04-14", "region": "bretagne"}, "region", id="unknown-region"),
    pytest.param({"start": "2025-04-14", "end": "2025-04-30"}, "end", id="unknown-field"),
]


@pytest.mark.parametrize("payload, field", ESSAI_CASES)
def test_bad_essai_encadre_is_a_422_naming_the_field(
    evaluate_client: FlaskClient, payload: dict[str, Any], field: str,
) -> None:
    assert_error(evaluate_client.post(ESSAI, json=payload), 422, field)


PRIOR = {"cause": "maladie", "start": "2024-01-01", "end": "2024-12-31"}
CRPE_CASES = [
    pytest.param({"start": "2025-01-01"}, "prior_absence", id="prior-absence-missing"),
    pytest.param({"start": "2025-01-01", "prior_absence": None}, "prior_absence",
                 id="prior-absence-null"),
    pytest.param({"start": "2025-01-01", "prior_absence": [PRIOR]}, "prior_absence",
                 id="prior-absence-list"),
    pytest.param({"start": "2025-01-01", "prior_absence": {**PRIOR, "cause": "burnout"}},
                 "prior_absence.cause", id="prior-absence-unknown-cause"),
    pytest.param({"start": "2025-01-01", "prior_absence": {**PRIOR, "end": "2023-12-31"}},
                 "prior_absence.end", id="prior-absence-end-before-start"),
    pytest.param({"start": "2025-01-01", "prior_absence": {"cause": "maladie",
                                                           "start": "2024-01-01"}},
                 "prior_absence.end", id="prior-absence-end-missing"),
    pytest.param({"prior_absence": PRIOR}, "start", id="start-missing"),
    pytest.param({"start": "2025/01/01", "prior_absence": PRIOR}, "start", id="start-slashes"),
    pytest.param({"start": "2025-01-01", "prior_absence": PRIOR, "months": 18}, "months",
                 id="unknown-field"),
]


@pytest.mark.parametrize("payload, field", CRPE_CASES)
def test_bad_crpe_is_a_422_naming_the_field(
    evaluate_client: FlaskClient, payload: dict[str, Any], field: str,
) -> None:
    assert_error(evaluate_client.post(CRPE, json=payload), 422, field)


DOMAIN_CASES = [
    pytest.param(EVALUATE, situation(return_date="2025-03-03"), "return_date",
                 id="return-on-the-first-day-of-the-arret"),
    pytest.param(EVALUATE, situation(employee={"birth_date": "2025-04-08"}), "employee.birth_date",
                 id="born-after-as-of"),
    pytest.param(CRPE, {"start": "2024-12-31", "prior_absence": PRIOR}, "start",
                 id="crpe-before-the-arret-ends"),
    pytest.param(CRPE, {"start": "2027-01-01", "prior_absence": PRIOR}, "start",
                 id="crpe-over-three-years-after-sickness-began"),
]


@pytest.mark.parametrize("path, payload, field", DOMAIN_CASES)
def test_situation_the_rules_refuse_is_a_422_naming_the_field(
    evaluate_client: FlaskClient, path: str, payload: dict[str, Any], field: str,
) -> None:
    error = assert_error(evaluate_client.post(path, json=payload), 422, field)
    assert error["code"] == "invalid_input"
    assert error["details"] == [{"field": field, "message": error["message"].split(" : ", 1)[1]}]


def test_error_messages_are_french(evaluate_client: FlaskClient) -> None:
    cases = {
        "champ inconnu": situation(absence=[]),
        "entier attendu": situation(employer={"headcount": "250"}),
        "AAAA-MM-JJ": situation(as_of="2025-1-1"),
        "n'existe pas": situation(as_of="2025-02-30"),
        "précède son début": situation(absences=[absence(end="2025-03-01")]),
        "au plus 100 éléments": situation(absences=[None] * 101),
        "valeurs possibles": situation(region="corse"),
        "objet JSON attendu": situation(employer=[]),
        "ne peut pas être null": situation(absences=[None]),
    }
    for words, payload in cases.items():
        message = evaluate_client.post(EVALUATE, json=payload).get_json()["error"]["message"]
        assert words in message, (words, message)
    missing = evaluate_client.post(CRPE, json={"start": "2025-01-01"}).get_json()["error"]
    assert "champ obligatoire" in missing["message"]


def _random_situation(rng: random.Random) -> dict[str, Any]:
    """A schema-valid but otherwise arbitrary situation, to shake the rules."""
    def day(low: date = date(1990, 1, 1), span: int = 60 * 365) -> str:
        return (low + timedelta(days=rng.randrange(span))).isoformat()

    absences = []
    for _ in range(rng.randrange(6)):
        start = date(1995, 1, 1) + timedelta(days=rng.randrange(40 * 365))
        end = start + timedelta(days=rng.choice([0, 1, 29, 30, 31, 59, 60, 400, 4000]))
        absences.append({"cause": rng.choice(["maladie", "accident_travail", "maternite",
                                              "maladie_professionnelle", "accident_trajet"]),
                         "start": start.isoformat(), "end": end.isoformat()})
    payload: dict[str, Any] = {"as_of": day(), "absences": absences,
                               "region": rng.choice(["national", "alsace-moselle"])}
    optional = {
        "return_date": lambda: day(),
        "inaptitude_opinion_on": lambda: day(),
        "employer": lambda: {"headcount": rng.choice([0, 1, 249, 250, 1_000_000])},
        "employee": lambda: {"birth_date": day(date(1900, 1, 1), 200 * 365),
                             "branch_age": rng.randint(18, 70)},
        "liaison": lambda: {"requested_on": day(), "spst_notified_on": day()},
    }
    for key, make in optional.items():
        if rng.random() < 0.6:
            payload[key] = make()
    return payload


@pytest.mark.parametrize("seed", range(5))
def test_arbitrary_valid_situations_never_answer_500(
    evaluate_client: FlaskClient, seed: int,
) -> None:
    rng = random.Random(seed)
    for _ in range(60):
        payload = _random_situation(rng)
        response = evaluate_client.post(EVALUATE, json=payload)
        assert response.status_code in (200, 422), (payload, response.get_data(as_text=True))
        if response.status_code == 422:
            assert response.get_json()["error"]["field"]


@pytest.mark.parametrize("start, prior_start, prior_end", [
    pytest.param("1900-01-01", "1900-01-01", "1900-01-01", id="earliest-dates"),
    pytest.param("2100-12-31", "2100-12-31", "2100-12-31", id="latest-dates"),
    pytest.param("2025-01-01", "2030-01-01", "2030-02-01", id="prior-after-start"),
])
def test_extreme_crpe_dates_never_answer_500(
    evaluate_client: FlaskClient, start: str, prior_start: str, prior_end: str,
) -> None:
    response = evaluate_client.post(CRPE, json={
        "start": start,
        "prior_absence": {"cause": "maladie", "start": prior_start, "end": prior_end}})
    assert response.status_code in (200, 422)


@pytest.mark.parametrize("start", ["1900-01-01", "2100-12-31", "2100-12-25"])
def test_extreme_essai_dates_never_answer_500(evaluate_client: FlaskClient, start: str) -> None:
    response = evaluate_client.post(ESSAI, json={"start": start, "days": 28})
    assert response.status_code in (200, 422)
