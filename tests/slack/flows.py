"""Steps the Slack tests share: submitting TechCorp, finding what Slack shows, clicking on
App Home, resending a request as Slack's retry, and waiting until the app has settled."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar
from urllib.parse import urlencode

from sqlalchemy import func, select

from bot.cards.ids import CardBlock
from bot.workflow import SubmitResult, submit_deal
from policies.vocabulary import AVATAR_PREFIX
from sandbox.block_reading import find_element
from sandbox.objects import TEAM_ID, Message
from sandbox.requests import SlackReply, load_payload, new_trigger_id
from store.models import AuditEvent, DecisionRequest, OutboxMessage
from tests.support.app_server import RunningApp
from tests.support.deals import techcorp
from tests.support.fake_slack import FakeSlack

LISA = "U0LISA"
PRIYA = "U0PRIYA"
OWNER = "U0SARAH"
ADMIN = "U0REVOPS"
DANIEL = "U0DANIEL"
OMAR = "U0OMAR"
DEAL_CHANNEL = "C0DEALDESK"
ESCALATION_CHANNEL = "C0ESCALATE"
WAIT = 10.0

T = TypeVar("T")


async def eventually(probe: Callable[[], T | None], what: str, timeout: float = WAIT) -> T:  # noqa: ASYNC109
    """Poll ``probe`` until it returns something truthy (no fixed sleeps)."""
    deadline = time.monotonic() + timeout
    while True:
        found = probe()
        if found:
            return found
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


async def submit(app: RunningApp, **changes: Any) -> SubmitResult:
    """A deal submitted through the workflow, as the intake API does (owner U0SARAH)."""
    async with app.deps.unit_of_work() as uow:
        return await submit_deal(uow, techcorp(**changes), OWNER)


CARD_BLOCKS = {CardBlock.ACTIONS.value, CardBlock.OUTCOME.value}


def cards(slack: FakeSlack, user: str) -> list[Message]:
    """Approval cards in ``user``'s DM, settled ones included, oldest first."""
    return [m for m in slack.dm(user) if any(b.get("block_id") in CARD_BLOCKS for b in m.blocks)]


async def card_for(slack: FakeSlack, user: str, count: int = 1) -> Message:
    """The ``count``-th approval card ``user`` received, once it is there."""
    found = await eventually(
        lambda: cards(slack, user)[count - 1 :], f"approval card #{count} in {user}'s DM"
    )
    return found[0]


async def updated(slack: FakeSlack, message: Message, versions: int = 2) -> Message:
    """The message once it has been edited (``versions`` counts the first post)."""
    await eventually(
        lambda: len(slack.versions(message.channel, message.ts)) >= versions,
        f"an update of {message.ts} in {message.channel}",
    )
    return slack.message(message.channel, message.ts)


async def settled(app: RunningApp) -> None:
    """Every journaled decision applied and every outbox row delivered; none refused."""

    async def open_work() -> tuple[int, int, list[str]]:
        async with app.deps.db.read() as session:
            journal = await session.scalar(
                select(func.count()).where(DecisionRequest.processed_at.is_(None))
            )
            outbox = await session.scalar(
                select(func.count()).where(
                    OutboxMessage.done_at.is_(None), OutboxMessage.failed_at.is_(None)
                )
            )
            failed = (
                await session.execute(
                    select(OutboxMessage.kind, OutboxMessage.last_error).where(
                        OutboxMessage.failed_at.is_not(None)
                    )
                )
            ).all()
        return journal or 0, outbox or 0, [f"{kind}: {error}" for kind, error in failed]

    deadline = time.monotonic() + WAIT
    while True:
        journal, outbox, failed = await open_work()
        assert not failed, f"Slack refused work for good: {failed}"
        if journal == 0 and outbox == 0:
            return
        if time.monotonic() >= deadline:
            raise AssertionError(f"not settled: {journal} decisions, {outbox} outbox rows open")
        await asyncio.sleep(0.02)


async def audit_actions(
    app: RunningApp, action: str, *, people_only: bool = True
) -> list[dict[str, Any]]:
    """The audit events of one action (actor and details), oldest first; avatars' own
    decisions are left out unless ``people_only`` is False."""
    async with app.deps.db.read() as session:
        rows = (
            await session.execute(
                select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)
            )
        ).scalars()
        return [
            {"actor": row.actor, "deal_id": row.deal_id, **json.loads(row.details)}
            for row in rows
            if not (people_only and row.actor.startswith(AVATAR_PREFIX))
        ]


