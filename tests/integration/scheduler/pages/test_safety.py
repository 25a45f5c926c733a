"""A GET never changes anything; every POST needs the session's CSRF token."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.integration.scheduler.pages.conftest import (
    Case,
    FakeCalendar,
    PlannerLogin,
    csrf_of,
    post_form,
    snapshot,
)


def _get_everything(client: FlaskClient, case: Case, planner: PlannerLogin) -> None:
    for url in (case.employee_url, case.employer_url, f"{case.employee_url}/agenda",
                f"{case.employee_url}/reponse", f"{case.employer_url}/confirmer"):
        client.get(url)
        client.head(url)
    for url in ("/planner", "/planner/export.csv", f"/planner/procedures/{case.procedure_id}",
                "/planner/agenda/lien", "/planner/deconnexion"):
        planner.client.get(url)


def test_get_never_changes_state(case: Case, client: FlaskClient, planner: PlannerLogin,
                                 calendar: FakeCalendar) -> None:
    for step in (None, case.accept, case.confirm_first_slot):
        if step is not None:
            step()
        before = snapshot(case.app)
        _get_everything(client, case, planner)
        assert snapshot(case.app) == before
    assert {call[0] for call in calendar.calls} == {"ics"}  # a link read, never a rotation
    assert planner.client.get("/planner").status_code == 200  # GET logout did not log out


def test_every_post_without_csrf_is_400(case: Case, client: FlaskClient,
                                        planner: PlannerLogin) -> None:
    case.accept()
    client.get(case.employee_url)  # the session exists, with a token, but none is sent
    before = snapshot(case.app)
    slot = case.slots()[0]
    for url, data in (
        (f"{case.employee_url}/reponse", {"reponse": "refuser"}),
        (f"{case.employee_url}/choix", {"referent_handicap": "oui"}),
        (f"{case.employee_url}/pre-reprise", {}),
        (f"{case.employee_url}/pre-reprise/partage", {"partage_employeur": "oui"}),
        (f"{case.employer_url}/confirmer", {"creneau": str(slot.id), "mode": "remote"}),
    ):
        for token in (None, "", "faux-jeton"):
            sent = data if token is None else {**data, "csrf_token": token}
            answer = client.post(url, data=sent)
            assert answer.status_code == 400, (url, token)
            assert answer.mimetype == "text/html"
            assert "Demande invalide" in answer.get_data(as_text=True)
    for url in ("/planner/agenda/lien", f"/planner/procedures/{case.procedure_id}/date",
                "/planner/deconnexion"):
        assert planner.client.post(url, data={"csrf_token": "faux"}).status_code == 400
    assert client.post("/planner/connexion", data={"email": planner.email,
                                                   "password": "x"}).status_code == 400
    assert snapshot(case.app) == before
    assert planner.client.get("/planner").status_code == 200


def test_a_token_from_another_session_is_refused(case: Case, client: FlaskClient) -> None:
    other = client.application.test_client()
    stolen = csrf_of(other.get(case.employee_url))
    client.get(case.employee_url)
    answer = client.post(f"{case.employee_url}/reponse",
                         data={"csrf_token": stolen, "reponse": "refuser"})
    assert answer.status_code == 400
    assert case.procedure().state == "informed"


def test_login_starts_a_new_csrf_token(case: Case, client: FlaskClient,
                                       planner: PlannerLogin) -> None:
    fresh = client.application.test_client()
    before = csrf_of(fresh.get("/planner/connexion"))
    post_form(fresh, "/planner/connexion", "/planner/connexion",
              {"email": planner.email, "password": "un mot de passe solide"})
    after = csrf_of(fresh.get("/planner"))
    assert before != after


def test_session_cookie_flags(case: Case, client: FlaskClient) -> None:
    answer = client.get(case.employee_url)
    cookie = answer.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_pages_send_a_strict_policy(case: Case, client: FlaskClient) -> None:
    answer = client.get(case.employee_url)
    policy = answer.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "unsafe-inline" not in policy
    assert answer.headers["Referrer-Policy"] == "no-referrer"
    css = client.get("/static/pages/relais.css")
    assert css.status_code == 200 and css.mimetype == "text/css"
    css.close()
