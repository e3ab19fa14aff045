"""Migrations: an empty database of either kind is brought to the schema the models describe,
and running them again changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select
from sqlalchemy.engine import Connection

from policies.deal import DealTerms
from store.db import Database
from store.migrate import HEAD, MIGRATIONS, head_revision, upgrade
from store.models import Base, DealRevision


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


def _state(connection: Connection) -> tuple[str | None, list[str]]:
    revision = MigrationContext.configure(connection).get_current_revision()
    return revision, sorted(inspect(connection).get_table_names())


async def test_an_empty_database_gets_the_schema_of_the_models_once(database_url: str) -> None:
    database = Database.connect(database_url)
    try:
        upgraded = await upgrade(database)
        again = await upgrade(database)

        async with database.writer.connect() as connection:
            revision, tables = await connection.run_sync(_state)
            differences = await connection.run_sync(_differences)
    finally:
        await database.dispose()

    assert (upgraded.before, upgraded.after) == (None, HEAD)
    assert upgraded.applied[0] == "0001"
    assert upgraded.applied[-1] == revision == HEAD
    assert not again.changed
    assert tables == sorted([*Base.metadata.tables, "alembic_version"])
    assert differences == []


async def test_the_migrations_one_by_one_build_the_schema_of_the_models(
    database_url: str,
) -> None:
    """What an existing database goes through: every migration in turn ends where a new
    database is created directly."""
    database = Database.connect(database_url)
    try:
        async with database.writer.connect() as connection:
            await connection.run_sync(lambda sync: _upgrade_to(sync, "head"))
            await connection.commit()
            revision, tables = await connection.run_sync(_state)
            differences = await connection.run_sync(_differences)
    finally:
        await database.dispose()

    assert revision == HEAD
    assert tables == sorted([*Base.metadata.tables, "alembic_version"])
    assert differences == []


def test_head_names_the_newest_migration() -> None:
    assert head_revision() == HEAD, (
        f"a migration was added: set store.migrate.HEAD to {head_revision()!r}"
    )


def _upgrade_to(connection: Connection, target: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    command.upgrade(config, target)


async def test_deals_stored_before_revisions_were_kept_get_their_current_terms(
    database_url: str,
) -> None:
    database = Database.connect(database_url)
    try:
        async with database.writer.connect() as connection:
            await connection.run_sync(lambda sync: _upgrade_to(sync, "0003"))
            await connection.exec_driver_sql(
                "INSERT INTO policy_versions (version, name, content, created_at) "
                "VALUES ('v1', 'p', 'name: p', '2026-11-21 13:00:00')"
            )
            await connection.exec_driver_sql(
                "INSERT INTO deals (company, acv, discount, term_months, industry, employees, "
                "use_case, budget_indicated, custom_terms, owner, status, policy_version, "
                "revision, plan, submitted_at, updated_at) VALUES ('TechCorp', 500000, 12, 36, "
                "'Technology', 5000, 'CRMs', true, false, 'U0SARAH', 'in_review', 'v1', 2, "
                "'[]', '2026-11-21 13:00:00', '2026-11-22 13:00:00')"
            )
            await connection.commit()
        await upgrade(database)
        async with database.read() as session:
            (row,) = (await session.execute(select(DealRevision))).scalars().all()
    finally:
        await database.dispose()

    assert (row.deal_id, row.revision) == (1, 2)
    assert row.created_at == datetime(2026, 11, 22, 13, 0, tzinfo=UTC)
    terms = DealTerms.model_validate(row.terms)
    assert (terms.company, terms.acv, terms.discount, terms.budget_indicated) == (
        "TechCorp",
        Decimal(500000),
        Decimal(12),
        True,
    )
