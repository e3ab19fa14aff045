"""People: time zones, briefing preferences, when they last looked at App Home."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.db import insert
from store.models import Person


async def get_person(session: AsyncSession, user_id: str) -> Person | None:
    return await session.get(Person, user_id)


async def upsert_person(session: AsyncSession, user_id: str, now: datetime, **values: Any) -> None:
    """Create the person with ``values``, or update just those values."""
    statement = insert(session, Person).values(
        **{"user_id": user_id, "briefing_enabled": True, "updated_at": now, **values}
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["user_id"], set_={**values, "updated_at": now}
        )
    )


async def home_seen_since(session: AsyncSession, user_id: str, since: datetime) -> bool:
    query = select(Person.home_seen_at).where(Person.user_id == user_id)
    seen: datetime | None = (await session.execute(query)).scalar_one_or_none()
    return seen is not None and seen >= since


async def get_home_notice(session: AsyncSession, user_id: str, since: datetime) -> str | None:
    """The notice Home shows ``user_id`` on top, when it was set after ``since``."""
    query = select(Person.home_notice, Person.home_notice_at).where(Person.user_id == user_id)
    row = (await session.execute(query)).first()
    if row is None or row.home_notice_at is None or row.home_notice_at < since:
        return None
    notice: str | None = row.home_notice
    return notice
