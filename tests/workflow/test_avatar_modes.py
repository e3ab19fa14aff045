"""A person with an avatar: in shadow mode (the default) the avatar only advises; live, it
decides first and hands what exceeds its authority to its own person; and the advice
can be kept off the card (``show_recommendation: false``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bot.core.deps import Deps
from bot.read_models.loaders import load_approval
from policies.loader import PolicyError, load_policy_text
from policies.vocabulary import ApprovalStatus
from tests.support.deals import approvals_of, pending_for, submit, techcorp
from tests.support.matrix import LISA, MATRIX

CFO = "    avatar: cfo\n"


@pytest.fixture
def policy_file(write_policy: Callable[[str], Path], request: pytest.FixtureRequest) -> Path:
    extra = getattr(request, "param", "")
    return write_policy(MATRIX.replace(CFO, CFO + extra))


async def cfo_rows(deps: Deps, deal_id: int) -> list[tuple[str, str, str]]:
    return [
        (row.assignee, row.status, row.reason)
        for row in await approvals_of(deps, deal_id)
        if row.slot == "cfo"
    ]


async def test_in_shadow_mode_the_person_decides_and_the_avatar_advises(deps: Deps) -> None:
    deal = await submit(deps, techcorp(acv=300000))

    lisa = await pending_for(deps, deal.deal_id, "cfo")
    assert lisa.assignee == LISA
    assert lisa.recommendation is not None
    assert lisa.recommendation["outcome"] == "approve"


@pytest.mark.parametrize("policy_file", ["    avatar_mode: live\n"], indirect=True)
async def test_live_the_avatar_decides_within_its_authority(deps: Deps) -> None:
    deal = await submit(deps, techcorp(acv=300000, discount=12))

    [(assignee, status, _)] = await cfo_rows(deps, deal.deal_id)
    assert (assignee, status) == ("avatar:cfo", ApprovalStatus.APPROVED)


@pytest.mark.parametrize("policy_file", ["    avatar_mode: live\n"], indirect=True)
async def test_live_the_avatar_hands_what_exceeds_it_to_its_own_person(deps: Deps) -> None:
    deal = await submit(deps, techcorp(acv=300000, discount=30))

    rows = await cfo_rows(deps, deal.deal_id)
    assert [(a, s) for a, s, _ in rows] == [
        ("avatar:cfo", ApprovalStatus.REASSIGNED),
        (LISA, ApprovalStatus.PENDING),
    ]
    assert rows[1][2].startswith("handed over by Lisa Wong (avatar): 30% discount exceeds")
    lisa = await pending_for(deps, deal.deal_id, "cfo")
    assert lisa.due_at is not None  # her own SLA, from the hand-over


@pytest.mark.parametrize("policy_file", ["    show_recommendation: false\n"], indirect=True)
async def test_the_advice_can_be_kept_off_the_card(deps: Deps) -> None:
    deal = await submit(deps, techcorp(acv=300000))
    lisa = await pending_for(deps, deal.deal_id, "cfo")

    async with deps.db.read() as session:
        found = await load_approval(session, lisa.id, deps.policies)
    assert found is not None
    assert lisa.recommendation is not None  # still decided silently, for the report
    assert found[1].recommendation is None  # but not shown


def test_avatar_mode_is_for_a_person_with_an_avatar() -> None:
    text = MATRIX.replace(
        "    slack_user: U0PRIYA\n", "    slack_user: U0PRIYA\n    avatar_mode: live\n"
    )
    with pytest.raises(PolicyError, match=r"avatar_mode.*a person with an avatar"):
        load_policy_text(text)
