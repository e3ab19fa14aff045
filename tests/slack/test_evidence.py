"""The evidence behind a click: what Lisa's card showed is stored once with its SHA-256,
the card carries the hash, her decision's audit event names it, ``/deal audit`` and
``dealdesk audit show`` say what she saw, and an evidence row edited behind dealdesk's
back breaks ``audit verify``, naming it."""

from __future__ import annotations

import json
import os
import re
from typing import Any

from sqlalchemy import select, text

from bot.cards.ids import CardAction
from store.audit import verify
from store.evidence import evidence_hash
from store.models import AuditEvent, Evidence
from tests.slack.flows import LISA, OWNER, card_for, settled, submit
from tests.support.app_server import RunningApp
from tests.support.processes import run_dealdesk


async def evidence_rows(app: RunningApp) -> list[Evidence]:
    async with app.deps.db.read() as session:
        return list((await session.execute(select(Evidence))).scalars())


async def lisas_decision(app: RunningApp) -> AuditEvent:
    async with app.deps.db.read() as session:
        query = select(AuditEvent).where(
            AuditEvent.action == "approval_decided", AuditEvent.actor == LISA
        )
        return (await session.execute(query)).scalar_one()


async def dealdesk(app: RunningApp, *args: str) -> tuple[int, str]:
    return await run_dealdesk({**os.environ, "DATABASE_URL": app.settings.database_url}, *args)


async def test_a_decision_names_the_evidence_of_the_card_it_came_from(app: RunningApp) -> None:
    deal = await submit(app)
    card = await card_for(app.slack, LISA)
    [row] = await evidence_rows(app)
    assert row.hash == evidence_hash(row.facts)
    facts: dict[str, Any] = json.loads(row.facts)
    assert facts["deal"]["company"] == "TechCorp"
    assert facts["deal"]["acv"].startswith("500000")
    assert facts["approval"]["shown_to"] == LISA
    assert "manager authority" in facts["approval"]["why"]
    assert facts["recommendation"]["outcome"] == "approve"
    assert re.search(rf"Evidence `{row.hash[:12]}`", card.visible_text)

    await app.requests.click(card, CardAction.APPROVE, user=LISA)
    await settled(app)

    decided = await lisas_decision(app)
    assert json.loads(decided.details)["evidence"] == row.hash
    reply = await app.requests.command("/deal", f"audit {deal.deal_ref}", user=OWNER)
    assert "Saw: TechCorp, revision 1: $500,000 ACV, 12% discount, 36 months" in str(reply.body)

    code, shown = await dealdesk(app, "audit", "show", deal.deal_ref)
    assert code == 0, shown
    assert "Saw: TechCorp, revision 1" in shown
    assert f"evidence {row.hash[:16]}" in shown
    assert "are intact" in shown


async def test_evidence_edited_behind_dealdesks_back_breaks_verify(app: RunningApp) -> None:
    await submit(app)
    card = await card_for(app.slack, LISA)
    await app.requests.click(card, CardAction.APPROVE, user=LISA)
    await settled(app)
    decided = await lisas_decision(app)
    [row] = [
        r
        for r in await evidence_rows(app)
        if r.approval_id == json.loads(decided.details)["approval_id"]
    ]

    async with app.deps.db.transaction() as session:  # "she saw a 5% discount"
        forged = row.facts.replace('"discount":"12', '"discount":"5')
        await session.execute(
            text("UPDATE evidence SET facts = :facts WHERE id = :id"),
            {"facts": forged, "id": row.id},
        )
    async with app.deps.db.read() as session:
        result = await verify(session)
    assert not result.ok
    assert result.broken_seq == decided.seq
    assert f"evidence of approval {row.approval_id} was changed" in str(result.problem)
    code, said = await dealdesk(app, "audit", "verify")
    assert code == 1
    assert f"evidence of approval {row.approval_id} was changed" in said

    async with app.deps.db.transaction() as session:  # and its hash recomputed to match
        await session.execute(
            text("UPDATE evidence SET hash = :hash WHERE id = :id"),
            {"hash": evidence_hash(forged), "id": row.id},
        )
    async with app.deps.db.read() as session:
        result = await verify(session)
        of_the_deal = await verify(session, decided.deal_id)
    for found in (result, of_the_deal):  # the whole log, and one deal's events
        assert not found.ok
        assert found.broken_seq == decided.seq
        assert "named in the audit log is missing" in str(found.problem)
