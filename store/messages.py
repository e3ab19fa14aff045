"""Where the messages we posted live (channel and ts), by subject."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.db import insert
from store.models import MessageApproval, SlackMessage


def card_subject(approval_id: int) -> str:
    return f"card:{approval_id}"


def escalation_subject(approval_id: int) -> str:
    return f"escalation:{approval_id}"


def deal_subject(deal_id: int) -> str:
    return f"deal:{deal_id}"


async def get_message(session: AsyncSession, subject: str) -> SlackMessage | None:
    query = select(SlackMessage).where(SlackMessage.subject == subject)
    return (await session.execute(query)).scalar_one_or_none()


async def add_message(
    session: AsyncSession,
    subject: str,
    channel: str,
    ts: str,
    now: datetime,
    *,
    body: dict[str, Any] | None = None,
    shows: Sequence[int] = (),
) -> None:
    """Remember where a message lives (the first post of a subject wins); ``shows``: the
    approvals it carries buttons for, ``body``: the message as posted, to update it."""
    statement = (
        insert(session, SlackMessage)
        .values(subject=subject, channel=channel, ts=ts, created_at=now, body=body)
        .on_conflict_do_nothing(index_elements=["subject"])
    )
    await session.execute(statement)
    if shows:
        rows = [{"subject": subject, "approval_id": approval_id} for approval_id in set(shows)]
        await session.execute(insert(session, MessageApproval).on_conflict_do_nothing(), rows)


async def subjects_showing(
    session: AsyncSession, approval_ids: Collection[int]
) -> dict[int, list[str]]:
    """The messages (briefings) that show each of ``approval_ids`` with its buttons, in one
    query; an approval no message shows is left out."""
    if not approval_ids:
        return {}
    query = (
        select(MessageApproval.approval_id, MessageApproval.subject)
        .where(MessageApproval.approval_id.in_(list(approval_ids)))
        .order_by(MessageApproval.subject)
    )
    shown: dict[int, list[str]] = {}
    for approval_id, subject in (await session.execute(query)).all():
        shown.setdefault(approval_id, []).append(subject)
    return shown
