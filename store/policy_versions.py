"""Policy versions: each distinct policy content, stored once under its hash."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from store.db import insert
from store.models import PolicyVersion


async def add_version(
    session: AsyncSession, version: str, name: str, content: str, now: datetime
) -> None:
    """Store a version once (instances starting together: the first one wins)."""
    values = {"version": version, "name": name, "content": content, "created_at": now}
    await session.execute(insert(session, PolicyVersion).values(**values).on_conflict_do_nothing())


async def get_content(session: AsyncSession, version: str) -> str:
    query = select(PolicyVersion.content).where(PolicyVersion.version == version)
    content: str = (await session.execute(query)).scalar_one()
    return content


async def mark_applied(
    session: AsyncSession, version: str, name: str, content: str, now: datetime
) -> None:
    """Store the version if new, and make it the one every instance follows."""
    await add_version(session, version, name, content, now)
    await session.execute(
        update(PolicyVersion).where(PolicyVersion.version == version).values(applied_at=now)
    )


async def latest_applied(session: AsyncSession) -> tuple[str, datetime] | None:
    """The version applied last, and when; None when none ever was."""
    query = (
        select(PolicyVersion.version, PolicyVersion.applied_at)
        .where(PolicyVersion.applied_at.is_not(None))
        .order_by(PolicyVersion.applied_at.desc())
        .limit(1)
    )
    found = (await session.execute(query)).one_or_none()
    return (found[0], found[1]) if found is not None and found[1] is not None else None
