"""``/e/{token}``: the employee's page and its actions."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select

from services.scheduler.adapters.orm import OutboxMessage, Procedure
from shared.web import database
from tests.integration.scheduler.pages.conftest import (
    Case,
    FakeCalendar,
    csrf_of,
    make_case,
    post_form,
)


def test_the_proposal_says_optional_and_offers_both_answers(case: Case,
                                                             client: FlaskClient) -> None:
    page = client.get(case.employee_url)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Rendez-vous de liaison" in html
    assert "facultatif" in html
    assert 'id="accepter"' in html and ">Accepter</button>" in html
    assert 'id="refuser"' in html and ">Refuser</button>" in html
    assert page.headers["Cache-Control"] == "no-store"


def test_accepting_moves_the_liaison_and_proposes_slots(case: Case, client: FlaskClient) -> None:
    url = case.employee_url
    answer = post_form(client, url, f"{url}/reponse", {"reponse": "accepter"})
    assert answer.status_code == 303
    assert answer.headers["Location"].endswith(url)
    assert case.procedure().state == "accepted"
    assert len(case.slots()) == 3
    after = client.get(case.employee_url).get_data(as_text=True)
    assert "Vous avez accepté" in after


def test_refusing_closes_silently(case: Case, client: FlaskClient) -> None:
    answer = post_form(client, case.employee_url, f"{case.employee_url}/reponse",
                       {"reponse": "refuser"})
    assert answer.status_code == 303
    assert case.procedure().state == "refused"
    page = client.get(case.employee_url).get_data(as_text=True)
    assert "Vous avez refusé" in page
    assert 'id="accepter"' not in page
    employer = client.get(case.employer_url).get_data(as_text=True)
    assert "n'aura pas lieu" in employer
    assert "refus" not in employer.lower()


def test_an_unknown_answer_is_a_400_page(case: Case, client: FlaskClient) -> None:
    answer = post_form(client, case.employee_url, f"{case.employee_url}/reponse",
                       {"reponse": "peut-être"})
    assert answer.status_code == 400
    assert answer.mimetype == "text/html"
    assert case.procedure().state == "informed"


def test_confirmed_date_shows_with_a_calendar_link(case: Case, client: FlaskClient,
                                                    calendar: FakeCalendar) -> None:
    case.accept()
    case.confirm_first_slot()
    html = client.get(case.employee_url).get_data(as_text=True)
    assert "mardi 1er décembre 2026 à 9 h 00" in html
    assert "en visioconférence" in html
    assert 'id="ajouter-agenda"' in html and "Ajouter à mon agenda" in html
    assert calendar.calls == []  # the page itself never calls the calendar
    going = client.get(f"{case.employee_url}/agenda")
    assert going.status_code == 303
    assert going.headers["Location"] == (
        f"https://agenda.example/i/{case.procedure().calendar_uid}.ics")


def test_calendar_link_unavailable_is_a_503_page(case: Case, client: FlaskClient,
                                                  calendar: FakeCalendar) -> None:
    case.accept()
    case.confirm_first_slot()
    calendar.available = False
    answer = client.get(f"{case.employee_url}/agenda")
    assert answer.status_code == 503
    assert "pas disponible" in answer.get_data(as_text=True)


def test_no_calendar_link_before_a_date(case: Case, client: FlaskClient) -> None:
    assert "ajouter-agenda" not in client.get(case.employee_url).get_data(as_text=True)
    assert client.get(f"{case.employee_url}/agenda").status_code == 404


def test_referent_handicap_only_offered_from_250_employees(scheduler_app, tenant_a, clock,
                                                          calendar, client) -> None:  # type: ignore[no-untyped-def]
    small = make_case(scheduler_app, tenant_a, clock, headcount=249)
    assert "referent-handicap" not in client.get(small.employee_url).get_data(as_text=True)
    large = make_case(scheduler_app, tenant_a, clock, headcount=250)
    html = client.get(large.employee_url).get_data(as_text=True)
    assert 'id="referent-handicap"' in html
    assert 'for="referent-handicap"' in html
    assert "checked" not in html.split('id="referent-handicap"')[1].split(">")[0]
    answer = post_form(client, large.employee_url, f"{large.employee_url}/choix",
                       {"referent_handicap": "oui"})
    assert answer.status_code == 303
    assert large.procedure().referent_handicap_consent is True
    answer = post_form(client, large.employee_url, f"{large.employee_url}/choix", {})
    assert large.procedure().referent_handicap_consent is False


def test_consent_refused_below_250_even_if_posted(case: Case, client: FlaskClient) -> None:
    answer = post_form(client, case.employee_url, f"{case.employee_url}/choix",
                       {"referent_handicap": "oui"})
    assert answer.status_code == 303
    assert case.procedure().referent_handicap_consent is False
    assert "250" in client.get(case.employee_url).get_data(as_text=True)


def _pre_reprise(case: Case) -> Procedure | None:
    with database(case.app).session() as session:
        return session.scalars(select(Procedure).where(
            Procedure.employee_id == case.employee_id,
            Procedure.kind == "pre_reprise")).first()


def test_pre_reprise_request_goes_to_the_spst_only(case: Case, client: FlaskClient) -> None:
    html = client.get(case.employee_url).get_data(as_text=True)
    assert 'id="demander-pre-reprise"' in html
    assert "checked" not in html.split('id="partage-employeur"')[1].split(">")[0]
    answer = post_form(client, case.employee_url, f"{case.employee_url}/pre-reprise", {})
    assert answer.status_code == 303
    pre = _pre_reprise(case)
    assert pre is not None and pre.state == "requested" and pre.share_with_employer is False
    with database(case.app).session() as session:
        sent = list(session.scalars(select(OutboxMessage).where(
            OutboxMessage.procedure_id == pre.id)))
    assert any(m.purpose.endswith("-spst") for m in sent)
    assert not any(m.purpose.endswith("-employer") or "rh@example.fr" in str(m.payload)
                   for m in sent)
    assert "Vous avez demandé une visite de pré-reprise" in client.get(
        case.employee_url).get_data(as_text=True)


def test_pre_reprise_sharing_is_an_explicit_choice(case: Case, client: FlaskClient) -> None:
    post_form(client, case.employee_url, f"{case.employee_url}/pre-reprise",
              {"partage_employeur": "oui"})
    pre = _pre_reprise(case)
    assert pre is not None and pre.share_with_employer is True
    post_form(client, case.employee_url, f"{case.employee_url}/pre-reprise/partage", {})
    pre = _pre_reprise(case)
    assert pre is not None and pre.share_with_employer is False


def test_double_submit_of_a_stale_form_changes_nothing_more(case: Case,
                                                             client: FlaskClient) -> None:
    page = client.get(case.employee_url)
    token = csrf_of(page)
    first = client.post(f"{case.employee_url}/reponse",
                        data={"csrf_token": token, "reponse": "accepter"})
    second = client.post(f"{case.employee_url}/reponse",
                         data={"csrf_token": token, "reponse": "accepter"})
    assert first.status_code == second.status_code == 303
    assert case.procedure().state == "accepted"
    assert len(case.slots()) == 3


def test_the_pre_reprise_information_link_offers_the_request(case: Case,
                                                             client: FlaskClient) -> None:
    from services.scheduler.adapters.links import Role
    from services.scheduler.adapters.repository import CasesRepository
    from services.scheduler.service_layer import pre_reprise
    from tests.integration.scheduler.pages.test_accessibility import audit

    with database(case.app).session() as session:
        informed = pre_reprise.inform(CasesRepository(session, case.tenant.spst_id),
                                      case.employee_id, now=case.clock.now)
        assert informed is not None
        pre_id = informed.id
    url = f"/e/{case.token(Role.EMPLOYEE, pre_id)}"
    html = client.get(url).get_data(as_text=True)
    audit(html)
    assert "Visite de pré-reprise" in html and 'id="demander-pre-reprise"' in html
    assert post_form(client, url, f"{url}/pre-reprise", {}).status_code == 303
    assert case.procedure(pre_id).state == "requested"
    assert 'id="enregistrer-partage"' in client.get(url).get_data(as_text=True)
