"""Migrations: an empty database of either kind is brought to the schema the models describe,
and running them again changes nothing."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from store.db import Database
from store.migrate import head_revision, upgrade
from store.models import Base


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


def _state(connection: Connection) -> tuple[str | None, list[str]]:
    revision = MigrationContext.configure(connection).get_current_revision()
    return revision, sorted(inspect(connection).get_table_names())


async def test_upgrade_creates_the_schema_of_the_models_once(database_url: str) -> None:
    database = Database.connect(database_url)
    try:
        applied = await upgrade(database)
        assert await upgrade(database) == []

        async with database.writer.connect() as connection:
            revision, tables = await connection.run_sync(_state)
            differences = await connection.run_sync(_differences)
    finally:
        await database.dispose()

    assert applied[0] == "0001"
    assert applied[-1] == revision == head_revision()
    assert tables == sorted([*Base.metadata.tables, "alembic_version"])
    assert differences == []
