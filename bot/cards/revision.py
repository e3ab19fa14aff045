"""What changed in a deal, as people read it: the block a re-approval card opens with,
and the thread's reply per revision.

"Discount 12% → 18% (crosses your 15% limit) · Term 36 → 24 months · ACV unchanged"
"""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import Block

from bot.cards.blocks import SlackMessage, context, message, section
from bot.cards.ids import CardBlock
from bot.cards.parts import company, term
from bot.read_models.revisions import FieldDiff, RevisionDiff
from bot.read_models.snapshots import DealSnapshot
from bot.text.mrkdwn import mention, money, percent, quote
from policies.vocabulary import RevisionSource

LABELS = {
    "acv": "ACV",
    "discount": "Discount",
    "term_months": "Term",
    "company": "Company",
    "industry": "Industry",
    "employees": "Employees",
    "use_case": "Use case",
    "budget_indicated": "Budget indicated",
    "custom_terms": "Custom terms",
    "owner": "Owner",
}
MADE_BY = {
    RevisionSource.EDIT: "edited by {actor}",
    RevisionSource.CRM: "changed in the CRM",
    RevisionSource.COUNTER: "a counter-offer accepted by {actor}",
    RevisionSource.RESUBMITTED: "resubmitted by {actor}",
    RevisionSource.POLICY: "moved onto the new policy by the deal desk",
}
VALUE_MAX = 60


def diff_line(diff: RevisionDiff) -> str:
    """Each change, then the headline fields that stayed, one line."""
    parts = [_change(change) for change in diff.changes]
    parts += [f"{LABELS[field]} unchanged" for field in diff.unchanged]
    return " · ".join(parts) if parts else "Nothing that you decide on changed"


def diff_block(diff: RevisionDiff) -> Block:
    """The top of a re-approval card: what changed since the reader last saw the deal."""
    heading = f"*Changed since you last saw it* (revision {diff.since} → {diff.revision})"
    return section(f"✏️ {heading}\n{diff_line(diff)}", block_id=CardBlock.CHANGES)


def build_revision_reply(deal: DealSnapshot, diff: RevisionDiff) -> SlackMessage:
    """The thread's reply for a new revision."""
    made = _made_by(diff)
    line = f"✏️ *{company(deal)}* is now revision {diff.revision}{made}: {diff_line(diff)}"
    blocks: list[Block] = [
        section(line),
        context(f"{deal.ref} · compared with revision {diff.since}"),
    ]
    return message(f"{deal.ref} is now revision {diff.revision}{made}.", blocks)


def shown(field: str, value: Any) -> str:
    """A value of a deal field in mrkdwn."""
    if value is None:
        return "—"
    if field == "acv":
        return money(value)
    if field == "discount":
        return percent(value)
    if field == "term_months":
        return term(value)
    if field == "owner":
        return mention(str(value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    return f"“{quote(str(value), VALUE_MAX)}”"


def _change(change: FieldDiff) -> str:
    label = LABELS.get(change.field, change.field)
    if change.field == "term_months":
        text = f"{label} {change.before} → {shown(change.field, change.after)}"
    else:
        text = f"{label} {shown(change.field, change.before)} → {shown(change.field, change.after)}"
    return f"{text} ({change.limit})" if change.limit else text


def _made_by(diff: RevisionDiff) -> str:
    template = MADE_BY.get(RevisionSource(diff.source)) if diff.source else None
    if template is None:
        return ""
    return f" ({template.format(actor=mention(diff.actor or 'system'))})"
