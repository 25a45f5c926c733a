"""Property-based fuzzing of the three OpenAPI documents with Schemathesis.

Each service's document is read from its own Flask app (``/api/v1/openapi.json``)
and every documented operation is called in-process (WSGI) with requests
generated from it, valid ones and invalid ones (wrong types, missing or unknown
fields, out-of-range values). Every answer must:

* never be a 5xx (bad input gets a 4xx naming the field);
* have a documented status code;
* have a documented content type;
* match the documented schema, error answers included.

SQLite is enough here: what is fuzzed is the HTTP layer (parsing, validation,
error shapes, documentation), which does not depend on the database; both
backends are covered by the services' own tests. Runs are derandomized, so CI
sees the same requests every time, and bounded (``MAX_EXAMPLES`` per
operation). Each app is seeded with one employer, employee, arrêt and open
liaison (or one planner and event, or one notification) so that small
generated ids reach real rows, not only 404s; the documents get examples (the
seeded event's uid, a Twilio form's fields) that the runs try first. The
Twilio webhooks are signed, as Twilio would, by a middleware that reads what
the app receives, so that their forms are fuzzed past the signature check.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import import_module
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings
from schemathesis import BaseSchema, Case
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from twilio.request_validator import RequestValidator
from werkzeug.wrappers import Request

from shared.config import DEV_SERVICE_TOKEN
from shared.web import database
from tests.conftest import DatabaseFactory, make_app_fixture

SERVICE = {"Authorization": f"Bearer {DEV_SERVICE_TOKEN}"}
TWILIO_TOKEN = "twilio-auth-token-for-fuzzing"

MAX_EXAMPLES = 25
#: Examples added to the documents, which the runs try first: generated strings seldom
#: hit the seeded event, or make a Twilio form that gets past its first field.
EXAMPLES = {"uid": "fuzz-1"}
FIELD_EXAMPLES = {"MessageSid": "SM" + "1" * 32, "MessageStatus": "delivered",
                  "From": "+33612345678", "Body": "OUI"}
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
FUZZ_SETTINGS = settings(
    max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                           HealthCheck.data_too_large],
)


@dataclass
class Fuzzed:
    """An app under fuzzing and, per security scheme, the headers of an allowed caller."""

    app: Flask
    credentials: dict[str, dict[str, str]]

    def headers(self, case: Case) -> dict[str, str]:
        headers: dict[str, str] = {}
        for requirement in case.operation.definition.raw.get("security", []):
            for scheme in requirement:
                headers |= self.credentials[scheme]
        return headers


class TwilioSigning:
    """Signs every webhook request as Twilio would, from what the app actually receives.

    The form is read from the raw body (then put back), so that whatever the
    generated body becomes on the wire, the signature matches it and the form
    itself gets fuzzed, past the signature check.
    """

    def __init__(self, wsgi_app: Any) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("PATH_INFO", "").startswith("/webhooks/twilio/"):
            body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            environ["wsgi.input"] = io.BytesIO(body)
            seen = Request({**environ, "wsgi.input": io.BytesIO(body)})
            environ["HTTP_X_TWILIO_SIGNATURE"] = RequestValidator(
                TWILIO_TOKEN).compute_signature(seen.url, seen.form)
        return self.wsgi_app(environ, start_response)


def document(service: str) -> BaseSchema:
    """The service's OpenAPI document, as its app serves it (no database is touched)."""
    app = import_module(f"services.{service}.app").create_app(
        {"TESTING": True, "RELAIS_ENV": "test", "DATABASE_URL": "sqlite://"})
    served = app.test_client().get("/api/v1/openapi.json")
    assert served.status_code == 200
    database(app).dispose()
    spec = served.json
    for operations in spec["paths"].values():
        for operation in operations.values():
            for parameter in operation["parameters"]:
                if parameter["name"] in EXAMPLES:
                    parameter["example"] = EXAMPLES[parameter["name"]]
    for schema in spec["components"]["schemas"].values():
        for name, field in schema.get("properties", {}).items():
            if name in FIELD_EXAMPLES:
                field["example"] = FIELD_EXAMPLES[name]
    return schemathesis.openapi.from_dict(spec)


