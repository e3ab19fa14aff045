"""A territory desk for statement budgets: ``TERRITORIES`` managers, every ten backed by a
regional director (bench/briefing_seed.py's policy), with the outbox and webhook planners
subscribed as ``serve`` subscribes them, so a budget counts what a real move sends."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from bench.briefing_seed import approver_user, owner_user, policy_text, territory
from bot.core.clock import VirtualClock
from bot.core.deps import Deps, open_deps
from bot.slack.planner import OutboxPlanner
from bot.webhooks.planner import WebhookPlanner
from bot.workflow import SubmitResult, submit_deal
from policies.deal import DealTerms

TERRITORIES = 100


@pytest.fixture
def policy_file(write_policy: Callable[[str], Path]) -> Path:
    return write_policy(policy_text(TERRITORIES, backups=True))


@pytest.fixture
async def deps(database_url: str, policy_file: Path, clock: VirtualClock) -> AsyncIterator[Deps]:
    async with open_deps(database_url, policy_file, clock) as opened:
        opened.bus.in_transaction.append(OutboxPlanner(opened.policies, opened.clock))
        opened.bus.in_transaction.append(WebhookPlanner(opened.policies, opened.clock))
        yield opened


def territory_deal(number: int) -> DealTerms:
    """A deal of territory ``number``: qualified by the avatar, then with its manager."""
    return DealTerms(
        company=f"Company {number:04d}",
        acv=120000,
        discount=5,
        industry=territory(number),
        employees=800,
        use_case="Replace spreadsheets with one pipeline for the territory",
        budget_indicated=True,
        owner=owner_user(number),
    )


async def submit_territories(deps: Deps, count: int) -> list[SubmitResult]:
    """One deal for each of the first ``count`` territories, each in its own unit of work."""
    results = []
    for number in range(1, count + 1):
        async with deps.unit_of_work() as uow:
            results.append(await submit_deal(uow, territory_deal(number), owner_user(number)))
    return results


__all__ = ["approver_user", "owner_user", "submit_territories", "territory_deal"]
