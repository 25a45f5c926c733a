"""Fixtures of the stored cases: two SPSTs with their keys, and sample data.

``tenant_a`` and ``tenant_b`` are created through the service layer (the CLI
has its own tests); each wraps the test client with its key.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from stdnum import luhn
from werkzeug.test import TestResponse

from services.scheduler.adapters.repository import KeyRepository
from services.scheduler.service_layer import api_keys, tenants
from shared.web import database


def make_siret(seed: int) -> str:
    """A valid SIRET: a SIREN with its Luhn key, then a NIC completing the Luhn key."""
    siren = f"{seed:08d}"
    siren += luhn.calc_check_digit(siren)
    base = siren + "0001"
    return base + luhn.calc_check_digit(base)


@dataclass
class Tenant:
    """An SPST seen through the API with its own key."""

    spst_id: int
    key: str
    client: FlaskClient
    sirets: Iterator[int] = field(default_factory=lambda: iter(range(10_000_000, 99_999_999)))

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}

    def get(self, url: str, **kwargs: Any) -> TestResponse:
        return self.client.get(url, headers=self._headers(), **kwargs)

    def post(self, url: str, json: Any = None) -> TestResponse:
        return self.client.post(url, headers=self._headers(), json=json)

    def patch(self, url: str, json: Any = None) -> TestResponse:
        return self.client.patch(url, headers=self._headers(), json=json)

    def delete(self, url: str) -> TestResponse:
        return self.client.delete(url, headers=self._headers())

    def send(self, method: str, url: str, json: Any = None) -> TestResponse:
        return self.client.open(url, method=method, headers=self._headers(), json=json)

    # -- sample data, checked on the way ------------------------------------

    def employer(self, **fields: Any) -> dict[str, Any]:
        body = {"name": "Boulangerie Martin", "siret": make_siret(next(self.sirets)),
                "headcount": 12, **fields}
        answer = self.post("/api/v1/employers", body)
        assert answer.status_code == 201, answer.json
        result: dict[str, Any] = answer.json
        return result

    def employee(self, employer_id: int, **fields: Any) -> dict[str, Any]:
        body = {"employer_id": employer_id, "first_name": "Marie", "last_name": "Dupont",
                "phone": "06 12 34 56 78", **fields}
        answer = self.post("/api/v1/employees", body)
        assert answer.status_code == 201, answer.json
        result: dict[str, Any] = answer.json
        return result

    def arret(self, employee_id: int, cause: str = "maladie", start: str = "2025-03-03",
              end: str = "2025-03-31") -> dict[str, Any]:
        answer = self.post(f"/api/v1/employees/{employee_id}/arrets",
                           {"cause": cause, "start": start, "end": end})
        assert answer.status_code == 201, answer.json
        result: dict[str, Any] = answer.json
        return result


def make_tenant(app: Flask, name: str) -> Tenant:
    with database(app).session() as session:
        keys = KeyRepository(session)
        spst = tenants.create_spst(keys, name)
        issued = api_keys.issue(keys, spst.id, "tests")
    return Tenant(spst.id, issued.secret, app.test_client())


@pytest.fixture
def tenant_a(scheduler_app: Flask) -> Tenant:
    return make_tenant(scheduler_app, "SPST Alpha")


@pytest.fixture
def tenant_b(scheduler_app: Flask) -> Tenant:
    return make_tenant(scheduler_app, "SPST Bêta")
