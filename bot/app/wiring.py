"""Everything a running ``serve`` holds: built once, handed to listeners through Bolt's context."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

from prometheus_client import CollectorRegistry, Counter, Histogram

from bot.briefings.morning import run_morning
from bot.config import Settings
from bot.core.deps import Deps
from bot.core.traffic import Traffic
from bot.scheduler import DeadlineScheduler
from bot.slack.delivery import Delivery
from bot.slack.gateway import POST_INTERVAL, SlackGateway, web_client
from bot.slack.planner import OutboxPlanner
from bot.slack.sender import SlackSender
from bot.workflow.journal import DecisionJournal


@dataclass
class Metrics:
    """Per-process Prometheus metrics (a registry of our own: no globals)."""

    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        self.requests = Counter(
            "dealdesk_slack_requests",
            "Requests from Slack, by kind",
            ["kind"],
            registry=self.registry,
        )
        self.decisions = Counter(
            "dealdesk_decisions_journaled",
            "Decisions from Slack journaled before the ack",
            registry=self.registry,
        )
        self.ack_seconds = Histogram(
            "dealdesk_slack_ack_seconds",
            "Time to answer a request from Slack",
            registry=self.registry,
        )
        self.deals_submitted = Counter(
            "dealdesk_api_deals_submitted",
            "Deals created through the intake API",
            registry=self.registry,
        )


@dataclass
class Runtime:
    settings: Settings
    deps: Deps
    gateway: SlackGateway
    journal: DecisionJournal
    delivery: Delivery
    scheduler: DeadlineScheduler
    traffic: Traffic
    metrics: Metrics


def build_runtime(
    settings: Settings,
    deps: Deps,
    *,
    post_interval: float = POST_INTERVAL,
    briefings: bool = True,
) -> Runtime:
    """Wire Slack delivery to the engine: events become outbox rows in the same transaction,
    and every commit wakes the delivery worker. ``post_interval``: seconds between posts to
    one channel (Slack's rate limit). ``briefings``: run the morning round every minute."""
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else ""
    gateway = SlackGateway(web_client(token, settings.slack_api_url))
    sender = SlackSender(deps.db, deps.policies, deps.clock, gateway)
    traffic = Traffic()
    delivery = Delivery(deps.db, deps.clock, sender, traffic, interval=post_interval)
    deps.bus.in_transaction.append(OutboxPlanner(deps.policies, deps.clock))

    async def wake_delivery(_events: object) -> None:
        delivery.wake()

    deps.bus.after_commit.append(wake_delivery)
    morning = partial(run_morning, deps, gateway) if briefings else None
    scheduler = DeadlineScheduler(deps, morning=morning)
    deps.bus.after_commit.append(scheduler.poke)
    journal = DecisionJournal(deps, traffic)
    return Runtime(settings, deps, gateway, journal, delivery, scheduler, traffic, Metrics())
