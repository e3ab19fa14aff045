"""What the deadline tests share: the people, reading approvals and audit events with their
times, and telling when FakeSlack received a call in wall-clock time."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from bot.workflow import SubmitResult
from store.models import Approval, AuditEvent
from tests.slack.flows import ADMIN, DANIEL, LISA, OWNER, PRIYA, submit
from tests.support.app_server import RunningApp
from tests.support.fake_slack import Call, FakeSlack

__all__ = ["ADMIN", "DANIEL", "LISA", "OWNER", "PRIYA"]

MARCUS = "U0MARCUS"
TOM = "U0TOM"
BOT = "U0HELPBOT"

_MONOTONIC_TO_WALL = time.time() - time.monotonic()


def arrived(call: Call) -> datetime:
    """When FakeSlack received ``call`` (it records ``time.monotonic()``), as a UTC time."""
    return datetime.fromtimestamp(call.at + _MONOTONIC_TO_WALL, UTC)


@dataclass(frozen=True)
class Event:
    at: datetime
    actor: str
    action: str
    deal_id: str | None
    details: dict[str, Any]


async def events(app: RunningApp, action: str) -> list[Event]:
    """The audit events of one action, oldest first."""
    async with app.deps.db.read() as session:
        query = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)
        rows = (await session.execute(query)).scalars().all()
    return [Event(r.at, r.actor, r.action, r.deal_id, json.loads(r.details)) for r in rows]


async def approvals(app: RunningApp, deal_id: int | None = None) -> list[Approval]:
    """Every approval (of one deal), in the order they were created."""
    async with app.deps.db.read() as session:
        query = select(Approval).order_by(Approval.id)
        if deal_id is not None:
            query = query.where(Approval.deal_id == deal_id)
        return list((await session.execute(query)).scalars().all())


async def holding(app: RunningApp, deal_id: int, assignee: str) -> Approval:
    """The deal's one approval assigned to ``assignee``."""
    [row] = [a for a in await approvals(app, deal_id) if a.assignee == assignee]
    return row


async def submit_deals(app: RunningApp, count: int) -> list[SubmitResult]:
    return [await submit(app, external_id=f"OPP-{n:04d}") for n in range(count)]


def posts(slack: FakeSlack, channel: str, thread_ts: str | None = None) -> list[Call]:
    """Messages Slack accepted in ``channel`` (in one thread, if ``thread_ts``)."""
    return [
        call
        for call in slack.delivered("chat.postMessage")
        if call.response.get("channel") == channel
        and (thread_ts is None or call.params.get("thread_ts") == thread_ts)
    ]
