"""The plan ``/deal preview`` shows: each stage, who would approve and why, their SLA,
backups and the avatars' advice, for a deal that was not submitted."""

from __future__ import annotations

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from bot.cards import limits
from bot.cards.blocks import cap_blocks, context, divider, header, plain, section
from bot.text.mrkdwn import quote
from policies.explain import Explanation


def build_plan_view(explanation: Explanation) -> View:
    """The preview modal's second page: the plan, read-only."""
    blocks: list[Block] = [
        header(explanation.headline),
        context(
            f"Under {quote(explanation.policy_name, 150)} (version "
            f"{explanation.version[:12]}). Nothing was stored; `/deal new` submits it."
        ),
    ]
    for stage in explanation.stages:
        blocks.append(divider())
        title = f"*{stage.index + 1}. {quote(stage.name, 80)}*"
        if not stage.approvals:
            blocks.append(section(f"{title}\nSkipped: no rule applies to this deal."))
            continue
        lines = [title]
        for approval in stage.approvals:
            advice = f"\n    🤖 {quote(approval.avatar, 300)}" if approval.avatar else ""
            lines.append(
                f"• *{quote(approval.who, 150)}*: {quote(approval.why, 200)}\n"
                f"    {quote(approval.then, 300)}{advice}"
            )
        blocks.append(section("\n".join(lines)))
        if stage.not_required:
            skipped = ", ".join(stage.not_required)
            blocks.append(context(f"Not required for this deal: {quote(skipped, 1500)}"))
    return View(
        type="modal",
        title=plain("Approval plan", limits.MODAL_TITLE_MAX),
        close=plain("Done", limits.MODAL_CLOSE_MAX),
        blocks=cap_blocks(blocks, limits.VIEW_BLOCKS_MAX),
    )
