"""Where the messages we posted live (channel and ts), by subject."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.db import insert
from store.models import SlackMessage


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
    session: AsyncSession, subject: str, channel: str, ts: str, now: datetime
) -> None:
    statement = (
        insert(session, SlackMessage)
        .values(subject=subject, channel=channel, ts=ts, created_at=now)
        .on_conflict_do_nothing(index_elements=["subject"])
    )
    await session.execute(statement)
