"""Drawing a :class:`Report` on a terminal with rich. Computes nothing: it only lays out."""

from __future__ import annotations

from datetime import datetime

from rich import box
from rich.console import Console, Group
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from bot.simulation.report import Counts, DealReport, Report, Span
from policies.avatars.formatting import money, percent

_OUTCOME_STYLE = {"approved": "bold green", "rejected": "bold red"}
_MARK = {True: Text("✓", style="green"), False: Text("✗", style="bold red"), None: Text("–")}


def render_report(console: Console, report: Report) -> None:
    console.print(_header(report))
    for deal in report.deals:
        console.print()
        console.print(_deal_title(deal))
        console.print(_timeline(deal))
        console.print(_sla_table(deal))
        console.print(_summary(deal))
    if len(report.deals) > 1:
        console.print()
        console.print(_totals(report))
    refs = ", ".join(deal.ref for deal in report.deals)
    console.print(
        f"\n[dim]Stored in {escape(report.database)} like real deals ({refs}); "
        "check them with `dealdesk audit verify` and `dealdesk audit export`.[/]"
    )


def _header(report: Report) -> Panel:
    lines = [
        Text(report.scenario, style="bold"),
        *([Text(report.description)] if report.description else []),
        Text.assemble(
            ("Policy: ", "dim"), f"{report.policy_name}, version {report.policy_version[:12]}"
        ),
        Text.assemble(
            ("Virtual time: ", "dim"),
            f"{_span_of_time(report.started_at, report.ended_at)} "
            f"({Span.of(report.ended_at - report.started_at).text} in {report.steps} steps, "
            "without waiting)",
        ),
    ]
    return Panel(Group(*lines), title="dealdesk simulate", title_align="left", expand=False)


def _deal_title(deal: DealReport) -> Text:
    style = _OUTCOME_STYLE.get(deal.status, "bold yellow")
    took = f" in {deal.cycle_time.text}" if deal.cycle_time else ""
    return Text.assemble(
        (f"{deal.ref} {deal.company}", "bold"),
        f": {money(deal.acv)} ACV, {percent(deal.discount)} discount, owner {deal.owner} → ",
        (f"{deal.outcome.upper()}{took}", style),
    )


def _timeline(deal: DealReport) -> Table:
    table = Table(title="Timeline (from the audit log)", title_justify="left", box=None)
    table.add_column("When", justify="right", style="cyan", no_wrap=True)
    table.add_column("Who", no_wrap=True)
    table.add_column("What", overflow="fold")
    for entry in deal.timeline:
        what = Text(entry.what)
        if entry.detail:
            what.append(f"\n{entry.detail}", style="dim")
        table.add_row(entry.offset.offset, Text(entry.who), what)
    return table


def _sla_table(deal: DealReport) -> Table:
    table = Table(title="Approvals against their SLA", title_justify="left", box=box.SIMPLE_HEAD)
    for column in ("Stage", "Approver", "Assignee", "SLA", "Took", "In SLA", "Outcome"):
        table.add_column(column, no_wrap=column not in ("Approver", "Outcome"))
    previous = None
    for line in deal.approvals:
        stage, previous = ("" if line.stage == previous else line.stage), line.stage
        table.add_row(
            Text(stage),
            Text(line.approver_name),
            Text("avatar" if line.avatar else line.assignee),
            line.sla.target if line.sla else "–",
            line.elapsed.text if line.elapsed else "–",
            _MARK[line.within_sla],
            Text(line.outcome),
        )
    return table


def _summary(deal: DealReport) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="dim")
    table.add_column()
    style = _OUTCOME_STYLE.get(deal.status, "bold yellow")
    table.add_row("Outcome", Text(deal.outcome, style=style))
    cycle = (
        f"{deal.cycle_time.text} (submission → final decision)"
        if deal.cycle_time
        else "– (no final decision)"
    )
    table.add_row("Cycle time", cycle)
    _add_counts(table, deal.counts)
    table.add_row("Still waiting", Text("\n".join(deal.waiting) or "nothing"))
    if deal.notes:
        table.add_row("Notes", Text("\n".join(deal.notes)))
    return table


def _totals(report: Report) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="dim")
    table.add_column()
    statuses = ", ".join(f"{deal.ref} {deal.outcome}" for deal in report.deals)
    table.add_row("All deals", Text(statuses))
    _add_counts(table, report.counts)
    return table


def _add_counts(table: Table, counts: Counts) -> None:
    table.add_row(
        "SLO compliance",
        f"{_percent(counts.slo_compliance)} "
        f"({counts.within_sla} of {counts.sla_counted} approvals within SLA)",
    )
    table.add_row(
        "Automation",
        f"{_percent(counts.automation_rate)} "
        f"({counts.avatar_decisions} of {counts.decisions} decisions by avatars)",
    )
    table.add_row(
        "Moves",
        f"{counts.handovers} hand-over(s), {counts.timeouts} SLA timeout(s), "
        f"{counts.escalations} escalation(s), {counts.reminders} reminder(s)"
        + (f", {counts.late_answers} refused late answer(s)" if counts.late_answers else ""),
    )


def _percent(rate: float | None) -> str:
    return "–" if rate is None else f"{rate:.0%}"


def _span_of_time(start: datetime, end: datetime) -> str:
    if start.date() == end.date():
        return f"{start:%a %d %b %Y %H:%M} → {end:%H:%M} UTC"
    return f"{start:%a %d %b %Y %H:%M} → {end:%a %d %b %Y %H:%M} UTC"
