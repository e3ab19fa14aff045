"""A policy applied while deals are in flight: a running instance follows it within its
next look, new deals route under it, deals in flight keep theirs, and a new revision of
one is routed under the new version, saying so."""

from __future__ import annotations

from datetime import timedelta

from bot.core.clock import VirtualClock
from bot.core.deps import Deps
from bot.jobs.policy_watch import PolicyWatch
from bot.workflow.revise import revise_deal
from policies.loader import load_policy_text
from policies.vocabulary import RevisionSource
from store import policy_versions
from store import repositories as repo
from tests.support.deals import audit_events, submit, techcorp
from tests.support.matrix import OWNER, REVOPS


async def test_an_applied_policy_reaches_a_running_instance(
    deps: Deps, clock: VirtualClock
) -> None:
    old = deps.policies.current
    watch = PolicyWatch(deps)
    await watch.apply(old)  # as serve starts
    first = await submit(deps)
    new = load_policy_text(REVOPS.read_text(encoding="utf-8").replace("sla: 2h", "sla: 4h"))
    clock.advance(timedelta(minutes=1))
    async with deps.db.transaction() as session:  # `dealdesk policy apply`, elsewhere
        await policy_versions.mark_applied(
            session, new.version, new.policy.name, new.content, clock.now()
        )

    assert await watch.follow()
    assert not await watch.follow()  # once

    assert deps.policies.current.version == new.version
    second = await submit(deps, techcorp(external_id="OPP-2"))
    async with deps.db.read() as session:
        versions = {d.id: d.policy_version for d in await repo.list_deals(session, [1, 2])}
    assert versions == {first.deal_id: old.version, second.deal_id: new.version}

    async with deps.unit_of_work() as uow:
        await revise_deal(uow, first.deal_id, {"discount": 14}, OWNER, source=RevisionSource.EDIT)
    [revised] = [e for e in await audit_events(deps) if e.action == "deal_revised"]
    assert revised.policy_version == new.version
    assert '"policy_version_was":"' + old.version in revised.details
