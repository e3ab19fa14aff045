"""Admin actions: move a pending approval to someone else with a reason, or decide it for its
holder (an override: the admin is the actor, the holder is ``on_behalf_of``)."""

from __future__ import annotations

import re

import pytest

from bot.core.deps import Deps
from bot.core.errors import InvalidTransition, NotAuthorized, NotFound, UserInputError
from bot.workflow.admin import admin_reassign
from policies.vocabulary import ApprovalStatus
from tests.support.deals import (
    approvals_of,
    audit_events,
    decide_as,
    details,
    pending_for,
    snapshot,
    submit,
    withdraw,
)
from tests.support.matrix import ADMIN, DANIEL, LISA, MARCUS, OWNER, STRANGER


async def _reassign(
    deps: Deps, deal_id: int, approver: str, person: str, actor: str = ADMIN, reason: str = "out"
) -> int:
    async with deps.unit_of_work() as uow:
        return (await admin_reassign(uow, deal_id, approver, person, actor, reason)).id


async def test_an_admin_moves_an_approval_and_both_rows_say_why(deps: Deps) -> None:
    deal = await submit(deps)
    cfo = await pending_for(deps, deal.deal_id, "cfo")

    new_id = await _reassign(deps, deal.deal_id, "cfo", DANIEL, reason="Lisa is at the board")

    rows = {row.id: row for row in await approvals_of(deps, deal.deal_id)}
    assert (rows[cfo.id].status, rows[cfo.id].comment) == (
        "reassigned",
        f"<@{ADMIN}> moved it: Lisa is at the board",
    )
    new = rows[new_id]
    assert (new.assignee, new.approver, new.status) == (DANIEL, "cfo", ApprovalStatus.PENDING)
    assert new.reason.endswith("; moved by an admin: Lisa is at the board")
    (event,) = await audit_events(deps, "approval_reassigned")
    assert (event.actor, details(event)["cause"]) == (ADMIN, "admin")


@pytest.mark.parametrize(
    ("approver", "person", "actor", "reason", "error", "says"),
    [
        ("cfo", DANIEL, STRANGER, "out", NotAuthorized, "Only a deal desk admin"),
        (
            "ceo",
            DANIEL,
            ADMIN,
            "out",
            NotFound,
            "no pending approval for “ceo” (pending: cfo, manager)",
        ),
        ("cfo", OWNER, ADMIN, "out", UserInputError, "owns D-1001"),
        ("cfo", LISA, ADMIN, "out", UserInputError, "already waits for U0LISA"),
        ("cfo", "lisa", ADMIN, "out", UserInputError, "not a Slack user id"),
        ("cfo", DANIEL, ADMIN, "  ", UserInputError, "say why it moves"),
    ],
)
async def test_a_bad_reassignment_is_named_and_changes_nothing(
    deps: Deps,
    approver: str,
    person: str,
    actor: str,
    reason: str,
    error: type[Exception],
    says: str,
) -> None:
    deal = await submit(deps)
    before = await snapshot(deps)

    with pytest.raises(error, match=re.escape(says)):
        await _reassign(deps, deal.deal_id, approver, person, actor, reason)
    assert await snapshot(deps) == before


async def test_nothing_to_move_on_a_finished_deal(deps: Deps) -> None:
    deal = await submit(deps)
    await withdraw(deps, deal.deal_id)

    with pytest.raises(InvalidTransition, match="withdrawn: nothing is pending"):
        await _reassign(deps, deal.deal_id, "cfo", DANIEL)


async def test_an_admins_decision_is_recorded_on_behalf_of_the_holder(deps: Deps) -> None:
    deal = await submit(deps)
    manager = await pending_for(deps, deal.deal_id, "manager")

    await decide_as(deps, manager.id, ADMIN, comment="Marcus is on leave")
    await decide_as(deps, (await pending_for(deps, deal.deal_id, "cfo")).id, LISA)

    decided = [e for e in await audit_events(deps, "approval_decided") if e.actor in (ADMIN, LISA)]
    first, second = decided
    assert (first.actor, details(first)["on_behalf_of"], details(first)["capacity"]) == (
        ADMIN,
        MARCUS,
        "admin",
    )
    assert "on_behalf_of" not in details(second)
