"""The real app with its real scheduler and the system clock, SLAs of seconds, a FakeSlack."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from bot.outbox.work import POST_INTERVAL
from tests.deadlines.steps import ADMIN, DANIEL, LISA, MARCUS, OWNER, PRIYA, TOM
from tests.slack.flows import DEAL_CHANNEL, ESCALATION_CHANNEL
from tests.support.app_server import RunningApp, running_app
from tests.support.fake_slack import FakeSlack

POLICY = """\
name: Deadline test matrix
timezone: America/New_York
deal_channel: C0DEALDESK
escalation_channel: C0ESCALATE
admins: [U0REVOPS]
approvers:
  sdr:
    name: Sarah Chen
    avatar: qualification
    limits: {{qualify_threshold: 60}}
  manager:
    name: Marcus Thompson
    slack_user: U0MARCUS
    sla: {manager_sla}
    backups: [cfo]
    delegates: any
  cfo:
    name: Lisa Wong
    slack_user: U0LISA
    sla: {cfo_sla}
stages:
  - name: Qualification
    approvals:
      - approver: sdr
  - name: Deal approval
    approvals:
      - approver: manager
"""
"""Marcus decides each deal; when his SLA passes it goes to Lisa; when hers passes too,
no backup is left and the admins are asked. ``reminder_at`` is left at its default (0.75)."""

PEOPLE = {
    MARCUS: ("Marcus Thompson", "America/Chicago"),
    LISA: ("Lisa Wong", "America/Los_Angeles"),
    OWNER: ("Sarah Chen", "America/New_York"),
    ADMIN: ("RevOps Admin", "America/Chicago"),
    TOM: ("Tom Baker", "Europe/London"),
    DANIEL: ("Daniel Kim", "America/New_York"),
    PRIYA: ("Priya Patel", None),
}


@pytest.fixture
def deadline_policy(tmp_path: Path) -> Callable[..., Path]:
    def write(manager_sla: str = "3s", cfo_sla: str = "3s", *, threads: bool = True) -> Path:
        """``threads``: each deal gets its thread in the deal channel."""
        text = POLICY.format(manager_sla=manager_sla, cfo_sla=cfo_sla)
        if not threads:
            text = text.replace(f"deal_channel: {DEAL_CHANNEL}\n", "")
        path = tmp_path / "deadlines.yml"
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        for user, (name, tz) in PEOPLE.items():
            fake.add_user(user, name=name, tz=tz)
        fake.add_user("U0HELPBOT", name="Help Bot", is_bot=True)
        fake.add_channel(DEAL_CHANNEL)
        fake.add_channel(ESCALATION_CHANNEL)
        yield fake


@pytest.fixture
async def app(
    database_url: str, deadline_policy: Callable[..., Path], slack: FakeSlack
) -> AsyncIterator[RunningApp]:
    """Real time (the system clock), Slack's real pacing of posts per channel."""
    async with running_app(
        database_url, deadline_policy(), slack, post_interval=POST_INTERVAL
    ) as running:
        yield running
