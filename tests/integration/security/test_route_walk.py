"""Cross-tenant access is denied on every route of the three services.

Each test walks its app's whole URL map. Every (method, rule) must have an
entry in the service's table, which says who may call it; a route added
without one fails the walk, so that its access is decided when it is written.

Scheduler (the only service that knows tenants), with SPST A the victim:

* ``API``: SPST B's key on A's ids answers 404 like a missing row, and so
  does a key of A limited to another employer (SPST-wide routes: 403);
  routes without ids answer B's own data only;
* ``PLANNER``: B's logged-in planner on A's ids answers 404; the dashboard
  and the export list B's cases only;
* ``LINK``: a token is bound to one case and one role: another role's token,
  and one naming A's case under another signature, answer 404; B's own
  link shows B's case only;
* ``SERVICE``: a tenant's key is refused (401);
* ``OPEN``: no credentials and no tenant's data (health, documents, the
  stateless calculator, the login form, static files).

No answer to B ever contains one of A's marks, and no row of A's changes.

The notifier and the calendar have no tenants: the scheduler is their only
client, with the service token. There every route but the open ones refuses
a tenant's key and no key at all (401), the Twilio webhooks refuse an unsigned
request (403), and the calendar's capability URLs refuse a forged token (404).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer
from werkzeug.routing import Rule
from werkzeug.test import TestResponse

from services.notifier.domain.kinds import EXAMPLES
from services.scheduler.adapters.links import LinkSigner, Role
from services.scheduler.service_layer import api_keys
from shared.config import DEV_SERVICE_TOKEN
from tests.integration.scheduler.pages.conftest import FakeCalendar, csrf_of
from tests.integration.security.conftest import Spst, assert_no_leak


class Kind(Enum):
    OPEN = "open"
    API = "api"
    PLANNER = "planner"
    LINK = "link"
    SERVICE = "service"
    SIGNED = "signed"  # Twilio's signature
    CAPABILITY = "capability"  # the URL's token is the secret
    DEVELOPMENT = "development"  # 404 outside development


@dataclass(frozen=True)
class Access:
    """Who may call a route, and what the other tenant gets on the victim's ids."""

    kind: Kind
    body: dict[str, Any] | None = None
    #: SPST B's status on A's ids (API, PLANNER), or the anonymous status (OPEN).
    status: int = 404
    #: The status of A's key limited to another employer (API only).
    scoped: int = 404
    query: dict[str, str] = field(default_factory=dict)


def api(body: dict[str, Any] | None = None, status: int = 404, scoped: int = 404,
        **query: str) -> Access:
    return Access(Kind.API, body, status, scoped, query)


OPEN = Access(Kind.OPEN, status=200)
LINK = Access(Kind.LINK)
SERVICE = Access(Kind.SERVICE)
APPOINTMENT = {"starts_at": "2026-12-02T10:00:00+01:00", "mode": "remote"}
SPST_ONLY = 403

