"""``POST /api/v1/evaluate`` and its helpers over HTTP: the worked examples of
``docs/rules.md``, the contract's shape (``docs/evaluate-api.md``), defaults,
rate limiting and the OpenAPI document."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from services.scheduler.entrypoints.api.fields import today_in_paris

EVALUATE = "/api/v1/evaluate"
ESSAI = "/api/v1/evaluate/essai-encadre"
CRPE = "/api/v1/evaluate/crpe"

TOP_KEYS = ["current_absence", "liaison_meeting", "reprise_visit", "pre_reprise_visit",
            "mid_career_visit", "inaptitude", "warnings"]
LIAISON_KEYS = ["eligible", "basis", "eligible_from", "window", "window_status",
                "non_working_days"]
REPRISE_KEYS = ["required", "rule", "window", "inform_physician"]


def post(client: FlaskClient, path: str, payload: Any) -> Any:
    """POST ``payload`` as JSON; return the decoded body after checking it is a 200."""
    response = client.post(path, json=payload)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    return response.get_json()


def arret(cause: str, start: str, end: str) -> dict[str, str]:
    return {"cause": cause, "start": start, "end": end}


def warning_codes(body: dict[str, Any]) -> list[str]:
    return [w["code"] for w in body["warnings"]]


# -- shape --------------------------------------------------------------------

FULL = {
    "as_of": "2025-04-07", "region": "national",
    "employer": {"headcount": 300},
    "employee": {"birth_date": "1980-02-29", "branch_age": 45},
    "absences": [arret("maladie", "2025-03-03", "2025-05-31")],
    "return_date": "2025-06-02",
    "liaison": {"requested_on": "2025-04-07", "spst_notified_on": "2025-04-07"},
    "inaptitude_opinion_on": "2024-01-31",
}


def test_response_has_exactly_the_contract_keys_in_the_contract_order(
    evaluate_client: FlaskClient,
) -> None:
    body = post(evaluate_client, EVALUATE, FULL)
    assert list(body) == TOP_KEYS
    assert list(body["current_absence"]) == ["start", "end", "days", "cause"]
    assert list(body["liaison_meeting"]) == LIAISON_KEYS
    assert list(body["liaison_meeting"]["window"]) == ["earliest", "latest"]
    assert list(body["reprise_visit"]) == REPRISE_KEYS
    assert list(body["reprise_visit"]["window"]) == ["earliest", "latest"]
    assert list(body["pre_reprise_visit"]) == ["eligible", "eligible_from"]
    assert list(body["mid_career_visit"]) == ["window", "combined_window"]
    assert list(body["mid_career_visit"]["window"]) == ["earliest", "latest"]
    assert list(body["mid_career_visit"]["combined_window"]) == ["earliest", "latest"]
    assert list(body["inaptitude"]) == ["salary_resumes_on"]
    assert isinstance(body["warnings"], list)
    for warning in body["warnings"]:
        assert list(warning) == ["code", "message"]


def test_empty_situation_answers_every_key_with_nulls_and_falses(
    evaluate_client: FlaskClient,
) -> None:
    body = post(evaluate_client, EVALUATE, {"as_of": "2025-04-07"})
    assert body == {
        "current_absence": None,
        "liaison_meeting": {"eligible": False, "basis": None, "eligible_from": None,
                            "window": None, "window_status": None, "non_working_days": []},
        "reprise_visit": {"required": False, "rule": None, "window": None,
                          "inform_physician": False},
        "pre_reprise_visit": {"eligible": False, "eligible_from": None},
        "mid_career_visit": {"window": None, "combined_window": None},
        "inaptitude": None,
        "warnings": [],
    }


def test_as_of_defaults_to_today_in_paris(evaluate_client: FlaskClient) -> None:
    situation = {"absences": [arret("maladie", "2025-03-03", "2025-04-02")],
                 "employee": {"birth_date": "1980-02-29"}}
    implicit = post(evaluate_client, EVALUATE, situation)
    explicit = post(evaluate_client, EVALUATE, {**situation, "as_of": today_in_paris().isoformat()})
    assert implicit == explicit


def test_region_defaults_to_national(evaluate_client: FlaskClient) -> None:
    situation = {"as_of": "2025-04-07",
                 "absences": [arret("maladie", "2025-03-03", "2025-05-31")],
                 "liaison": {"requested_on": "2025-04-07"}}
    assert post(evaluate_client, EVALUATE, situation) == post(
        evaluate_client, EVALUATE, {**situation, "region": "national"})


def test_nulls_mean_not_given_for_optional_fields(evaluate_client: FlaskClient) -> None:
    nulls = {"as_of": "2025-04-07", "employer": None, "employee": None, "liaison": None,
             "return_date": None, "inaptitude_opinion_on": None}
    assert post(evaluate_client, EVALUATE, nulls) == post(
        evaluate_client, EVALUATE, {"as_of": "2025-04-07"})


# -- rendez-vous de liaison ---------------------------------------------------

@pytest.mark.parametrize("absences, expected", [
    pytest.param(
        [arret("maladie", "2025-03-03", "2025-04-01")],
        {"eligible": False, "basis": None, "eligible_from": None},
        id="30-days-not-eligible"),
    pytest.param(
        [arret("maladie", "2025-03-03", "2025-04-02")],
        {"eligible": True, "basis": "continuous", "eligible_from": "2025-04-02"},
        id="31-days-eligible-from-start-plus-30"),
    pytest.param(
        [arret("maladie", "2025-03-03", "2025-04-01"),
         arret("maladie", "2025-04-02", "2025-04-02")],
        {"eligible": True, "basis": "continuous", "eligible_from": "2025-04-02"},
        id="prolongation-to-31-days-eligible"),
])
def test_liaison_eligibility_worked_example(
    evaluate_client: FlaskClient, absences: list[dict[str, str]], expected: dict[str, Any],
) -> None:
    body = post(evaluate_client, EVALUATE, {"as_of": "2025-04-02", "absences": absences})
    liaison = body["liaison_meeting"]
    assert {k: liaison[k] for k in expected} == expected
    assert liaison["window"] is None
    assert liaison["window_status"] is None
    assert body["current_absence"]["start"] == "2025-03-03"
    assert body["current_absence"]["end"] == absences[-1]["end"]
    assert body["current_absence"]["cause"] == "maladie"


def test_current_absence_is_the_latest_chain(evaluate_client: FlaskClient) -> None:
    body = post(evaluate_client, EVALUATE, {"as_of": "2025-04-02", "absences": [
        arret("maladie", "2024-10-01", "2024-10-10"),
        arret("maladie", "2025-03-03", "2025-04-01"),
        arret("accident_travail", "2025-04-02", "2025-04-02"),
    ]})
    assert body["current_absence"] == {"start": "2025-03-03", "end": "2025-04-02", "days": 31,
                                       "cause": "accident_travail"}


def test_discontinuous_arrets_over_30_days_in_a_year_make_an_employee_eligible(
    evaluate_client: FlaskClient,
) -> None:
    body = post(evaluate_client, EVALUATE, {"as_of": "2025-03-14", "absences": [
        arret("maladie", "2025-01-06", "2025-01-25"),  # 20 days
        arret("maladie", "2025-03-03", "2025-03-13"),  # 11 days, not a prolongation
    ]})
    assert body["liaison_meeting"]["eligible"] is True
    assert body["liaison_meeting"]["basis"] == "discontinuous"
    assert body["current_absence"]["days"] == 11


LONG_ARRET = [arret("maladie", "2025-03-03", "2025-05-31")]


@pytest.mark.parametrize("liaison, expected, codes", [
    pytest.param(
        {"requested_on": "2025-04-07", "spst_notified_on": "2025-04-07"},
        {"window": {"earliest": "2025-04-15", "latest": "2025-04-22"}, "window_status": "open",
         "non_working_days": ["2025-04-19", "2025-04-20", "2025-04-21"]},
        set(), id="spst-told-same-day-easter-monday-not-working"),
    pytest.param(
        {"requested_on": "2025-04-07"},
        {"window": {"earliest": "2025-04-15", "latest": "2025-04-22"}, "window_status": "open",
         "non_working_days": ["2025-04-19", "2025-04-20", "2025-04-21"]},
        set(), id="spst-notice-defaults-to-request-day"),
    pytest.param(
        {"requested_on": "2025-04-07", "spst_notified_on": "2025-04-16"},
        {"window": {"earliest": "2025-04-24", "latest": "2025-04-22"},
         "window_status": "impossible", "non_working_days": []},
        {"liaison_window_impossible"}, id="spst-told-late-window-impossible"),
])
def test_liaison_window_worked_example(
    evaluate_client: FlaskClient, liaison: dict[str, str], expected: dict[str, Any],
    codes: set[str],
) -> None:
    body = post(evaluate_client, EVALUATE, {"as_of": "2025-04-07", "absences": LONG_ARRET,
                                            "liaison": liaison})
    meeting = body["liaison_meeting"]
    assert meeting == {"eligible": True, "basis": "continuous", "eligible_from": "2025-04-02",
                       **expected}
    assert codes <= set(warning_codes(body))
    if "liaison_window_impossible" not in codes:
        assert "liaison_window_impossible" not in warning_codes(body)


def test_liaison_window_closes_on_the_last_day_of_the_arret(evaluate_client: FlaskClient) -> None:
    body = post(evaluate_client, EVALUATE, {
        "as_of": "2025-04-07", "absences": [arret("maladie", "2025-03-03", "2025-04-18")],
        "liaison": {"requested_on": "2025-04-07"}})
    assert body["liaison_meeting"]["window"] == {"earliest": "2025-04-15", "latest": "2025-04-18"}
    assert body["liaison_meeting"]["window_status"] == "open"
    assert body["liaison_meeting"]["non_working_days"] == []


def test_liaison_window_only_when_requested(evaluate_client: FlaskClient) -> None:
    body = post(evaluate_client, EVALUATE, {"as_of": "2025-04-07", "absences": LONG_ARRET})
    assert body["liaison_meeting"]["window"] is None
    assert body["liaison_meeting"]["window_status"] is None
    assert body["liaison_meeting"]["non_working_days"] == []


def test_alsace_moselle_holidays_count_in_non_working_days(evaluate_client: FlaskClient) -> None:
    body = post(evaluate_client, EVALUATE, {
        "as_of": "2025-04-03", "region": "alsace-moselle", "absences": LONG_ARRET,
        "liaison": {"requested_on": "2025-04-03"}})
    assert body["liaison_meeting"]["window"] == {"earliest": "2025-04-11", "latest": "2025-04-18"}
    # 2025-04-18 is Good Friday, a holiday in Alsace-Moselle only.
    assert body["liaison_meeting"]["non_working_days"] == ["2025-04-12", "2025-04-13",
                                                           "2025-04-18"]


# -- visite de reprise --------------------------------------------------------

@pytest.mark.parametrize("absence, return_date, expected", [
    pytest.param(
        arret("maladie", "2025-01-01", "2025-03-01"), "2025-03-03",
        {"required": True, "rule": "maladie>=60",
         "window": {"earliest": "2025-03-03", "latest": "2025-03-11"}, "inform_physician": False},
        id="sickness-60-days"),
    pytest.param(
        arret("accident_travail", "2025-06-02", "2025-07-01"), "2025-07-02",
        {"required": True, "rule": "accident_travail>=30",
         "window": {"earliest": "2025-07-02", "latest": "2025-07-10"}, "inform_physician": False},
        id="work-accident-30-days"),
    pytest.param(
        arret("maternite", "2025-01-06", "2025-01-20"), "2025-01-21",
        {"required": True, "rule": "maternite",
         "window": {"earliest": "2025-01-21", "latest": "2025-01-29"}, "inform_physician": False},
        id="maternity-any-length"),
    pytest.param(
        arret("maladie_professionnelle", "2025-01-06", "2025-01-10"), "2025-01-13",
        {"required": True, "rule": "maladie_professionnelle",
         "window": {"earliest": "2025-01-13", "latest": "2025-01-21"}, "inform_physician": False},
        id="occupational-disease-any-length"),
    pytest.param(
        arret("maladie", "2022-03-01", "2022-03-30"), "2022-03-31",
        {"required": True, "rule": "before-2022-04-01>=30",
         "window": {"earliest": "2022-03-31", "latest": "2022-04-08"}, "inform_physician": False},
        id="old-rule-before-2022-04-01"),
])
def test_reprise_visit_required_worked_example(
    evaluate_client: FlaskClient, absence: dict[str, str], return_date: str,
    expected: dict[str, Any],
) -> None:
    body = post(evaluate_client, EVALUATE, {"as_of": return_date, "absences": [absence],
                                            "return_date": return_date})
    assert body["reprise_visit"] == expected


@pytest.mark.parametrize("absence, return_date, inform", [
    pytest.param(arret("accident_travail", "2025-06-02", "2025-06-30"), "2025-07-01", True,
                 id="work-accident-29-days-physician-informed"),
    pytest.param(arret("maladie", "2025-01-01", "2025-02-28"), "2025-03-03", False,
                 id="sickness-59-days"),
    pytest.param(arret("accident_trajet", "2025-01-01", "2025-02-28"), "2025-03-03", False,
                 id="commuting-accident-59-days"),
])
def test_reprise_visit_not_required(
    evaluate_client: FlaskClient, absence: dict[str, str], return_date: str, inform: bool,
) -> None:
    body = post(evaluate_client, EVALUATE, {"as_of": return_date, "absences": [absence],
                                            "return_date": return_date})
    visit = body["reprise_visit"]
    assert visit["required"] is False
    assert visit["window"] is None
    assert visit["inform_physician"] is inform


def test_reprise_window_only_with_a_return_date(evaluate_client: FlaskClient) -> None:
    body = post(evaluate_client, EVALUATE, {
        "as_of": "2025-03-01", "absences": [arret("maladie", "2025-01-01", "2025-03-01")]})
    assert body["reprise_visit"] == {"required": True, "rule": "maladie>=60", "window": None,
                                     "inform_physician": False}


def test_deadline_on_a_public_holiday_is_kept_and_warned(evaluate_client: FlaskClient) -> None:
    # 60 days ending 2025-04-22; return 04-23; R + 8 = 2025-05-01, Fête du travail.
    body = post(evaluate_client, EVALUATE, {
        "as_of": "2025-04-23", "absences": [arret("maladie", "2025-02-22", "2025-04-22")],
        "return_date": "2025-04-23"})
    assert body["reprise_visit"]["window"] == {"earliest": "2025-04-23", "latest": "2025-05-01"}
    warnings = [w for w in body["warnings"] if w["code"] == "deadline_non_working_day"]
    assert warnings and all(w["message"] for w in warnings)


# -- pré-reprise, mi-carrière, inaptitude -------------------------------------

def test_pre_reprise_open_during_a_long_arret(evaluate_client: FlaskClient) -> None:
    body = post(evaluate_client, EVALUATE, {"as_of": "2025-04-07", "absences": LONG_ARRET})
    assert body["pre_reprise_visit"]["eligible"] is True
    assert body["pre_reprise_visit"]["eligible_from"] is not None


@pytest.mark.parametrize("employee, expected", [
    pytest.param({"birth_date": "1980-02-29", "branch_age": 45},
                 {"window": {"earliest": "2025-01-01", "latest": "2025-12-31"},
                  "combined_window": {"earliest": "2023-01-01", "latest": "2024-12-31"}},
                 id="born-29-feb-branch-45"),
    pytest.param({"birth_date": "1980-02-29"},
                 {"window": {"earliest": "2025-01-01", "latest": "2025-12-31"},
                  "combined_window": {"earliest": "2023-01-01", "latest": "2024-12-31"}},
                 id="branch-age-defaults-to-45"),
    pytest.param({"birth_date": "1980-06-15", "branch_age": 50},
                 {"window": {"earliest": "2030-01-01", "latest": "2030-12-31"},
                  "combined_window": {"earliest": "2028-01-01", "latest": "2029-12-31"}},
                 id="branch-age-50"),
    pytest.param({"branch_age": 50}, {"window": None, "combined_window": None},
                 id="no-birth-date-no-window"),
    pytest.param(None, {"window": None, "combined_window": None}, id="no-employee-no-window"),
])
def test_mid_career_visit(
    evaluate_client: FlaskClient, employee: dict[str, Any] | None, expected: dict[str, Any],
) -> None:
    body = post(evaluate_client, EVALUATE, {"as_of": "2025-04-07", "employee": employee})
    assert body["mid_career_visit"] == expected


@pytest.mark.parametrize("opinion_on, expected", [
    pytest.param("2024-01-31", {"salary_resumes_on": "2024-02-29"}, id="leap-february"),
    pytest.param("2025-01-31", {"salary_resumes_on": "2025-02-28"}, id="short-february"),
    pytest.param("2025-03-15", {"salary_resumes_on": "2025-04-15"}, id="same-day-of-month"),
    pytest.param(None, None, id="no-opinion"),
])
def test_inaptitude(
    evaluate_client: FlaskClient, opinion_on: str | None, expected: dict[str, str] | None,
) -> None:
    payload: dict[str, Any] = {"as_of": "2025-04-07"}
    if opinion_on:
        payload["inaptitude_opinion_on"] = opinion_on
    assert post(evaluate_client, EVALUATE, payload)["inaptitude"] == expected


def test_nothing_medical_or_unknown_leaks_into_the_answer(evaluate_client: FlaskClient) -> None:
    text = evaluate_client.post(EVALUATE, json=FULL).get_data(as_text=True)
    for word in ("headcount", "birth_date", "branch_age", "region", "as_of"):
        assert word not in text


# -- essai encadré ------------------------------------------------------------

@pytest.mark.parametrize("payload, expected", [
    pytest.param({"start": "2025-04-14", "days": 14},
                 {"start": "2025-04-14", "end": "2025-04-30", "days": 14}, id="national"),
    pytest.param({"start": "2025-04-14"},
                 {"start": "2025-04-14", "end": "2025-04-30", "days": 14}, id="days-default-14"),
    pytest.param({"start": "2025-04-14", "days": 14, "region": "alsace-moselle"},
                 {"start": "2025-04-14", "end": "2025-05-02", "days": 14}, id="alsace-moselle"),
    pytest.param({"start": "2025-04-14", "days": 28},
                 {"start": "2025-04-14", "end": "2025-05-19", "days": 28}, id="renewed-28"),
    pytest.param({"start": "2025-04-14", "days": 1},
                 {"start": "2025-04-14", "end": "2025-04-14", "days": 1}, id="start-is-day-1"),
    pytest.param({"start": "2025-04-13", "days": 1},
                 {"start": "2025-04-13", "end": "2025-04-14", "days": 1},
                 id="sunday-start-not-counted"),
    pytest.param({"start": "2025-04-21", "days": 1},
                 {"start": "2025-04-21", "end": "2025-04-22", "days": 1},
                 id="easter-monday-start-not-counted"),
    pytest.param({"start": "2025-04-19", "days": 1},
                 {"start": "2025-04-19", "end": "2025-04-19", "days": 1},
                 id="saturday-is-a-jour-ouvrable"),
])
def test_essai_encadre(
    evaluate_client: FlaskClient, payload: dict[str, Any], expected: dict[str, Any],
) -> None:
    body = post(evaluate_client, ESSAI, payload)
    assert body == expected
    assert list(body) == ["start", "end", "days"]


def test_essai_encadre_over_28_days_says_why(evaluate_client: FlaskClient) -> None:
    response = evaluate_client.post(ESSAI, json={"start": "2025-04-14", "days": 29})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["field"] == "days"
    assert "28 jours ouvrables" in error["message"]
    assert "renouvelable une fois" in error["message"]


# -- CRPE ---------------------------------------------------------------------

@pytest.mark.parametrize("payload, expected", [
    pytest.param({"start": "2025-03-01",
                  "prior_absence": arret("accident_travail", "2020-01-01", "2025-02-28")},
                 {"latest_end": "2026-08-31", "months": 18}, id="work-accident-18-months"),
    pytest.param({"start": "2025-03-01",
                  "prior_absence": arret("maladie_professionnelle", "2020-01-01", "2025-02-28")},
                 {"latest_end": "2026-08-31", "months": 18}, id="occupational-disease-18-months"),
    pytest.param({"start": "2025-06-01",
                  "prior_absence": arret("maladie", "2025-01-01", "2025-05-31")},
                 {"latest_end": "2026-11-30", "months": 18}, id="sickness-18-months-not-capped"),
    pytest.param({"start": "2025-08-31",
                  "prior_absence": arret("maladie", "2025-01-31", "2025-08-30")},
                 {"latest_end": "2027-02-27", "months": 18}, id="month-end-clamped"),
])
def test_crpe(evaluate_client: FlaskClient, payload: dict[str, Any],
              expected: dict[str, Any]) -> None:
    body = post(evaluate_client, CRPE, payload)
    assert body == expected
    assert list(body) == ["latest_end", "months"]


@pytest.mark.parametrize("payload, expected", [
    pytest.param({"start": "2025-01-01",
                  "prior_absence": arret("maladie", "2023-01-01", "2024-12-31")},
                 {"latest_end": "2025-12-31", "months": 12}, id="capped-at-36-months"),
    pytest.param({"start": "2025-01-15",
                  "prior_absence": arret("maternite", "2023-01-01", "2025-01-14")},
                 {"latest_end": "2025-12-31", "months": 11}, id="cap-between-whole-months"),
    pytest.param({"start": "2025-01-01",
                  "prior_absence": arret("accident_trajet", "2020-01-01", "2024-12-31")},
                 {"latest_end": "2026-06-30", "months": 18}, id="commuting-accident-at-mp-branch"),
])
def test_crpe_after_sickness_ends_within_three_years_of_the_arret(
    evaluate_client: FlaskClient, payload: dict[str, Any], expected: dict[str, Any],
) -> None:
    assert post(evaluate_client, CRPE, payload) == expected


# -- rate limiting and documentation ------------------------------------------

def test_over_the_limit_answers_429_json_with_retry_after(tmp_path: Path) -> None:
    from services.scheduler.app import create_app

    app = create_app({"TESTING": True, "RELAIS_ENV": "test",
                      "DATABASE_URL": f"sqlite:///{tmp_path / 'limit.db'}",
                      "RATELIMIT_ENABLED": True, "EVALUATE_RATE_LIMIT": "3/minute"})
    client = app.test_client()
    for _ in range(3):
        assert client.post(EVALUATE, json={"as_of": "2025-04-07"}).status_code == 200
    response = client.post(EVALUATE, json={"as_of": "2025-04-07"})
    assert response.status_code == 429
    assert response.mimetype == "application/json"
    assert response.get_json()["error"]["code"]
    assert response.get_json()["error"]["message"]
    retry_after = response.headers.get("Retry-After")
    assert retry_after is not None and retry_after.isdigit() and 0 < int(retry_after) <= 60


def test_openapi_documents_the_three_paths_with_request_bodies(
    evaluate_client: FlaskClient,
) -> None:
    spec = evaluate_client.get("/api/v1/openapi.json").get_json()
    for path, request_schema, response_schema in (
        (EVALUATE, "EvaluateRequest", "Evaluation"),
        (ESSAI, "EssaiEncadreRequest", "EssaiEncadreResult"),
        (CRPE, "CrpeRequest", "CrpeResult"),
    ):
        operation = spec["paths"][path]["post"]
        body = operation["requestBody"]["content"]["application/json"]["schema"]
        assert body == {"$ref": f"#/components/schemas/{request_schema}"}
        ok = operation["responses"]["200"]["content"]["application/json"]["schema"]
        assert ok == {"$ref": f"#/components/schemas/{response_schema}"}
        assert {"413", "415", "422", "429"} <= set(operation["responses"])
    schemas = spec["components"]["schemas"]
    assert set(schemas["Evaluation"]["properties"]) == set(TOP_KEYS)
    assert schemas["AbsenceInput"]["properties"]["cause"]["enum"] == [
        "maladie", "accident_travail", "maladie_professionnelle", "maternite", "accident_trajet"]
    assert schemas["EssaiEncadreRequest"]["properties"]["days"]["maximum"] == 28
    assert schemas["EvaluateRequest"]["properties"]["absences"]["maxItems"] == 100
