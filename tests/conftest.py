"""Fixtures shared by every tier: databases on SQLite and PostgreSQL, apps, clients.

Database tests run on both backends through the ``db_backend`` parameter.
PostgreSQL is reached at ``RELAIS_TEST_POSTGRES_URL`` (default: the local
server, trust auth, database ``test``); each service gets a fresh database for
the session, dropped at the end. Where PostgreSQL cannot be reached the
PostgreSQL half is skipped with a message saying so, unless
``RELAIS_REQUIRE_POSTGRES=1`` (CI), where it fails.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import MetaData, create_engine, text
from sqlalchemy.engine import make_url

from shared import migrations

POSTGRES_URL = os.environ.get(
    "RELAIS_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REQUIRE_POSTGRES = os.environ.get("RELAIS_REQUIRE_POSTGRES") == "1"
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def _postgres_problem() -> str | None:
    try:
        engine = create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as exc:  # any failure means unreachable
        return f"{exc.__class__.__name__}: {str(exc).splitlines()[0]}"


@pytest.fixture(scope="session")
def postgres_available() -> bool:
    problem = _postgres_problem()
    if problem is None:
        return True
    message = (
        f"PostgreSQL injoignable à {POSTGRES_URL} ({problem}): PostgreSQL tests skipped. "
        "Set RELAIS_TEST_POSTGRES_URL to run them."
    )
    if REQUIRE_POSTGRES:
        pytest.fail(message)
    pytest.skip(message)
    return False


class DatabaseFactory:
    """Creates one migrated database per (service, backend) for the session."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.created: dict[tuple[str, str], str] = {}
        self.pg_databases: list[str] = []

    def url(self, service: str, backend: str, migrations_dir: Path) -> str:
        key = (service, backend)
        if key not in self.created:
            if backend == "sqlite":
                url = f"sqlite:///{self.tmp / (service + '.db')}"
            else:
                name = f"relais_test_{service}_{uuid.uuid4().hex[:8]}"
                admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
                with admin.connect() as connection:
                    connection.execute(text(f'CREATE DATABASE "{name}"'))
                admin.dispose()
                self.pg_databases.append(name)
                url = make_url(POSTGRES_URL).set(database=name).render_as_string(
                    hide_password=False)
            migrations.upgrade(migrations_dir, url)
            self.created[key] = url
        return self.created[key]

    def drop_all(self) -> None:
        if not self.pg_databases:
            return
        admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            for name in self.pg_databases:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def database_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DatabaseFactory]:
    factory = DatabaseFactory(tmp_path_factory.mktemp("databases"))
    yield factory
    factory.drop_all()


@pytest.fixture(params=BACKENDS)
def db_backend(request: pytest.FixtureRequest) -> str:
    backend: str = request.param
    if backend == "postgresql":
        request.getfixturevalue("postgres_available")
    return backend


def clear_tables(app: Flask, metadata: MetaData) -> None:
    """Empty every table of ``metadata`` so the next test starts clean."""
    from shared.web import database

    with database(app).engine.begin() as connection:
        for table in reversed(metadata.sorted_tables):
            connection.execute(table.delete())


AppFactory = Callable[..., Flask]


def make_app_fixture(
    request: pytest.FixtureRequest, database_factory: DatabaseFactory, service: str,
    create_app: AppFactory, migrations_dir: Path, metadata: MetaData,
    backend: str, extra: dict[str, Any] | None = None,
) -> Iterator[Flask]:
    """An app of ``service`` on a migrated database, emptied after the test."""
    url = database_factory.url(service, backend, migrations_dir)
    config = {"TESTING": True, "RELAIS_ENV": "test", "DATABASE_URL": url,
              "RATELIMIT_ENABLED": False, **(extra or {})}
    app = create_app(config)
    yield app
    clear_tables(app, metadata)
    from shared.web import database

    database(app).dispose()


@pytest.fixture
def scheduler_app(
    request: pytest.FixtureRequest, database_factory: DatabaseFactory, db_backend: str
) -> Iterator[Flask]:
    from services.scheduler.adapters.orm import metadata
    from services.scheduler.app import MIGRATIONS, create_app

    yield from make_app_fixture(request, database_factory, "scheduler", create_app,
                                MIGRATIONS, metadata, db_backend)


@pytest.fixture
def scheduler_client(scheduler_app: Flask) -> FlaskClient:
    return scheduler_app.test_client()


@pytest.fixture
def evaluate_app(tmp_path: Path) -> Flask:
    """A scheduler for the stateless calculator: no migration needed."""
    from services.scheduler.app import create_app

    return create_app({"TESTING": True, "RELAIS_ENV": "test",
                       "DATABASE_URL": f"sqlite:///{tmp_path / 'evaluate.db'}",
                       "RATELIMIT_ENABLED": False})


@pytest.fixture
def evaluate_client(evaluate_app: Flask) -> FlaskClient:
    return evaluate_app.test_client()
