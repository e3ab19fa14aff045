"""``dealdesk audit verify`` and ``dealdesk audit export``."""

from __future__ import annotations

import csv
import json
import sys
import time
from collections.abc import AsyncIterator
from enum import StrEnum
from pathlib import Path
from typing import IO, Annotated, Any

import typer
from sqlalchemy.exc import OperationalError, ProgrammingError

from bot.app.cli.common import console, fail, run, settings
from store.audit import Verification, iter_events
from store.audit import verify as verify_chain
from store.db import Database

app = typer.Typer(help="Check and export the tamper-evident audit log.", no_args_is_help=True)

COLUMNS = (
    "seq",
    "at",
    "deal_id",
    "actor",
    "action",
    "details",
    "policy_version",
    "prev_hash",
    "hash",
)


class Format(StrEnum):
    csv = "csv"
    json = "json"


@app.command()
def verify() -> None:
    """Recompute the hash chain: exit 0 when intact, 1 naming the first broken event."""
    url = settings().database_url
    started = time.perf_counter()
    with console.status("Verifying the audit chain…"):
        result = run(_verify(url))
    elapsed = time.perf_counter() - started
    if result.ok:
        console.print(
            f"[green]✓[/] audit chain intact: {result.checked:,} events verified in {elapsed:.2f}s"
        )
        return
    console.print(
        f"[bold red]✗ audit chain broken at event {result.broken_seq}[/]: {result.problem}",
        highlight=False,
    )
    console.print(f"  {result.checked:,} events before it verified.")
    raise typer.Exit(1)


@app.command()
def export(
    format: Annotated[Format, typer.Option("--format", help="csv or json.")] = Format.json,
    deal: Annotated[
        str | None,
        typer.Option("--deal", help="Only this deal's events (D-1001).", show_default=False),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write to a file instead of standard output."),
    ] = None,
) -> None:
    """Write the audit log (every field) as CSV or JSON."""
    url = settings().database_url
    deal_id = deal.strip().upper() if deal else None
    if deal_id and not deal_id.startswith("D-"):
        deal_id = f"D-{deal_id}"
    stream: IO[str]
    with output.open("w", encoding="utf-8", newline="") if output else _stdout() as stream:
        count = run(_export(url, deal_id, format, stream))
    if output:
        console.print(f"[green]✓[/] wrote {count:,} events to {output}")


async def _verify(url: str) -> Verification:
    database = Database.connect(url)
    try:
        async with database.read() as session:
            return await verify_chain(session)
    except (OperationalError, ProgrammingError):
        fail(
            "this database has no dealdesk audit log yet; run `dealdesk db upgrade` first, "
            "or check DATABASE_URL"
        )
    finally:
        await database.dispose()


async def _export(url: str, deal_id: str | None, format: Format, stream: IO[str]) -> int:
    database = Database.connect(url)
    try:
        async with database.read() as session:
            events = iter_events(session, deal_id)
            if format is Format.json:
                return await _write_json(events, stream)
            return await _write_csv(events, stream)
    except (OperationalError, ProgrammingError):
        fail("this database has no dealdesk audit log yet; run `dealdesk db upgrade` first")
    finally:
        await database.dispose()


async def _write_json(events: AsyncIterator[dict[str, Any]], stream: IO[str]) -> int:
    count = 0
    stream.write("[")
    async for event in events:
        stream.write(("," if count else "") + "\n  " + json.dumps(event, ensure_ascii=False))
        count += 1
    stream.write("\n]\n" if count else "]\n")
    return count


async def _write_csv(events: AsyncIterator[dict[str, Any]], stream: IO[str]) -> int:
    writer = csv.DictWriter(stream, fieldnames=COLUMNS)
    writer.writeheader()
    count = 0
    async for event in events:
        writer.writerow(
            {**event, "details": json.dumps(event["details"], ensure_ascii=False, sort_keys=True)}
        )
        count += 1
    return count


class _stdout:
    def __enter__(self) -> IO[str]:
        return sys.stdout

    def __exit__(self, *_: object) -> None:
        sys.stdout.flush()
