"""Wiring: everything a running ``serve`` holds, built once from the settings.

Domain events become outbox rows in the same transaction (the planner), every commit
wakes the delivery worker and pokes the deadline scheduler, and the listeners get one
ServeDeps. The workers (decision journal, delivery, scheduler) belong to the server.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from functools import partial
from typing import Any

from bot.app import interpreter
from bot.app.settings import Settings
from bot.availability.absences import SlackAbsences
from bot.availability.gate import AwayCheck
from bot.availability.statuses import StatusBook
from bot.briefings.morning import run_morning
from bot.core.deps import Deps
from bot.core.traffic import Traffic
from bot.interactions.deps import ServeDeps
from bot.jobs.database_watch import watch_database
from bot.jobs.policy_watch import PolicyWatch
from bot.jobs.scheduler import DeadlineScheduler
from bot.outbox.delivery import Delivery, Sent
from bot.outbox.work import POST_INTERVAL, Work
from bot.slack.gateway import SlackGateway, web_client
from bot.slack.planner import OutboxPlanner
from bot.slack.sender import SlackSender
from bot.slack.token_state import AUTH_ERRORS
from bot.web.monitoring import Metrics
from bot.webhooks.planner import WebhookPlanner
from bot.webhooks.sender import WebhookSender
from bot.workflow.journal import DecisionJournal
from store import outbox_held
from store.models import OutboxMessage

Worker = Callable[[asyncio.Event], Coroutine[Any, Any, None]]


log = logging.getLogger(__name__)


@dataclass
class Runtime:
    settings: Settings
    deps: ServeDeps
    """What the listeners get."""
    delivery: Delivery
    scheduler: DeadlineScheduler
    traffic: Traffic
    policy_watch: PolicyWatch
    webhooks: WebhookSender

    @property
    def workers(self) -> list[Worker]:
        return [
            self.deps.journal.run,
            self.delivery.run,
            self.scheduler.run,
            self.policy_watch.run,
            partial(watch_database, self.deps.db),
            interpreter.trim_memory,
        ]

    async def use_token(self, token: str) -> bool:
        """A bot token re-read from the settings (SIGHUP): when it is new, what waits
        because Slack refused the old one goes now. True when it changed."""
        if not token or not self.deps.gateway.use_token(token):
            return False
        async with self.deps.db.transaction() as session:
            waiting = await outbox_held.retry_now(session, AUTH_ERRORS, self.deps.clock.now())
        log.info("a new Slack bot token: %d queued messages go now", waiting)
        self.delivery.wake()
        return True

    async def close(self) -> None:
        await self.deps.gateway.close()
        await self.webhooks.close()


def build_runtime(
    settings: Settings,
    deps: Deps,
    *,
    post_interval: float = POST_INTERVAL,
    briefings: bool = True,
) -> Runtime:
    """``post_interval``: seconds between posts to one conversation (Slack's rate limit).
    ``briefings``: run the morning round every minute."""
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else ""
    gateway = SlackGateway(web_client(token, settings.slack_api_url))
    statuses = StatusBook(gateway, deps.clock)
    away = AwayCheck(deps, statuses)
    deps.absences = SlackAbsences(statuses, deps.clock)
    slack_sender = SlackSender(deps.db, deps.policies, deps.clock, gateway, away=away)
    webhooks = WebhookSender(deps.clock, settings.secret)

    async def send(row: OutboxMessage) -> Sent:
        return await (webhooks if row.kind == Work.WEBHOOK else slack_sender)(row)

    traffic = Traffic()
    delivery = Delivery(
        deps.db, deps.clock, send, traffic, interval=post_interval, prepare=slack_sender.prepare
    )
    add_planners(deps)

    async def wake_delivery(_events: object) -> None:
        delivery.wake()

    deps.bus.after_commit.append(wake_delivery)
    morning = partial(run_morning, deps, gateway) if briefings else None
    scheduler = DeadlineScheduler(deps, morning=morning, away=away)
    deps.bus.after_commit.append(scheduler.poke)
    serve_deps = ServeDeps(
        db=deps.db,
        policies=deps.policies,
        clock=deps.clock,
        bus=deps.bus,
        absences=deps.absences,
        gateway=gateway,
        journal=DecisionJournal(deps, traffic),
        metrics=Metrics(),
        secret=settings.secret,
        api_token=settings.dealdesk_api_token,
    )
    return Runtime(settings, serve_deps, delivery, scheduler, traffic, PolicyWatch(deps), webhooks)


def add_planners(deps: Deps) -> None:
    """Domain events become outbox rows in their own transaction: Slack work and webhook
    deliveries (every entry point that changes deals adds them: serve and the CLI)."""
    deps.bus.in_transaction.append(OutboxPlanner(deps.policies, deps.clock))
    deps.bus.in_transaction.append(WebhookPlanner(deps.policies, deps.clock))
