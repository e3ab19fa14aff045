"""Today's policy and every earlier version a deal in flight was routed under."""

from __future__ import annotations

from datetime import datetime

from cachetools import LRUCache
from sqlalchemy.ext.asyncio import AsyncSession

from policies.loader import LoadedPolicy, load_policy_text
from policies.model import Policy
from store import policy_versions

EARLIER_KEPT = 16
"""Earlier versions kept loaded (the most recently used); one more is read again from the
database when a deal routed under it moves. A year of weekly changes stays bounded."""


class PolicyBook:
    def __init__(self, current: LoadedPolicy, *, earlier_kept: int = EARLIER_KEPT) -> None:
        self.current = current
        self._earlier: LRUCache[str, Policy] = LRUCache(maxsize=earlier_kept)

    async def store_current(self, session: AsyncSession, now: datetime) -> None:
        """Record today's version, once per content."""
        current = self.current
        await policy_versions.add_version(
            session, current.version, current.policy.name, current.content, now
        )

    def replace(self, loaded: LoadedPolicy) -> None:
        """Route new deals and new revisions under ``loaded`` from now on; deals in flight
        keep the version they were routed under."""
        if loaded.version != self.current.version:
            self._earlier[self.current.version] = self.current.policy
        self.current = loaded
        self._earlier.pop(loaded.version, None)

    async def get(self, session: AsyncSession, version: str) -> Policy:
        if version == self.current.version:
            return self.current.policy
        policy = self._earlier.get(version)
        if policy is None:
            content = await policy_versions.get_content(session, version)
            policy = load_policy_text(content, source=f"policy version {version[:12]}").policy
            self._earlier[version] = policy
        return policy

    @property
    def earlier_loaded(self) -> int:
        """How many earlier versions are held in memory (at most ``earlier_kept``)."""
        return len(self._earlier)