def run(case: Case, fuzzed: Fuzzed) -> None:
    case.call_and_validate(app=fuzzed.app, headers=fuzzed.headers(case), checks=CHECKS)


# -- scheduler ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def scheduler_fuzzed(request: pytest.FixtureRequest,
                     database_factory: DatabaseFactory) -> Iterator[Fuzzed]:
    from services.scheduler.adapters.orm import metadata
    from services.scheduler.app import MIGRATIONS, create_app
    from tests.integration.scheduler.conftest import make_tenant
    from tests.integration.scheduler.workflows.conftest import MONDAY, Clock, FakePeers

    extra: dict[str, Any] = {"CLOCK": Clock(MONDAY), "PEERS": FakePeers()}
    for app in make_app_fixture(request, database_factory, "scheduler", create_app,
                                MIGRATIONS, metadata, "sqlite", extra=extra):
        tenant = make_tenant(app, "SPST Fuzz")
        employer = tenant.employer()
        employee = tenant.employee(employer["id"])
        tenant.arret(employee["id"], start="2025-02-03", end="2025-06-30")
        opened = tenant.post(f"/api/v1/employees/{employee['id']}/liaison",
                             {"initiated_by": "employer"})
        assert opened.status_code == 201, opened.json
        yield Fuzzed(app, {"api_key": {"Authorization": f"Bearer {tenant.key}"},
                           "service": SERVICE})


scheduler = document("scheduler")


@scheduler.parametrize()
@FUZZ_SETTINGS
def test_scheduler_api(case: Case, scheduler_fuzzed: Fuzzed) -> None:
    run(case, scheduler_fuzzed)


# -- notifier -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def notifier_fuzzed(request: pytest.FixtureRequest,
                    database_factory: DatabaseFactory) -> Iterator[Fuzzed]:
    from services.notifier.adapters.orm import metadata
    from services.notifier.app import MIGRATIONS, create_app

    for app in make_app_fixture(request, database_factory, "notifier", create_app,
                                MIGRATIONS, metadata, "sqlite"):
        app.config.update(TWILIO_AUTH_TOKEN=TWILIO_TOKEN)
        app.wsgi_app = TwilioSigning(app.wsgi_app)  # type: ignore[method-assign]
        answer = app.test_client().post("/api/v1/notifications", headers=SERVICE, json={
            "channel": "sms", "to": "+33612345678", "template": "liaison_invitation",
            "idempotency_key": "fuzz-seed-0001", "data": {}})
        assert answer.status_code in (200, 202, 422), answer.json
        yield Fuzzed(app, {"service": SERVICE})


notifier = document("notifier")


@notifier.parametrize()
@FUZZ_SETTINGS
def test_notifier_api(case: Case, notifier_fuzzed: Fuzzed) -> None:
    run(case, notifier_fuzzed)


# -- calendar -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def calendar_fuzzed(request: pytest.FixtureRequest,
                    database_factory: DatabaseFactory) -> Iterator[Fuzzed]:
    from services.calendar.adapters.orm import metadata
    from services.calendar.app import MIGRATIONS, create_app
    from tests.integration.calendar.conftest import PUBLIC, Api, Clock, FakeCalendars

    extra: dict[str, Any] = {"CALENDAR_CLOCK": Clock(), "PUBLIC_BASE_URL": PUBLIC}
    for app in make_app_fixture(request, database_factory, "calendar", create_app,
                                MIGRATIONS, metadata, "sqlite", extra=extra):
        # No CalDAV server is ever reached: a fuzzed URL stays in memory.
        app.extensions["calendar_connect"] = FakeCalendars()
        api = Api(app.test_client())
        api.planner()
        api.event("fuzz-1")
        yield Fuzzed(app, {"service": SERVICE})


calendar = document("calendar")


@calendar.parametrize()
@FUZZ_SETTINGS
def test_calendar_api(case: Case, calendar_fuzzed: Fuzzed) -> None:
    run(case, calendar_fuzzed)


