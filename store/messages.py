"""Where the messages we posted live (channel and ts), by subject."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any, Protocol

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


async def posted_subjects(session: AsyncSession, subjects: Collection[str]) -> set[str]:
    """Which of ``subjects`` have a message posted already."""
    if not subjects:
        return set()
    query = select(SlackMessage.subject).where(SlackMessage.subject.in_(list(subjects)))
    return set((await session.execute(query)).scalars())


class Posted(Protocol):
    """A message as posted (bot.outbox's ``Kept``): its subject, where it lives, its body
    (to update it later) and the approvals it carries buttons for."""

    @property
    def subject(self) -> str: ...
    @property
    def channel(self) -> str: ...
    @property
    def ts(self) -> str: ...
    @property
    def body(self) -> dict[str, Any] | None: ...
    @property
    def shows(self) -> Sequence[int]: ...


async def add_messages(session: AsyncSession, posted: Sequence[Posted], now: datetime) -> None:
    """Remember where messages live (the first post of a subject wins), two statements
    for a delivery batch, whatever its size."""
    if not posted:
        return
    rows = [
        {"subject": p.subject, "channel": p.channel, "ts": p.ts, "created_at": now, "body": p.body}
        for p in posted
    ]
    await session.execute(
        insert(session, SlackMessage).on_conflict_do_nothing(index_elements=["subject"]), rows
    )
    shows = [
        {"subject": p.subject, "approval_id": approval_id}
        for p in posted
        for approval_id in sorted(set(p.shows))
    ]
    if shows:
        await session.execute(insert(session, MessageApproval).on_conflict_do_nothing(), shows)


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
