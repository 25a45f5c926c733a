"""The scheduler's ``flask`` commands: SPSTs, their API keys, planners, the development setup.

``create-api-key`` and ``dev-setup`` print a key once; only its SHA-256 is
stored, so a lost key is revoked (``revoke-api-key PREFIX``) and replaced.
``create-api-key --employer ID`` makes a key limited to one employer of the SPST.
``create-planner`` creates a login for the ``/planner`` pages; its password
comes from a prompt (typed twice, never echoed) or from
``RELAIS_PLANNER_PASSWORD``, never from the command line.
"""

from __future__ import annotations

import secrets

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy.orm import Session

from services.scheduler.adapters.orm import MAX_ID
from services.scheduler.adapters.repository import KeyRepository
from services.scheduler.entrypoints.pages import accounts
from services.scheduler.service_layer import api_keys, tenants
from services.scheduler.service_layer.errors import Missing
from shared.db import utcnow
from shared.web import database


def register(app: Flask) -> None:
    """Add the scheduler's commands to ``app.cli``."""
    for command in (create_spst, create_api_key, revoke_api_key, create_planner, dev_setup):
        app.cli.add_command(command)


@click.command("create-spst")
@with_appcontext
@click.argument("name")
def create_spst(name: str) -> None:
    """Register an SPST (a tenant) named NAME and print its id."""
    try:
        with database().session() as session:
            spst = tenants.create_spst(KeyRepository(session), name)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="NAME") from exc
    click.echo(f"SPST {spst.id} créé : {spst.name}")


@click.command("create-api-key")
@with_appcontext
@click.option("--spst", "spst_id", type=int, required=True, help="id du SPST")
@click.option("--label", default=None, help="pour reconnaître la clé (ex. « logiciel RH »)")
@click.option("--employer", "employer_id", type=click.IntRange(1, MAX_ID), default=None,
              help="id d'un employeur du SPST : la clé ne voit que ses salariés et jamais une "
                   "pré-reprise non partagée")
def create_api_key(spst_id: int, label: str | None, employer_id: int | None) -> None:
    """Create an API key for an SPST (or one of its employers) and print it once."""
    try:
        with database().session() as session:
            issued = api_keys.issue(KeyRepository(session), spst_id, label,
                                    employer_id=employer_id)
    except Missing as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(issued.secret)
    scope = f"de l'employeur {employer_id} (SPST {spst_id})" if employer_id else (
        f"du SPST {spst_id}")
    click.echo(f"Clé {issued.prefix}… {scope} : conservez-la, elle ne sera plus affichée.",
               err=True)


@click.command("revoke-api-key")
@with_appcontext
@click.argument("prefix")
def revoke_api_key(prefix: str) -> None:
    """Revoke the key whose prefix (its first 11 characters) is PREFIX."""
    with database().session() as session:
        count = api_keys.revoke(KeyRepository(session), prefix, utcnow())
    if not count:
        raise click.ClickException(f"aucune clé active de préfixe {prefix}")
    click.echo(f"{count} clé(s) révoquée(s)")


@click.command("create-planner")
@with_appcontext
@click.option("--spst", "spst_id", type=int, required=True, help="id du SPST")
@click.option("--email", required=True, help="adresse e-mail de connexion")
@click.option("--name", required=True, help="nom affiché")
@click.option("--calendar-planner", "calendar_planner_id", type=int, default=None,
              help="id du planificateur dans le service d'agenda (lien d'abonnement)")
@click.password_option("--password", envvar="RELAIS_PLANNER_PASSWORD",
                       prompt="Mot de passe (12 caractères au moins)",
                       confirmation_prompt="Confirmez le mot de passe",
                       help="à défaut : RELAIS_PLANNER_PASSWORD, ou saisie masquée")
def create_planner(spst_id: int, email: str, name: str, calendar_planner_id: int | None,
                   password: str) -> None:
    """Create a planner's login for the /planner pages of an SPST."""
    try:
        with database().session() as session:
            planner = accounts.create_planner(session, spst_id, email, name, password,
                                              calendar_planner_id)
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Planificateur {planner.id} créé : {planner.email} (SPST {planner.spst_id})")


DEV_PLANNER_EMAIL = "planner@relais.test"


@click.command("dev-setup")
@with_appcontext
def dev_setup() -> None:
    """Ensure the demonstration SPST and print its development key (never in production)."""
    if current_app.config["RELAIS_ENV"] == "production":
        raise click.ClickException("dev-setup est réservé au développement (RELAIS_ENV=production)")
    with database().session() as session:
        setup = tenants.ensure_development_setup(KeyRepository(session),
                                                 current_app.config["SECRET_KEY"])
        password = _development_planner(session, setup.spst_id)
    state = "créé" if setup.created else "déjà présent"
    click.echo(f"{tenants.DEVELOPMENT_SPST} (SPST {setup.spst_id}) {state}.")
    click.echo(f"Clé d'API de développement : {setup.secret}")
    if password is None:
        click.echo(f"Planificateur de développement : {DEV_PLANNER_EMAIL} (déjà présent, mot de "
                   "passe inchangé)")
    else:
        click.echo(f"Planificateur de développement : {DEV_PLANNER_EMAIL} / mot de passe : "
                   f"{password} (http://…/planner)")


def _development_planner(session: Session, spst_id: int) -> str | None:
    """Create the development planner with a new random password (None: already there)."""
    if accounts.find(session, DEV_PLANNER_EMAIL) is not None:
        return None
    password = secrets.token_urlsafe(12)
    accounts.create_planner(session, spst_id, DEV_PLANNER_EMAIL, "Planificateur de démonstration",
                            password)
    return password