# -- what generated JSON cannot reach: unreadable, foreign, oversized bodies; 429 --------

#: Path parameters of the seeded rows, so that body errors are not hidden by a 404.
SEEDED = {"employer_id": 1, "employee_id": 1, "arret_id": 1, "procedure_id": 1,
          "planner_id": 1, "uid": "fuzz-1", "notification_id": "x"}
OVERSIZED = b'{"pad": "' + b"x" * (300 * 1024) + b'"}'
BAD_BODIES = {
    "unreadable": (b'{"as_of": ', "application/json", 400),
    "not_json": (b"as_of=2026-01-01", "text/plain", 415),
    "not_an_object": (b"[]", "application/json", 422),
    "oversized": (OVERSIZED, "application/json", 413),
}
DOCUMENTS = {"scheduler": scheduler, "notifier": notifier, "calendar": calendar}


def json_body_operations() -> list[Any]:
    """Every documented operation that reads a JSON body, with each bad body."""
    found = []
    for service, schema in DOCUMENTS.items():
        for path, methods in schema.raw_schema["paths"].items():
            for method, operation in methods.items():
                content = operation.get("requestBody", {}).get("content", {})
                if "application/json" in content:
                    found += [pytest.param(service, path, method, kind,
                                           id=f"{service} {method.upper()} {path} {kind}")
                              for kind in BAD_BODIES]
    return found


@pytest.mark.parametrize(("service", "path", "method", "kind"), json_body_operations())
def test_bad_body_gets_a_documented_4xx_naming_the_body(
    request: pytest.FixtureRequest, service: str, path: str, method: str, kind: str,
) -> None:
    fuzzed: Fuzzed = request.getfixturevalue(f"{service}_fuzzed")
    operation = DOCUMENTS[service][path][method.upper()]
    case = operation.Case(path_parameters={
        name: SEEDED[name] for name in SEEDED if "{" + name + "}" in path})
    data, content_type, status = BAD_BODIES[kind]
    answer = fuzzed.app.test_client().open(
        case.formatted_path, method=method.upper(), data=data,
        headers={**fuzzed.headers(case), "Content-Type": content_type})
    assert answer.status_code == status, answer.get_data(as_text=True)[:500]
    assert answer.json["error"]["field"] == "body"
    case.validate_response(answer, checks=CHECKS)


#: One rate-limited route per service, reached with a request that stops before the
#: database: the limit is counted first, so the second request answers 429.
RATE_LIMITED = [
    ("scheduler", "/api/v1/evaluate", "POST", "EVALUATE_RATE_LIMIT", {}),
    ("notifier", "/api/v1/notifications", "POST", "API_RATE_LIMIT", SERVICE),
    ("calendar", "/api/v1/events/{uid}", "PUT", "CALENDAR_API_RATE_LIMIT", SERVICE),
]


@pytest.mark.parametrize(("service", "path", "method", "setting", "headers"), RATE_LIMITED,
                         ids=[f"{s} {m} {p}" for s, p, m, _, _ in RATE_LIMITED])
def test_rate_limited_answer_is_documented(
    tmp_path: Any, service: str, path: str, method: str, setting: str,
    headers: dict[str, str],
) -> None:
    app = import_module(f"services.{service}.app").create_app({
        "TESTING": True, "RELAIS_ENV": "test", "DATABASE_URL": f"sqlite:///{tmp_path}/db",
        "RATELIMIT_ENABLED": True, setting: "1/minute"})
    operation = DOCUMENTS[service][path][method]
    case = operation.Case(path_parameters={"uid": "fuzz-1"} if "{uid}" in path else {})
    client = app.test_client()
    for _ in range(2):
        answer = client.open(case.formatted_path, method=method, data=b"-",
                             headers={**headers, "Content-Type": "text/plain"})
    database(app).dispose()
    assert answer.status_code == 429
    assert int(answer.headers["Retry-After"]) > 0
    case.validate_response(answer, checks=CHECKS)
