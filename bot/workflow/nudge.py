"""An admin's nudge from the quarter's forecast: each listed approval still pending gets
its reminder sent now, at most once a day (the policy's day), audited."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

from bot.core.events import ReminderDue
from bot.core.uow import UnitOfWork
from bot.workflow.admin import require_admin
from store import repositories as repo


@dataclass(frozen=True)
class NudgeResult:
    nudged: tuple[int, ...]
    """The approvals reminded now."""
    skipped: int
    """Listed but nudged today already, or decided since."""


async def nudge(uow: UnitOfWork, approval_ids: Sequence[int], actor: str) -> NudgeResult:
    policy = uow.policies.current.policy
    require_admin(actor, policy.admins)
    today = _day_start(uow.now, policy.zone)
    claimed = await repo.claim_nudges(uow.session, approval_ids, uow.now, today)
    nudged = []
    for deal, row in await repo.list_with_deals(uow.session, sorted(claimed)):
        uow.hold(deal, row)
        uow.audit(actor, "approval_nudged", deal, approval_id=row.id, assignee=row.assignee)
        uow.emit(ReminderDue(deal.id, row.id))
        nudged.append(row.id)
    return NudgeResult(tuple(nudged), len(set(approval_ids)) - len(nudged))


def _day_start(now: datetime, zone: ZoneInfo) -> datetime:
    return datetime.combine(now.astimezone(zone).date(), time.min, zone)
