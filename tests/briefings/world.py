"""A small deal desk for briefing tests: approvers in New York, Tokyo and Los Angeles, an
owner in New York, a deal channel, and helpers that read what the morning round queued."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from bot.core.deps import Deps
from bot.outbox.work import Work
from sandbox.block_reading import visible_text
from store.models import OutboxMessage
from store.people import upsert_person

POLICY = """\
name: Briefing test matrix
timezone: America/New_York
deal_channel: C0DEALDESK
admins: [U0REVOPS]
briefing: {time: "08:00"}
stalled_after: 7d
approvers:
  sdr:
    name: Sarah Chen
    avatar: qualification
    limits: {qualify_threshold: 0}
  manager:
    name: Marcus Thompson
    slack_user: U0MARCUS
    sla: 24h
  legal:
    name: Kenji Sato
    slack_user: U0KENJI
    sla: 24h
  cfo:
    name: Lisa Wong
    slack_user: U0LISA
    sla: 2h
stages:
  - name: Qualification
    approvals:
      - approver: sdr
  - name: Deal approval
    approvals:
      - approver: manager
      - approver: legal
      - approver: cfo
        when: acv > 250000
"""

OWNER = "U0SARAH"
MARCUS = "U0MARCUS"
"""The manager, in New York."""
KENJI = "U0KENJI"
"""Legal, in Tokyo."""
LISA = "U0LISA"
"""The CFO, in Los Angeles; only deals over $250K need her."""
DEAL_CHANNEL = "C0DEALDESK"

ZONES = {
    OWNER: "America/New_York",
    MARCUS: "America/New_York",
    KENJI: "Asia/Tokyo",
    LISA: "America/Los_Angeles",
}


async def set_zones(deps: Deps, zones: dict[str, str] = ZONES) -> None:
    """What the morning round learns from Slack profiles, stored as it stores it."""
    now = deps.clock.now()
    async with deps.db.transaction() as session:
        for user, zone in zones.items():
            await upsert_person(session, user, now, tz=zone, tz_checked_at=now)


@dataclass(frozen=True)
class Queued:
    """A message the morning round queued (rendered when it was claimed)."""

    kind: str
    subject: str
    user: str | None
    channel: str | None
    message: dict[str, Any]
    created_at: datetime

    @property
    def text(self) -> str:
        """What a person reads: every block's visible text."""
        return visible_text(self.message["blocks"])

    @property
    def day(self) -> date:
        return date.fromisoformat(self.subject.rsplit(":", 1)[1])


async def queued(deps: Deps, kind: Work = Work.BRIEFING) -> list[Queued]:
    async with deps.db.read() as session:
        rows = (
            await session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.kind == kind.value)
                .order_by(OutboxMessage.id)
            )
        ).all()
    return [
        Queued(
            row.kind,
            row.payload["subject"],
            row.payload.get("user"),
            row.payload.get("channel"),
            row.payload["message"],
            row.created_at,
        )
        for row in rows
    ]


async def briefed(deps: Deps) -> list[tuple[str, date]]:
    """(user, local day) of every briefing queued so far, in order."""
    return [(q.user or "", q.day) for q in await queued(deps)]
