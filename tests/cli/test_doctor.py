"""``dealdesk doctor`` against a FakeSlack and a real database: one line per check, the
fix beside each failure, exit 1 when anything fails."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from policies.loader import bundled_policy_path
from tests.api.conftest import with_people
from tests.support.fake_slack import FakeSlack
from tests.support.processes import environment, free_port, run_dealdesk


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        yield with_people(fake)


async def dealdesk(env: dict[str, str], *args: str) -> tuple[int, str]:
    return await run_dealdesk(env, *args)


async def test_a_ready_installation_passes_every_check(tmp_path: Path, slack: FakeSlack) -> None:
    env = environment(tmp_path, SLACK_API_URL=slack.api_url)
    assert (await dealdesk(env, "db", "upgrade"))[0] == 0

    code, said = await dealdesk(env, "doctor")

    assert code == 0, said
    for line in (
        "✓ signing secret: SLACK_SIGNING_SECRET is set",
        "✓ database: reachable and migrated",
        "✓ policy:",
        "✓ Slack token: the bot @dealdesk (U0DEALBOT) in Dealdesk Test",
        "✓ scopes: channels:history, chat:write, commands, groups:history, im:history, im:write, "
        "users:read, users:read.email",
        "✓ people: all 5 Slack users the policy names are people",
        "✓ deal_channel: C0DEALDESK: joined",
        "✓ escalation_channel: C0ESCALATE: joined",
        "Ready.",
    ):
        assert line in said, said


async def test_each_problem_is_named_with_its_fix(tmp_path: Path, slack: FakeSlack) -> None:
    policy = tmp_path / "policy.yml"
    policy.write_text(
        bundled_policy_path().read_text(encoding="utf-8")
        + f"webhooks:\n  - {{url: 'http://127.0.0.1:{free_port()}/hook', secret_env: HOOK}}\n"
        + "  - {url: 'http://127.0.0.1:9/other', secret_env: UNSET_HOOK_SECRET}\n"
        + "intake:\n"
        + "  hubspot: {secret_env: UNSET_HUBSPOT_SECRET, fields: {company: a, acv: b, owner: c}}\n"
        + "  salesforce: {secret_env: HOOK, fields: {company: a, acv: b, owner: c}}\n",
        encoding="utf-8",
    )
    env = environment(
        tmp_path, SLACK_API_URL=slack.api_url, DEALDESK_POLICY=str(policy), HOOK="s3cret"
    )
    slack.scopes.discard("users:read")
    del slack.workspace.users["U0OMAR"]
    slack.workspace.channels.discard("C0ESCALATE")
    slack.workspace.left.add("C0ESCALATE")

    code, said = await dealdesk(env, "doctor")

    assert code == 1
    assert "✗ database: reachable, at schema none" in said
    assert "run `dealdesk db upgrade`" in said
    assert "✗ scopes: the token lacks users:read" in said
    assert "✗ people: approvers.counsel: U0OMAR (user_not_found)" in said
    assert "✗ escalation_channel: C0ESCALATE: the bot is not in it" in said
    assert "/invite @dealdesk" in said
    assert "/hook: not reached (ClientConnectorError)" in said
    assert "✗ webhook http://127.0.0.1:9/other: UNSET_HOOK_SECRET is not set" in said
    assert "✗ HubSpot intake: UNSET_HUBSPOT_SECRET is not set" in said
    assert "the HubSpot app's client secret" in said
    assert "✓ Salesforce intake: requests verified with" in said
    assert "7 check(s) failed." in said
    assert "Traceback" not in said

    code, said = await dealdesk({**env, "SLACK_BOT_TOKEN": "xoxb-not-ours"}, "doctor")
    assert code == 1
    assert "✗ Slack token: Slack refused it (invalid_auth)" in said
    assert "Bot User OAuth Token" in said
