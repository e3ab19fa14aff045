"""Everything due now: SLA reminders and timeouts, and delegations that have ended.

The scheduler calls :func:`run_due` on a timer; the simulator calls it at each virtual
moment. The due reminders go in one unit of work, and timeouts in batches of
:data:`TIMEOUT_BATCH`, one transaction each (when thousands of SLAs pass in a minute,
a commit, an audit-chain update and a wake-up of the scheduler and the delivery per
timeout would fall behind), whose deals are locked and read together; a batch that
fails is run again one per unit of work, so one failure is logged and the rest still
happen (the rows stay due and are retried next time).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Collection
from dataclasses import dataclass
from typing import Protocol

from bot.core.deps import Deps
from bot.core.outage import database_down, log_failure
from bot.workflow.deadlines import remind, remind_all, time_out
from bot.workflow.delegation import expire_delegations
from store import repositories as repo
from store.models import Approval

log = logging.getLogger(__name__)

TIMEOUT_BATCH = 50
"""Timeouts moved in one transaction."""


@dataclass(frozen=True)
class DueSummary:
    reminded: tuple[int, ...] = ()
    """Approvals whose reminder was sent now."""
    timed_out: tuple[int, ...] = ()
    """Approvals whose SLA had passed: moved to a backup, escalated, or (when another
    instance or a click got there first) left as they were."""
    failed: tuple[int, ...] = ()
    """Approvals whose reminder or timeout raised (logged with the traceback)."""
    delegations_ended: tuple[int, ...] = ()
    handed_over: tuple[int, ...] = ()
    """Approvals whose holder was away when their reminder came: a stand-in has them."""

    @property
    def count(self) -> int:
        return len(self.reminded) + len(self.timed_out) + len(self.handed_over)


class AwayAtReminder(Protocol):
    def __call__(self, approval_id: int, *, reminder: bool = False) -> Awaitable[bool]: ...


async def run_due(
    deps: Deps,
    *,
    deal_ids: Collection[int] | None = None,
    away: AwayAtReminder | None = None,
) -> DueSummary:
    """Send due reminders, then move approvals whose SLA has passed, at the clock's time.

    ``deal_ids`` limits the work to those deals. ``away`` checks a holder's Slack status
    before their reminder (bot.availability): one who is out of office gets none, and
    their approval goes to a stand-in. One call handles one batch of
    :func:`store.repositories.list_due`; call again while it keeps finding work.
    """
    async with deps.db.read() as session:
        reminders, timeouts = await repo.list_due(session, deps.clock.now(), deal_ids=deal_ids)
    reminded: list[int] = []
    timed_out: list[int] = []
    failed: list[int] = []
    handed_over: list[int] = []
    present: list[int] = []
    for approval_id in reminders:
        try:
            if away is not None and await away(approval_id, reminder=True):
                handed_over.append(approval_id)
            else:
                present.append(approval_id)
        except Exception:
            log_failure(log, "reminder for approval %s failed", approval_id)
            failed.append(approval_id)
    if present:
        try:
            async with deps.unit_of_work() as uow:
                reminded += await remind_all(uow, present)
        except Exception as error:
            if database_down(error):
                raise  # one by one would fail alike; the next round tries again
            log.warning("a batch of %d reminders failed; sending them one by one", len(present))
            for approval_id in present:
                try:
                    async with deps.unit_of_work() as uow:
                        if await remind(uow, approval_id):
                            reminded.append(approval_id)
                except Exception:
                    log_failure(log, "reminder for approval %s failed", approval_id)
                    failed.append(approval_id)
    for start in range(0, len(timeouts), TIMEOUT_BATCH):
        batch = timeouts[start : start + TIMEOUT_BATCH]
        try:
            async with deps.unit_of_work() as uow:
                await uow.lock_approvals(batch)  # every deal's rows in two statements
                await uow.reserve(Approval, len(batch))  # each move adds a row, or none
                for approval_id in batch:
                    await time_out(uow, approval_id)
            timed_out.extend(batch)
        except Exception as error:
            if database_down(error):
                raise  # one by one would fail alike; the next round tries again
            log.warning("a batch of %d timeouts failed; moving them one by one", len(batch))
            for approval_id in batch:
                if await _time_out_alone(deps, approval_id):
                    timed_out.append(approval_id)
                else:
                    failed.append(approval_id)
    ended: list[int] = []
    if deal_ids is None:  # delegations belong to people, not to the deals of a simulation
        try:
            async with deps.unit_of_work() as uow:
                ended = await expire_delegations(uow)
        except Exception:
            log_failure(log, "ending expired delegations failed")
    return DueSummary(
        tuple(reminded), tuple(timed_out), tuple(failed), tuple(ended), tuple(handed_over)
    )


async def _time_out_alone(deps: Deps, approval_id: int) -> bool:
    """One timeout in its own unit of work; False (logged) when it failed."""
    try:
        async with deps.unit_of_work() as uow:
            await time_out(uow, approval_id)
    except Exception:
        log_failure(log, "timeout of approval %s failed", approval_id)
        return False
    return True
