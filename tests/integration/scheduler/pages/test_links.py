"""Signed links: tampered, expired, revoked, another role's or another case's: refused in HTML."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer

from services.scheduler.adapters.links import LinkError, LinkSigner, Role
from services.scheduler.adapters.orm import Procedure
from shared.web import database
from tests.integration.scheduler.pages.conftest import Case, post_form, snapshot


def _refused(answer_status: int, html: str, status: int) -> None:
    assert answer_status == status
    assert "<html lang=\"fr\">" in html
    assert "Lien" in html
    assert "Traceback" not in html and "error" not in html.split("<main")[1].lower()[:50]


@pytest.mark.parametrize("path", ["/e/", "/l/"])
def test_garbage_tokens_are_404_pages(case: Case, client: FlaskClient, path: str) -> None:
    for token in ("x", "abc.def.ghi", "a" * 600, "%00", "eyJjIjoxLCJ2IjowfQ.AAAAAA.BBBB"):
        answer = client.get(path + token)
        assert answer.status_code == 404, token
        assert answer.mimetype == "text/html"


def test_a_tampered_token_is_refused(case: Case, client: FlaskClient) -> None:
    token = case.token(Role.EMPLOYEE)
    tampered = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    answer = client.get(f"/e/{tampered}")
    _refused(answer.status_code, answer.get_data(as_text=True), 404)


def test_a_token_signed_with_another_secret_is_refused(case: Case, client: FlaskClient) -> None:
    foreign = LinkSigner("un autre secret", "http://x").token(case.procedure_id, Role.EMPLOYEE)
    assert client.get(f"/e/{foreign}").status_code == 404


def test_a_forged_payload_for_another_case_is_refused(case: Case, client: FlaskClient) -> None:
    """Swapping the case id inside a token breaks its signature."""
    token = case.token(Role.EMPLOYEE)
    _payload, rest = token.split(".", 1)
    other = URLSafeTimedSerializer("x", salt="y").dumps({"c": case.procedure_id + 1, "v": 0})
    forged = other.split(".", 1)[0] + "." + rest
    assert client.get(f"/e/{forged}").status_code == 404


def test_the_employee_token_does_not_open_the_employer_page(case: Case,
                                                            client: FlaskClient) -> None:
    employee_token = case.token(Role.EMPLOYEE)
    employer_token = case.token(Role.EMPLOYER)
    assert client.get(f"/l/{employee_token}").status_code == 404
    assert client.get(f"/e/{employer_token}").status_code == 404
    assert client.get(f"/e/{employee_token}").status_code == 200
    assert client.get(f"/l/{employer_token}").status_code == 200


def test_an_employer_token_cannot_post_the_employee_s_answer(case: Case,
                                                             client: FlaskClient) -> None:
    employer_token = case.token(Role.EMPLOYER)
    answer = post_form(client, case.employee_url, f"/e/{employer_token}/reponse",
                       {"reponse": "refuser"})
    assert answer.status_code == 404
    assert case.procedure().state == "informed"


def test_a_link_to_an_unknown_case_is_404(case: Case, client: FlaskClient) -> None:
    for procedure_id in (999_999, 0, -1, 2**40):
        token = case.signer.token(procedure_id, Role.EMPLOYEE, 0)
        assert client.get(f"/e/{token}").status_code == 404


def test_an_expired_link_is_410(case: Case, client: FlaskClient) -> None:
    case.app.extensions["relais_links"] = LinkSigner(case.app.config["SECRET_KEY"],
                                                     "http://x", max_age=-1)
    answer = client.get(case.employee_url)
    assert answer.status_code == 410
    html = answer.get_data(as_text=True)
    assert "Lien expiré" in html


def test_a_revoked_link_is_410(case: Case, client: FlaskClient) -> None:
    old = case.employee_url
    with database(case.app).session() as session:
        row = session.get(Procedure, case.procedure_id)
        assert row is not None
        row.link_version += 1
    assert client.get(old).status_code == 410
    assert client.get(case.employee_url).status_code == 200


def test_refused_links_never_change_anything(case: Case, client: FlaskClient) -> None:
    before = snapshot(case.app)
    employer_token = case.token(Role.EMPLOYER)
    post_form(client, case.employee_url, f"/e/{employer_token}/reponse", {"reponse": "refuser"})
    post_form(client, case.employee_url, "/e/nimporte-quoi/reponse", {"reponse": "refuser"})
    assert snapshot(case.app) == before


def test_an_employer_link_to_a_pre_reprise_does_not_exist(case: Case,
                                                          client: FlaskClient) -> None:
    post_form(client, case.employee_url, f"{case.employee_url}/pre-reprise", {})
    with database(case.app).session() as session:
        pre = session.query(Procedure).filter_by(kind="pre_reprise").one()
        pre_id, version = pre.id, pre.link_version
    token = case.signer.token(pre_id, Role.EMPLOYER, version)
    answer = client.get(f"/l/{token}")
    assert answer.status_code == 404
    assert "pré-reprise" not in answer.get_data(as_text=True)


def test_unrouted_page_paths_answer_html_and_api_paths_json(case: Case,
                                                            client: FlaskClient) -> None:
    answer = client.get("/e/")
    assert answer.status_code == 404 and answer.mimetype == "text/html"
    answer = client.put(case.employee_url)
    assert answer.status_code == 405 and answer.mimetype == "text/html"
    assert "GET" in answer.headers["Allow"]
    answer = client.get("/api/v1/nothing-here")
    assert answer.status_code == 404 and answer.mimetype == "application/json"


def test_signer_round_trip_and_reasons() -> None:
    signer = LinkSigner("s", "https://relais.example/")
    assert signer.url(5, Role.EMPLOYER, 2).startswith("https://relais.example/l/")
    link = signer.verify(signer.token(5, Role.EMPLOYER, 2), Role.EMPLOYER)
    assert (link.case_id, link.role, link.version) == (5, Role.EMPLOYER, 2)
    with pytest.raises(LinkError) as refused:
        signer.verify(signer.token(5, Role.EMPLOYER), Role.EMPLOYEE)
    assert refused.value.reason == "invalid"
    with pytest.raises(LinkError) as expired:
        signer.verify(signer.token(5, Role.EMPLOYEE), Role.EMPLOYEE, max_age=-1)
    assert expired.value.reason == "expired"


def test_link_pages_are_rate_limited(case: Case) -> None:
    from services.scheduler.app import create_app

    app = create_app({**case.app.config, "RATELIMIT_ENABLED": True, "PAGES_RATE_LIMIT": "2/minute"})
    client = app.test_client()
    url = case.employee_url
    statuses = [client.get(url).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    last = client.get(url)
    assert last.mimetype == "text/html" and "Retry-After" in last.headers
    database(app).dispose()
