"""``dealdesk db upgrade``."""

from __future__ import annotations

import typer

from bot.app.cli.common import console, run, settings
from store.db import Database
from store.migrate import Upgrade
from store.migrate import upgrade as apply_migrations

app = typer.Typer(help="Manage the database schema.", no_args_is_help=True)


@app.command()
def upgrade() -> None:
    """Apply pending migrations to DATABASE_URL.

    `serve` and `simulate` also do this when they start."""
    url = settings().database_url

    async def _upgrade() -> Upgrade:
        database = Database.connect(url)
        try:
            return await apply_migrations(database)
        finally:
            await database.dispose()

    upgraded = run(_upgrade())
    if upgraded.changed:
        applied = ", ".join(upgraded.applied)
        console.print(f"[green]✓[/] applied {applied}; schema at {upgraded.after}")
    else:
        console.print(f"[green]✓[/] already up to date (schema {upgraded.after})")
