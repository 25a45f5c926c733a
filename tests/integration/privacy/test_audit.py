"""The audit log records who saw or changed what: ids and codes, never a personal value."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import func, select

from services.scheduler.adapters.links import Role
from services.scheduler.adapters.orm import AuditEntry, Employee
from services.scheduler.adapters.repository import CasesRepository, KeyRepository
from services.scheduler.entrypoints.pages import accounts
from services.scheduler.service_layer import api_keys, audit
from shared.web import database
from tests.integration.privacy.conftest import Stack
from tests.integration.privacy.workflow import MARIE_EMAIL, run
from tests.integration.scheduler.conftest import Tenant, make_tenant
from tests.integration.scheduler.pages.conftest import PASSWORD, post_form


def _key_id(stack: Stack, tenant: Tenant) -> str:
    with database(stack.scheduler).session() as session:
        key = KeyRepository(session).key_with_hash(api_keys.digest(tenant.key))
        assert key is not None
        return str(key.id)


def _trail(tenant: Tenant, employee_id: int | None = None) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = "limit=50" + (f"&employee_id={employee_id}" if employee_id else "") + \
            (f"&cursor={cursor}" if cursor else "")
        page = tenant.get(f"/api/v1/audit?{query}")
        assert page.status_code == 200, page.json
        items += page.json["items"]
        cursor = page.json["next_cursor"]
        if cursor is None:
            return items


def _summary(entries: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [(e["action"], e["object_type"], e["detail"]) for e in entries]


def test_changes_are_logged_with_the_key_the_request_and_the_fields_not_their_values(
        stack: Stack) -> None:
    spst = stack.spst
    employer = spst.employer()
    created = spst.client.post("/api/v1/employees", headers={
        "Authorization": f"Bearer {spst.key}", "X-Request-ID": "req-creation-42"}, json={
        "employer_id": employer["id"], "first_name": "Marie", "last_name": "Dupont",
        "phone": "06 12 34 56 78"})
    assert created.status_code == 201
    assert created.headers["X-Request-ID"] == "req-creation-42"
    employee = created.json["id"]
    arret = spst.arret(employee)
    changed = spst.patch(f"/api/v1/employees/{employee}", {"email": MARIE_EMAIL,
                                                           "phone": None})
    assert changed.status_code == 200
    assert spst.send("DELETE", f"/api/v1/arrets/{arret['id']}").status_code == 204

    trail = _trail(spst, employee)
    assert _summary(trail) == [("create", "employee", None), ("create", "arret", None),
                               ("update", "employee", "email,phone"),
                               ("delete", "arret", None)]
    key = _key_id(stack, spst)
    assert {(e["actor_type"], e["actor_id"]) for e in trail} == {("api_key", key)}
    assert trail[0]["request_id"] == "req-creation-42" and trail[0]["object_id"] == employee
    assert len({e["request_id"] for e in trail}) == 4  # one request each, ids made up
    assert trail[1]["object_id"] == arret["id"]
    text = json.dumps(_trail(spst))
    for value in ("Marie", "Dupont", "612345678", "marie.dupont", "maladie", "2025-03"):
        assert value not in text, value


def test_an_entry_commits_or_rolls_back_with_its_change(stack: Stack) -> None:
    employer = stack.spst.employer()

    def count() -> int:
        with database(stack.scheduler).session() as session:
            return int(session.scalar(select(func.count()).select_from(AuditEntry)) or 0)

    before = count()
    with pytest.raises(RuntimeError), database(stack.scheduler).session() as session:
        cases = CasesRepository(session, stack.spst.spst_id)
        cases.add(Employee(employer_id=employer["id"], first_name="Luc", last_name="Petit",
                           phone="+33698765432"))
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == before + 1
        raise RuntimeError("la requête échoue après l'écriture")
    assert count() == before
    with audit.acting(audit.Actor("system", "essai")), \
            database(stack.scheduler).session() as session:
        CasesRepository(session, stack.spst.spst_id).add(Employee(
            employer_id=employer["id"], first_name="Luc", last_name="Petit",
            phone="+33698765432"))
    last = _trail(stack.spst)[-1]
    assert (last["action"], last["actor_type"], last["actor_id"]) == ("create", "system",
                                                                      "essai")


def test_reads_of_personal_data_are_logged_for_keys_links_and_planners(stack: Stack) -> None:
    story = run(stack)
    spst = stack.spst
    seen_from = len(_trail(spst))
    for url in (f"/api/v1/employees/{story.marie}", "/api/v1/employees",
                f"/api/v1/employees/{story.marie}/arrets",
                f"/api/v1/employees/{story.marie}/procedures",
                f"/api/v1/employees/{story.marie}/obligations",
                f"/api/v1/procedures/{story.liaison}", "/api/v1/dashboard",
                "/api/v1/settings", "/api/v1/employees/999999"):
        spst.get(url)
    client = stack.scheduler.test_client()
    assert client.get(stack.link(story.liaison, Role.EMPLOYER)).status_code == 200
    assert client.get(stack.link(story.liaison, Role.EMPLOYEE)).status_code == 200
    with database(stack.scheduler).session() as session:
        planner = accounts.create_planner(session, spst.spst_id, "planif@spst-alpha.fr",
                                          "Paule Planning", PASSWORD)
    answer = post_form(client, "/planner/connexion", "/planner/connexion",
                       {"email": "planif@spst-alpha.fr", "password": PASSWORD})
    assert answer.status_code == 302
    assert client.get(f"/planner/procedures/{story.reprise}").status_code == 200
    assert client.get("/planner").status_code == 200

    reads = [e for e in _trail(spst)[seen_from:] if e["action"] == "read"]
    key = _key_id(stack, spst)
    found = [(e["actor_type"], e["actor_id"], e["object_type"], e["object_id"],
              e["employee_id"]) for e in reads]
    api = [f for f in found if f[0] == "api_key"]
    assert ("api_key", key, "employee", story.marie, story.marie) in api
    assert {("api_key", key, "employee", i, i) for i in (story.marie, story.jean)} <= set(api)
    assert ("api_key", key, "procedure", story.liaison, story.marie) in api
    assert ("api_key", key, "dashboard", None, None) in api
    assert {f[2] for f in api} == {"employee", "arret", "procedure", "dashboard"}
    assert ("link", "employer", "procedure", story.liaison, story.marie) in found
    assert ("link", "employee", "procedure", story.liaison, story.marie) in found
    assert ("planner", str(planner.id), "procedure", story.reprise, story.jean) in found
    assert ("planner", str(planner.id), "dashboard", None, None) in found
    assert not any(f[3] == 999999 for f in found)  # a 404 shows nothing


def test_the_worker_and_the_peers_are_named_and_each_spst_reads_only_its_own(
        stack: Stack) -> None:
    story = run(stack)
    trail = _trail(stack.spst, story.marie)
    actors = {(e["actor_type"], e["actor_id"], e["action"], e["object_type"]) for e in trail}
    assert ("system", "scheduler", "create", "procedure") in actors  # the daily sweep
    assert ("service", "notifier", "update", "procedure") in actors  # the SMS answer
    assert ("system", "scheduler", "create", "message") in actors
    messages = [e for e in trail if e["object_type"] == "message"]
    assert messages and all(e["employee_id"] == story.marie for e in messages)
    assert all(e["detail"] and ":" in e["detail"] for e in messages)
    other = make_tenant(stack.scheduler, "SPST Bêta")
    assert _trail(other) == [] and _trail(other, story.marie) == []
    text = json.dumps(_trail(stack.spst))
    for value in ("Marie", "Dupont", "Jean", "612345678", MARIE_EMAIL, "boulangerie",
                  "maladie", "accident"):
        assert value not in text, value