SCHEDULER: dict[tuple[str, str], Access] = {
    # The cases.
    ("GET", "/api/v1/employers"): api(status=200, scoped=200),
    ("POST", "/api/v1/employers"): api({"name": "Même entreprise, autre SPST", "siret": "A",
                                        "headcount": 3}, status=201, scoped=SPST_ONLY),
    ("GET", "/api/v1/employers/<int:employer_id>"): api(),
    ("PATCH", "/api/v1/employers/<int:employer_id>"): api({"name": "Piraté"}),
    ("GET", "/api/v1/employees"): api(status=200, scoped=200),
    ("POST", "/api/v1/employees"): api({"employer_id": "A", "first_name": "Intrus",
                                        "last_name": "Bravo", "phone": "0612345678"},
                                       status=422, scoped=422),
    ("GET", "/api/v1/employees/<int:employee_id>"): api(),
    ("PATCH", "/api/v1/employees/<int:employee_id>"): api({"last_name": "Piraté"}),
    ("POST", "/api/v1/employees/<int:employee_id>/return"): api({"return_date": "2026-12-01"}),
    ("GET", "/api/v1/employees/<int:employee_id>/obligations"): api(as_of="2026-11-23"),
    ("GET", "/api/v1/employees/<int:employee_id>/arrets"): api(),
    ("POST", "/api/v1/employees/<int:employee_id>/arrets"): api(
        {"cause": "maladie", "start": "2027-01-04", "end": "2027-01-29"}),
    ("GET", "/api/v1/arrets/<int:arret_id>"): api(),
    ("PATCH", "/api/v1/arrets/<int:arret_id>"): api({"end": "2026-12-30"}),
    ("DELETE", "/api/v1/arrets/<int:arret_id>"): api(),
    # The workflows.
    ("POST", "/api/v1/employees/<int:employee_id>/liaison"): api({"initiated_by": "employer"}),
    ("POST", "/api/v1/employees/<int:employee_id>/pre-reprise"): api(
        {"share_with_employer": True}, scoped=SPST_ONLY),
    ("GET", "/api/v1/employees/<int:employee_id>/procedures"): api(),
    ("GET", "/api/v1/procedures/<int:procedure_id>"): api(),
    ("POST", "/api/v1/procedures/<int:procedure_id>/answer"): api({"accept": True}),
    ("POST", "/api/v1/procedures/<int:procedure_id>/confirm"): api(APPOINTMENT),
    ("POST", "/api/v1/procedures/<int:procedure_id>/appointment"): api(APPOINTMENT),
    ("POST", "/api/v1/procedures/<int:procedure_id>/reschedule"): api(APPOINTMENT),
    ("POST", "/api/v1/procedures/<int:procedure_id>/consent"): api({"referent_handicap": True},
                                                                 scoped=SPST_ONLY),
    ("POST", "/api/v1/procedures/<int:procedure_id>/cancel"): api(),
    ("GET", "/api/v1/settings"): api(status=200, scoped=SPST_ONLY),
    ("PATCH", "/api/v1/settings"): api({"meeting_minutes": 45}, status=200, scoped=SPST_ONLY),
    ("GET", "/api/v1/dashboard"): api(status=200, scoped=SPST_ONLY),
    # Privacy: the right of access and the right to erasure, the audit log.
    ("GET", "/api/v1/employees/<int:employee_id>/export"): api(scoped=SPST_ONLY),
    ("POST", "/api/v1/employees/<int:employee_id>/erase"): api(scoped=SPST_ONLY),
    ("GET", "/api/v1/audit"): api(status=200, scoped=SPST_ONLY, employee_id="A"),
    # The notifier's forwarded SMS answers.
    ("POST", "/internal/v1/replies"): SERVICE,
    # The employee's and the employer's links.
    ("GET", "/e/<token>"): LINK,
    ("GET", "/e/<token>/agenda"): LINK,
    ("POST", "/e/<token>/reponse"): Access(Kind.LINK, {"reponse": "refuser"}),
    ("POST", "/e/<token>/choix"): Access(Kind.LINK, {"referent_handicap": "oui"}),
    ("POST", "/e/<token>/pre-reprise"): Access(Kind.LINK, {"partage_employeur": "oui"}),
    ("POST", "/e/<token>/pre-reprise/partage"): Access(Kind.LINK, {"partage_employeur": "oui"}),
    ("GET", "/l/<token>"): LINK,
    ("POST", "/l/<token>/confirmer"): Access(Kind.LINK, {"creneau": "autre",
                                                         "date": "2026-12-02", "heure": "10:00",
                                                         "mode": "remote"}),
    # The planner's pages.
    ("GET", "/planner"): Access(Kind.PLANNER, status=200),
    ("GET", "/planner/export.csv"): Access(Kind.PLANNER, status=200),
    ("GET", "/planner/procedures/<int:procedure_id>"): Access(Kind.PLANNER),
    ("POST", "/planner/procedures/<int:procedure_id>/date"): Access(
        Kind.PLANNER, {"date": "2026-12-02", "heure": "10:00", "mode": "remote"}),
    ("POST", "/planner/agenda/lien"): Access(Kind.PLANNER, {}, status=200),
    # Only the caller's own session.
    ("GET", "/planner/connexion"): OPEN,
    ("POST", "/planner/connexion"): Access(Kind.OPEN, {"email": "planif@alpha.example.fr",
                                                       "password": "devine"}, status=401),
    ("POST", "/planner/deconnexion"): Access(Kind.OPEN, {}, status=302),
    # The stateless calculator: nothing stored, nothing read.
    ("POST", "/api/v1/evaluate"): Access(Kind.OPEN, {}, status=200),
    ("POST", "/api/v1/evaluate/crpe"): Access(Kind.OPEN, {}, status=422),
    ("POST", "/api/v1/evaluate/essai-encadre"): Access(Kind.OPEN, {}, status=422),
    # Health, documents, metrics (behind the service token in production) and files.
    ("GET", "/healthz"): OPEN,
    ("GET", "/readyz"): OPEN,
    ("GET", "/metrics"): OPEN,
    ("GET", "/api/v1/openapi.json"): OPEN,
    ("GET", "/api/v1/docs"): OPEN,
    ("GET", "/static/<path:filename>"): Access(Kind.OPEN, status=404),
    ("GET", "/static/pages/<path:filename>"): OPEN,
    ("GET", "/static/system/<path:filename>"): OPEN,
}

