"""Bring a database's schema up to date with the Alembic migrations."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from store.db import Database

MIGRATIONS = Path(__file__).parent / "migrations"


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


async def upgrade(database: Database) -> list[str]:
    """Apply every pending migration; return the revisions applied (empty when up to date)."""
    async with database.writer.connect() as connection:
        before = await connection.run_sync(_current)
        await connection.run_sync(lambda sync: command.upgrade(_config(sync), "head"))
        await connection.commit()
        after = await connection.run_sync(_current)
    if before == after:
        return []
    script = ScriptDirectory.from_config(_config())
    applied = [rev.revision for rev in script.iterate_revisions(after, before)]
    return list(reversed(applied))


async def current_revision(database: Database) -> str | None:
    """The revision the database is at (None: no dealdesk schema yet)."""
    async with database.writer.connect() as connection:
        return await connection.run_sync(_current)


def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def _current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()
