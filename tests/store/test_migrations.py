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
from store.migrate import MIGRATIONS, head_revision, upgrade
from store.models import Base, DealRevision


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
