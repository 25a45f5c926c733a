"""Flask CLI commands every service has."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app

from shared import migrations


def register_common_commands(app: Flask, migrations_dir: Path) -> None:
    """Add ``migrate`` (upgrade to head) to the app's ``flask`` command."""

    @app.cli.command("migrate")
    @click.option("--revision", default="head", show_default=True)
    def migrate(revision: str) -> None:
        """Apply the service's database migrations."""
        migrations.upgrade(migrations_dir, current_app.config["DATABASE_URL"], revision)
        click.echo(f"{current_app.config['SERVICE_NAME']}: base de données à jour ({revision})")
