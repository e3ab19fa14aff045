"""The deal channel's daily digest: layout only, every word from ``bot/text/templates/digest.j2``.

A title, six figures side by side (under review, due today, overdue, stalled, SLO,
automation), then the overdue approvals with their approvers, what is due today and
the stalled deals, each list cut to what the caller loaded; in a quarter's last weeks,
the quarter-end forecast: the deals most at risk and whom to nudge.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from markupsafe import Markup
from slack_sdk.models.blocks import Block

from bot.cards.blocks import SlackMessage, context, message, section
from bot.cards.briefing import WEEK, waiting_on
from bot.forecast.desk import Forecast
from bot.read_models.snapshots import ApprovalSnapshot, DealSnapshot
from bot.text.mrkdwn import mention, who
from bot.text.prose import render_part
from policies.duration import Span

TEMPLATE = "digest.j2"
FORECAST_SHOWN = 3
"""Deals at risk and people to nudge the digest names; ``/deal report forecast`` has more."""

Item = tuple[DealSnapshot, ApprovalSnapshot]


@dataclass(frozen=True)
class Digest:
    local_date: date
    now: datetime
    in_review: int = 0
    in_review_acv: Decimal = Decimal(0)
    overdue: Sequence[Item] = ()
    """The first of the overdue approvals, the most overdue first."""
    overdue_total: int = 0
    due_today: Sequence[Item] = ()
    """The first of the approvals due later today, soonest first."""
    due_today_total: int = 0
    stalled: Sequence[DealSnapshot] = ()
    """The first of the stalled deals, the longest idle first."""
    stalled_total: int = 0
    stalled_after: Span = WEEK
    decisions: int = 0
    """Decisions in the last 7 days."""
    decided_by_avatars: int = 0
    with_sla: int = 0
    """Of those, how many had an SLA, and how many were made within it."""
    within_sla: int = 0
    forecast: Forecast | None = None
    """The quarter-end forecast, in the quarter's last weeks."""

    @property
    def slo_percent(self) -> Decimal | None:
        return _share(self.within_sla, self.with_sla)

    @property
    def automation_percent(self) -> Decimal | None:
        return _share(self.decided_by_avatars, self.decisions)

    @property
    def is_empty(self) -> bool:
        """Nothing under review and nothing decided lately: not worth a message."""
        return not (self.in_review or self.decisions)


def build_digest_message(digest: Digest) -> SlackMessage:
    figures = [
        _words(part, d=digest)
        for part in ("under_review", "due_today", "overdue", "stalled", "slo", "automation")
    ]
    blocks: list[Block] = [
        section(_words("title", d=digest)),
        section("", fields=figures),
    ]
    now = digest.now
    overdue = [
        {"deal": deal, "approval": a, "who": _who(a), "late": now - a.due_at}
        for deal, a in digest.overdue
        if a.due_at is not None
    ]
    today = [{"deal": deal, "approval": a, "who": _who(a)} for deal, a in digest.due_today]
    stalled = [
        {"deal": deal, "idle": now - deal.updated_at, "waiting_on": waiting_on(deal)}
        for deal in digest.stalled
    ]
    for part, rows, total in (
        ("overdue_list", overdue, digest.overdue_total),
        ("due_today_list", today, digest.due_today_total),
        ("stalled_list", stalled, digest.stalled_total),
    ):
        if rows:
            blocks.append(section(_words(part, d=digest, rows=rows, more=total - len(rows))))
    if digest.forecast is not None:
        blocks.append(section(_forecast_words(digest.forecast)))
    blocks.append(context(_words("footer", d=digest)))
    return message(_words("text", d=digest), blocks)


def _forecast_words(forecast: Forecast) -> str:
    at_risk = [
        {"deal": item.deal, "p_clear": _cents(item.p_clear * 100)}
        for item in forecast.deals
        if item.p_clear < 1.0
    ][:FORECAST_SHOWN]
    nudge = [
        {"who": Markup(mention(n.assignee)), "acv_at_risk": _cents(n.acv_at_risk)}
        for n in forecast.nudge[:FORECAST_SHOWN]
    ]
    return _words(
        "forecast",
        f=forecast,
        expected=_cents(forecast.acv_expected),
        at_risk_acv=_cents(forecast.acv_at_risk),
        at_risk=at_risk,
        nudge=nudge,
    )


def _cents(amount: float) -> Decimal:
    return Decimal(round(amount))


def _who(approval: ApprovalSnapshot) -> Markup:
    return Markup(who(approval.assignee, approval.approver_name))


def _share(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(100 * part) / whole).quantize(Decimal(1), rounding=ROUND_HALF_UP)


def _words(part: str, **values: Any) -> str:
    return render_part(TEMPLATE, part, **values)
