"""Groups with a quorum: "any two of the three deal-desk leads". Each member has a card of
their own; the quorum approves the group and ends the others' cards; one rejection rejects
unless the group says `reject: quorum`."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.core.deps import Deps
from policies.explain import explain_plan
from policies.loader import PolicyError, load_policy_text
from policies.vocabulary import ApprovalStatus, Decision
from tests.support.deals import (
    approvals_of,
    audit_events,
    decide_as,
    details,
    load_deal,
    pending_for,
    submit,
    techcorp,
)

ANNA, BEN, CARA = "U0ANNA", "U0BEN", "U0CARA"

GROUPS = """\
name: Deal desk leads
admins: [U0REVOPS]
approvers:
  lead_a: {{name: Anna Berg, slack_user: U0ANNA, sla: 24h}}
  lead_b: {{name: Ben Okafor, slack_user: U0BEN, sla: 24h}}
  lead_c: {{name: Cara Diaz, slack_user: U0CARA, sla: 24h}}
  legal: {{name: Priya Patel, slack_user: U0PRIYA, sla: 24h}}
stages:
  - name: Deal desk
    approvals:
      - group: [lead_a, lead_b, lead_c]
        quorum: 2
        reject: {reject}
  - name: Legal
    approvals:
      - approver: legal
"""


@pytest.fixture(params=["any"])
def reject(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def policy_file(write_policy: Callable[[str], Path], reject: str) -> Path:
    return write_policy(GROUPS.format(reject=reject))


async def test_two_of_three_approve_and_the_third_card_ends(deps: Deps) -> None:
    deal = await submit(deps, techcorp(owner="U0SARAH"))
    rows = {row.assignee: row for row in await approvals_of(deps, deal.deal_id)}
    assert set(rows) == {ANNA, BEN, CARA}

    await decide_as(deps, rows[ANNA].id, ANNA)
    assert (await load_deal(deps, deal.deal_id)).stage_index == 0  # 1 of 2 so far
    await decide_as(deps, rows[CARA].id, CARA)

    after = {row.assignee: row for row in await approvals_of(deps, deal.deal_id)}
    assert after[BEN].status == ApprovalStatus.CANCELLED
    assert after[BEN].comment == "no longer needed: 2 of 3 approved (Anna Berg, Cara Diaz)"
    assert await pending_for(deps, deal.deal_id, "legal")
    (event,) = await audit_events(deps, "group_quorum_reached")
    assert details(event)["approved_by"] == [ANNA, CARA]
    late = await decide_as(deps, rows[BEN].id, BEN)
    assert not late.applied


async def test_one_rejection_rejects_by_default(deps: Deps) -> None:
    deal = await submit(deps)
    rows = {row.assignee: row for row in await approvals_of(deps, deal.deal_id)}

    await decide_as(deps, rows[BEN].id, BEN, Decision.REJECT, "too deep")

    assert (await load_deal(deps, deal.deal_id)).status == "rejected"


@pytest.mark.parametrize("reject", ["quorum"], indirect=True)
async def test_reject_quorum_takes_as_many_rejections_as_make_it_impossible(
    deps: Deps,
) -> None:
    deal = await submit(deps)
    rows = {row.assignee: row for row in await approvals_of(deps, deal.deal_id)}

    await decide_as(deps, rows[BEN].id, BEN, Decision.REJECT, "too deep")
    assert (await load_deal(deps, deal.deal_id)).status == "in_review"  # 2 of 2 still possible
    await decide_as(deps, rows[ANNA].id, ANNA, Decision.REJECT, "agree with Ben")

    assert (await load_deal(deps, deal.deal_id)).status == "rejected"


@pytest.mark.parametrize("reject", ["quorum"], indirect=True)
async def test_a_rejection_then_two_approvals_pass_the_group(deps: Deps) -> None:
    deal = await submit(deps)
    rows = {row.assignee: row for row in await approvals_of(deps, deal.deal_id)}

    await decide_as(deps, rows[BEN].id, BEN, Decision.REJECT, "too deep")
    await decide_as(deps, rows[ANNA].id, ANNA)
    await decide_as(deps, rows[CARA].id, CARA)

    assert await pending_for(deps, deal.deal_id, "legal")


@pytest.mark.parametrize(
    ("group", "says"),
    [
        (
            "group: [lead_a, lead_b]\n        quorum: 3",
            "quorum 3 is larger than the group (2 members)",
        ),
        ("group: [lead_a, lead_x]", "'lead_x' is not a defined approver"),
        ("approver: lead_a\n        group: [lead_b]", "name one `approver: id`, or a `group"),
        ("approver: lead_a\n        quorum: any", "`quorum` and `reject` go with a `group`"),
        ("group: [lead_a, lead_a]", "a group lists each approver once"),
    ],
)
def test_policy_check_refuses_a_group_that_cannot_work(group: str, says: str) -> None:
    text = f"""\
name: Bad groups
approvers:
  lead_a: {{name: Anna, slack_user: U0ANNA}}
  lead_b: {{name: Ben, slack_user: U0BEN}}
stages:
  - name: Deal desk
    approvals:
      - {group}
"""
    with pytest.raises(PolicyError) as raised:
        load_policy_text(text)

    assert any(re.search(re.escape(says), issue.message) for issue in raised.value.issues), [
        str(issue) for issue in raised.value.issues
    ]


def test_explain_says_which_group_and_how_many() -> None:
    loaded = load_policy_text(GROUPS.format(reject="any"))
    plan = explain_plan(loaded, techcorp())
    first = plan.stages[0].approvals[0]
    assert first.why == "always required; one of a group, 2 of 3 needed (lead_a, lead_b, lead_c)"
