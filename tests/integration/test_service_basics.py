"""Every service: health, readiness, OpenAPI document, docs page, JSON errors.

Run on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from importlib import import_module

import pytest
from flask import Flask

from tests.conftest import DatabaseFactory, make_app_fixture

SERVICES = ["scheduler", "notifier", "calendar"]


@pytest.fixture(params=SERVICES)
def service_app(request: pytest.FixtureRequest, database_factory: DatabaseFactory,
                db_backend: str) -> Iterator[Flask]:
    module = import_module(f"services.{request.param}.app")
    orm = import_module(f"services.{request.param}.adapters.orm")
    yield from make_app_fixture(request, database_factory, request.param, module.create_app,
                                module.MIGRATIONS, orm.metadata, db_backend)


def test_healthz_says_alive(service_app: Flask) -> None:
    answer = service_app.test_client().get("/healthz")
    assert answer.status_code == 200
    assert answer.json == {"status": "ok", "service": service_app.config["SERVICE_NAME"]}


def test_readyz_checks_the_database(service_app: Flask) -> None:
    answer = service_app.test_client().get("/readyz")
    assert answer.status_code == 200
    assert answer.json["database"] == "ok"


def test_openapi_document_and_docs_page(service_app: Flask) -> None:
    client = service_app.test_client()
    spec = client.get("/api/v1/openapi.json")
    assert spec.status_code == 200
    assert spec.json["openapi"].startswith("3.")
    assert spec.json["info"]["title"] == f"Relais {service_app.config['SERVICE_NAME']}"
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    assert page.mimetype == "text/html"
    assert b"openapi.json" in page.data
    assert page.headers["Content-Security-Policy"].find("frame-ancestors 'none'") >= 0


def test_unknown_route_answers_json_404(service_app: Flask) -> None:
    answer = service_app.test_client().get("/api/v1/nope")
    assert answer.status_code == 404
    assert answer.json["error"]["code"] == "not_found"


@pytest.mark.parametrize("service", SERVICES)
def test_readyz_reports_an_unreachable_database(service: str) -> None:
    module = import_module(f"services.{service}.app")
    app = module.create_app({"TESTING": True, "RELAIS_ENV": "test",
                             "DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:9/none"})
    answer = app.test_client().get("/readyz")
    assert answer.status_code == 503
    assert answer.json == {"status": "unavailable", "database": "unreachable"}
