"""Today's policy and every earlier version a deal in flight was routed under."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from policies.loader import LoadedPolicy, load_policy_text
from policies.model import Policy
from store import policy_versions


class PolicyBook:
    def __init__(self, current: LoadedPolicy) -> None:
        self.current = current
        self._by_version: dict[str, Policy] = {current.version: current.policy}

    async def store_current(self, session: AsyncSession, now: datetime) -> None:
        """Record today's version, once per content."""
        current = self.current
        await policy_versions.add_version(
            session, current.version, current.policy.name, current.content, now
        )

    def replace(self, loaded: LoadedPolicy) -> None:
        """Route new deals and new revisions under ``loaded`` from now on; deals in flight
        keep the version they were routed under."""
        self.current = loaded
        self._by_version[loaded.version] = loaded.policy

    async def get(self, session: AsyncSession, version: str) -> Policy:
        policy = self._by_version.get(version)
        if policy is None:
            content = await policy_versions.get_content(session, version)
            policy = load_policy_text(content, source=f"policy version {version[:12]}").policy
            self._by_version[version] = policy
        return policy
