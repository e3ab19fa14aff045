"""``/deal audit <deal id>``: the deal's audit trail, newest last, and whether it verifies."""

from __future__ import annotations

from bot.cards.blocks import SlackMessage
from bot.cards.replies import build_audit_reply, build_not_found_reply
from bot.core.deps import Deps
from bot.core.errors import UserInputError
from bot.read_models.deal_lookup import suggest
from policies.vocabulary import deal_ref, parse_deal_ref
from store import evidence
from store import repositories as repo
from store.audit import iter_events, verify


async def audit_reply(deps: Deps, query: str) -> SlackMessage:
    deal_id = parse_deal_ref(query)
    if deal_id is None:
        raise UserInputError("deal", "which deal? Give its id, as in `/deal audit D-1001`")
    ref = deal_ref(deal_id)
    async with deps.db.read() as session:
        if await repo.get_deal(session, deal_id) is None:
            return build_not_found_reply(query, await suggest(session, query))
        events = [event async for event in iter_events(session, deal_id=ref)]
        check = await verify(session, deal_id=ref)
        cited = {e["details"]["evidence"] for e in events if "evidence" in e["details"]}
        seen = await evidence.facts_by_hash(session, cited)
    return build_audit_reply(ref, events, check.ok, check.problem, seen)
