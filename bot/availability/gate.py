"""Before a card or a reminder goes to a person: does their Slack status say they are out
of office? Then the approval goes to a stand-in at once (bot.workflow.away), and the
card or the reminder is not sent to them."""

from __future__ import annotations

from bot.availability.statuses import StatusBook
from bot.briefings.timing import zone_named
from bot.core.deps import Deps
from bot.text.causes import Cause, CauseKind
from bot.workflow.away import stand_in_for_away, wait_for_return
from policies.away import away
from policies.vocabulary import ApprovalStatus
from store import repositories as repo


class AwayCheck:
    def __init__(self, deps: Deps, statuses: StatusBook) -> None:
        self._deps = deps
        self._statuses = statuses

    async def __call__(self, approval_id: int, *, reminder: bool = False) -> bool:
        """True when the approval left its holder, who is away: send them nothing.

        At a reminder, the status is asked of Slack again (it is hours later); for a card,
        one read in the last minutes will do (a burst of cards asks once).
        """
        async with self._deps.db.read() as session:
            row = await repo.get_approval(session, approval_id)
            if (
                row is None
                or row.status != ApprovalStatus.PENDING
                or row.is_avatar
                or row.escalated_at is not None
                or row.snoozed_at is not None  # they said "I'm on it", whatever the status
            ):
                return False
            deal = await repo.get_deal(session, row.deal_id)
            assert deal is not None
            policy = await self._deps.policies.get(session, deal.policy_version)
        rules = policy.out_of_office
        if not rules.enabled:
            return False
        presence = await self._statuses.presence(row.assignee, fresh=reminder)
        if presence is None:
            return False
        now = self._deps.clock.now()
        zone = zone_named(presence.person.tz, policy.timezone)
        out = away(presence.status, rules, now, zone)
        if out is None:
            return False
        why = out.describe(presence.person.name, now)
        async with self._deps.unit_of_work() as uow:
            if out.back_soon(rules, now, row.due_at):
                assert out.status.expires_at is not None
                await wait_for_return(uow, approval_id, row.assignee, why, out.status.expires_at)
                return False
            cause = Cause(CauseKind.OUT_OF_OFFICE, presence.person.name, detail=out.says(now))
            return await stand_in_for_away(uow, approval_id, row.assignee, cause)