NOTIFIER: dict[tuple[str, str], Access] = {
    ("POST", "/api/v1/notifications"): SERVICE,
    ("GET", "/api/v1/notifications/<notification_id>"): SERVICE,
    ("POST", "/api/v1/notifications/<notification_id>/cancel"): SERVICE,
    ("POST", "/webhooks/twilio/status"): Access(Kind.SIGNED, status=403),
    ("POST", "/webhooks/twilio/inbound"): Access(Kind.SIGNED, status=403),
    ("POST", "/internal/v1/erasures"): SERVICE,
    ("GET", "/dev/outbox"): Access(Kind.DEVELOPMENT),
    ("GET", "/healthz"): OPEN,
    ("GET", "/readyz"): OPEN,
    ("GET", "/metrics"): OPEN,
    ("GET", "/api/v1/openapi.json"): OPEN,
    ("GET", "/api/v1/docs"): OPEN,
    ("GET", "/static/<path:filename>"): Access(Kind.OPEN, status=404),
    ("GET", "/static/system/<path:filename>"): OPEN,
}

CALENDAR: dict[tuple[str, str], Access] = {
    ("PUT", "/api/v1/events/<uid>"): SERVICE,
    ("GET", "/api/v1/events/<uid>"): SERVICE,
    ("DELETE", "/api/v1/events/<uid>"): SERVICE,
    ("GET", "/api/v1/events/<uid>.ics"): SERVICE,
    ("POST", "/api/v1/events/<uid>/links"): SERVICE,
    ("POST", "/api/v1/planners"): SERVICE,
    ("GET", "/api/v1/planners/<int:planner_id>"): SERVICE,
    ("GET", "/api/v1/planners/<int:planner_id>/busy"): SERVICE,
    ("PUT", "/api/v1/planners/<int:planner_id>/caldav"): SERVICE,
    ("POST", "/api/v1/planners/<int:planner_id>/feed-token"): SERVICE,
    ("DELETE", "/api/v1/planners/<int:planner_id>/feed-token"): SERVICE,
    ("POST", "/internal/v1/erasures"): SERVICE,
    ("GET", "/feeds/<token>.ics"): Access(Kind.CAPABILITY),
    ("GET", "/i/<token>.ics"): Access(Kind.CAPABILITY),
    ("GET", "/healthz"): OPEN,
    ("GET", "/readyz"): OPEN,
    ("GET", "/metrics"): OPEN,
    ("GET", "/api/v1/openapi.json"): OPEN,
    ("GET", "/api/v1/docs"): OPEN,
    ("GET", "/static/<path:filename>"): Access(Kind.OPEN, status=404),
    ("GET", "/static/system/<path:filename>"): OPEN,
}

STATIC_FILES = {"/static/<path:filename>": "nothing.css",
                "/static/pages/<path:filename>": "relais.css",
                "/static/system/<path:filename>": "api_docs.css"}
_ARGUMENT = re.compile(r"<(?:[a-z]+:)?([a-z_]+)>")


def routes(app: Flask) -> Iterator[tuple[tuple[str, str], Rule]]:
    """Every (method, rule) of the app, HEAD and OPTIONS aside (Flask answers those)."""
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            yield (method, rule.rule), rule


def url(rule: str, values: dict[str, Any]) -> str:
    return _ARGUMENT.sub(lambda m: str(values[m.group(1)]), rule)


def check_table(app: Flask, table: dict[tuple[str, str], Access]) -> None:
    walked = {key for key, _ in routes(app)}
    assert not walked - set(table), f"routes sans décision d'accès : {sorted(walked - set(table))}"
    assert not set(table) - walked, f"routes disparues : {sorted(set(table) - walked)}"


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


# -- scheduler ----------------------------------------------------------------------


def _api_body(access: Access, victim: Spst) -> dict[str, Any] | None:
    """The route's body, with "A" standing for the victim's own value of the field."""
    if access.body is None:
        return None
    own = {"employer_id": victim.case.employer_id, "siret": victim.siret}
    return {k: own[k] if v == "A" else v for k, v in access.body.items()}


