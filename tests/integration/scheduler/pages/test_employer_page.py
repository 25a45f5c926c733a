"""``/l/{token}``: the employer confirms a slot or proposes a date inside the window."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from tests.integration.scheduler.pages.conftest import Case, csrf_of, post_form


def _confirm(client: FlaskClient, case: Case, **data: str) -> tuple[int, str]:
    answer = post_form(client, case.employer_url, f"{case.employer_url}/confirmer",
                       {"mode": "in_person", **data})
    return answer.status_code, answer.get_data(as_text=True)


def test_before_acceptance_nothing_to_confirm(case: Case, client: FlaskClient) -> None:
    html = client.get(case.employer_url).get_data(as_text=True)
    assert "Confirmer ce créneau" not in html
    assert "Marie Dupont" in html


def test_three_slots_as_radio_buttons_and_another_date(case: Case, client: FlaskClient) -> None:
    case.accept()
    html = client.get(case.employer_url).get_data(as_text=True)
    radios = re.findall(r'<input type="radio" id="(creneau-\d+)" name="creneau"', html)
    assert len(radios) == 3
    for control in [*radios, "creneau-autre", "autre-date", "autre-heure", "mode-sur-place",
                    "mode-visio"]:
        assert f'for="{control}"' in html
    assert 'min="2026-12-01"' in html and 'max="2026-12-08"' in html
    assert ">Confirmer ce créneau</button>" in html
    assert "mardi 1er décembre 2026 à 9 h 00" in html


def test_confirming_a_proposed_slot(case: Case, client: FlaskClient) -> None:
    case.accept()
    slot = case.slots()[1]
    status, _ = _confirm(client, case, creneau=str(slot.id), mode="remote")
    assert status == 303
    row = case.procedure()
    assert (row.state, row.starts_at, row.mode) == ("confirmed", slot.starts_at, "remote")
    html = client.get(case.employer_url).get_data(as_text=True)
    assert "Le rendez-vous est confirmé" in html
    assert "en visioconférence" in html
    assert "Confirmer ce créneau" not in html


def test_another_date_inside_the_window(case: Case, client: FlaskClient) -> None:
    case.accept()
    status, _ = _confirm(client, case, creneau="autre", date="2026-12-07", heure="14:30")
    assert status == 303
    row = case.procedure()
    assert row.state == "confirmed"
    assert row.starts_at is not None and row.starts_at.isoformat() == "2026-12-07T13:30:00+00:00"


def test_a_date_after_the_window_is_refused_with_the_reason(case: Case,
                                                            client: FlaskClient) -> None:
    case.accept()
    status, html = _confirm(client, case, creneau="autre", date="2026-12-21", heure="10:00")
    assert status == 422
    assert case.procedure().state == "accepted"
    assert 'id="date-erreur"' in html
    assert re.search(r'id="autre-date"[^>]*aria-describedby="date-erreur"', html)
    assert 'aria-invalid="true"' in html
    assert "trop tard" in html and "08/12/2026" in html
    assert 'value="2026-12-21"' in html  # what was typed is kept


def test_a_date_with_less_than_8_days_notice_is_refused(case: Case,
                                                        client: FlaskClient) -> None:
    case.accept()
    status, html = _confirm(client, case, creneau="autre", date="2026-11-30", heure="10:00")
    assert status == 422
    assert "8 jours" in html
    assert case.procedure().state == "accepted"


def test_a_slot_that_no_longer_leaves_8_days_cannot_be_confirmed(case: Case,
                                                                 client: FlaskClient) -> None:
    case.accept()
    first = case.slots()[0]  # Tuesday 1 December
    case.clock.advance(days=2)  # Wednesday 25 November: the SPST would have 6 days
    html = client.get(case.employer_url).get_data(as_text=True)
    assert re.search(rf'id="creneau-{first.id}"[^>]*disabled', html)
    assert f'id="creneau-{first.id}-motif"' in html
    status, html = _confirm(client, case, creneau=str(first.id))
    assert status == 422
    assert "8 jours" in html
    assert case.procedure().state == "accepted"


def test_missing_or_malformed_fields_are_named(case: Case, client: FlaskClient) -> None:
    case.accept()
    status, html = _confirm(client, case)
    assert status == 422 and 'id="creneau-erreur"' in html
    status, html = _confirm(client, case, creneau="autre", date="", heure="10:00")
    assert status == 422 and 'id="date-erreur"' in html and "Indiquez une date" in html
    status, html = _confirm(client, case, creneau="autre", date="2026-12-07", heure="25:99")
    assert status == 422 and 'id="heure-erreur"' in html
    status, html = _confirm(client, case, creneau="999999", mode="in_person")
    assert status == 422 and "plus proposé" in html
    status, html = _confirm(client, case, creneau="autre", date="2026-12-07", heure="10:00",
                            mode="telepathie")
    assert status == 422 and 'id="mode-erreur"' in html
    assert case.procedure().state == "accepted"


def test_a_slot_of_another_case_is_not_accepted(case: Case, client: FlaskClient) -> None:
    from tests.integration.scheduler.pages.conftest import make_case

    case.accept()
    other = make_case(case.app, case.tenant, case.clock)
    other.accept()
    status, html = _confirm(client, case, creneau=str(other.slots()[0].id))
    assert status == 422 and "plus proposé" in html
    assert other.procedure().state == "accepted"


def test_confirming_twice_is_refused_politely(case: Case, client: FlaskClient) -> None:
    case.accept()
    page = client.get(case.employer_url)
    token = csrf_of(page)
    slot = case.slots()[0]
    url = f"{case.employer_url}/confirmer"
    data = {"csrf_token": token, "creneau": str(slot.id), "mode": "in_person"}
    assert client.post(url, data=data).status_code == 303
    again = client.post(url, data=data)
    assert again.status_code == 303
    assert "attend plus de confirmation" in client.get(case.employer_url).get_data(
        as_text=True)


def test_pre_reprise_never_shown_without_consent(case: Case, client: FlaskClient) -> None:
    employee = client.__class__(case.app)  # the employee's own browser
    post_form(employee, case.employee_url, f"{case.employee_url}/pre-reprise", {})
    case.accept()
    html = client.get(case.employer_url).get_data(as_text=True).lower()
    assert "pré-reprise" not in html and "pre-reprise" not in html and "pre_reprise" not in html
    post_form(employee, case.employee_url, f"{case.employee_url}/pre-reprise/partage",
              {"partage_employeur": "oui"})
    html = client.get(case.employer_url).get_data(as_text=True)
    assert "Avec l'accord du salarié" in html and "pré-reprise" in html
    post_form(employee, case.employee_url, f"{case.employee_url}/pre-reprise/partage", {})
    assert "pré-reprise" not in client.get(case.employer_url).get_data(as_text=True)
