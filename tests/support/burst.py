"""A quarter-end rush: many deals submitted at once to real ``dealdesk serve`` processes,
their first approvals spread over many approvers, and when each card reached its approver.

Used by tests/deadlines/test_burst.py and bench/burst.py. The fake Slack paces posts like
Slack (one a second per channel), so a card that waits behind the deal channel's posts,
or a channel posted to faster than Slack takes, shows up here.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import aiohttp

from tests.support.fake_slack import Call, FakeSlack
from tests.support.processes import API_TOKEN
from tests.support.round_robin import round_robin_policy

DEAL_CHANNEL = "C0DEALDESK"
OWNERS = 20
CARD_PREFIX = "Approval needed: "


def approver(number: int) -> str:
    return f"U0BURST{number:03d}"


def owner(number: int) -> str:
    return f"U0SELLER{number % OWNERS:02d}"


def burst_policy(approvers: int) -> str:
    """Deal n to approver n mod ``approvers``; every deal also has its thread in the deal
    channel."""
    return round_robin_policy(
        "Quarter-end burst",
        approvers,
        approver,
        sla="24h",
        timezone="America/New_York",
        settings=f"deal_channel: {DEAL_CHANNEL}\n",
    )


def add_people(slack: FakeSlack, approvers: int) -> None:
    for n in range(approvers):
        slack.add_user(approver(n), name=f"Approver {n}")
    for n in range(OWNERS):
        slack.add_user(owner(n), name=f"Seller {n}")
    slack.add_channel(DEAL_CHANNEL)


def company(number: int) -> str:
    return f"Burst {number:05d}"


def burst_deal(number: int) -> dict[str, object]:
    return {
        "external_id": f"BURST-{number:05d}",
        "company": company(number),
        "acv": 120000,
        "discount": 5,
        "employees": number,
        "industry": "Technology",
        "owner": owner(number),
    }


@dataclass(frozen=True)
class Submitted:
    sent_at: dict[str, float]
    """``time.monotonic()`` when each deal's request went out, by company."""
    first: float
    last: float
    """When the last submission was answered."""


async def submit_burst(urls: Sequence[str], deals: int, concurrency: int) -> Submitted:
    """POST every deal, ``concurrency`` at a time, spread over the ``urls`` in turn."""
    sent_at: dict[str, float] = {}
    answered: list[float] = []
    slots = asyncio.Semaphore(concurrency)
    headers = {"Authorization": f"Bearer {API_TOKEN}"}
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(timeout=timeout) as session:

        async def one(number: int) -> None:
            url = f"{urls[number % len(urls)]}/api/deals"
            async with slots:
                sent_at[company(number)] = time.monotonic()
                async with session.post(url, json=burst_deal(number), headers=headers) as reply:
                    assert reply.status == 201, await reply.text()
                answered.append(time.monotonic())

        await asyncio.gather(*(one(number) for number in range(deals)))
    return Submitted(sent_at, min(sent_at.values()), max(answered))


def card_company(call: Call) -> str | None:
    """The company of a first approval card (a top-level DM post), else None."""
    text = str(call.params.get("text") or "")
    channel = str(call.params.get("channel") or "")
    if not channel.startswith("D") or call.params.get("thread_ts"):
        return None
    if not text.startswith(CARD_PREFIX):
        return None
    return text.removeprefix(CARD_PREFIX).split(" (", 1)[0]


def cards(slack: FakeSlack) -> list[Call]:
    return [call for call in slack.delivered("chat.postMessage") if card_company(call)]


async def wait_for_cards(slack: FakeSlack, count: int, timeout: float) -> None:  # noqa: ASYNC109
    deadline = time.monotonic() + timeout
    while len(cards(slack)) < count and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.1)


@dataclass(frozen=True)
class BurstResult:
    deals: int
    cards: int
    doubled: int
    """Cards that arrived more than once."""
    submitted_in: float
    """Seconds from the first submission to the last answer."""
    to_card: list[float]
    """Per deal that got its card: seconds from its submission to its card."""
    last_card_after_submissions: float
    """Seconds from the last submission's answer to the last card."""
    posts_per_second: int
    """The most posts any one channel got within a second."""
    rate_limited: int
    """429s Slack answered (none when dealdesk keeps Slack's pace)."""
    deal_channel_posts: int
    deal_channel_in_order: bool
    """Every reply in the deal channel came after its deal's parent message."""

    @property
    def missing(self) -> int:
        return self.deals - self.cards

    def percentile(self, share: float) -> float:
        ordered = sorted(self.to_card)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]

    def summary(self) -> dict[str, object]:
        return {
            "deals": self.deals,
            "cards": self.cards,
            "missing": self.missing,
            "doubled": self.doubled,
            "submitted_in_s": round(self.submitted_in, 2),
            "to_card_p50_s": round(self.percentile(0.5), 2),
            "to_card_p99_s": round(self.percentile(0.99), 2),
            "to_card_max_s": round(max(self.to_card, default=float("nan")), 2),
            "last_card_after_submissions_s": round(self.last_card_after_submissions, 2),
            "posts_per_channel_per_second_max": self.posts_per_second,
            "rate_limited_429": self.rate_limited,
            "deal_channel_posts": self.deal_channel_posts,
            "deal_channel_in_order": self.deal_channel_in_order,
        }


def measure(slack: FakeSlack, submitted: Submitted) -> BurstResult:
    arrived = cards(slack)
    counts = Counter(card_company(call) for call in arrived)
    first_arrival: dict[str, float] = {}
    for call in arrived:
        name = card_company(call)
        assert name is not None
        first_arrival.setdefault(name, call.at)
    latencies = [at - submitted.sent_at[name] for name, at in first_arrival.items()]
    last_card = max(first_arrival.values(), default=submitted.last)
    channel = [
        call
        for call in slack.delivered("chat.postMessage")
        if call.params.get("channel") == DEAL_CHANNEL
    ]
    return BurstResult(
        deals=len(submitted.sent_at),
        cards=len(first_arrival),
        doubled=sum(count - 1 for count in counts.values()),
        submitted_in=submitted.last - submitted.first,
        to_card=latencies,
        last_card_after_submissions=last_card - submitted.last,
        posts_per_second=slack.posts_per_second(),
        rate_limited=len(slack.rate_limited),
        deal_channel_posts=len(channel),
        deal_channel_in_order=_in_deal_order(channel),
    )


def _in_deal_order(posts: list[Call]) -> bool:
    """Every reply in a deal's thread came after the deal's parent message."""
    parents: set[str] = set()
    for call in posts:  # in the order Slack took them
        thread = call.params.get("thread_ts")
        if thread is None:
            parents.add(str(call.response.get("ts")))
        elif thread not in parents:
            return False
    return True