def _call_api(client: FlaskClient, method: str, rule: str, access: Access, victim: Spst,
              secret: str) -> TestResponse:
    query = {k: victim.ids[k] if v == "A" else v for k, v in access.query.items()}
    return client.open(url(rule, victim.ids), method=method, headers=bearer(secret),
                       json=_api_body(access, victim), query_string=query)


def _check_api(client: FlaskClient, key: tuple[str, str], access: Access, victim: Spst,
               attacker: Spst) -> None:
    method, rule = key
    for secret, status, who in ((attacker.tenant.key, access.status, "autre SPST"),
                                (victim.employer_key, access.scoped, "autre employeur")):
        answer = _call_api(client, method, rule, access, victim, secret)
        assert answer.status_code == status, (key, who, answer.json)
        # What the caller sent may come back (B registering the same company), nothing else.
        assert_no_leak(answer, victim, (key, who), sent=_api_body(access, victim))
        if status == 404:
            assert answer.json["error"]["code"] == "not_found", (key, who)
        if status == SPST_ONLY:
            assert answer.json["error"]["code"] == "forbidden", (key, who)


def _forged(case_id: int, role: Role) -> str:
    """A token naming ``case_id``, signed with a secret that is not the deployment's."""
    return LinkSigner("un autre secret", "http://x").token(case_id, role, 0)


def _swapped(token: str, case_id: int) -> str:
    """``token`` with the case id of its payload replaced (the signature no longer holds)."""
    other = URLSafeTimedSerializer("x", salt="y").dumps({"c": case_id, "v": 0})
    return other.split(".", 1)[0] + "." + token.split(".", 1)[1]


def _check_link(client: FlaskClient, key: tuple[str, str], access: Access, victim: Spst,
                attacker: Spst) -> None:
    method, rule = key
    role = Role.EMPLOYEE if rule.startswith("/e/") else Role.EMPLOYER
    other_role = Role.EMPLOYER if role is Role.EMPLOYEE else Role.EMPLOYEE
    csrf = {"csrf_token": csrf_of(client.get(attacker.case.employee_url))}
    refused = {
        "rôle croisé": victim.case.token(other_role),
        "signature étrangère": _forged(victim.case.procedure_id, role),
        "dossier substitué": _swapped(attacker.case.token(role), victim.case.procedure_id),
    }
    for how, token in refused.items():
        data = None if access.body is None else {**csrf, **access.body}
        answer = client.open(url(rule, {"token": token}), method=method, data=data)
        assert answer.status_code == 404, (key, how)
        assert answer.mimetype == "text/html"
        assert_no_leak(answer, victim, (key, how))
    if method == "GET":
        answer = client.get(url(rule, {"token": attacker.case.token(role)}))
        assert answer.status_code in (200, 303, 404), key
        assert_no_leak(answer, victim, (key, "son propre lien"))


def _check_planner(key: tuple[str, str], access: Access, victim: Spst, attacker: Spst,
                   calendar: FakeCalendar) -> None:
    method, rule = key
    client = attacker.planner.client
    data = None
    if method == "POST":
        data = {"csrf_token": csrf_of(client.get("/planner")), **(access.body or {})}
    answer = client.open(url(rule, victim.ids), method=method, data=data)
    assert answer.status_code == access.status, key
    assert_no_leak(answer, victim, key)
    if rule == "/planner/agenda/lien":
        assert ("feed", 11) not in calendar.calls  # A's planner's calendar id
        assert ("feed", 22) in calendar.calls


def _dated(*spsts: Spst) -> None:
    """Give each case a confirmed date, so that the dashboards list them."""
    for spst in spsts:
        spst.case.accept()
        spst.case.confirm_first_slot()


