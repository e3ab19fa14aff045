"""The App Home tab: the approval inbox of the person looking at it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from slack_sdk.models.blocks import ActionsBlock, Block, CheckboxesElement, Option
from slack_sdk.models.views import View

from bot.cards import limits
from bot.cards.approval import decision_buttons
from bot.cards.blocks import (
    actions,
    button,
    cap_blocks,
    confirm_dialog,
    context,
    divider,
    fit_list,
    header,
    more_line,
    plain,
    section,
)
from bot.cards.ids import BULK_SELECT, HOME_DECISIONS, HomeAction, HomeBlock, StatusAction
from bot.cards.parts import (
    COMMENT_IN_LINE,
    REASON_MAX,
    deadline_line,
    outcome_line,
    status_line,
    summary,
)
from bot.read_models.snapshots import HomeData, Item
from bot.text import mrkdwn
from bot.text.mrkdwn import mention, quote, slack_date, who

RECENT_SHOWN = 5
OWN_SHOWN = 10
DELEGATED_BLOCKS_MAX = 21
"""Up to ten delegated approvals (two blocks each) and a "…and N more" line."""
FIXED_BLOCKS = 28
"""Header, greeting and top buttons (3); a divider and a title per list (8); the recent
decisions' and own deals' one section each (2); a notice and the bulk approve block (2);
an admin's escalated approvals (a divider, a title and up to ten blocks: 13)."""
ESCALATED_SHOWN = 5
"""An admin's escalated approvals on Home (two blocks each); /deal status has the rest."""
BULK_MAX = 40
"""Approvals offered for bulk approval at once (ten per checkboxes element); the rest come
with the next page, as these are decided."""
MORE_HINT = "They show up here as you decide these."


def build_home(home: HomeData) -> View:
    """Waiting approvals with their buttons, delegated ones, recent decisions, own deals.

    Stays within Slack's 100 blocks: the lists below the fold are capped, and the waiting
    list takes what is left, ending with "…and N more" when it overflows.
    """
    delegated = fit_list(
        home.delegated,
        lambda item: _item(item, home.now, HomeBlock.DELEGATED_ACTIONS),
        DELEGATED_BLOCKS_MAX,
        lambda n: more_line(n, MORE_HINT),
        home.delegated_total,
    )
    waiting_budget = limits.VIEW_BLOCKS_MAX - FIXED_BLOCKS - max(1, len(delegated))
    waiting = fit_list(
        home.waiting,
        lambda item: _item(item, home.now, HomeBlock.WAITING_ACTIONS),
        waiting_budget,
        lambda n: more_line(n, MORE_HINT),
        home.waiting_total,
    )
    blocks: list[Block] = [
        header("Your deal desk"),
        context(f"Hi {mention(home.user)}! Updated {slack_date(home.now)}."),
        *([section(home.notice)] if home.notice else []),
        actions(HomeBlock.TOP_ACTIONS, button("New deal", HomeAction.NEW_DEAL, "new")),
        *_titled(
            f"⏳ *Waiting for you* ({_total(home.waiting, home.waiting_total)})",
            [*_bulk(home.waiting), *waiting],
            "Nothing waits for you. 🎉",
        ),
        *_titled(
            f"🤝 *Delegated to you* ({_total(home.delegated, home.delegated_total)})",
            delegated,
            "Nobody has handed you their approvals.",
        ),
        *_escalated(home),
        *_titled("🕘 *Your recent decisions*", _recent(home), "Your decisions will show up here."),
        *_titled(
            "📁 *Your deals in review*",
            _own(home),
            "None right now. Start one with `/deal new` or the button above.",
        ),
    ]
    return View(type="home", blocks=cap_blocks(blocks, limits.VIEW_BLOCKS_MAX))


def _escalated(home: HomeData) -> list[Block]:
    """For an admin: what no backup was left to take, each with "Decide for …" (an override,
    with a reason); nothing for anyone else."""
    if home.escalated is None:
        return []
    rows: list[Block] = [
        block
        for deal, approval in home.escalated[:ESCALATED_SHOWN]
        for block in (
            section(
                f"{summary(deal)}\n{quote(approval.stage_name, 80)} · waiting for "
                f"{who(approval.assignee, approval.approver_name)} · 🚨 escalated"
            ),
            actions(
                f"{HomeBlock.ESCALATED_ACTIONS}:{approval.id}",
                button(
                    f"Decide for {approval.approver_name}",
                    StatusAction.OVERRIDE,
                    str(approval.id),
                ),
            ),
        )
    ]
    return _titled("🚨 *Escalated to the admins*", rows, "Nothing is escalated. 🎉")


def _bulk(waiting: Sequence[Item]) -> list[Block]:
    """Tick several, approve them together (after one confirm); each is its own decision."""
    items = list(waiting[:BULK_MAX])
    if len(items) < 2:
        return []
    boxes = [
        CheckboxesElement(
            action_id=f"{BULK_SELECT}{index // 10}",
            options=[
                Option(
                    value=str(approval.id),
                    text=plain(
                        f"{deal.ref} · {deal.company} · {approval.stage_name}",
                        limits.OPTION_TEXT_MAX,
                    ),
                )
                for deal, approval in items[index : index + 10]
            ],
        )
        for index in range(0, len(items), 10)
    ]
    confirm = confirm_dialog(
        title="Approve the ticked ones?",
        text="Each is approved as its own decision, in your name.",
        yes="Approve",
        no="Cancel",
    )
    approve = button(
        "Approve selected", HomeAction.BULK_APPROVE, "bulk", style="primary", confirm=confirm
    )
    return [ActionsBlock(block_id=HomeBlock.BULK, elements=[*boxes, approve])]


def _total(items: Sequence[Item], total: int | None) -> int:
    return len(items) if total is None else total


def _titled(title: str, body: list[Block], empty: str) -> list[Block]:
    return [divider(), section(title), *(body or [section(empty)])]


def _item(item: Item, now: datetime, actions_block: str) -> list[Block]:
    deal, approval = item
    lines = [
        summary(deal),
        f"{quote(approval.stage_name, 80)} · {quote(approval.reason, REASON_MAX // 2)}",
        deadline_line(approval, now),
    ]
    return [
        section("\n".join(line for line in lines if line)),
        decision_buttons(approval.id, f"{actions_block}:{approval.id}", HOME_DECISIONS),
    ]


def _recent(home: HomeData) -> list[Block]:
    """One section, a line per decision."""
    items = home.recent[:RECENT_SHOWN]
    if not items:
        return []
    lines = [
        f"*{quote(deal.company, 80)}* · "
        + mrkdwn.truncate_mrkdwn(outcome_line(deal, approval, home.now), COMMENT_IN_LINE * 2)
        for deal, approval in items
    ]
    return [section("\n".join(lines))]


def _own(home: HomeData) -> list[Block]:
    """One section, a line per deal, with who it waits for."""
    deals = home.own_deals[:OWN_SHOWN]
    if not deals:
        return []
    lines = []
    for deal in deals:
        state = status_line(deal).removeprefix("*Status:* ")
        waiting = ", ".join(who(a.assignee, a.approver_name) for a in deal.pending)
        line = f"• {summary(deal)}\n{state}" + (f" · waiting on {waiting}" if waiting else "")
        lines.append(mrkdwn.truncate_mrkdwn(line, 280))
    extra = len(home.own_deals) - len(deals)
    more = f"\n…and {extra} more" if extra > 0 else ""
    return [section("\n".join(lines) + more)]
