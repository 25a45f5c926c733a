"""The ``flask`` commands: SPSTs, API keys (hashed at rest), the development setup."""

from __future__ import annotations

import hashlib
import re

from flask import Flask
from sqlalchemy import select, text

from services.scheduler.adapters.orm import ApiKey, Spst
from shared.web import database


def _spst_id(output: str) -> int:
    found = re.search(r"SPST (\d+) créé", output)
    assert found, output
    return int(found.group(1))


def test_create_spst_then_a_key_that_opens_the_api(scheduler_app: Flask) -> None:
    runner = scheduler_app.test_cli_runner()
    created = runner.invoke(args=["create-spst", "SPST Île-de-France"])
    assert created.exit_code == 0, created.output
    spst_id = _spst_id(created.output)

    issued = runner.invoke(args=["create-api-key", "--spst", str(spst_id), "--label", "SIRH"])
    assert issued.exit_code == 0, issued.output
    key = issued.stdout.strip()
    assert re.fullmatch(r"rk_[A-Za-z0-9_-]{40,}", key)
    assert "ne sera plus affichée" in issued.stderr

    answer = scheduler_app.test_client().get(
        "/api/v1/employers", headers={"Authorization": f"Bearer {key}"})
    assert answer.status_code == 200
    assert answer.json == {"items": [], "next_cursor": None}

    with database(scheduler_app).session() as session:
        row = session.scalars(select(ApiKey)).one()
        assert (row.spst_id, row.label, row.prefix) == (spst_id, "SIRH", key[:11])
        assert row.created_at.tzinfo is not None
        assert row.last_used_at is not None


def test_the_key_is_stored_hashed_never_in_clear(scheduler_app: Flask) -> None:
    runner = scheduler_app.test_cli_runner()
    spst_id = _spst_id(runner.invoke(args=["create-spst", "SPST Nord"]).output)
    key = runner.invoke(args=["create-api-key", "--spst", str(spst_id)]).stdout.strip()

    with database(scheduler_app).engine.connect() as connection:
        rows = connection.execute(text("SELECT * FROM api_keys")).mappings().all()
    stored = " ".join(str(value) for row in rows for value in row.values())
    assert key not in stored
    assert key[11:] not in stored  # not even the secret part
    assert hashlib.sha256(key.encode()).hexdigest() in stored


def test_create_api_key_for_an_unknown_spst_fails(scheduler_app: Flask) -> None:
    result = scheduler_app.test_cli_runner().invoke(args=["create-api-key", "--spst", "999"])
    assert result.exit_code == 1
    assert "SPST 999 introuvable" in result.output


def test_create_spst_refuses_a_blank_name(scheduler_app: Flask) -> None:
    result = scheduler_app.test_cli_runner().invoke(args=["create-spst", "   "])
    assert result.exit_code == 2
    with database(scheduler_app).session() as session:
        assert session.scalars(select(Spst)).all() == []


def test_a_revoked_key_is_refused(scheduler_app: Flask) -> None:
    runner = scheduler_app.test_cli_runner()
    spst_id = _spst_id(runner.invoke(args=["create-spst", "SPST Sud"]).output)
    key = runner.invoke(args=["create-api-key", "--spst", str(spst_id)]).stdout.strip()
    revoked = runner.invoke(args=["revoke-api-key", key[:11]])
    assert revoked.exit_code == 0, revoked.output
    answer = scheduler_app.test_client().get(
        "/api/v1/employers", headers={"Authorization": f"Bearer {key}"})
    assert answer.status_code == 401
    again = runner.invoke(args=["revoke-api-key", key[:11]])
    assert again.exit_code == 1


def test_dev_setup_is_idempotent_and_prints_a_working_key(scheduler_app: Flask) -> None:
    runner = scheduler_app.test_cli_runner()
    first = runner.invoke(args=["dev-setup"])
    second = runner.invoke(args=["dev-setup"])
    assert first.exit_code == second.exit_code == 0, first.output + second.output
    assert "créé" in first.output and "déjà présent" in second.output
    key = re.search(r"(rk_\S+)", first.output)
    assert key and key.group(1) in second.output

    with database(scheduler_app).session() as session:
        assert [s.name for s in session.scalars(select(Spst))] == ["SPST de démonstration"]
        assert len(session.scalars(select(ApiKey)).all()) == 1
    answer = scheduler_app.test_client().get(
        "/api/v1/employers", headers={"Authorization": f"Bearer {key.group(1)}"})
    assert answer.status_code == 200


def test_dev_setup_is_refused_in_production(scheduler_app: Flask) -> None:
    scheduler_app.config["RELAIS_ENV"] = "production"
    result = scheduler_app.test_cli_runner().invoke(args=["dev-setup"])
    assert result.exit_code == 1
    assert "production" in result.output
    with database(scheduler_app).session() as session:
        assert session.scalars(select(Spst)).all() == []
