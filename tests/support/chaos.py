"""Chaos: deals, clicks (retried as Slack retries them), reminders and timeouts against
real ``dealdesk serve`` processes that are SIGKILLed at random moments and restarted;
then the books are checked.

Used by tests/deadlines/test_chaos.py (a few kills) and bench/chaos.py (a hundred).
A Reject click is followed by its reason, typed into the modal it opened and submitted.
Afterwards: every click and reason that got its 200 is applied once and none twice; every approval
is in a consistent state; every approval card is in its approver's DM exactly once (the
fake Slack's own record); ``dealdesk audit verify`` passes.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import time
from collections import Counter
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
from sqlalchemy import select

from bot.cards.ids import CardAction, ReasonInput
from bot.core.outage import NOT_RECORDED
from bot.outbox.work import Work
from sandbox.block_reading import find_element
from sandbox.objects import Message
from sandbox.requests import (
    SlackRequests,
    load_payload,
    new_trigger_id,
    signed_headers,
    user_payload,
)
from store.db import Database
from store.models import Approval, AuditEvent, Deal, DecisionRequest, OutboxMessage
from tests.support.databases import sqlite_url
from tests.support.fake_slack import FakeSlack
from tests.support.processes import API_TOKEN, run_dealdesk
from tests.support.round_robin import round_robin_policy
from tests.support.serving import Serve, drained, serving

SIGNING_SECRET = "serve-test-signing-secret"
ESCALATION_CHANNEL = "C0ESCALATE"
APPROVERS = 6
SELLERS = 20
SLACK_RETRIES = 3
"""Slack retries a request that got no 200 within 3 seconds, three times."""


def person(number: int) -> str:
    return f"U0CHAOS{number:03d}"


def seller(number: int) -> str:
    return f"U0SELLER{number % SELLERS:02d}"


def add_people(slack: FakeSlack) -> None:
    for n in range(APPROVERS):
        slack.add_user(person(n), name=f"Approver {n}")
    for n in range(SELLERS):
        slack.add_user(seller(n), name=f"Seller {n}")
    slack.add_user("U0CHAOSADMIN", name="Chaos Admin")
    slack.add_channel(ESCALATION_CHANNEL)


def chaos_policy(sla: str) -> str:
    """Deal n to approver n mod APPROVERS, each backed up by the next (the last by the
    escalation channel): short SLAs make reminders, timeouts, reassignments and
    escalations happen during the run."""
    return round_robin_policy(
        "Chaos",
        APPROVERS,
        person,
        sla=sla,
        timezone="UTC",
        settings=(
            f"escalation_channel: {ESCALATION_CHANNEL}\nadmins: [U0CHAOSADMIN]\nreminder_at: 0.5\n"
        ),
        backed_up=True,
    )


@dataclass
class Figures:
    kills: int = 0
    deals: int = 0
    clicks: int = 0
    """Clicks sent (first tries): Approve, and Reject (which opens the reason modal)."""
    acked: int = 0
    """Clicks Slack got a 200 for (after its retries, if any); each acked Approve must be
    journaled and applied, once."""
    reasons: int = 0
    """Reject reasons typed into the modal a Reject click opened, and submitted."""
    reasons_acked: int = 0
    """Reason submissions that got a 200: each must be journaled and applied, once."""
    retries: int = 0
    not_recorded: int = 0
    """Clicks answered at once as "not recorded" (the database was away): not acked."""
    decisions: int = 0
    """Approvals decided by a person's click."""
    cards: int = 0
    doubled: int = 0
    """Approval cards beyond one per approval, and messages posted twice for one outbox row."""
    lost: int = 0
    """Pending approvals whose approver has no card, and acked clicks never applied."""
    applied_twice: int = 0
    inconsistent: list[str] = field(default_factory=list)
    unapplied: list[tuple[int, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    audit_ok: bool = False
    seconds: float = 0.0

    @property
    def clean(self) -> bool:
        return (
            self.doubled == 0
            and self.lost == 0
            and self.applied_twice == 0
            and not self.inconsistent
            and self.audit_ok
        )

    def rows(self) -> list[tuple[str, str]]:
        return [
            ("kills (SIGKILL)", str(self.kills)),
            ("deals submitted", str(self.deals)),
            (
                "clicks sent / acked (Slack retries)",
                f"{self.clicks} / {self.acked} ({self.retries})",
            ),
            ("reject reasons submitted / acked", f"{self.reasons} / {self.reasons_acked}"),
            ('answered "not recorded" (not acked)', str(self.not_recorded)),
            ("decisions applied", str(self.decisions)),
            ("approval cards", str(self.cards)),
            ("doubled", str(self.doubled)),
            ("lost", str(self.lost)),
            ("applied twice", str(self.applied_twice)),
            ("inconsistent approvals", str(len(self.inconsistent))),
            ("audit verify", "passes" if self.audit_ok else "FAILS"),
            ("run time", f"{self.seconds:.0f} s"),
        ]


class Chaos:
    def __init__(
        self, directory: Path, slack: FakeSlack, policy: Path, database_url: str, seed: int
    ) -> None:
        self.directory = directory
        self.slack = slack
        self.policy = policy
        self.database_url = database_url
        self.random = random.Random(seed)
        self.figures = Figures()
        self.servers: list[Serve] = []
        self.acked: list[tuple[int, str]] = []  # (approval id, who clicked)
        self._stack = AsyncExitStack()
        self._session: aiohttp.ClientSession | None = None
        self._started = 0
        self._up = asyncio.Event()

    async def __aenter__(self) -> Chaos:
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5))
        return self

    async def __aexit__(self, *_: object) -> None:
        await self._stack.aclose()
        if self._session is not None:
            await self._session.close()

    async def start(self, instances: int) -> None:
        for _ in range(instances):
            await self._start_one()

    async def _start_one(self) -> Serve:
        self._started += 1
        server = await self._stack.enter_async_context(
            serving(
                self.directory,
                self.slack,
                self.policy,
                self.database_url,
                name=f"serve-{self._started}",
            )
        )
        self.servers.append(server)
        self._up.set()
        return server

    async def kill_and_restart(self) -> None:
        victim = self.random.choice(self.servers)
        self.servers.remove(victim)
        if not self.servers:
            self._up.clear()
        await victim.kill()
        self.figures.kills += 1
        await self._start_one()

    # --- the stream ----------------------------------------------------------------
    async def stream(self, stop: asyncio.Event) -> None:
        """Deals and clicks until ``stop``, a few at a time, at random."""
        number = 0
        while not stop.is_set():
            if self.random.random() < 0.15:
                number += 1
                await self._submit(number)
            else:
                await self._click_some()
            await asyncio.sleep(self.random.uniform(0.02, 0.2))

    async def clear_inboxes(self, db: Database, patience: float = 120) -> None:
        """The approvers click through what is left, until nothing waits for a person (no
        deadline is left to fire, so the books can be read at rest)."""
        deadline = time.monotonic() + patience
        while time.monotonic() < deadline:
            async with db.read() as session:
                pending = (
                    await session.scalars(select(Approval).where(Approval.status == "pending"))
                ).all()
            if not pending:
                return
            await self._click_some(CardAction.APPROVE)
            await asyncio.sleep(0.02)
        left = ", ".join(f"{a.id} ({a.assignee}, due {a.due_at})" for a in pending)
        raise AssertionError(f"approvals still pending after {patience} s: {left}")

    async def _submit(self, number: int) -> None:
        deal = {
            "external_id": f"CHAOS-{number}",
            "company": f"Chaos {number}",
            "acv": 100000 + number,
            "discount": 5,
            "employees": number,
            "owner": seller(number),
        }
        for _ in range(20):  # the CRM retries until it gets an answer (idempotent on its id)
            server = await self._live()
            try:
                async with self._http.post(
                    f"{server.url}/api/deals",
                    json=deal,
                    headers={"Authorization": f"Bearer {API_TOKEN}"},
                ) as answer:
                    if answer.status in (200, 201):
                        self.figures.deals += answer.status == 201
                        return
            except (aiohttp.ClientError, TimeoutError):
                pass
            await asyncio.sleep(0.2)

    async def _click_some(self, action: CardAction | None = None) -> None:
        waiting = [
            message
            for n in range(APPROVERS)
            for message in self.slack.dm(person(n))
            if _has_buttons(message)
        ]
        if not waiting:
            return
        card = self.random.choice(waiting)
        choices = [CardAction.APPROVE, CardAction.APPROVE, CardAction.REJECT]
        await self._click(card, action or self.random.choice(choices))

    async def _click(self, card: Message, action: CardAction) -> None:
        user = card.channel.removeprefix("D")
        hook = f"chaos-{self.figures.clicks + 1}"
        block_id, element = find_element(card.blocks, action)
        payload = load_payload("block_actions")
        payload.update(
            user=user_payload(user),
            container={"type": "message", "message_ts": card.ts, "channel_id": card.channel},
            channel={"id": card.channel, "name": "directmessage"},
            response_url=self.slack.response_url(hook, channel=card.channel, ts=card.ts),
            message=card.payload,
            trigger_id=new_trigger_id(),  # one per click; Slack's retries repeat it
        )
        payload["actions"] = [
            {
                "type": "button",
                "action_id": str(action),
                "block_id": str(block_id),
                "value": element.get("value"),
                "action_ts": f"{time.time():.6f}",
            }
        ]
        body = urlencode({"payload": json.dumps(payload)})
        approval_id = int(str(element.get("value")))
        self.figures.clicks += 1
        for attempt in range(SLACK_RETRIES + 1):
            headers = {
                **signed_headers(SIGNING_SECRET, body, int(time.time())),
                "Content-Type": "application/x-www-form-urlencoded",
            }
            if attempt:
                self.figures.retries += 1
                headers |= {"X-Slack-Retry-Num": str(attempt), "X-Slack-Retry-Reason": "timeout"}
            try:
                async with self._http.post(
                    f"{(await self._live()).url}/slack/events", data=body, headers=headers
                ) as answer:
                    if answer.status == 200 and self._told_not_recorded(hook):
                        self.figures.not_recorded += 1  # answered, and said so: not acked
                        return
                    if answer.status == 200:
                        self.figures.acked += 1
                        if action is CardAction.APPROVE:
                            self.acked.append((approval_id, user))
                        else:  # Reject asks for a reason first
                            await self._give_reason(payload["trigger_id"], approval_id, user)
                        return
            except (aiohttp.ClientError, TimeoutError):
                pass
            await asyncio.sleep(0.3 * (attempt + 1))

    async def _give_reason(self, trigger_id: str, approval_id: int, user: str) -> None:
        """The approver types a reason into the modal their Reject click opened and submits
        it, again when no answer comes (Slack does not retry a submission; a person
        presses Submit again). No modal within two seconds (the click was answered, then
        the process died before opening it): they would click again, as another click."""
        view = await self._opened_by(trigger_id)
        if view is None:
            return
        self.figures.reasons += 1
        for attempt in range(SLACK_RETRIES + 1):
            url = f"{(await self._live()).url}/slack/events"
            requests = SlackRequests(self._http, url, SIGNING_SECRET)
            try:
                reply = await requests.submit_view(
                    view, {ReasonInput.ACTION: "Too deep a discount for a 12-month term"}, user=user
                )
                answered = reply.body if isinstance(reply.body, dict) else {}
                if reply.status == 200 and answered.get("response_action") == "errors":
                    self.figures.not_recorded += 1  # the modal says it was not recorded
                    return
                if reply.status == 200:
                    self.figures.reasons_acked += 1
                    self.acked.append((approval_id, user))
                    return
            except (aiohttp.ClientError, TimeoutError):
                pass
            await asyncio.sleep(0.3 * (attempt + 1))

    def _told_not_recorded(self, hook: str) -> bool:
        return any(
            r.name == hook and r.body.get("text") == NOT_RECORDED for r in self.slack.responses
        )

    async def _opened_by(self, trigger_id: str, patience: float = 2.0) -> dict[str, Any] | None:
        deadline = time.monotonic() + patience
        while time.monotonic() < deadline:
            workspace = self.slack.workspace
            for view_id, trigger in workspace.triggers.items():
                if trigger == trigger_id:
                    return workspace.views[view_id]
            await asyncio.sleep(0.05)
        return None

    # --- the books -----------------------------------------------------------------
    async def settle(self, db: Database) -> None:
        """Every process up, the click journal worked off and the outbox drained."""
        deadline = time.monotonic() + 60
        while True:
            async with db.read() as session:
                open_clicks = (
                    await session.scalars(
                        select(DecisionRequest.id).where(DecisionRequest.processed_at.is_(None))
                    )
                ).all()
            if not open_clicks:
                break
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(open_clicks)} clicks still not applied")
            await asyncio.sleep(0.1)
        await drained(db, timeout=120)

    async def check(self, db: Database, env_database_url: str) -> Figures:
        figures = self.figures
        async with db.read() as session:
            approvals = (await session.scalars(select(Approval))).all()
            deals = {d.id: d for d in (await session.scalars(select(Deal))).all()}
            decided = (
                await session.scalars(
                    select(AuditEvent.details).where(AuditEvent.action == "approval_decided")
                )
            ).all()
            journal = (await session.scalars(select(DecisionRequest))).all()
            card_rows: dict[int, dict[str, Any]] = dict(
                (
                    await session.execute(
                        select(OutboxMessage.id, OutboxMessage.payload).where(
                            OutboxMessage.kind == Work.CARD_POST.value
                        )
                    )
                ).all()
            )
        per_approval = Counter(json.loads(details)["approval_id"] for details in decided)
        figures.applied_twice = sum(count - 1 for count in per_approval.values() if count > 1)
        figures.decisions = sum(
            1 for a in approvals if a.decided_by and a.decided_by.startswith("U0CHAOS")
        )
        processed = {(j.approval_id, j.actor) for j in journal if j.processed_at is not None}
        unapplied = [click for click in self.acked if click not in processed]
        outbox_ids = Counter(
            message.metadata["event_payload"]["outbox_id"]
            for channel in self.slack.workspace.history.values()
            for versions in channel.values()
            if (message := versions[-1]).metadata is not None
        )
        cards = Counter(
            card_rows[row]["approval_id"]
            for row, count in outbox_ids.items()
            if row in card_rows
            for _ in range(count)
        )
        figures.cards = sum(cards.values())
        figures.doubled = sum(n - 1 for n in cards.values() if n > 1) + sum(
            n - 1 for n in outbox_ids.values() if n > 1
        )
        pending = [a for a in approvals if a.status == "pending" and a.assignee.startswith("U0")]
        no_card = [a for a in pending if cards.get(a.id, 0) == 0]
        figures.lost = len(no_card) + len(unapplied)
        figures.inconsistent += [f"approval {a.id}: pending, and no card" for a in no_card]
        figures.unapplied = unapplied
        journal_by = {(j.approval_id, j.actor): j for j in journal}
        figures.notes = [
            f"click on approval {a} by {u}: acked, journal row "
            f"{'missing' if (a, u) not in journal_by else 'unprocessed'}"
            for a, u in unapplied
        ]
        figures.inconsistent = _inconsistent(approvals, deals)
        code, said = await run_dealdesk(
            {"DATABASE_URL": env_database_url, "PATH": _path(), "HOME": str(self.directory)},
            "audit",
            "verify",
        )
        figures.audit_ok = code == 0
        if not figures.audit_ok:
            figures.inconsistent.append(f"audit verify: {said.strip()}")
        return figures

    # --- helpers -------------------------------------------------------------------
    async def _live(self) -> Serve:
        """A running serve (while the only one restarts, the next one to come up)."""
        await self._up.wait()
        return self.random.choice(self.servers)

    @property
    def _http(self) -> aiohttp.ClientSession:
        assert self._session is not None
        return self._session


