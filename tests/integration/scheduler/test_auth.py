"""Every cases route needs a valid, unrevoked key: otherwise 401 in JSON."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.conftest import DatabaseFactory, make_app_fixture
from tests.integration.scheduler.conftest import Tenant, make_tenant


@pytest.mark.parametrize("header", [
    None,
    "",
    "Bearer",
    "Bearer ",
    "Basic dXNlcjpwYXNz",
    "Bearer rk_nope",
    "Bearer not-even-a-relais-key",
    "Bearer rk_" + "x" * 500,
])
def test_missing_or_invalid_keys_get_401_json(scheduler_app: Flask, tenant_a: Tenant,
                                             header: str | None) -> None:
    headers = {} if header is None else {"Authorization": header}
    answer = scheduler_app.test_client().get("/api/v1/employers", headers=headers)
    assert answer.status_code == 401
    assert answer.json["error"]["code"] == "unauthorized"
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_valid_key_with_another_scheme_case_still_works(tenant_a: Tenant) -> None:
    answer = tenant_a.client.get("/api/v1/employers",
                                 headers={"Authorization": f"bearer {tenant_a.key}"})
    assert answer.status_code == 200


def test_auth_comes_before_validation(scheduler_app: Flask) -> None:
    answer = scheduler_app.test_client().post("/api/v1/employers", json={"diagnosis": "x"})
    assert answer.status_code == 401


def test_every_cases_route_requires_a_key(scheduler_app: Flask, tenant_a: Tenant) -> None:
    employer = tenant_a.employer()
    employee = tenant_a.employee(employer["id"])
    arret = tenant_a.arret(employee["id"])
    ids = {"employer_id": employer["id"], "employee_id": employee["id"], "arret_id": arret["id"]}
    client = scheduler_app.test_client()
    rules = [r for r in scheduler_app.url_map.iter_rules() if r.endpoint.startswith("cases.")]
    assert len(rules) >= 10
    for rule in rules:
        url = rule.rule
        for name in rule.arguments:
            url = url.replace(f"<int:{name}>", str(ids[name]))
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            answer = client.open(url, method=method, json={})
            assert answer.status_code == 401, (method, url)


def test_cases_routes_are_rate_limited_per_key(
        request: pytest.FixtureRequest, database_factory: DatabaseFactory, db_backend: str) -> None:
    from services.scheduler.adapters.orm import metadata
    from services.scheduler.app import MIGRATIONS, create_app

    apps = make_app_fixture(request, database_factory, "scheduler", create_app, MIGRATIONS,
                            metadata, db_backend,
                            {"RATELIMIT_ENABLED": True, "API_RATE_LIMIT": "2/minute"})
    app = next(apps)
    try:
        tenant = make_tenant(app, "SPST Limité")
        statuses = [tenant.get("/api/v1/employers").status_code for _ in range(3)]
        assert statuses == [200, 200, 429]
    finally:
        next(apps, None)
