"""Policy changes without a restart: every instance follows the policy applied last.

``dealdesk policy apply FILE`` (and SIGHUP on any instance, which re-reads
DEALDESK_POLICY) records a version as applied; each ``serve`` looks every few seconds and
switches to it. New deals and new revisions are routed under it; deals in flight keep the
version they were routed under (``dealdesk policy migrate`` moves them explicitly). A
policy that does not load is refused with every problem logged, and the old one stays.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path

from bot.core.deps import Deps
from bot.core.outage import log_failure
from policies.case_suite import failing_cases
from policies.cases import CaseFileError
from policies.loader import LoadedPolicy, PolicyError, load_policy_file, load_policy_text
from store import policy_versions

log = logging.getLogger(__name__)

LOOK_EVERY = 5.0
"""Seconds between looks for a newly applied policy."""


class PolicyWatch:
    def __init__(self, deps: Deps, *, every: float = LOOK_EVERY) -> None:
        self._deps = deps
        self._every = every

    async def run(self, stop: asyncio.Event) -> None:
        """The policy this instance started with is the one applied; then follow changes."""
        await self.apply(self._deps.policies.current)
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self._every)
            if stop.is_set():
                return
            try:
                await self.follow()
            except Exception:
                log_failure(log, "looking for a newly applied policy failed; trying again")

    async def apply(self, loaded: LoadedPolicy) -> None:
        """Make ``loaded`` the policy of this instance and of every other one."""
        async with self._deps.db.transaction() as session:
            await policy_versions.mark_applied(
                session, loaded.version, loaded.policy.name, loaded.content, self._deps.clock.now()
            )
        self._switch(loaded)

    async def follow(self) -> bool:
        """Switch to the version applied last, if it is not this instance's; True if it did."""
        async with self._deps.db.read() as session:
            latest = await policy_versions.latest_applied(session)
            if latest is None or latest[0] == self._deps.policies.current.version:
                return False
            content = await policy_versions.get_content(session, latest[0])
        self._switch(load_policy_text(content, source=f"policy version {latest[0][:12]}"))
        return True

    async def reload_file(self, path: Path) -> bool:
        """SIGHUP: read the policy file again; a bad one, or one whose test cases fail, is
        refused, every problem logged, and the old policy kept. True when the new one
        was applied."""
        try:
            loaded = load_policy_file(path)
        except PolicyError as error:
            log.error(
                "policy %s not reloaded (%d problems); still serving version %s",
                path,
                len(error.issues),
                self._deps.policies.current.version[:12],
            )
            for issue in error.issues:
                log.error("policy %s: %s", path, issue)
            return False
        try:
            failing = failing_cases(loaded, path)
        except CaseFileError as error:
            failing = [f"{error.source}: {issue}" for issue in error.issues]
        if failing:
            log.error(
                "policy %s not reloaded: %d test case(s) fail; still serving version %s",
                path,
                len(failing),
                self._deps.policies.current.version[:12],
            )
            for line in failing:
                log.error("policy %s: test case %s", path, line)
            return False
        await self.apply(loaded)
        return True

    def _switch(self, loaded: LoadedPolicy) -> None:
        before = self._deps.policies.current.version
        self._deps.policies.replace(loaded)
        if loaded.version != before:
            log.info(
                "policy %r version %s applied (was %s): new deals and revisions route under it",
                loaded.policy.name,
                loaded.version[:12],
                before[:12],
            )
