"""The App Home tab: the approval inbox of the person looking at it, and approving several
of its approvals at once."""

from __future__ import annotations

import asyncio
import time

from bot.interactions.deps import ServeDeps
from bot.interactions.payloads import ButtonClick
from bot.slack import home_tab
from bot.text.mrkdwn import quote
from bot.workflow.journal import BULK, Click
from policies.vocabulary import Decision, deal_ref
from store import journal
from store.people import upsert_person

BULK_WAIT = 8.0
"""Seconds the sum-up waits for the journal to apply the decisions (usually well under one)."""
REFUSALS_SHOWN = 5
NOTHING_TICKED = "☑️ Tick the approvals to approve first, then *Approve selected*."


async def open_home(deps: ServeDeps, user: str) -> None:
    """Someone opened the Home tab: remember it (so it is kept fresh while they use it)
    and publish their inbox."""
    async with deps.db.transaction() as session:
        await upsert_person(session, user, deps.clock.now(), home_seen_at=deps.clock.now())
    await publish_home(deps, user)


async def publish_home(deps: ServeDeps, user: str) -> None:
    await home_tab.publish_home(deps.db, deps.policies, deps.clock, deps.gateway, user)


async def tell_on_home(deps: ServeDeps, user: str, notice: str) -> None:
    """Say ``notice`` on top of ``user``'s Home, kept there for a while: a refresh from
    the outbox a moment later shows it too."""
    now = deps.clock.now()
    async with deps.db.transaction() as session:
        await upsert_person(session, user, now, home_notice=notice, home_notice_at=now)
    await publish_home(deps, user)


async def journal_bulk(deps: ServeDeps, click: ButtonClick, selected: list[int]) -> list[str]:
    """Journal an approval of each ticked approval (durable before Slack is answered), each
    its own decision, checked on its own; the keys to follow them by."""
    keys = []
    for approval_id in dict.fromkeys(selected):
        key = f"{BULK}{click.dedup_key}:{approval_id}"
        await deps.journal.record(Click(key, approval_id, click.user, Decision.APPROVE))
        keys.append(key)
    deps.metrics.decisions.inc(len(keys))
    return keys


async def sum_up_bulk(deps: ServeDeps, user: str, keys: list[str]) -> None:
    """Once the journal applied them, Home says how many were approved and why any were not."""
    if not keys:
        await tell_on_home(deps, user, NOTHING_TICKED)
        return
    deadline = time.monotonic() + BULK_WAIT
    while True:
        async with deps.db.read() as session:
            results = await journal.list_results(session, keys)
        if all(results.get(key) for key in keys) or time.monotonic() >= deadline:
            break
        await asyncio.sleep(0.05)
    await tell_on_home(deps, user, _summary([results.get(key) for key in keys]))


def _summary(results: list[dict[str, object] | None]) -> str:
    applied = [r for r in results if r and r.get("applied")]
    refused = [r for r in results if r and not r.get("applied")]
    waiting = len(results) - len(applied) - len(refused)
    line = f"✅ Approved {len(applied)}"
    if refused:
        reasons = "; ".join(
            f"{deal_ref(int(str(r['deal_id'])))}: {quote(str(r['message']), 160)}"
            if r.get("deal_id")
            else quote(str(r["message"]), 160)
            for r in refused[:REFUSALS_SHOWN]
        )
        line += f"; {len(refused)} could not be: {reasons}"
    if waiting:
        line += f"; {waiting} still being applied (refresh Home in a moment)"
    return line + "."
