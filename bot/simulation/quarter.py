"""A generated quarter for the bundled policy: a few hundred deals over thirteen weeks,
approvers of different speeds, some of whom go quiet for weeks (a holiday, a busy
month). It is what the forecast's backtest is shown on (docs/forecast.md):

    dealdesk simulate --write-quarter quarter.yml
    dealdesk simulate quarter.yml --database-url sqlite+aiosqlite:///quarter.db
    DATABASE_URL=sqlite+aiosqlite:///quarter.db dealdesk report forecast --backtest 2026-Q3

Seeded: the same ``seed`` writes the same file.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

QUARTER_START = datetime(2026, 7, 1, 13, 0)
"""1 July 2026, 09:00 in New York (UTC), the first day of 2026-Q3."""
WEEKS = 13
INDUSTRIES = ("Technology", "Financial Services", "Healthcare", "Retail", "Manufacturing")
OWNERS = ("U0SARAH",)


@dataclass(frozen=True)
class Pace:
    """How one person answers: a median and a spread (lognormal), and the weeks they are
    away (no answer at all: their SLA passes and a backup takes over)."""

    median_hours: float
    spread: float
    away_weeks: tuple[int, ...] = ()
    rejects: float = 0.04


PACES = {
    "cfo": Pace(0.75, 0.9, away_weeks=(8, 9)),  # Lisa: quick, two weeks of holiday
    "ceo": Pace(6.0, 1.0),  # Daniel: the CFO's backup
    "legal": Pace(10.0, 0.8),  # Priya: SLA 24h, sometimes missed
    "counsel": Pace(20.0, 0.6, away_weeks=(11, 12)),  # Omar: slow, away at quarter end
}


def quarter_scenario(deals: int = 300, seed: int = 2026) -> dict[str, Any]:
    """The scenario, as the YAML of bot.simulation.scenario reads it."""
    rng = random.Random(seed)
    span = timedelta(weeks=WEEKS) - timedelta(days=3)  # the last ones have a few days left
    moments = sorted(rng.uniform(0, span.total_seconds()) for _ in range(deals))
    return {
        "name": f"A simulated quarter: {deals} deals over {WEEKS} weeks",
        "description": (
            "Approvers of different speeds; the CFO is away in weeks 9 and 10, the General "
            "Counsel in the last two."
        ),
        "start": QUARTER_START.isoformat() + "Z",
        "deals": [_deal(rng, number, seconds) for number, seconds in enumerate(moments)],
    }


def _deal(rng: random.Random, number: int, seconds: float) -> dict[str, Any]:
    week = int(seconds // timedelta(weeks=1).total_seconds())
    acv = round(rng.lognormvariate(11.9, 0.8), -3)
    return {
        "at": f"{int(seconds)}s",
        "deal": {
            "external_id": f"SIM-Q-{number:04d}",
            "company": f"Company {number:04d}",
            "acv": max(10_000, min(2_000_000, acv)),
            "discount": rng.choice((0, 0, 5, 8, 10, 12, 15, 18, 22)),
            "term_months": rng.choice((12, 24, 36)),
            "industry": rng.choice(INDUSTRIES),
            "employees": rng.choice((200, 500, 1500, 5000, 20000)),
            "use_case": "Sales analytics across regions",
            "budget_indicated": rng.random() < 0.9,
            "custom_terms": rng.random() < 0.25,
            "owner": rng.choice(OWNERS),
        },
        "responses": {
            approver: _answer(rng, pace, week) for approver, pace in sorted(PACES.items())
        },
    }


def _answer(rng: random.Random, pace: Pace, week: int) -> dict[str, Any] | str:
    if week in pace.away_weeks:
        return "silent"
    hours = rng.lognormvariate(0, pace.spread) * pace.median_hours
    after = f"{max(60, int(hours * 3600))}s"
    if rng.random() < pace.rejects:
        return {"after": after, "decision": "reject", "comment": "Terms are outside policy"}
    return {"after": after, "decision": "approve"}
