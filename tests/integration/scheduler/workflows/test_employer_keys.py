"""``flask create-api-key --employer ID``: a key that speaks for one employer only."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from services.scheduler.adapters.orm import ApiKey
from shared.web import database
from tests.integration.scheduler.conftest import Tenant, make_tenant
from tests.integration.scheduler.workflows.conftest import make_case


def test_the_cli_creates_an_employer_scoped_key(wf_app: Flask, spst: Tenant) -> None:
    mine, other = make_case(spst), make_case(spst)
    result = wf_app.test_cli_runner().invoke(args=[
        "create-api-key", "--spst", str(spst.spst_id), "--employer", str(mine.employer_id),
        "--label", "SIRH Boulangerie"])
    assert result.exit_code == 0, result.output
    secret = result.stdout.strip()
    assert secret.startswith("rk_")
    assert f"l'employeur {mine.employer_id}" in result.stderr
    with database(wf_app).session() as session:
        row = session.scalars(select(ApiKey).where(ApiKey.label == "SIRH Boulangerie")).one()
        assert (row.spst_id, row.employer_id) == (spst.spst_id, mine.employer_id)

    key = Tenant(spst.spst_id, secret, wf_app.test_client())
    assert [e["id"] for e in key.get("/api/v1/employers").json["items"]] == [mine.employer_id]
    assert [e["id"] for e in key.get("/api/v1/employees").json["items"]] == [mine.employee_id]
    assert key.get(f"/api/v1/employees/{other.employee_id}").status_code == 404
    # What only the SPST may do stays closed to it.
    assert key.get("/api/v1/settings").status_code == 403
    assert key.post(f"/api/v1/employees/{mine.employee_id}/pre-reprise", {}).status_code == 403


def test_without_employer_the_key_is_the_spst_s(wf_app: Flask, spst: Tenant) -> None:
    make_case(spst)
    make_case(spst)
    result = wf_app.test_cli_runner().invoke(args=["create-api-key", "--spst",
                                                   str(spst.spst_id)])
    assert result.exit_code == 0, result.output
    key = Tenant(spst.spst_id, result.stdout.strip(), wf_app.test_client())
    assert len(key.get("/api/v1/employees").json["items"]) == 2
    assert key.get("/api/v1/settings").status_code == 200


def test_an_employer_of_another_spst_or_unknown_is_refused(wf_app: Flask,
                                                           spst: Tenant) -> None:
    theirs = make_case(make_tenant(wf_app, "SPST Bêta"))
    runner = wf_app.test_cli_runner()
    for employer_id in (theirs.employer_id, 999_999):
        result = runner.invoke(args=["create-api-key", "--spst", str(spst.spst_id),
                                     "--employer", str(employer_id)])
        assert result.exit_code == 1, result.output
        assert f"employeur {employer_id} introuvable" in result.output
    for bad in ("0", "abc", str(2**31)):
        result = runner.invoke(args=["create-api-key", "--spst", str(spst.spst_id),
                                     "--employer", bad])
        assert result.exit_code == 2, (bad, result.output)
    with database(wf_app).session() as session:
        assert session.scalars(select(ApiKey).where(ApiKey.employer_id.is_not(None))).all() == []
