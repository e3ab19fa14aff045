"""Finding a deal by what a person types: its id (``D-1001``) or its company's name."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.policy_book import PolicyBook
from bot.read_models.loaders import load_deals
from bot.read_models.snapshots import DealSnapshot
from policies.vocabulary import deal_ref, parse_deal_ref
from store import repositories as repo

SUGGESTIONS = 5
CANDIDATES = 2000
"""How many of the newest deals close matches are looked for among."""
CUTOFF = 0.6


@dataclass(frozen=True)
class Lookup:
    deal: DealSnapshot | None
    suggestions: list[tuple[str, str]] = field(default_factory=list)
    """(ref, company) pairs that came close, when no deal matched."""


async def find_deal(session: AsyncSession, policies: PolicyBook, query: str) -> Lookup:
    """The deal with this id; else the newest deal of the company (case-insensitive, or
    the only one whose name contains ``query``); else close matches to suggest."""
    wanted = query.strip()
    deal_id = parse_deal_ref(wanted)
    if deal_id is None:
        deal_id = await repo.find_deal_by_company(session, wanted)
    if deal_id is not None:
        deal = (await load_deals(session, [deal_id], policies)).get(deal_id)
        if deal is not None:
            return Lookup(deal)
    return Lookup(None, await suggest(session, wanted))


async def suggest(session: AsyncSession, wanted: str) -> list[tuple[str, str]]:
    """Deals whose ref or company comes close to ``wanted`` (difflib), closest first."""
    rows = await repo.list_newest_companies(session, CANDIDATES)
    key = wanted.casefold()
    scored: dict[int, float] = {}
    for deal_id, company in rows:
        name = company.casefold()
        score = max(
            difflib.SequenceMatcher(None, key, name).ratio(),
            difflib.SequenceMatcher(None, key, deal_ref(deal_id).casefold()).ratio(),
            0.9 if key and key in name else 0.0,
        )
        if score >= CUTOFF:
            scored[deal_id] = score
    companies = dict(rows)
    best = sorted(scored, key=lambda deal_id: (-scored[deal_id], -deal_id))[:SUGGESTIONS]
    return [(deal_ref(deal_id), companies[deal_id]) for deal_id in best]
