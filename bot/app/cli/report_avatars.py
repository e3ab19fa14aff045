"""``dealdesk report avatars``: each avatar against the people it shadows
(bot.reports.avatars)."""

from __future__ import annotations

import csv
import json
import sys
from typing import IO

import typer
from rich.markup import escape
from rich.table import Table

from bot.app.cli.common import console, run, settings
from bot.app.cli.report import Format, FormatOption, Since, read_history, window_since
from bot.reports.avatars import DECISIONS, VERDICTS, AvatarFigures, AvatarReport
from bot.reports.history import load_avatar_report
from policies.vocabulary import deal_ref

CSV_COLUMNS = (
    "approver",
    "name",
    "shadowed",
    "would_have_decided",
    "automation_rate",
    "agreed",
    "agreement_rate",
    *(f"{verdict}_{decision}" for verdict in VERDICTS for decision in DECISIONS),
)
_VERDICT_WORDS = {"approve": "approve", "reject": "reject", "hand_over": "hand over"}


def avatars(
    since: Since = "30d",
    format: FormatOption = Format.table,
) -> None:
    """Each avatar in shadow mode against the person it shadows.

    How many approvals it shadowed, how often it agreed with the person (a confusion
    table of its verdicts against their decisions), every disagreement with both
    reasonings, and the automation rate it would have had live."""
    report = run(read_history(settings(), window_since(since), load_avatar_report))
    if format is Format.json:
        typer.echo(json.dumps(report.to_json(), indent=2, ensure_ascii=False))
    elif format is Format.csv:
        write_csv(report, sys.stdout)
    else:
        _print(report)


def write_csv(report: AvatarReport, stream: IO[str]) -> None:
    writer = csv.DictWriter(stream, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for figures in report.avatars:
        row: dict[str, object] = {
            "approver": figures.approver,
            "name": figures.name,
            "shadowed": figures.shadowed,
            "would_have_decided": figures.would_decide,
            "automation_rate": "" if figures.automation_rate is None else figures.automation_rate,
            "agreed": figures.agreed,
            "agreement_rate": "" if figures.agreement_rate is None else figures.agreement_rate,
        }
        for verdict in VERDICTS:
            for decision in DECISIONS:
                row[f"{verdict}_{decision}"] = figures.confusion[verdict][decision]
        writer.writerow(row)


def _print(report: AvatarReport) -> None:
    console.print(
        f"[bold]Avatar report[/]: {report.since:%Y-%m-%d %H:%M} to "
        f"{report.until:%Y-%m-%d %H:%M} UTC",
        highlight=False,
    )
    if not report.avatars:
        console.print("No approval was decided beside an avatar in this window.")
    for figures in report.avatars:
        console.print()
        console.print(f"[bold]{escape(figures.name)}[/]", highlight=False)
        console.print(f"  {_summary(figures)}", highlight=False)
        table = Table(title_justify="left")
        table.add_column("Avatar said")
        for decision in ("Person approved", "Person rejected", "Person asked for changes"):
            table.add_column(decision, justify="right")
        for verdict in VERDICTS:
            counts = figures.confusion[verdict]
            table.add_row(_VERDICT_WORDS[verdict], *(str(counts[d]) for d in DECISIONS))
        console.print(table)
        if figures.disagreements:
            disagreements = Table(title="Disagreements", title_justify="left", show_lines=True)
            for column in ("Deal", "Person", "Avatar"):
                disagreements.add_column(column, overflow="fold")
            for row in figures.disagreements:
                person = f"{row.decision}: {row.comment}" if row.comment else row.decision
                disagreements.add_row(
                    deal_ref(row.deal_id),
                    escape(f"{row.decided_by} {person}"),
                    escape(f"{_VERDICT_WORDS[row.verdict]}: {row.reasoning}"),
                )
            console.print(disagreements)


def _summary(figures: AvatarFigures) -> str:
    return (
        f"shadowed {figures.shadowed} · agreed {figures.agreement_text} · "
        f"would have automated {figures.automation_text}"
    )
