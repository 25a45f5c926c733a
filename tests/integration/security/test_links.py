"""Signed links, as an attacker uses them: replayed, expired, revoked, another case's.

``tests/integration/scheduler/pages/test_links.py`` covers opening a page
with a bad token; the route walk (``test_route_walk.py``) covers every link
route with another role's token and another case's id. Here: every action a
link can POST acts at most once (a replayed form, a reload, a mail scanner's
second try change nothing more), and no action goes through an expired or
revoked link, or through the link of another case of the same SPST.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from services.scheduler.adapters.links import LinkSigner
from services.scheduler.adapters.orm import Procedure
from shared.web import database
from tests.integration.scheduler.pages.conftest import Case, Clock, csrf_of, make_case
from tests.integration.security.conftest import Spst, state

#: Every form a link page posts, as (page, action path, form); ``slot`` is filled in.
EMPLOYEE_ACTIONS = [
    ("/reponse", {"reponse": "accepter"}),
    ("/choix", {"referent_handicap": "oui"}),
    ("/pre-reprise", {"partage_employeur": "non"}),
    ("/pre-reprise/partage", {"partage_employeur": "oui"}),
    ("/reponse", {"reponse": "refuser"}),
]


def _post(client: FlaskClient, page: str, action: str, form: dict[str, str]) -> int:
    token = csrf_of(client.get(page))
    return client.post(page + action, data={"csrf_token": token, **form}).status_code


def _replayed(client: FlaskClient, case: Case, page: str, action: str,
              form: dict[str, str]) -> None:
    """Post the form, then the very same request again: the second changes nothing.

    A link that the first answer closed (a refusal revokes the case's links)
    answers the replay 410.
    """
    data = {"csrf_token": csrf_of(client.get(page)), **form}
    first = client.post(page + action, data=data)
    assert first.status_code in (303, 422), (action, form, first.status_code)
    after_first = state(case.app)
    again = client.post(page + action, data=data)
    assert again.status_code in (first.status_code, 410), (action, form, again.status_code)
    assert state(case.app) == after_first, (action, form)


def test_every_employee_action_acts_once(spst_a: Spst, client: FlaskClient) -> None:
    case = spst_a.case
    for action, form in EMPLOYEE_ACTIONS:
        _replayed(client, case, case.employee_url, action, form)
    assert case.procedure().state == "refused"


def test_the_employer_s_confirmation_acts_once(spst_a: Spst, client: FlaskClient) -> None:
    case = spst_a.case
    case.accept()
    slot = case.slots()[0]
    _replayed(client, case, case.employer_url, "/confirmer",
              {"creneau": str(slot.id), "mode": "remote"})
    assert case.procedure().state == "confirmed"
    # The same page's form, sent again with another of the slots it offered.
    stale = {"csrf_token": csrf_of(client.get(case.employee_url)),
             "creneau": str(case.slots()[1].id), "mode": "remote"}
    before = state(case.app)
    assert client.post(f"{case.employer_url}/confirmer", data=stale).status_code == 303
    assert state(case.app) == before
    assert case.procedure().starts_at == slot.starts_at  # the first answer stands


def test_a_refusal_cannot_be_taken_back(spst_a: Spst, client: FlaskClient) -> None:
    case = spst_a.case
    old_page = case.employee_url
    token = csrf_of(client.get(old_page))
    answer = client.post(f"{old_page}/reponse", data={"csrf_token": token, "reponse": "refuser"})
    assert answer.status_code == 303
    closed = state(case.app)
    accept = {"csrf_token": token, "reponse": "accepter"}
    assert client.post(f"{old_page}/reponse", data=accept).status_code == 410
    assert client.post(f"{case.employee_url}/reponse", data=accept).status_code == 303
    assert state(case.app) == closed
    assert case.procedure().state == "refused"


def _expire(app: Flask) -> None:
    app.extensions["relais_links"] = LinkSigner(app.config["SECRET_KEY"], "http://x",
                                                max_age=-1)


def _revoke(app: Flask) -> None:
    with database(app).session() as session:
        for row in session.query(Procedure):
            row.link_version += 1


@pytest.mark.parametrize("spoil", [_expire, _revoke], ids=["expiré", "révoqué"])
def test_no_action_goes_through_a_dead_link(spst_a: Spst, client: FlaskClient,
                                            spoil: Callable[[Flask], None]) -> None:
    case = spst_a.case
    case.accept()
    forms = {case.employee_url: EMPLOYEE_ACTIONS,
             case.employer_url: [("/confirmer", {"creneau": str(case.slots()[0].id),
                                                 "mode": "remote"})]}
    tokens = {page: csrf_of(client.get(page)) for page in forms}
    spoil(case.app)
    before = state(case.app)
    for page, actions in forms.items():
        for action, form in actions:
            answer = client.post(page + action, data={"csrf_token": tokens[page], **form})
            assert answer.status_code == 410, (page, action)
            assert "Lien expiré" in answer.get_data(as_text=True)
        assert client.get(page).status_code == 410
    assert state(case.app) == before


def test_a_link_acts_on_its_own_case_only(spst_a: Spst, client: FlaskClient,
                                          clock: Clock) -> None:
    """Two cases of one SPST: answering through one link leaves the other untouched."""
    mine, other = spst_a.case, make_case(spst_a.case.app, spst_a.tenant, clock)
    assert _post(client, mine.employee_url, "/reponse", {"reponse": "refuser"}) == 303
    assert mine.procedure().state == "refused"
    assert other.procedure().state == "informed"
    assert _post(client, other.employee_url, "/reponse", {"reponse": "accepter"}) == 303
    assert (mine.procedure().state, other.procedure().state) == ("refused", "accepted")
