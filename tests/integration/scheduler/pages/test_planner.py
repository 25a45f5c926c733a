"""``/planner``: login, session, dashboard, feed link, CSV export, reprise date."""

from __future__ import annotations

import csv
import io
from datetime import date

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from services.scheduler.adapters.orm import Employee, PlannerAccount, Procedure
from services.scheduler.adapters.repository import CasesRepository
from services.scheduler.entrypoints.pages import accounts
from services.scheduler.entrypoints.pages.export import safe_cell
from services.scheduler.service_layer import reprise
from shared.web import database
from tests.integration.scheduler.pages.conftest import (
    PASSWORD,
    Case,
    FakeCalendar,
    PlannerLogin,
    csrf_of,
    post_form,
)


def test_login_required_everywhere(case: Case, client: FlaskClient) -> None:
    for path in ("/planner", "/planner/export.csv", f"/planner/procedures/{case.procedure_id}"):
        answer = client.get(path)
        assert answer.status_code == 302, path
        assert "/planner/connexion" in answer.headers["Location"]
    answer = post_form(client, "/planner/connexion", "/planner/agenda/lien", {})
    assert answer.status_code == 302


def test_wrong_password_and_unknown_address_answer_the_same(planner: PlannerLogin,
                                                            client: FlaskClient) -> None:
    wrong = post_form(client, "/planner/connexion", "/planner/connexion",
                      {"email": planner.email, "password": "pas le bon mot de passe"})
    unknown = post_form(client, "/planner/connexion", "/planner/connexion",
                        {"email": "personne@example.fr", "password": PASSWORD})
    assert wrong.status_code == unknown.status_code == 401
    assert "Adresse e-mail ou mot de passe incorrect" in wrong.get_data(as_text=True)
    assert 'aria-describedby="connexion-erreur"' in unknown.get_data(as_text=True)
    assert client.get("/planner").status_code == 302


def test_the_password_is_stored_as_a_scrypt_hash(planner: PlannerLogin,
                                                 scheduler_app: Flask) -> None:
    with database(scheduler_app).session() as session:
        row = session.scalars(select(PlannerAccount)).one()
    assert row.password_hash.startswith("scrypt:")
    assert PASSWORD not in row.password_hash
    assert row.email == "planif@example.fr"


def test_login_redirects_only_to_local_planner_paths(case: Case, client: FlaskClient,
                                                     planner: PlannerLogin) -> None:
    for target, expected in (("/planner/export.csv", "/planner/export.csv"),
                             ("https://evil.example/", "/planner"),
                             ("//evil.example/planner", "/planner"),
                             ("/e/x", "/planner")):
        fresh = client.application.test_client()
        answer = post_form(fresh, "/planner/connexion", "/planner/connexion",
                           {"email": planner.email, "password": PASSWORD, "next": target})
        assert answer.status_code == 302
        assert answer.headers["Location"] == expected, target


def test_logout_ends_the_session(planner: PlannerLogin) -> None:
    page = planner.client.get("/planner")
    assert page.status_code == 200
    answer = planner.client.post("/planner/deconnexion", data={"csrf_token": csrf_of(page)})
    assert answer.status_code == 302
    assert planner.client.get("/planner").status_code == 302


def test_the_session_expires_after_idling(planner: PlannerLogin, case: Case) -> None:
    assert planner.client.get("/planner").status_code == 200
    case.clock.advance(minutes=29)
    assert planner.client.get("/planner").status_code == 200
    case.clock.advance(minutes=31)
    assert planner.client.get("/planner").status_code == 302


def test_the_session_has_a_maximum_length(planner: PlannerLogin, case: Case) -> None:
    for _ in range(25):
        case.clock.advance(minutes=25)
        planner.client.get("/planner")
    assert planner.client.get("/planner").status_code == 302


