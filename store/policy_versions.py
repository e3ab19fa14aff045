"""Policy versions: each distinct policy content, stored once under its hash."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
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
