"""The calendar's Alembic history builds exactly the tables the ORM maps, both ways."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from sqlalchemy import create_engine, inspect, text

from services.calendar.adapters.orm import metadata
from services.calendar.app import MIGRATIONS
from shared import migrations
from shared.web import database


def test_migrated_schema_matches_the_models(calendar_app: Flask) -> None:
    with database(calendar_app).engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []


def test_invites_migration_goes_down_and_up_keeping_events(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'calendar.db'}"
    migrations.upgrade(MIGRATIONS, url, "0001_calendar")
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO events (uid, start_at, end_at, timezone, summary, description, "
            "organizer_name, organizer_email, attendees, status, sequence, feed_vevent, "
            "render_version, created_at, updated_at) VALUES ('old@relais', "
            "'2026-12-01 08:00:00', '2026-12-01 08:30:00', 'Europe/Paris', 'Visite', '', "
            "'Dr', 'dr@example.fr', '[]', 'confirmed', 0, '', 0, '2026-11-01 08:00:00', "
            "'2026-11-01 08:00:00')"))
    migrations.upgrade(MIGRATIONS, url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT send_invites FROM events")).scalar() in (1, True)
    migrations.downgrade(MIGRATIONS, url, "0001_calendar")
    assert "invites" not in inspect(engine).get_table_names()
    migrations.upgrade(MIGRATIONS, url)
    assert "invites" in inspect(engine).get_table_names()
    engine.dispose()
