"""Before a card or a reminder goes to a person: does their Slack status say they are out
of office? Then the approval goes to a stand-in at once (bot.workflow.away), and the
card or the reminder is not sent to them."""

from __future__ import annotations

from bot.availability.statuses import StatusBook
from bot.briefings.timing import zone_named
from bot.core.deps import Deps
from bot.slack.away_gate import Holding, Verdict
from bot.text.causes import Cause, CauseKind
from bot.workflow.away import stand_in_for_away, wait_for_return
from policies.away import away
from policies.model import Policy
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
            if row is None or not _may_be_away(row):
                return False
            deal = await repo.get_deal(session, row.deal_id)
            assert deal is not None
            policy = await self._deps.policies.get(session, deal.policy_version)
        verdict = await self.check(approval_id, row, policy, reminder=reminder)
        return verdict is Verdict.MOVED

    async def check(
        self, approval_id: int, holding: Holding, policy: Policy, *, reminder: bool = False
    ) -> Verdict:
        """The same, for an approval already read with its deal's policy (a card's
        sender has both): no second read of them."""
        rules = policy.out_of_office
        if not rules.enabled or not _may_be_away(holding):
            return Verdict.HERE
        presence = await self._statuses.presence(holding.assignee, fresh=reminder)
        if presence is None:
            return Verdict.HERE
        now = self._deps.clock.now()
        zone = zone_named(presence.person.tz, policy.timezone)
        out = away(presence.status, rules, now, zone)
        if out is None:
            return Verdict.HERE
        why = out.describe(presence.person.name, now)
        async with self._deps.unit_of_work() as uow:
            if out.back_soon(rules, now, holding.due_at):
                assert out.status.expires_at is not None
                await wait_for_return(
                    uow, approval_id, holding.assignee, why, out.status.expires_at
                )
                return Verdict.WAITS
            cause = Cause(CauseKind.OUT_OF_OFFICE, presence.person.name, detail=out.says(now))
            moved = await stand_in_for_away(uow, approval_id, holding.assignee, cause)
            return Verdict.MOVED if moved else Verdict.HERE


def _may_be_away(holding: Holding) -> bool:
    """A pending approval held by a person who has not said "I'm on it" (whatever their
    status then) and not yet escalated."""
    return (
        holding.status == ApprovalStatus.PENDING
        and not holding.is_avatar
        and holding.escalated_at is None
        and holding.snoozed_at is None
    )
