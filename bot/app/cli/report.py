"""``dealdesk report slo``: SLA compliance per approver and stage (bot.reports.slo)."""

from __future__ import annotations

import contextlib
import csv
import json
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from enum import StrEnum
from typing import IO, Annotated, Any, TypeVar

import typer
from rich.table import Table
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app.cli.common import console, fail, run, settings
from bot.app.settings import Settings
from bot.core.clock import SystemClock
from bot.core.policy_book import PolicyBook
from bot.reports.history import load_slo_report
from bot.reports.slo import Figures, Quantiles, SloReport, Window, share_percent
from policies.duration import parse_duration
from policies.loader import load_policy_file
from store.db import Database

app = typer.Typer(help="Reports over the deal desk's history.", no_args_is_help=True)
T = TypeVar("T")

CSV_COLUMNS = (
    "scope",
    "key",
    "name",
    "sla",
    "decided",
    "within_sla",
    "sla_counted",
    "within_sla_share",
    "median_seconds",
    "p90_seconds",
    "timeouts",
    "escalations",
    "deals_finished",
    "cycle_median_seconds",
    "cycle_p90_seconds",
    "avatar_decisions",
    "automation_rate",
)
"""One row for the team, then one per stage, then one per approver; the last five
columns are the team's alone."""


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


Since = Annotated[
    str, typer.Option("--since", help="How far back: a duration such as 7d, 30d or 12h.")
]
FormatOption = Annotated[Format, typer.Option("--format", help="table, csv or json.")]
"""The options every report takes."""


@app.command()
def slo(
    since: Since = "30d",
    format: FormatOption = Format.table,
) -> None:
    """SLA compliance per approver and stage.

    For each approver and stage: the SLA, how many were decided, the share decided
    within SLA, median and 90th percentile decision time, escalations; for the team,
    cycle time and the automation rate. Counts what was decided in the window up to
    now."""
    report = run(_load(settings(), window_since(since)))
    if format is Format.json:
        typer.echo(json.dumps(report.to_json(), indent=2, ensure_ascii=False))
    elif format is Format.csv:
        write_csv(report, sys.stdout)
    else:
        _print(report)


def window_since(since: str) -> Window:
    """The window from ``--since`` ago up to now; exit 2 naming a bad duration."""
    try:
        span = parse_duration(since)
    except ValueError as error:
        fail(f"--since: {error}", code=2)
    return Window.ending(SystemClock().now(), span)


async def _load(config: Settings, window: Window) -> SloReport:
    return await read_history(config, window, load_slo_report)


async def read_history(
    config: Settings,
    window: Window,
    load: Callable[[AsyncSession, PolicyBook, Window], Awaitable[T]],
) -> T:
    """A report over the stored history in ``window``, under the configured policy."""
    policies = PolicyBook(load_policy_file(config.dealdesk_policy))
    async with report_session(config) as session:
        return await load(session, policies, window)


@contextlib.asynccontextmanager
async def report_session(config: Settings) -> AsyncIterator[AsyncSession]:
    """A read session on the configured database; one line and exit 1 when it has no
    dealdesk tables."""
    database = Database.connect(config.database_url)
    try:
        async with database.read() as session:
            yield session
    except (OperationalError, ProgrammingError):
        fail(
            "this database has no dealdesk tables yet; run `dealdesk db upgrade` first, "
            "or check DATABASE_URL"
        )
    finally:
        await database.dispose()


def write_csv(report: SloReport, stream: IO[str]) -> None:
    writer = csv.DictWriter(stream, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    team = report.team
    cycle = team.cycle_time
    writer.writerow(
        {
            **_csv_row("team", team.overall),
            "deals_finished": cycle.count if cycle else 0,
            "cycle_median_seconds": _seconds(cycle, "median"),
            "cycle_p90_seconds": _seconds(cycle, "p90"),
            "avatar_decisions": team.avatar_decisions,
            "automation_rate": _blank(team.automation_rate),
        }
    )
    for scope, groups in (("stage", report.stages), ("approver", report.approvers)):
        for figures in groups:
            writer.writerow(_csv_row(scope, figures))


def _csv_row(scope: str, figures: Figures) -> dict[str, Any]:
    return {
        "scope": scope,
        "key": figures.key,
        "name": figures.name,
        "sla": figures.sla.text if figures.sla else "",
        "decided": figures.decided,
        "within_sla": figures.within_sla,
        "sla_counted": figures.sla_counted,
        "within_sla_share": _blank(figures.within_share),
        "median_seconds": _seconds(figures.decision_time, "median"),
        "p90_seconds": _seconds(figures.decision_time, "p90"),
        "timeouts": figures.timeouts,
        "escalations": figures.escalations,
    }


def _seconds(quantiles: Quantiles | None, which: str) -> int | str:
    if quantiles is None:
        return ""
    value: timedelta = getattr(quantiles, which)
    return round(value.total_seconds())


def _blank(value: float | None) -> float | str:
    return "" if value is None else value


def _print(report: SloReport) -> None:
    window, team = report.window, report.team
    console.print(
        f"[bold]SLO report[/]: {window.since:%Y-%m-%d %H:%M} to {window.until:%Y-%m-%d %H:%M} UTC",
        highlight=False,
    )
    for title, groups, label in (
        ("By stage", report.stages, "Stage"),
        ("By approver", report.approvers, "Approver"),
    ):
        table = Table(title=title, title_justify="left")
        for column in (label, "SLA", "Decided", "Within SLA", "Median", "p90", "Escalations"):
            table.add_column(column, justify="left" if column == label else "right")
        for figures in groups:
            table.add_row(figures.name, *_cells(figures))
        if not groups:
            table.add_row("[dim]nothing decided in this window[/]", *[""] * 6)
        console.print()
        console.print(table)
    overall = team.overall
    console.print()
    console.print(
        f"[bold]Team[/]: {overall.decided} decided, {_share(overall)} within SLA, "
        f"{overall.escalations} escalated",
        highlight=False,
    )
    console.print(f"  Decision time: {_quantiles(overall.decision_time)}", highlight=False)
    cycle = team.cycle_time
    finished = f" ({cycle.count} deal{'s' if cycle.count != 1 else ''})" if cycle else ""
    console.print(f"  Cycle time: {_quantiles(cycle)}{finished}", highlight=False)
    rate = team.automation_rate
    automation = (
        "—"
        if rate is None
        else f"{share_percent(rate)}% ({team.avatar_decisions} of {overall.decided} by avatars)"
    )
    console.print(f"  Automation rate: {automation}", highlight=False)


def _cells(figures: Figures) -> tuple[str, ...]:
    time = figures.decision_time
    return (
        figures.sla.text if figures.sla else "—",
        str(figures.decided),
        _share(figures),
        time.median_text if time else "—",
        time.p90_text if time else "—",
        str(figures.escalations),
    )


def _share(figures: Figures) -> str:
    share = figures.within_share
    if share is None:
        return "—"
    return f"{share_percent(share)}% ({figures.within_sla}/{figures.sla_counted})"


def _quantiles(quantiles: Quantiles | None) -> str:
    if quantiles is None:
        return "—"
    return f"median {quantiles.median_text}, p90 {quantiles.p90_text}"
