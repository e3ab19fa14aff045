"""``dealdesk audit verify``, ``dealdesk audit show`` and ``dealdesk audit export``."""

from __future__ import annotations

import csv
import json
import os
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import IO, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table
from sqlalchemy.exc import OperationalError, ProgrammingError

from bot.app.cli.common import console, fail, run, settings
from bot.cards.evidence import saw_line
from policies.vocabulary import deal_ref, parse_deal_ref
from store import evidence
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
    """Recompute the audit log's hash chain.

    Exit 0 when it is intact, 1 naming the first broken event."""
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


class ShowFormat(StrEnum):
    table = "table"
    json = "json"


@app.command()
def show(
    deal: Annotated[str, typer.Argument(help="The deal (D-1001).", show_default=False)],
    format: Annotated[
        ShowFormat, typer.Option("--format", help="table or json.")
    ] = ShowFormat.table,
) -> None:
    """Show a deal's audit trail, checked against the chain.

    Every event, and for each decision made from a card, what that card showed (its
    evidence). Exit 1 when anything was changed behind dealdesk's back."""
    deal_id = parse_deal_ref(deal)
    if deal_id is None:
        fail(f"{deal!r} is not a deal id; deal ids look like D-1001")
    ref = deal_ref(deal_id)
    trail = run(_trail(settings().database_url, ref))
    if format is ShowFormat.json:
        typer.echo(json.dumps(trail.to_json(), indent=2, ensure_ascii=False))
    else:
        _print_trail(trail)
    if not trail.check.ok:
        raise typer.Exit(1)


@dataclass(frozen=True)
class _Trail:
    ref: str
    events: list[dict[str, Any]]
    seen: dict[str, Any]
    check: Verification

    def to_json(self) -> dict[str, Any]:
        events = [
            {**event, "saw": self.seen.get(event["details"].get("evidence", ""))}
            if "evidence" in event["details"]
            else event
            for event in self.events
        ]
        return {
            "deal": self.ref,
            "intact": self.check.ok,
            "problem": self.check.problem,
            "events": events,
        }


async def _trail(url: str, ref: str) -> _Trail:
    database = Database.connect(url)
    try:
        async with database.read() as session:
            events = [event async for event in iter_events(session, ref)]
            check = await verify_chain(session, deal_id=ref)
            cited = {e["details"]["evidence"] for e in events if "evidence" in e["details"]}
            seen = await evidence.facts_by_hash(session, cited)
    except (OperationalError, ProgrammingError):
        fail("this database has no dealdesk audit log yet; run `dealdesk db upgrade` first")
    finally:
        await database.dispose()
    if not events:
        fail(f"no events are recorded for {ref}; check the deal id (dealdesk audit export)")
    return _Trail(ref, events, seen, check)


def _print_trail(trail: _Trail) -> None:
    table = Table(title=f"Audit trail of {trail.ref}", title_justify="left", show_lines=True)
    for column in ("#", "When (UTC)", "Who", "What", "Details"):
        table.add_column(column, overflow="fold", no_wrap=column in ("#", "When (UTC)"))
    for event in trail.events:
        details = {k: v for k, v in event["details"].items() if k not in ("evidence",)}
        lines = [_detail_text(details)]
        digest = event["details"].get("evidence")
        if digest is not None:
            facts = trail.seen.get(digest)
            lines.append(
                f"[bold]Saw[/]: {escape(saw_line(facts))}\nevidence {digest[:16]}…"
                if facts is not None
                else f"[bold red]evidence {digest[:16]}… is missing[/]"
            )
        table.add_row(
            str(event["seq"]),
            event["at"][:19].replace("T", " "),
            escape(event["actor"]),
            escape(event["action"].replace("_", " ")),
            "\n".join(lines),
        )
    console.print(table)
    if trail.check.ok:
        console.print(
            f"[green]✓[/] {trail.check.checked} events and the evidence they name are intact."
        )
    else:
        console.print(f"[bold red]✗ {escape(trail.check.problem or 'broken')}[/]")


def _detail_text(details: dict[str, Any]) -> str:
    shown = []
    for key, value in details.items():
        if value in (None, "", [], {}) or key == "recommendation":
            continue
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        shown.append(f"{key}: {text}")
    return escape(" · ".join(shown))


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
            return await verify_chain(session, processes=min(2, os.cpu_count() or 1))
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
