"""The ``/deal report forecast`` reply: what is expected to clear before the quarter
closes, the deals most at risk, and whom to nudge, each with a Nudge button."""

from __future__ import annotations

from decimal import Decimal

from slack_sdk.models.blocks import Block

from bot.cards import limits
from bot.cards.blocks import SlackMessage, actions, button, context, header, message, section
from bot.cards.ids import ForecastAction
from bot.forecast.desk import Forecast, Nudge
from bot.forecast.simulate import DealForecast
from bot.text.mrkdwn import escape_mrkdwn, money, slack_date, who
from policies.model import Policy

DEALS_SHOWN = 10
NUDGE_IDS_MAX = 100
"""Approval ids a Nudge button carries (its value holds 2,000 characters)."""
EXPORT = "`dealdesk report forecast --format csv`"


def build_forecast_reply(forecast: Forecast, policy: Policy) -> SlackMessage:
    names = {a.slack_user: a.name for a in policy.approvers.values() if a.slack_user}
    at_risk = [item for item in forecast.deals if item.p_clear < 1.0]
    summary = (
        f"*{_money(forecast.acv_expected)} expected to clear* before the quarter closes "
        f"{slack_date(forecast.last_minute)}, *{_money(forecast.acv_at_risk)} at risk*, "
        f"{len(forecast.deals)} deal{'s' if len(forecast.deals) != 1 else ''} in review."
    )
    blocks: list[Block] = [header(f"Forecast for {forecast.quarter.label}"), section(summary)]
    if at_risk:
        lines = [_deal_line(item, names) for item in at_risk[:DEALS_SHOWN]]
        more = len(at_risk) - DEALS_SHOWN
        if more > 0:
            lines.append(f"…and {more} more: {EXPORT} lists them all.")
        blocks.append(section("\n".join(["*Most at risk*", *lines])))
    else:
        blocks.append(section("Every deal in review is likely to clear in time."))
    if forecast.nudge:
        blocks.append(section("*Whom to nudge*"))
        for nudge in forecast.nudge:
            blocks += _nudge_blocks(nudge, names)
    if forecast.away:
        out = ", ".join(
            who(user, names.get(user, user))
            + (f" (back {slack_date(back)})" if back is not None else " (no return date)")
            for user, back in sorted(forecast.away.items())
        )
        blocks.append(
            context(
                f"🌴 Out of office, by their Slack status: {out}. Simulated as dealdesk "
                "treats them: their approvals go to a stand-in, or wait if they are back soon."
            )
        )
    blocks.append(
        context(
            f"Simulated from each approver's decisions of the last 180 days, {forecast.runs} "
            f"runs a deal, as of {slack_date(forecast.as_of)}. {EXPORT} has every deal."
        )
    )
    text = (
        f"Forecast for {forecast.quarter.label}: {_money(forecast.acv_expected)} expected "
        f"to clear, {_money(forecast.acv_at_risk)} at risk."
    )
    return message(text, blocks)


def _deal_line(item: DealForecast, names: dict[str, str]) -> str:
    deal = item.deal
    finish = (
        f"likely done {slack_date(item.p50_finish)}"
        if item.p50_finish is not None
        else "may not be approved at all"
    )
    waiting = ", ".join(
        who(assignee, names.get(assignee, assignee)) for assignee in deal.waiting_on
    )
    return (
        f"• *{escape_mrkdwn(deal.company)}* ({deal.ref}) · {money(deal.acv)} · "
        f"*{item.p_clear:.0%}* in time · {finish}" + (f" · waits on {waiting}" if waiting else "")
    )


def _nudge_blocks(nudge: Nudge, names: dict[str, str]) -> list[Block]:
    count = len(nudge.approvals)
    person = who(nudge.assignee, names.get(nudge.assignee, nudge.assignee))
    text = (
        f"{person} · {_money(nudge.acv_at_risk)} at risk on {count} "
        f"approval{'s' if count != 1 else ''} · {_money(nudge.acv_if_answered)} likely to "
        f"clear if answered today (now {_money(nudge.acv_now)})"
    )
    ids = ",".join(str(approval_id) for approval_id in nudge.approvals[:NUDGE_IDS_MAX])
    return [
        section(text),
        actions(
            f"{ForecastAction.NUDGE}:{nudge.assignee}"[: limits.BLOCK_ID_MAX],
            button("Nudge", ForecastAction.NUDGE, ids),
        ),
    ]


def _money(amount: float) -> str:
    return money(Decimal(round(amount)))
