"""What a long-running process keeps in memory stays bounded: earlier policy versions,
Slack statuses, and the sandbox's workspace (messages, modals, clicks). Each is filled
past its bound here, through the code paths that fill it in production."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.availability.statuses import StatusBook
from bot.core.clock import VirtualClock
from bot.core.deps import Deps
from bot.core.policy_book import PolicyBook
from bot.slack.gateway import SlackGateway, web_client
from policies.loader import bundled_policy_path, load_policy_text
from sandbox.objects import Message, User
from sandbox.requests import new_trigger_id
from sandbox.workspace import MESSAGES_KEPT, MODALS_KEPT, VERSIONS_KEPT, Workspace
from tests.support.fake_slack import FakeSlack

EXAMPLE = bundled_policy_path().read_text(encoding="utf-8")


def _version(n: int) -> str:
    """The example policy under another name: another version, the same approvers."""
    return EXAMPLE.replace("name: ", f"name: Version {n} of ", 1)


async def test_earlier_policy_versions_are_kept_to_a_bound_and_read_again(
    deps: Deps,
) -> None:
    book = PolicyBook(load_policy_text(_version(0)), earlier_kept=3)
    versions = []
    for n in range(1, 8):  # seven changes of the policy while serving
        loaded = load_policy_text(_version(n))
        async with deps.db.transaction() as session:
            await PolicyBook(loaded).store_current(session, deps.clock.now())
        book.replace(loaded)
        versions.append(loaded.version)

    assert book.earlier_loaded == 3
    async with deps.db.read() as session:  # the first change was let go: read again
        again = await book.get(session, versions[0])
        assert again.name.startswith("Version 1 of ")
        assert (await book.get(session, versions[-1])) is book.current.policy
    assert book.earlier_loaded == 3


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        for n in range(30):
            fake.add_user(f"U{n:04d}", name=f"Person {n}")
        yield fake


async def test_slack_statuses_are_kept_for_the_most_recently_asked(
    slack: FakeSlack, clock: VirtualClock
) -> None:
    gateway = SlackGateway(web_client("xoxb-test", slack.api_url))
    statuses = StatusBook(gateway, clock, people_kept=10)
    try:
        for n in range(30):
            await statuses.presence(f"U{n:04d}")
        assert statuses.held == 10
        asked = len(slack.calls_to("users.info"))
        await statuses.presence("U0029")  # among the kept: not asked again
        assert len(slack.calls_to("users.info")) == asked
        await statuses.presence("U0000")  # let go: asked again
        assert len(slack.calls_to("users.info")) == asked + 1
    finally:
        await gateway.close()


def test_the_sandbox_workspace_keeps_the_latest_messages_and_versions() -> None:
    workspace = Workspace()
    workspace.users["U1"] = User("U1", "Someone", "America/New_York")
    first = workspace.post_message({"channel": "U1", "text": "first"})["ts"]
    for n in range(MESSAGES_KEPT + 50):
        workspace.post_message({"channel": "U1", "text": f"message {n}"})
    kept = workspace.history["DU1"]

    assert len(kept) == MESSAGES_KEPT
    assert first not in kept
    last = next(reversed(kept))
    for n in range(VERSIONS_KEPT + 10):
        workspace.store(Message.of("DU1", last, f"edit {n}", []))
    assert len(kept[last]) == VERSIONS_KEPT
    assert kept[last][-1].text == f"edit {VERSIONS_KEPT + 9}"


def test_a_stored_message_keeps_its_blocks_as_compact_text() -> None:
    """A card's parsed blocks take about five times the memory of their JSON text; the
    workspace holds a thousand messages and their versions, so it keeps the text."""
    workspace = Workspace()
    workspace.users["U1"] = User("U1", "Someone", "America/New_York")
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "Deal *D-1* — 12% off"}}]
    ts = workspace.post_message({"channel": "U1", "text": "card", "blocks": blocks})["ts"]
    stored = workspace.current("DU1", ts)

    assert stored is not None
    assert (
        stored.blocks_json
        == '[{"type":"section","text":{"type":"mrkdwn","text":"Deal *D-1* — 12% off"}}]'
    )
    shown = stored.blocks
    shown[0]["text"]["text"] = "changed by a reader"
    assert stored.blocks == blocks
    assert stored.payload["blocks"] == blocks


def test_the_sandbox_workspace_keeps_the_latest_modals_and_every_home() -> None:
    workspace = Workspace()
    workspace.users["U1"] = User("U1", "Someone", "America/New_York")
    home = {"type": "home", "blocks": []}
    modal = {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Why?"},
        "blocks": [],
    }
    workspace.publish_view({"user_id": "U1", "view": home})
    for _ in range(MODALS_KEPT + 50):
        workspace.open_view({"trigger_id": new_trigger_id(), "view": modal})

    modals = [view for view in workspace.views.values() if view["type"] == "modal"]
    assert len(modals) == MODALS_KEPT
    assert len(workspace.triggers) == MODALS_KEPT
    assert workspace.homes["U1"] in workspace.views


async def test_the_gateway_keeps_names_and_dm_channels_of_the_most_recent_people(
    slack: FakeSlack,
) -> None:
    gateway = SlackGateway(web_client("xoxb-test", slack.api_url), people_kept=10)
    try:
        for n in range(30):
            await gateway.person(f"U{n:04d}")
            await gateway.open_dm(f"U{n:04d}")
        before = _asked(slack)
        await gateway.person("U0029")  # kept
        await gateway.open_dm("U0029")
        assert _asked(slack) == before
        await gateway.person("U0000")  # let go: asked again
        await gateway.open_dm("U0000")
        assert _asked(slack) == (before[0] + 1, before[1] + 1)
    finally:
        await gateway.close()


def _asked(slack: FakeSlack) -> tuple[int, int]:
    return len(slack.calls_to("users.info")), len(slack.calls_to("conversations.open"))
