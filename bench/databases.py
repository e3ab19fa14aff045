"""The database a bench runs on: its own SQLite file, or a PostgreSQL it empties first."""

from __future__ import annotations

import argparse
import asyncio

from tests.support.databases import reset_postgres

POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


def add_database_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--postgres-url", default=POSTGRES, help="emptied before the run")


async def empty_postgres(options: argparse.Namespace) -> str | None:
    """``--postgres-url``, emptied, with ``--database postgres``; None for SQLite."""
    if options.database != "postgres":
        return None
    await reset_postgres(options.postgres_url)
    return str(options.postgres_url)


def emptied_postgres(options: argparse.Namespace) -> str | None:
    """:func:`empty_postgres` outside an event loop."""
    return asyncio.run(empty_postgres(options))