def test_a_password_change_ends_open_sessions(planner: PlannerLogin,
                                              scheduler_app: Flask) -> None:
    with database(scheduler_app).session() as session:
        accounts.set_password(session, planner.email, "un tout autre mot de passe")
    assert planner.client.get("/planner").status_code == 302


def test_login_is_rate_limited(scheduler_app: Flask, case: Case) -> None:
    from services.scheduler.app import create_app

    app = create_app({**scheduler_app.config, "RATELIMIT_ENABLED": True,
                      "LOGIN_RATE_LIMIT": "3/minute"})
    client = app.test_client()
    statuses = [post_form(client, "/planner/connexion", "/planner/connexion",
                          {"email": "x@example.fr", "password": "y" * 12}).status_code
                for _ in range(4)]
    assert statuses == [401, 401, 401, 429]
    last = post_form(client, "/planner/connexion", "/planner/connexion",
                     {"email": "x@example.fr", "password": "y" * 12})
    assert last.mimetype == "text/html" and "Trop de tentatives" in last.get_data(as_text=True)
    assert client.get("/planner/connexion").status_code == 200  # the form itself stays open
    database(app).dispose()


def test_dashboard_lists_upcoming_and_deadlines(planner: PlannerLogin, case: Case) -> None:
    case.accept()  # window ends 8 December: in 15 days, not at risk
    html = planner.client.get("/planner").get_data(as_text=True)
    assert "Aucune échéance dépassée" in html and "Aucune échéance proche" in html
    case.clock.advance(days=13)  # 6 December: 2 days left
    planner.login()
    html = planner.client.get("/planner").get_data(as_text=True)
    at_risk = html.split('id="table-a-risque"')[1].split("</table>")[0]
    assert "Marie Dupont" in at_risk and "08/12/2026" in at_risk
    case.clock.advance(days=3)  # 9 December: overdue
    planner.login()
    html = planner.client.get("/planner").get_data(as_text=True)
    assert "Marie Dupont" in html.split('id="table-en-retard"')[1].split("</table>")[0]


def test_dashboard_upcoming_appointments(planner: PlannerLogin, case: Case) -> None:
    case.accept()
    case.confirm_first_slot()
    html = planner.client.get("/planner").get_data(as_text=True)
    upcoming = html.split('id="table-a-venir"')[1].split("</table>")[0]
    assert "Marie Dupont" in upcoming and "01/12/2026 09:00" in upcoming


def test_dashboard_is_limited_to_the_planner_s_spst(planner: PlannerLogin, case: Case,
                                                    tenant_b) -> None:  # type: ignore[no-untyped-def]
    from tests.integration.scheduler.pages.conftest import make_case

    other = make_case(case.app, tenant_b, case.clock)
    other.accept()
    other.confirm_first_slot()
    html = planner.client.get("/planner").get_data(as_text=True)
    assert "Aucun rendez-vous à venir" in html
    answer = planner.client.get(f"/planner/procedures/{other.procedure_id}")
    assert answer.status_code == 404 and answer.mimetype == "text/html"


def test_feed_link_is_rotated_on_post_and_shown_once(planner: PlannerLogin,
                                                     calendar: FakeCalendar) -> None:
    page = planner.client.get("/planner")
    assert "agenda.example/feeds" not in page.get_data(as_text=True)
    assert calendar.calls == []
    answer = planner.client.post("/planner/agenda/lien", data={"csrf_token": csrf_of(page)})
    assert answer.status_code == 200
    assert calendar.calls == [("feed", 7)]
    html = answer.get_data(as_text=True)
    assert "https://agenda.example/feeds/jeton1.ics" in html
    assert answer.headers["Cache-Control"] == "no-store"
    assert "jeton1" not in planner.client.get("/planner").get_data(as_text=True)


def test_feed_link_when_the_calendar_is_down(planner: PlannerLogin,
                                             calendar: FakeCalendar) -> None:
    calendar.available = False
    answer = post_form(planner.client, "/planner", "/planner/agenda/lien", {})
    assert answer.status_code == 503 and answer.mimetype == "text/html"


