"""The quarter-end forecast for a desk's worth of open deals: how long does it take?

    python -m bench.forecast [--deals 1000] [--history 200] [--runs 500] [--json]

Seeds a fresh SQLite file with the bundled policy, 30 hours before this quarter closes:
``--history`` past approvals per person (decision times drawn around a third of their
SLA, one in ten timing out), then ``--deals`` deals submitted through the engine (ACV
and discount spread so that they route to every approver), and times
``bot.forecast.load.load_forecast`` for the quarter in process: reading the history
and the deals, and ``--runs`` simulated runs of each deal's route, nudges included.
Target: under 5 s for 1,000 deals.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bot.app import interpreter
from bot.core.clock import VirtualClock
from bot.core.deps import Deps, open_deps
from bot.forecast.load import load_forecast
from bot.forecast.simulate import RUNS
from bot.workflow import submit_deals
from policies.deal import DealTerms
from policies.loader import bundled_policy_path, example_deal, load_policy_file
from policies.vocabulary import ApprovalStatus, DealStatus
from store.migrate import upgrade
from store.models import Approval, Deal

TARGET_S = 5.0
BATCH = 50


@dataclass(frozen=True)
class Result:
    deals: int
    history: int
    runs: int
    seconds: float
    acv_expected: float
    acv_at_risk: float
    nudged: int

    @property
    def passed(self) -> bool:
        return self.seconds < TARGET_S


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.forecast", description=__doc__)
    parser.add_argument("--deals", type=int, default=1000, help="deals in review (1000)")
    parser.add_argument("--history", type=int, default=200, help="past approvals per person")
    parser.add_argument("--runs", type=int, default=RUNS, help=f"runs per deal ({RUNS})")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    return parser.parse_args(argv)


async def run(options: argparse.Namespace, directory: Path) -> Result:
    url = f"sqlite+aiosqlite:///{directory / 'forecast.db'}"
    now = _two_days_before_close()
    async with open_deps(url, bundled_policy_path(), VirtualClock(now)) as deps:
        await upgrade(deps.db)
        history = await _seed_history(deps, now, options.history)
        await _submit(deps, options.deals)
        interpreter.tune()  # as ``dealdesk serve`` runs
        async with deps.db.read() as session:
            started = time.perf_counter()
            forecast = await load_forecast(session, deps.policies, now, runs=options.runs)
            seconds = time.perf_counter() - started
    return Result(
        deals=len(forecast.deals),
        history=history,
        runs=options.runs,
        seconds=round(seconds, 2),
        acv_expected=round(forecast.acv_expected),
        acv_at_risk=round(forecast.acv_at_risk),
        nudged=len(forecast.nudge),
    )


def _two_days_before_close() -> datetime:
    """Quarter end is when the forecast matters: 30 hours before this quarter closes."""
    policy = load_policy_file(bundled_policy_path()).policy
    today = datetime.now(UTC).astimezone(policy.zone).date()
    closes = policy.fiscal_calendar.quarter_of(today).closes_at(policy.zone)
    return closes.astimezone(UTC) - timedelta(hours=30)


async def _seed_history(deps: Deps, now: datetime, per_person: int) -> int:
    """``per_person`` decided (or timed-out) approvals for each person in the policy."""
    policy = deps.policies.current.policy
    rng = random.Random(20261207)
    rows = 0
    async with deps.db.transaction() as session:
        past = Deal(
            **_terms_columns(example_terms()),
            status=DealStatus.APPROVED,
            policy_version=deps.policies.current.version,
            plan=[],
            stage_index=None,
            submitted_at=now - timedelta(days=90),
            updated_at=now - timedelta(days=60),
            finished_at=now - timedelta(days=60),
        )
        session.add(past)
        await session.flush()
        for approver_id, approver in policy.approvers.items():
            if not approver.is_human:
                continue
            sla = approver.effective_sla.approx
            for n in range(per_person):
                assigned = now - timedelta(days=1 + rng.uniform(0, 170))
                timed_out = rng.random() < 0.1
                took = sla if timed_out else sla * min(3.0, rng.lognormvariate(-1.1, 0.8))
                session.add(
                    Approval(
                        deal_id=past.id,
                        revision=1,
                        stage_index=0,
                        stage_name=f"History {n % 3}",
                        slot=approver_id,
                        approver=approver_id,
                        reason="always required",
                        assignee=approver.slack_user,
                        status=ApprovalStatus.REASSIGNED if timed_out else ApprovalStatus.APPROVED,
                        assigned_at=assigned,
                        due_at=assigned + sla,
                        decided_at=assigned + took,
                        decided_by="system" if timed_out else approver.slack_user,
                    )
                )
                rows += 1
    return rows


async def _submit(deps: Deps, count: int) -> None:
    rng = random.Random(7)
    base = example_terms()
    for start in range(0, count, BATCH):
        batch = []
        for n in range(start, min(count, start + BATCH)):
            terms = base.model_copy(
                update={
                    "company": f"Company {n:04d}",
                    "external_id": f"BENCH-{n:05d}",
                    "acv": Decimal(rng.randrange(20_000, 900_000, 1_000)),
                    "discount": Decimal(rng.randrange(0, 30)),
                }
            )
            batch.append((terms, base.owner))
        async with deps.unit_of_work() as uow:
            await submit_deals(uow, batch)


def example_terms() -> DealTerms:
    return DealTerms.model_validate({**example_deal("techcorp"), "owner": "U0SARAH"})


def _terms_columns(terms: DealTerms) -> dict[str, object]:
    return {name: getattr(terms, name) for name in DealTerms.model_fields if name != "external_id"}


def show(result: Result) -> None:
    table = Table(title=f"Forecast, {result.deals:,} deals in review, SQLite", title_justify="left")
    for column in ("measure", "result", "target"):
        table.add_column(column)
    table.add_row(
        "forecast the quarter (history, deals, runs, nudges)",
        f"{result.seconds:.2f} s ({result.runs} runs a deal)",
        f"< {TARGET_S:.0f} s",
    )
    table.add_row("history read", f"{result.history:,} past approvals", "")
    table.add_row(
        "ACV expected to clear / at risk",
        f"${result.acv_expected:,.0f} / ${result.acv_at_risk:,.0f}",
        "",
    )
    table.add_row("approvers to nudge", str(result.nudged), "")
    table.add_row("target", "PASS" if result.passed else "FAIL", "")
    Console().print(table)
    print(
        f"seconds={result.seconds} deals={result.deals} runs={result.runs} passed={result.passed}"
    )


def main(argv: list[str] | None = None) -> int:
    options = parse(sys.argv[1:] if argv is None else argv)
    with tempfile.TemporaryDirectory(prefix="dealdesk-forecast-") as directory:
        result = asyncio.run(run(options, Path(directory)))
    if options.json:
        print(json.dumps({**asdict(result), "passed": result.passed}, indent=2))
    else:
        show(result)
    return 0 if result.passed else 1


if __name__ == "__main__":
    sys.exit(main())
