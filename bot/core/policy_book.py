"""Today's policy and every earlier version a deal in flight was routed under."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from policies.loader import LoadedPolicy, load_policy_text
from policies.model import Policy
from store.models import PolicyVersion


class PolicyBook:
    def __init__(self, current: LoadedPolicy) -> None:
        self.current = current
        self._by_version: dict[str, Policy] = {current.version: current.policy}

    async def store_current(self, session: AsyncSession, now: datetime) -> None:
        """Record today's version, once per content (instances starting together: first wins)."""
        values = {
            "version": self.current.version,
            "name": self.current.policy.name,
            "content": self.current.content,
            "created_at": now,
        }
        insert = (
            postgresql.insert(PolicyVersion)
            if session.get_bind().dialect.name == "postgresql"
            else sqlite.insert(PolicyVersion)
        )
        await session.execute(insert.values(**values).on_conflict_do_nothing())

    async def get(self, session: AsyncSession, version: str) -> Policy:
        policy = self._by_version.get(version)
        if policy is None:
            content = (
                await session.execute(
                    select(PolicyVersion.content).where(PolicyVersion.version == version)
                )
            ).scalar_one()
            policy = load_policy_text(content, source=f"policy version {version[:12]}").policy
            self._by_version[version] = policy
        return policy
