"""A 2-of-3 group through the real app: each lead gets a card showing how far the quorum
is; two approvals clicked at once count once, and the third card ends once, saying why."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.cards.ids import CardAction
from tests.slack.flows import audit_actions, card_for, eventually, settled, submit
from tests.support.app_server import RunningApp

ANNA, BEN, CARA = "U0ANNA", "U0BEN", "U0CARA"

POLICY = """\
name: Deal desk leads
admins: [U0REVOPS]
approvers:
  lead_a: {name: Anna Berg, slack_user: U0ANNA, sla: 24h}
  lead_b: {name: Ben Okafor, slack_user: U0BEN, sla: 24h}
  lead_c: {name: Cara Diaz, slack_user: U0CARA, sla: 24h}
  legal: {name: Priya Patel, slack_user: U0PRIYA, sla: 24h}
stages:
  - name: Deal desk
    approvals:
      - group: [lead_a, lead_b, lead_c]
        quorum: 2
  - name: Legal
    approvals:
      - approver: legal
"""


@pytest.fixture
def policy_file(write_policy: Callable[[str], Path]) -> Path:
    return write_policy(POLICY)


@pytest.fixture(autouse=True)
def leads(app: RunningApp) -> None:
    for user, name in ((ANNA, "Anna Berg"), (BEN, "Ben Okafor"), (CARA, "Cara Diaz")):
        app.slack.add_user(user, name=name, tz="America/New_York")


async def test_two_of_three_at_once_count_once_and_end_the_third_card(app: RunningApp) -> None:
    await submit(app)
    anna, ben, cara = [await card_for(app.slack, user) for user in (ANNA, BEN, CARA)]
    assert "👥 One of a group: 2 of 3 needed, 0 approved so far" in ben.visible_text

    clicks = await asyncio.gather(
        app.requests.click(anna, CardAction.APPROVE, user=ANNA),
        app.requests.click(cara, CardAction.APPROVE, user=CARA),
    )
    assert [reply.status for reply in clicks] == [200, 200]
    await settled(app)

    ended = app.slack.message(ben.channel, ben.ts)
    assert ended.button_texts == []
    assert "No longer needed: 2 of 3 approved (" in ended.visible_text
    versions = app.slack.versions(ben.channel, ben.ts)
    assert sum("No longer needed: 2 of 3" in v.visible_text for v in versions) >= 1
    [reached] = await audit_actions(app, "group_quorum_reached")
    assert sorted(reached["approved_by"]) == [ANNA, CARA]
    assert len(await audit_actions(app, "approval_decided")) == 2
    await eventually(lambda: app.slack.dm("U0PRIYA"), "legal's card")
