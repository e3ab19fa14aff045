"""Submitting a deal: it is routed by the authority matrix, each approval says why it is there,
the policy version is recorded, and a CRM retry never creates a second deal."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from bot.core.clock import VirtualClock
from bot.core.deps import Deps, open_deps
from bot.core.errors import UserInputError
from policies.vocabulary import ApprovalStatus, DealStatus
from store.models import Approval
from tests.conftest import START
from tests.support.deals import (
    approvals_of,
    audit_events,
    details,
    snapshot,
    stored_policy,
    submit,
    techcorp,
)
from tests.support.matrix import CONTRACT, LISA, OWNER, PRIYA, REVOPS


def _row_summary(rows: list[Approval]) -> list[tuple[str, str, str, str, str]]:
    return [(r.stage_name, r.slot, r.approver, r.assignee, r.status) for r in rows]


@pytest.mark.parametrize("policy_file", [REVOPS])
async def test_techcorp_under_revops_goes_to_the_cfo_with_the_managers_reasoning(
    deps: Deps,
) -> None:
    result = await submit(deps)

    assert (result.created, result.deal_ref, result.status) == (True, "D-1001", "in_review")
    rows = await approvals_of(deps, result.deal_id)
    assert _row_summary(rows) == [
        ("Qualification", "sdr", "sdr", "avatar:sdr", "approved"),
        ("Deal approval", "manager", "manager", "avatar:manager", "reassigned"),
        ("Deal approval", "manager", "cfo", LISA, "pending"),
    ]
    sdr, manager, cfo = rows
    assert sdr.reason == "always required"
    assert sdr.comment is not None
    assert sdr.comment.startswith("qualified: score 95/100")
    assert manager.comment == "ACV $500,000 exceeds the $250,000 manager authority"
    assert cfo.reason == (
        "handed over by Marcus Thompson (avatar): "
        "ACV $500,000 exceeds the $250,000 manager authority"
    )
    assert cfo.previous_id == manager.id
    assert cfo.due_at == START + timedelta(hours=2)
    assert cfo.recommendation is not None
    assert cfo.recommendation["outcome"] == "approve"


@pytest.mark.parametrize("policy_file", [CONTRACT])
async def test_techcorp_under_contract_plans_the_cfo_by_condition(deps: Deps) -> None:
    result = await submit(deps)

    rows = await approvals_of(deps, result.deal_id)
    assert _row_summary(rows) == [
        ("Qualification", "sdr", "sdr", "avatar:sdr", "approved"),
        ("Deal approval", "cfo", "cfo", LISA, "pending"),
    ]
    assert rows[1].reason == "acv > 250000 or discount > 15"
    assert rows[1].due_at == START + timedelta(hours=2)
    submitted = (await audit_events(deps, "deal_submitted"))[0]
    assert details(submitted)["plan"] == [
        {
            "name": "Qualification",
            "approvals": [{"approver": "sdr", "reason": "always required"}],
            "not_required": [],
        },
        {
            "name": "Deal approval",
            "approvals": [{"approver": "cfo", "reason": "acv > 250000 or discount > 15"}],
            "not_required": [{"approver": "manager", "reason": "acv <= 250000"}],
        },
        {
            "name": "Reviews",
            "approvals": [
                {"approver": "legal", "reason": "always required"},
                {"approver": "finance", "reason": "discount > 0"},
            ],
            "not_required": [],
        },
    ]


async def test_the_policy_version_is_recorded_with_the_deal_and_its_events(deps: Deps) -> None:
    result = await submit(deps)

    current = deps.policies.current
    stored = await stored_policy(deps, current.version)
    assert stored is not None
    assert stored.content == current.content
    events = await audit_events(deps, deal_ref=result.deal_ref)
    assert events
    assert {event.policy_version for event in events} == {current.version}
    submitted = details(events[0])
    assert (events[0].action, events[0].actor) == ("deal_submitted", OWNER)
    assert submitted["terms"]["company"] == "TechCorp"
    assert submitted["terms"]["acv"] == "500000"


async def test_the_same_external_id_returns_the_existing_deal(deps: Deps) -> None:
    first = await submit(deps)
    before = await snapshot(deps)

    again = await submit(deps, techcorp(acv=900000, company="TechCorp Inc"))

    assert (again.deal_id, again.created, again.status) == (first.deal_id, False, "in_review")
    assert await snapshot(deps) == before


async def test_deals_without_external_id_are_distinct(deps: Deps) -> None:
    first = await submit(deps, techcorp(external_id=None))
    second = await submit(deps, techcorp(external_id=None))

    assert second.deal_id != first.deal_id
    assert second.created


async def test_a_lead_the_sdr_avatar_does_not_qualify_is_rejected_at_once(deps: Deps) -> None:
    weak = techcorp(employees=10, industry="", use_case="", budget_indicated=False)

    result = await submit(deps, weak)

    assert result.status == DealStatus.REJECTED
    (sdr,) = await approvals_of(deps, result.deal_id)
    assert (sdr.status, sdr.decided_by) == (ApprovalStatus.REJECTED, "avatar:sdr")
    assert sdr.comment is not None
    assert sdr.comment.startswith("not qualified: score 20/100")
    (rejected,) = await audit_events(deps, "deal_rejected")
    assert rejected.actor == "avatar:sdr"


SKIPS = """\
name: Skips
admins: [U0REVOPS]
approvers:
  sdr: {name: Sarah Chen, avatar: qualification}
  cfo: {name: Lisa Wong, slack_user: U0LISA, sla: 2h}
  legal: {name: Priya Patel, slack_user: U0PRIYA}
stages:
  - name: Qualification
    approvals: [{approver: sdr}]
  - name: Large deals
    approvals: [{approver: cfo, when: acv > 1000000}]
  - name: Reviews
    approvals: [{approver: legal}]
"""


async def test_a_stage_with_no_applicable_rule_is_skipped_and_audited(
    database_url: str, write_policy: Callable[[str], Path], clock: VirtualClock
) -> None:
    async with open_deps(database_url, write_policy(SKIPS), clock) as deps:
        result = await submit(deps)

        rows = await approvals_of(deps, result.deal_id)
        assert [(r.stage_name, r.assignee, r.status) for r in rows] == [
            ("Qualification", "avatar:sdr", "approved"),
            ("Reviews", PRIYA, "pending"),
        ]
        actions = [e.action for e in await audit_events(deps) if "stage" in e.action]
        assert actions == ["stage_started", "stage_skipped", "stage_started"]
        (skipped,) = await audit_events(deps, "stage_skipped")
        assert details(skipped) == {
            "stage": "Large deals",
            "not_required": {"cfo": "acv > 1000000"},
        }


DIVIDES = SKIPS.replace("acv > 1000000", "acv / employees > 100")


async def test_a_deal_the_policy_cannot_route_names_the_field_and_stores_nothing(
    database_url: str, write_policy: Callable[[str], Path], clock: VirtualClock
) -> None:
    async with open_deps(database_url, write_policy(DIVIDES), clock) as deps:
        before = await snapshot(deps)

        with pytest.raises(UserInputError) as raised:
            await submit(deps, techcorp(employees=0))

        assert raised.value.field == "deal"
        assert "acv / employees > 100" in raised.value.message
        assert await snapshot(deps) == before
        assert (await submit(deps, techcorp(employees=10))).created
