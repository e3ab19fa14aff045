"""The ``/deal report slo`` reply: the team's figures, then each stage and each approver.

The wording comes from ``bot/text/templates/slo_report_*.j2``; the structure from here.
Stages are shown in plan order; approvers least on time first, so the ones who need
attention are at the top when not all of them fit.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import Block

from bot.cards import limits
from bot.cards.blocks import SlackMessage, context, header, message, more_line, section
from bot.reports.slo import Figures, SloReport, share_percent
from bot.text.mrkdwn import slack_date
from bot.text.prose import render

STAGES_SHOWN = 15
APPROVERS_SHOWN = 25
"""Lines beyond these are left to ``dealdesk report slo``, which has them all."""


def build_slo_report_reply(report: SloReport) -> SlackMessage:
    days = round(report.window.span.total_seconds() / 86400)
    team = report.team
    summary = render(
        "slo_report_summary.j2",
        days=days,
        **_values(team.overall),
        cycle=team.cycle_time,
        automation=_percent(team.automation_rate),
        by_avatars=team.avatar_decisions,
    )
    export = f"`dealdesk report slo --since {days}d --format csv`"
    blocks: list[Block] = [header(f"SLO report · last {days} days"), section(summary)]
    blocks += _group("By stage", report.stages, STAGES_SHOWN, export)
    approvers = sorted(report.approvers, key=_least_on_time_first)
    blocks += _group("By approver, least on time first", approvers, APPROVERS_SHOWN, export)
    window = report.window
    blocks.append(
        context(
            f"Decisions from {slack_date(window.since)} to {slack_date(window.until)}. "
            f"{export} has every figure."
        )
    )
    return message(f"SLO report, last {days} days: {summary}", blocks)


def _group(title: str, groups: Sequence[Figures], shown: int, export: str) -> list[Block]:
    """``title`` and one line per group, packed into as few sections as fit."""
    if not groups:
        return []
    lines = [_line(figures) for figures in groups[:shown]]
    sections: list[str] = [f"*{title}*"]
    for line in lines:
        joined = f"{sections[-1]}\n{line}"
        if len(joined) <= limits.SECTION_TEXT_MAX:
            sections[-1] = joined
        else:
            sections.append(line)
    blocks: list[Block] = [section(text) for text in sections]
    if len(groups) > shown:
        blocks.append(more_line(len(groups) - shown, f"{export} has them all"))
    return blocks


def _line(figures: Figures) -> str:
    return render(
        "slo_report_line.j2",
        name=figures.name,
        sla=figures.sla.text if figures.sla else None,
        time=figures.decision_time,
        **_values(figures),
    )


def _values(figures: Figures) -> dict[str, Any]:
    return {
        "decided": figures.decided,
        "within": _percent(figures.within_share),
        "within_count": figures.within_sla,
        "counted": figures.sla_counted,
        "decision_time": figures.decision_time,
        "escalations": figures.escalations,
    }


def _percent(share: float | None) -> Any:
    return None if share is None else share_percent(share)


def _least_on_time_first(figures: Figures) -> tuple[float, int, str]:
    share = figures.within_share
    return (2.0 if share is None else share, -figures.escalations, figures.name.casefold())
