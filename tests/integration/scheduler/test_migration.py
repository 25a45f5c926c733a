"""The Alembic history builds exactly the tables the ORM maps, on both backends."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from sqlalchemy import inspect

from services.scheduler.adapters.orm import metadata
from shared.web import database


def test_migrated_schema_matches_the_models(scheduler_app: Flask) -> None:
    with database(scheduler_app).engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []


def test_foreign_keys_and_tenant_columns_are_indexed(scheduler_app: Flask) -> None:
    inspector = inspect(database(scheduler_app).engine)
    for table in ("employers", "employees", "arrets", "api_keys"):
        indexed = [tuple(i["column_names"]) for i in inspector.get_indexes(table)]
        indexed += [tuple(u["column_names"]) for u in inspector.get_unique_constraints(table)]
        assert any(columns[0] == "spst_id" for columns in indexed), table
    employees = [tuple(i["column_names"]) for i in inspector.get_indexes("employees")]
    assert ("spst_id", "employer_id", "id") in employees
    arrets = [tuple(i["column_names"]) for i in inspector.get_indexes("arrets")]
    assert ("spst_id", "employee_id", "id") in arrets
