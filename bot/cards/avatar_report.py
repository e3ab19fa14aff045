"""``/deal report avatars``: each avatar against the people it shadows, for Slack."""

from __future__ import annotations

from slack_sdk.models.blocks import Block

from bot.cards.blocks import SlackMessage, cap_blocks, context, divider, header, message, section
from bot.cards.limits import MESSAGE_BLOCKS_MAX
from bot.reports.avatars import AvatarFigures, AvatarReport
from bot.text.mrkdwn import mention, quote, slack_date
from policies.vocabulary import deal_ref

DISAGREEMENTS_SHOWN = 3
_WORDS = {"approve": "approve", "reject": "reject", "hand_over": "hand over", "changes": "changes"}


def build_avatar_report_reply(report: AvatarReport) -> SlackMessage:
    days = round((report.until - report.since).total_seconds() / 86400)
    export = f"`dealdesk report avatars --since {days}d`"
    blocks: list[Block] = [header(f"Avatar report · last {days} days")]
    if not report.avatars:
        blocks.append(section("No approval was decided beside an avatar in this window."))
    for figures in report.avatars:
        blocks += [divider(), section(_summary(figures)), section(_confusion(figures))]
        shown = figures.disagreements[:DISAGREEMENTS_SHOWN]
        if shown:
            lines = "\n".join(
                f"• {deal_ref(d.deal_id)}: {mention(d.decided_by)} chose *{_WORDS[d.decision]}*"
                f"{f' ({quote(d.comment, 200)})' if d.comment else ''}; the avatar said "
                f"*{_WORDS[d.verdict]}*: {quote(d.reasoning, 300)}"
                for d in shown
            )
            more = len(figures.disagreements) - len(shown)
            extra = f"\n…and {more} more ({export} lists them)" if more else ""
            blocks.append(section(f"*Disagreements*\n{lines}{extra}"))
    blocks.append(
        context(
            f"Decisions from {slack_date(report.since)} to {slack_date(report.until)}. "
            f"{export} has every figure."
        )
    )
    text = f"Avatar report, last {days} days: {len(report.avatars)} avatars"
    return message(text, cap_blocks(blocks, MESSAGE_BLOCKS_MAX))


def _summary(figures: AvatarFigures) -> str:
    return (
        f"*{quote(figures.name, 150)}* shadowed {figures.shadowed} · agreed "
        f"{figures.agreement_text} · would have automated {figures.automation_text}"
    )


def _confusion(figures: AvatarFigures) -> str:
    rows = [
        f"said {_WORDS[verdict]}: "
        + ", ".join(f"{count} {_WORDS[decision]}" for decision, count in counts.items())
        for verdict, counts in figures.confusion.items()
        if any(counts.values())
    ]
    return "```\n" + "\n".join(rows) + "\n```" if rows else "Nothing to compare yet."
