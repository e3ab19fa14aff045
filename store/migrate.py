"""Bring a database's schema up to date with the Alembic migrations.

Every start asks this, so the usual answer (already up to date) is found with one small
query, without importing Alembic or reading the migration scripts (a third of a second).
A database with no tables at all is built from the models in one go and stamped at the
head, as Alembic's cookbook recommends ("building an up to date database from scratch");
tests/store/test_migrations.py holds the migrations to the same schema. Anything in
between is upgraded by Alembic, one migration after another.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Column, MetaData, PrimaryKeyConstraint, String, Table, inspect, select
from sqlalchemy.engine import Connection

from store.db import Database
from store.models import Base

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"

HEAD = "0014"
"""The newest migration's revision: a new migration changes it (a test says so)."""

_VERSIONS = Table(
    "alembic_version",
    MetaData(),
    Column("version_num", String(32), nullable=False),
    PrimaryKeyConstraint("version_num", name="alembic_version_pkc"),
)
"""Alembic's own bookkeeping table, as Alembic creates it."""

_ONE_UPGRADE_AT_A_TIME = 7_450_001
"""PostgreSQL advisory lock key: two instances starting together upgrade one by one."""


@dataclass(frozen=True)
class Upgrade:
    """Where an upgrade took the schema from and to."""

    before: str | None
    after: str | None

    @property
    def changed(self) -> bool:
        return self.before != self.after

    @cached_property
    def applied(self) -> list[str]:
        """The revisions applied, oldest first (read from the scripts only when asked)."""
        if not self.changed:
            return []
        from alembic.script import ScriptDirectory

        script = ScriptDirectory.from_config(_config())
        revisions = script.iterate_revisions(self.after, self.before)
        return list(reversed([revision.revision for revision in revisions]))


async def upgrade(database: Database) -> Upgrade:
    """Apply every pending migration."""
    async with database.writer.connect() as connection:
        if connection.dialect.name == "postgresql":
            await connection.exec_driver_sql(
                f"SELECT pg_advisory_xact_lock({_ONE_UPGRADE_AT_A_TIME})"
            )
        before = await connection.run_sync(_current)
        if before == HEAD:
            await connection.commit()
            return Upgrade(before, before)
        if before is None and await connection.run_sync(_is_empty):
            await connection.run_sync(_create_at_head)
        else:
            await connection.run_sync(_alembic_upgrade)
        await connection.commit()
        after = await connection.run_sync(_current)
    return Upgrade(before, after)


async def current_revision(database: Database) -> str | None:
    """The revision the database is at (None: no dealdesk schema yet)."""
    async with database.writer.connect() as connection:
        return await connection.run_sync(_current)


def head_revision() -> str:
    """The newest migration, as Alembic finds it in the scripts."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def _current(connection: Connection) -> str | None:
    if not inspect(connection).has_table(_VERSIONS.name):
        return None
    return connection.execute(select(_VERSIONS.c.version_num)).scalar_one_or_none()


def _is_empty(connection: Connection) -> bool:
    return not inspect(connection).get_table_names()


def _create_at_head(connection: Connection) -> None:
    Base.metadata.create_all(connection)
    _VERSIONS.create(connection)
    connection.execute(_VERSIONS.insert().values(version_num=HEAD))


def _alembic_upgrade(connection: Connection) -> None:
    from alembic import command

    command.upgrade(_config(connection), "head")


def _config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config
