"""``dealdesk webhooks list`` and ``dealdesk webhooks replay <event id>``."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from bot.app.cli.common import console, fail, run, settings
from bot.core.clock import SystemClock
from store import outbox
from store.db import Database
from store.models import OutboxMessage

app = typer.Typer(help="Deal events sent to the policy's webhooks.", no_args_is_help=True)
KIND = "webhook"


@app.command(name="list")
def list_(
    limit: Annotated[int, typer.Option(help="How many, newest first.", min=1)] = 20,
) -> None:
    """List the newest webhook deliveries.

    Each with its event id, type and receiver, and whether it arrived, is being retried
    (with the last error) or was given up after a day."""
    rows = run(_rows(settings().database_url, limit))
    if not rows:
        console.print("No webhook deliveries yet (is `webhooks:` set in the policy?).")
        return
    table = Table(title="Webhook deliveries, newest first", title_justify="left")
    for column in ("Event id", "Type", "Receiver", "State", "Tries"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(
            row.payload["event_id"],
            row.payload["event"],
            escape(row.payload["url"]),
            _state(row),
            str(row.attempts + (1 if row.done_at else 0)),
        )
    console.print(table)


@app.command()
def replay(event_id: Annotated[str, typer.Argument(help="evt_… as listed.")]) -> None:
    """Send one webhook event again, as it was.

    The same id and body with a new signature: after a receiver's outage outlasted the
    day of retries, or to test a receiver."""
    found = run(_replay(settings().database_url, event_id.strip()))
    if found is None:
        fail(f"no webhook event {event_id!r}; `dealdesk webhooks list` shows the ids")
    console.print(
        f"[green]✓[/] {escape(event_id)} queued for {escape(found)} again; the running "
        "`serve` sends it within seconds.",
        highlight=False,
    )


def _state(row: OutboxMessage) -> str:
    if row.done_at is not None:
        return f"[green]delivered[/] {row.done_at:%Y-%m-%d %H:%M:%S} UTC"
    if row.failed_at is not None:
        return f"[red]given up[/]: {escape(row.last_error or '')}"
    waiting = f"retrying at {row.next_attempt_at:%H:%M:%S} UTC" if row.attempts else "waiting"
    error = f" ({escape(row.last_error)})" if row.last_error else ""
    return f"[yellow]{waiting}[/]{error}"


async def _rows(url: str, limit: int) -> list[OutboxMessage]:
    database = Database.connect(url)
    try:
        async with database.read() as session:
            return list(await outbox.list_of_kind(session, KIND, limit))
    finally:
        await database.dispose()


async def _replay(url: str, event_id: str) -> str | None:
    database = Database.connect(url)
    try:
        async with database.transaction() as session:
            row = await outbox.find_event(session, KIND, event_id)
            if row is None:
                return None
            again = outbox.NewRow(
                row.kind, row.key, row.lane, row.priority, dict(row.payload), SystemClock().now()
            )
            await outbox.add_many(session, [again])
            return str(row.payload["url"])
    finally:
        await database.dispose()
