"""What posting approval cards needs from the database, read for a whole batch at once.

A card shows its approval as part of its deal, names its evidence record, and opens with
what changed since its holder last had the deal in hand; it is posted once. For a batch
of cards that is five statements whatever the batch's size (the approvals' deals, the
deals with their approvals, the cards posted already, the evidence hashes),
where reading card by card took six a card; a deal's second revision adds one, for
what its holders saw before.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.policy_book import PolicyBook
from bot.read_models.loaders import load_approval, load_deals
from bot.read_models.snapshots import ApprovalSnapshot, DealSnapshot
from policies.model import Policy
from store import evidence, messages
from store import repositories as repo


@dataclass(frozen=True)
class CardReads:
    """An unposted card's approval with its deal and policy, and what the card names."""

    deal: DealSnapshot
    approval: ApprovalSnapshot
    policy: Policy
    evidence: str | None
    """The hash of the evidence recorded with the assignment."""
    last_seen: int | None
    """The latest earlier revision on which the holder had this deal in hand."""


async def read_unposted_cards(
    session: AsyncSession, approval_ids: Collection[int], policies: PolicyBook
) -> dict[int, CardReads | None]:
    """For each approval of its deal's current revision: its reads, or None when there is
    no card to post (the approval is gone or its card was posted). Approvals of an earlier
    revision are left out, for the caller to read on their own."""
    deal_of = await repo.deals_of(session, approval_ids)
    deals = await load_deals(session, deal_of.values(), policies)
    posted = await messages.posted_subjects(
        session, [messages.card_subject(approval_id) for approval_id in approval_ids]
    )
    hashes = await evidence.hashes_of(session, approval_ids)
    revised = [deal.id for deal in deals.values() if deal.revision > 1]
    holders = await repo.list_holders(session, revised)  # no statement for first revisions
    found: dict[int, CardReads | None] = {}
    for approval_id in approval_ids:
        deal = deals.get(deal_of.get(approval_id, 0))
        if deal is None or messages.card_subject(approval_id) in posted:
            found[approval_id] = None
            continue
        approval = next((a for a in deal.approvals if a.id == approval_id), None)
        if approval is None:  # of an earlier revision
            continue
        found[approval_id] = CardReads(
            deal=deal,
            approval=approval,
            policy=await policies.get(session, deal.policy_version),
            evidence=hashes.get(approval_id),
            last_seen=_last_seen(holders, deal.id, approval.assignee, deal.revision),
        )
    return found


async def read_unposted_card(
    session: AsyncSession, approval_id: int, policies: PolicyBook
) -> CardReads | None:
    """One approval's card reads, of any revision (None: no card to post)."""
    found = await read_unposted_cards(session, [approval_id], policies)
    if approval_id in found:
        return found[approval_id]
    # An approval of an earlier revision: its card shows it decided, or moved on.
    loaded = await load_approval(session, approval_id, policies)
    subject = messages.card_subject(approval_id)
    if loaded is None or await messages.get_message(session, subject) is not None:
        return None
    deal, approval = loaded
    return CardReads(
        deal,
        approval,
        await policies.get(session, deal.policy_version),
        await evidence.hash_of(session, approval_id),
        await repo.get_last_seen_revision(session, deal.id, approval.assignee, approval.revision),
    )


def _last_seen(
    holders: Iterable[tuple[int, int, str]], deal_id: int, person: str, before: int
) -> int | None:
    """As ``repo.get_last_seen_revision``, from ``repo.list_holders``' rows."""
    seen = (
        revision
        for held_deal, revision, held_by in holders
        if held_deal == deal_id and held_by == person and revision < before
    )
    return max(seen, default=None)
