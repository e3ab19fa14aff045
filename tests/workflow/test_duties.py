"""One person, one approval: someone reached a second time on a deal (through a backup chain,
a delegation or a group) is passed over to the next in line, and the audit says why;
`one_person_one_approval: false` turns it off."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from bot.core.clock import VirtualClock
from bot.core.deps import Deps
from bot.core.errors import UserInputError
from bot.workflow.delegation import DelegationResult, start_delegation
from policies.loader import load_policy_text
from tests.support.deals import (
    audit_events,
    details,
    pending_for,
    run_time_out,
    snapshot,
    submit,
)
from tests.support.matrix import BOB, LISA, MARCUS, MATRIX, OMAR, PRIYA


async def test_a_backup_who_holds_another_approval_is_passed_over(
    deps: Deps, clock: VirtualClock
) -> None:
    """Marcus times out; his first backup, Lisa, holds the cfo approval of the same deal."""
    deal = await submit(deps)
    manager = await pending_for(deps, deal.deal_id, "manager")
    clock.advance(timedelta(hours=24, seconds=1))

    moved = await run_time_out(deps, manager.id)

    assert moved is not None
    assert (moved.approver, moved.assignee) == ("counsel", OMAR)
    assert moved.reason.endswith(
        "(next in line: Lisa Wong already holds this deal's Deal approval step"
        " — one person, one approval)"
    )
    (event,) = await audit_events(deps, "approver_passed_over")
    assert (details(event)["person"], details(event)["cause"]) == (LISA, "passed_over")
    assert details(event)["why"] == (
        "Lisa Wong already holds this deal's Deal approval step — one person, one approval"
    )


@pytest.fixture
def policy_file(write_policy: Callable[[str], Path], request: pytest.FixtureRequest) -> Path:
    flag = getattr(request, "param", None)
    prefix = f"one_person_one_approval: {flag}\n" if flag is not None else ""
    titled = MATRIX.replace(
        "    slack_user: U0LISA\n", "    slack_user: U0LISA\n    title: Chief Financial Officer\n"
    )
    return write_policy(prefix + titled)


@pytest.mark.parametrize("policy_file", ["false"], indirect=True)
async def test_the_rule_can_be_turned_off(deps: Deps, clock: VirtualClock) -> None:
    deal = await submit(deps)
    manager = await pending_for(deps, deal.deal_id, "manager")
    clock.advance(timedelta(hours=24, seconds=1))

    moved = await run_time_out(deps, manager.id)

    assert moved is not None
    assert (moved.approver, moved.assignee) == ("cfo", LISA)


def test_policy_check_warns_of_a_backup_chain_always_passed_over() -> None:
    text = """\
name: Leads back each other up
escalation_channel: C0ESCALATE
approvers:
  lead_a: {name: Anna, slack_user: U0ANNA, backups: [lead_b]}
  lead_b: {name: Ben, slack_user: U0BEN, backups: [legal]}
  legal: {name: Priya, slack_user: U0PRIYA}
  cfo: {name: Lisa, slack_user: U0LISA, backups: [lead_a]}
stages:
  - name: Deal desk
    approvals:
      - approver: lead_a
      - approver: lead_b
      - approver: cfo
        when: acv > 250000
"""
    warnings = [str(w) for w in load_policy_text(text).warnings]

    assert not any("every backup of" in w for w in warnings)  # Priya, outside the stage, ends it
    text_two = text.replace("backups: [legal]", "backups: []")
    warned = [str(w) for w in load_policy_text(text_two).warnings]
    assert any("every backup of 'lead_a' (Ben) also approves in 'Deal desk'" in w for w in warned)
    assert any("every backup of 'cfo' (Anna, Ben) also approves" in w for w in warned), warned


async def _delegate(deps: Deps, delegator: str, delegate: str) -> DelegationResult:
    async with deps.unit_of_work() as uow:
        return await start_delegation(uow, delegator, delegate, None)


async def test_a_delegation_goes_only_to_someone_with_the_authority(deps: Deps) -> None:
    """Lisa (CFO: backup Daniel, `delegates: [legal]`) may hand her approvals to Daniel,
    Priya or an admin, not to Bob; someone who approves nothing may delegate to anyone."""
    before = await snapshot(deps)
    with pytest.raises(UserInputError) as refused:
        await _delegate(deps, LISA, BOB)
    assert refused.value.message == (
        "U0BOB may not hold Lisa Wong's approvals: only the backups, the deal desk admins or "
        "the policy's `delegates:` for Lisa Wong may (<@U0DANIEL>, <@U0PRIYA>, <@U0REVOPS>). "
        "Pick one of them, or ask RevOps to add them under delegates:."
    )
    assert await snapshot(deps) == before

    lisa = await _delegate(deps, LISA, PRIYA)
    assert lisa.roles == ("Chief Financial Officer",)  # what Priya decides for, as the reply says
    assert (await _delegate(deps, BOB, MARCUS)).roles == ()