async def journal_size(app: RunningApp) -> int:
    async with app.deps.db.read() as session:
        return await session.scalar(select(func.count()).select_from(DecisionRequest)) or 0


def user_payload(user: str) -> dict[str, str]:
    return {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM_ID}


def click_payload(
    blocks: list[dict[str, Any]], action_id: str, user: str, value: str | None = None
) -> dict[str, Any]:
    """A block_actions payload for a button on ``blocks`` (container and origin left to the
    caller)."""
    block_id, element = find_element(blocks, action_id, value)
    payload = load_payload("block_actions")
    payload.update(user=user_payload(user), trigger_id=new_trigger_id())
    payload["actions"] = [
        {
            "type": "button",
            "action_id": action_id,
            "block_id": block_id,
            "text": element.get("text"),
            "value": element.get("value"),
            "action_ts": f"{time.time():.6f}",
        }
    ]
    return payload


async def click_home(
    app: RunningApp, user: str, action_id: str, value: str | None = None
) -> SlackReply:
    """Click a button on ``user``'s published Home tab: no channel, no response_url."""
    home = app.slack.home(user)
    payload = click_payload(home["blocks"], action_id, user, value)
    for key in ("channel", "message", "response_url"):
        payload.pop(key)
    payload.update(container={"type": "view", "view_id": home["id"]}, view=home)
    return await app.requests.send_payload(payload)


def message_click(message: Message, action_id: str, user: str, response_url: str) -> str:
    """The form body of a click on ``message``, to send (and resend) as is."""
    payload = click_payload(message.blocks, action_id, user)
    payload.update(
        container={
            "type": "message",
            "message_ts": message.ts,
            "channel_id": message.channel,
            "is_ephemeral": False,
        },
        channel={"id": message.channel, "name": "directmessage"},
        message=message.payload,
        response_url=response_url,
    )
    return urlencode({"payload": json.dumps(payload)})


async def send_form(app: RunningApp, body: str, retry: int | None = None) -> SlackReply:
    headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
    return await app.requests.send(
        body, "application/x-www-form-urlencoded", headers if retry else None
    )


def hook_name(reply: SlackReply) -> str:
    assert reply.response_url is not None
    return reply.response_url.rsplit("/", 1)[-1]


def mrkdwn_texts(payload: Any) -> Iterator[str]:
    """Every text Slack parses as mrkdwn in a message or view payload: mrkdwn text objects
    and a message's top-level ``text`` fallback."""
    if isinstance(payload, Mapping):
        if payload.get("type") == "mrkdwn" and isinstance(payload.get("text"), str):
            yield payload["text"]
        for value in payload.values():
            yield from mrkdwn_texts(value)
    elif isinstance(payload, list):
        for item in payload:
            yield from mrkdwn_texts(item)


def shown_texts(slack: FakeSlack) -> list[str]:
    """Every mrkdwn text the app sent: messages posted and updated, ephemerals, response_url
    posts, Home tabs and modals."""
    texts: list[str] = []
    for call in slack.calls:
        params = call.params
        if call.method in ("chat.postMessage", "chat.update", "chat.postEphemeral"):
            texts.extend([str(params.get("text") or ""), *mrkdwn_texts(params.get("blocks"))])
        elif call.method in ("views.publish", "views.open"):
            texts.extend(mrkdwn_texts(params.get("view")))
    for post in slack.responses:
        texts.extend([str(post.body.get("text") or ""), *mrkdwn_texts(post.body.get("blocks"))])
    return texts


def prefilled(view: Mapping[str, Any]) -> dict[str, str]:
    """What a prefilled modal submits if nobody changes it (action_id → typed text), as
    ``SlackRequests.submit_view`` takes it: initial values, checked boxes comma-joined."""
    typed: dict[str, str] = {}
    for block in view.get("blocks") or []:
        element = block.get("element") or {}
        if "initial_value" in element:
            typed[element["action_id"]] = str(element["initial_value"])
        elif element.get("initial_options"):
            typed[element["action_id"]] = ",".join(o["value"] for o in element["initial_options"])
    return typed