def _has_buttons(card: Message) -> bool:
    try:
        find_element(card.blocks, CardAction.APPROVE)
    except AssertionError:
        return False
    return True


def _inconsistent(approvals: Any, deals: dict[int, Deal]) -> list[str]:
    found = []
    by_deal: dict[int, list[Approval]] = {}
    for approval in approvals:
        by_deal.setdefault(approval.deal_id, []).append(approval)
    for deal_id, deal in deals.items():
        rows = by_deal.get(deal_id, [])
        pending = [a for a in rows if a.status == "pending"]
        if deal.status in ("approved", "rejected", "withdrawn") and pending:
            found.append(f"{deal.id} is {deal.status} with {len(pending)} pending approvals")
        if deal.status == "in_review" and not pending:
            found.append(f"{deal.id} is in review with nothing pending")
        if len({a.slot for a in pending}) != len(pending):
            found.append(f"{deal.id} has two pending approvals for one slot")
    return found


def _path() -> str:
    return os.environ.get("PATH", "")


async def run_chaos(
    directory: Path,
    *,
    kills: int,
    instances: int = 1,
    database_url: str | None = None,
    sla: str = "6s",
    between: float = 1.0,
    seed: int = 7,
) -> Figures:
    """Start ``instances`` serves, stream deals and clicks with ``kills`` SIGKILLs (one
    every ``between`` seconds on average), let the approvers clear their inboxes, and
    read the books."""
    started = time.monotonic()
    policy = directory / "chaos.yml"
    policy.write_text(chaos_policy(sla), encoding="utf-8")
    url = database_url or sqlite_url(directory)
    async with FakeSlack() as slack:
        add_people(slack)
        async with Chaos(directory, slack, policy, url, seed) as chaos:
            await chaos.start(instances)
            stop = asyncio.Event()
            stream = asyncio.create_task(chaos.stream(stop))
            for _ in range(kills):
                await asyncio.sleep(chaos.random.expovariate(1 / between))
                await chaos.kill_and_restart()
            await asyncio.sleep(2 * between)
            stop.set()
            await stream
            db = Database.connect(url)
            try:
                await chaos.clear_inboxes(db)
                await chaos.settle(db)
                figures = await chaos.check(db, url)
            finally:
                await db.dispose()
    figures.seconds = time.monotonic() - started
    return figures