def test_csv_export_content_and_escaping(planner: PlannerLogin, case: Case,
                                         scheduler_app: Flask) -> None:
    with database(scheduler_app).session() as session:
        employee = session.get(Employee, case.employee_id)
        assert employee is not None
        employee.last_name = '=HYPERLINK("http://evil","x");"'
    case.accept()
    case.confirm_first_slot()
    answer = planner.client.get("/planner/export.csv")
    assert answer.status_code == 200
    assert answer.mimetype == "text/csv"
    assert "attachment" in answer.headers["Content-Disposition"]
    body = answer.get_data(as_text=True)
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:4] == ["Rubrique", "N° de procédure", "Type", "Salarié"]
    assert rows[1][0] == "À venir"
    assert rows[1][2] == "Rendez-vous de liaison"
    assert rows[1][3] == 'Marie =HYPERLINK("http://evil","x");"'  # starts with Marie: safe
    assert rows[1][5] == "01/12/2026 09:00"
    assert rows[1][7] == "confirmé"


def test_safe_cell_neutralizes_formulas() -> None:
    for dangerous in ("=1+1", "+33 6", "-2", "@SUM(A1)", "\tx", "\rx"):
        assert safe_cell(dangerous) == "'" + dangerous
    assert safe_cell("Dupont") == "Dupont"
    assert safe_cell(None) == ""
    assert safe_cell(12) == "12"


def _referred_reprise(case: Case) -> int:
    """Paul came back today after 112 days of arrêt: a reprise visit by 1 December."""
    employee = case.tenant.employee(case.employer_id, first_name="Paul", last_name="Martin")
    case.tenant.arret(employee["id"], start="2026-08-01", end="2026-11-20")
    with database(case.app).session() as session:
        row = session.get(Employee, employee["id"])
        assert row is not None
        row.return_date = date(2026, 11, 23)
    with database(case.app).session() as session:
        procedure = reprise.refer(CasesRepository(session, case.tenant.spst_id),
                                  employee["id"], now=case.clock.now)
        assert procedure is not None
        return procedure.id


def test_planner_sets_the_reprise_visit(planner: PlannerLogin, case: Case) -> None:
    procedure_id = _referred_reprise(case)
    html = planner.client.get("/planner").get_data(as_text=True)
    assert "Visites de reprise à planifier" in html
    url = f"/planner/procedures/{procedure_id}"
    page = planner.client.get(url)
    assert page.status_code == 200
    assert 'id="reprise-date"' in page.get_data(as_text=True)
    answer = post_form(planner.client, url, f"{url}/date",
                       {"date": "2026-11-26", "heure": "10:00", "mode": "in_person"})
    assert answer.status_code == 303
    with database(case.app).session() as session:
        row = session.get(Procedure, procedure_id)
        assert row is not None and row.state == "scheduled"
        assert row.starts_at is not None
        assert row.starts_at.isoformat() == "2026-11-26T09:00:00+00:00"


def test_reprise_date_errors_are_shown_next_to_the_field(planner: PlannerLogin,
                                                         case: Case) -> None:
    procedure_id = _referred_reprise(case)
    url = f"/planner/procedures/{procedure_id}"
    answer = post_form(planner.client, url, f"{url}/date",
                       {"date": "2026-11-20", "heure": "10:00", "mode": "in_person"})
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    assert 'id="date-erreur"' in html and "passée" in html
    assert 'aria-describedby="date-erreur"' in html


def test_a_liaison_date_is_not_set_from_the_reprise_form(planner: PlannerLogin,
                                                         case: Case) -> None:
    url = f"/planner/procedures/{case.procedure_id}"
    assert 'id="reprise-date"' not in planner.client.get(url).get_data(as_text=True)
    answer = post_form(planner.client, url, f"{url}/date",
                       {"date": "2026-12-02", "heure": "10:00", "mode": "in_person"})
    assert answer.status_code == 409
