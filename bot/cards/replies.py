"""Ephemeral replies to ``/deal``: status, inbox, audit, help, not found, errors.

Only the person who asked sees them; the caller posts them as ephemeral.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from slack_sdk.models.blocks import Block

from bot.cards import limits
from bot.cards.audit import build_audit_reply
from bot.cards.blocks import (
    SlackMessage,
    actions,
    button,
    context,
    fit_list,
    header,
    message,
    more_line,
    section,
)
from bot.cards.ids import StatusAction
from bot.cards.parts import (
    COMMENT_IN_LINE,
    company,
    deadline_line,
    deal_context,
    fact_fields,
    outcome_line,
    pending_line,
    progress_line,
    revision_lines,
    status_line,
    summary,
)
from bot.read_models.snapshots import ApprovalSnapshot, DealSnapshot
from bot.text import mrkdwn
from bot.text.mrkdwn import escape_mrkdwn, quote
from policies.vocabulary import ApprovalStatus

__all__ = [
    "build_audit_reply",
    "build_error_reply",
    "build_help_reply",
    "build_inbox_reply",
    "build_not_found_reply",
    "build_status_reply",
]

RECENT_STEPS = 6
SUGGESTIONS_SHOWN = 10

COMMANDS: tuple[tuple[str, str], ...] = (
    ("/deal status <deal id or company>", "where a deal stands, and who it waits for"),
    ("/deal inbox", "the approvals waiting for you"),
    ("/deal audit <deal id>", "a deal's audit trail, checked against its hash chain"),
    (
        "/deal delegate @user [until YYYY-MM-DD]",
        "send your approvals to someone while you are away; `/deal delegate off` ends it",
    ),
    ("/deal new", "submit a deal for approval"),
    ("/deal preview", "see the plan a deal would get, without submitting it"),
    (
        "/deal edit <deal id>",
        "change a deal in review; approvers a change concerns are asked again",
    ),
    ("/deal withdraw <deal id> [reason]", "take your deal out of review"),
    ("/deal reassign <deal id> <approver> @user [reason]", "admins: move a pending approval"),
    ("/deal stalled", "deals that have had no activity for a while"),
    ("/deal report slo [7d|30d]", "how often each approver and stage met its SLA"),
    ("/deal report avatars [7d|30d]", "how often each avatar agreed with the people it shadows"),
    ("/deal report forecast", "admins: what will clear before the quarter closes, whom to nudge"),
    ("/deal briefing on|off|time HH:MM", "your morning briefing of what waits for you"),
    ("/deal help", "this list"),
)
"""Every subcommand of CONTRACT.md, with one line each."""


def build_status_reply(deal: DealSnapshot, now: datetime, *, admin: bool = False) -> SlackMessage:
    """Stage, who is pending and the time left on each SLA, and the latest steps; for an
    admin, a "Decide for them" button on each pending approval (an override)."""
    blocks: list[Block] = [
        header(f"{deal.company} · {deal.ref}"),
        section(f"{status_line(deal)}\n{progress_line(deal)}", fields=fact_fields(deal)),
    ]
    if pending := deal.pending:
        lines = "\n".join(pending_line(a, now) for a in pending)
        blocks.append(section(f"*Waiting on*\n{lines}"))
        if admin:
            blocks.append(_override_buttons(pending))
    if revision := revision_lines(deal):
        blocks.append(section(f"*Revision {deal.revision}: which sign-offs it kept*\n{revision}"))
    if steps := _recent_steps(deal, now):
        blocks.append(section(f"*Latest steps*\n{steps}"))
    blocks.append(context(deal_context(deal)))
    text = f"{company(deal)} ({deal.ref}): {status_line(deal).removeprefix('*Status:* ')}"
    return message(text, blocks)


def _override_buttons(pending: Sequence[ApprovalSnapshot]) -> Block:
    shown = pending[: limits.ACTIONS_ELEMENTS_MAX]
    return actions(
        "status_overrides",
        *(
            button(
                f"Decide for {approval.approver_name}",
                StatusAction.OVERRIDE,
                str(approval.id),
            )
            for approval in shown
        ),
    )


def build_inbox_reply(
    waiting: Sequence[tuple[DealSnapshot, ApprovalSnapshot]],
    now: datetime,
    total: int | None = None,
) -> SlackMessage:
    """What waits for the asker, in the order given (overdue first, then by deadline).

    ``total``: how many wait in all, when ``waiting`` holds only the first of them.
    """
    count = len(waiting) if total is None else max(total, len(waiting))
    if not waiting:
        line = "Nothing waits for you. 🎉"
        return message(line, [section(line)])
    budget = limits.MESSAGE_BLOCKS_MAX - 2
    items = fit_list(
        waiting,
        lambda item: [section(_inbox_line(*item, now))],
        budget,
        lambda n: more_line(n, "The App Home tab lists them all."),
        count,
    )
    blocks: list[Block] = [
        header(f"Waiting for you ({count})"),
        *items,
        context("Decide from the cards in your DMs or on the App Home tab."),
    ]
    plural = "approval waits" if count == 1 else "approvals wait"
    return message(f"{count} {plural} for you.", blocks)


def build_help_reply(unknown: str | None = None) -> SlackMessage:
    """Every ``/deal`` subcommand with one line; ``unknown`` is what the user typed, if anything."""
    lines = "\n".join(f"`{escape_mrkdwn(command)}` — {what}" for command, what in COMMANDS)
    intro = (
        f"I don't know `/deal {quote(unknown, 100)}`. Here is what I can do:"
        if unknown
        else "Here is what I can do:"
    )
    blocks: list[Block] = [header("dealdesk commands"), section(intro), section(lines)]
    commands = ", ".join(f"`{escape_mrkdwn(command)}`" for command, _ in COMMANDS)
    return message(f"{intro} {commands}", blocks)


def build_not_found_reply(query: str, suggestions: Sequence[tuple[str, str]]) -> SlackMessage:
    """No deal matched ``query``; ``suggestions`` are (ref, company) pairs that came close."""
    line = f"🔍 I couldn't find a deal matching “{quote(query, 100)}”."
    blocks: list[Block] = [section(line)]
    if suggestions:
        shown = suggestions[:SUGGESTIONS_SHOWN]
        options = "\n".join(f"• *{quote(ref, 20)}* {quote(name, 80)}" for ref, name in shown)
        blocks.append(section(f"Did you mean:\n{options}"))
    blocks.append(context("Try a deal id such as D-1001, or part of the company name."))
    return message(line, blocks)


def build_done_reply(message_text: str) -> SlackMessage:
    """A short confirmation, only for the asker: ``message_text`` is mrkdwn already."""
    return message(message_text, [section(message_text)])


def build_error_reply(message_text: str) -> SlackMessage:
    line = f"⚠️ {quote(message_text, limits.SECTION_TEXT_MAX)}"
    return message(line, [section(line)])


def _inbox_line(deal: DealSnapshot, approval: ApprovalSnapshot, now: datetime) -> str:
    return (
        f"{summary(deal)}\n{quote(approval.stage_name, 80)} · "
        f"{quote(approval.reason, COMMENT_IN_LINE)}\n{deadline_line(approval, now)}"
    )


def _recent_steps(deal: DealSnapshot, now: datetime) -> str:
    settled = [a for a in deal.approvals if a.status != ApprovalStatus.PENDING]
    latest = sorted(settled, key=lambda a: (a.decided_at or a.assigned_at, a.id))[-RECENT_STEPS:]
    return "\n".join(
        f"• {quote(a.stage_name, 80)}: "
        + mrkdwn.truncate_mrkdwn(outcome_line(deal, a, now), COMMENT_IN_LINE * 2)
        for a in latest
    )
