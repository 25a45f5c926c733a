"""``flask create-planner`` and the development planner of ``flask dev-setup``."""

from __future__ import annotations

import re

from flask import Flask
from sqlalchemy import select

from services.scheduler.adapters.orm import PlannerAccount
from shared.web import database
from tests.integration.scheduler.pages.conftest import post_form


def _spst(app: Flask) -> int:
    output = app.test_cli_runner().invoke(args=["create-spst", "SPST Sud"]).output
    found = re.search(r"SPST (\d+) créé", output)
    assert found, output
    return int(found.group(1))


def test_create_planner_from_the_environment_then_log_in(scheduler_app: Flask) -> None:
    spst_id = _spst(scheduler_app)
    result = scheduler_app.test_cli_runner().invoke(
        args=["create-planner", "--spst", str(spst_id), "--email", "Lea@SPST.example",
              "--name", "Léa Roux"], env={"RELAIS_PLANNER_PASSWORD": "douze caractères"})
    assert result.exit_code == 0, result.output
    assert "lea@spst.example" in result.output
    assert "douze" not in result.output
    client = scheduler_app.test_client()
    answer = post_form(client, "/planner/connexion", "/planner/connexion",
                       {"email": "LEA@spst.example", "password": "douze caractères"})
    assert answer.status_code == 302
    assert "Léa Roux" in client.get("/planner").get_data(as_text=True)


def test_create_planner_prompts_twice(scheduler_app: Flask) -> None:
    spst_id = _spst(scheduler_app)
    result = scheduler_app.test_cli_runner().invoke(
        args=["create-planner", "--spst", str(spst_id), "--email", "a@b.example",
              "--name", "A"], input="mot de passe long\nmot de passe long\n")
    assert result.exit_code == 0, result.output
    assert "mot de passe long" not in result.output


def test_create_planner_refusals(scheduler_app: Flask) -> None:
    spst_id = _spst(scheduler_app)
    runner = scheduler_app.test_cli_runner()
    base = ["create-planner", "--email", "a@b.example", "--name", "A"]
    env = {"RELAIS_PLANNER_PASSWORD": "assez long mot"}
    short = runner.invoke(args=[*base, "--spst", str(spst_id)],
                          env={"RELAIS_PLANNER_PASSWORD": "court"})
    assert short.exit_code == 1 and "12 caractères" in short.output
    unknown = runner.invoke(args=[*base, "--spst", "999"], env=env)
    assert unknown.exit_code == 1 and "introuvable" in unknown.output
    assert runner.invoke(args=[*base, "--spst", str(spst_id)], env=env).exit_code == 0
    twice = runner.invoke(args=[*base, "--spst", str(spst_id)], env=env)
    assert twice.exit_code == 1 and "existe déjà" in twice.output


def test_dev_setup_creates_the_development_planner_once(scheduler_app: Flask) -> None:
    runner = scheduler_app.test_cli_runner()
    first = runner.invoke(args=["dev-setup"])
    assert first.exit_code == 0, first.output
    found = re.search(r"planner@relais\.test / mot de passe : (\S+)", first.output)
    assert found, first.output
    second = runner.invoke(args=["dev-setup"])
    assert "déjà présent, mot de passe inchangé" in second.output
    with database(scheduler_app).session() as session:
        assert len(list(session.scalars(select(PlannerAccount)))) == 1
    client = scheduler_app.test_client()
    answer = post_form(client, "/planner/connexion", "/planner/connexion",
                       {"email": "planner@relais.test", "password": found.group(1)})
    assert answer.status_code == 302


def test_dev_setup_refused_in_production(scheduler_app: Flask) -> None:
    scheduler_app.config["RELAIS_ENV"] = "production"
    try:
        result = scheduler_app.test_cli_runner().invoke(args=["dev-setup"])
    finally:
        scheduler_app.config["RELAIS_ENV"] = "test"
    assert result.exit_code == 1
    with database(scheduler_app).session() as session:
        assert list(session.scalars(select(PlannerAccount))) == []