def test_scheduler_routes_deny_another_tenant(scheduler_app: Flask, spst_a: Spst, spst_b: Spst,
                                              calendar: FakeCalendar) -> None:
    check_table(scheduler_app, SCHEDULER)
    _dated(spst_a, spst_b)
    assert spst_a.planner and spst_b.planner  # both logged in before the snapshot
    before = spst_a.rows()
    client = scheduler_app.test_client()
    for key, _rule in routes(scheduler_app):
        access = SCHEDULER[key]
        method, rule = key
        if access.kind is Kind.API:
            _check_api(client, key, access, spst_a, spst_b)
        elif access.kind is Kind.LINK:
            _check_link(client, key, access, spst_a, spst_b)
        elif access.kind is Kind.PLANNER:
            _check_planner(key, access, spst_a, spst_b, calendar)
        elif access.kind is Kind.SERVICE:
            for headers in (bearer(spst_b.tenant.key), bearer(spst_a.tenant.key), {}):
                answer = client.open(rule, method=method, headers=headers,
                                     json={"phone": "+33612345678", "answer": "no",
                                           "idempotency_key": "cle-de-test-1"})
                assert answer.status_code == 401, (key, headers)
        else:
            assert access.kind is Kind.OPEN, key
            anonymous = scheduler_app.test_client()
            page = url(rule, {"filename": STATIC_FILES.get(rule, "")})
            if method == "POST" and rule.startswith("/planner/"):
                data = {"csrf_token": csrf_of(anonymous.get("/planner/connexion")),
                        **(access.body or {})}
                answer = anonymous.post(page, data=data)
            else:
                answer = anonymous.open(page, method=method, json=access.body)
            assert answer.status_code == access.status, key
            assert_no_leak(answer, spst_a, key)
            answer.close()
    assert spst_a.rows() == before
    assert spst_a.planner.client.get("/planner").status_code == 200


def test_the_planner_pages_list_the_planner_s_spst_only(spst_a: Spst, spst_b: Spst) -> None:
    """B's dashboard and export do show B's case: the walk's silence is not emptiness."""
    _dated(spst_a, spst_b)
    for path in ("/planner", "/planner/export.csv"):
        answer = spst_b.planner.client.get(path)
        assert spst_b.marks[0] in answer.get_data(as_text=True), path
        assert_no_leak(answer, spst_a, path)
    own = spst_a.tenant.get(f"/api/v1/employees/{spst_a.case.employee_id}")
    assert own.status_code == 200 and spst_a.marks[0] in own.get_data(as_text=True)


# -- notifier and calendar: the scheduler's service token only -----------------------


def _check_untenanted(app: Flask, table: dict[tuple[str, str], Access],
                      values: dict[str, Any], marks: tuple[str, ...]) -> None:
    check_table(app, table)
    client = app.test_client()
    tenant_key = api_keys.new_secret()
    for key, _rule in routes(app):
        method, rule = key
        access = table[key]
        path = url(rule, {**values, "filename": STATIC_FILES.get(rule, "")})
        if access.kind is Kind.SERVICE:
            attempts: list[dict[str, str]] = [bearer(tenant_key), {},
                                              bearer(DEV_SERVICE_TOKEN + "x")]
            for headers in attempts:
                answer = client.open(path, method=method, headers=headers, json={})
                assert answer.status_code == 401, (key, headers)
                assert answer.json["error"]["code"] == "unauthorized"
                text = answer.get_data(as_text=True)
                assert not any(mark in text for mark in marks), key
            continue
        if access.kind is Kind.SIGNED:
            answer = client.post(path, headers=bearer(DEV_SERVICE_TOKEN),
                                 data={"MessageSid": "SM" + "1" * 32, "MessageStatus": "failed",
                                       "From": "+33612345678", "Body": "STOP"})
        elif access.kind is Kind.CAPABILITY:
            answer = client.get(path, headers=bearer(DEV_SERVICE_TOKEN))
        else:
            answer = client.open(path, method=method)
        assert answer.status_code == access.status, key
        text = answer.get_data(as_text=True)
        assert not any(mark in text for mark in marks), key
        answer.close()


def test_notifier_routes_need_the_service_token(notifier_app: Flask) -> None:
    client = notifier_app.test_client()
    created = client.post("/api/v1/notifications", headers=bearer(DEV_SERVICE_TOKEN), json={
        "channel": "email", "to": "marie.alphaine@alpha.example.fr",
        "template": "liaison_confirmed", "idempotency_key": "cle-alpha-0001",
        "data": EXAMPLES["liaison_confirmed"]})
    assert created.status_code in (201, 202), created.json
    _check_untenanted(notifier_app, NOTIFIER, {"notification_id": created.json["id"]},
                      ("alphaine",))


def test_calendar_routes_need_the_service_token(calendar_app: Flask) -> None:
    from tests.integration.calendar.conftest import Api

    api = Api(calendar_app.test_client())
    planner_id = api.planner("Paule Alpha")
    api.event("alpha-1", summary="Rendez-vous de Marie Alphaine", planner_id=planner_id)
    forged = URLSafeTimedSerializer("un autre secret", salt="relais-calendar-invite").dumps(
        {"uid": "alpha-1"})
    _check_untenanted(calendar_app, CALENDAR,
                      {"uid": "alpha-1", "planner_id": planner_id, "token": forged},
                      ("Alphaine", "Paule Alpha"))
