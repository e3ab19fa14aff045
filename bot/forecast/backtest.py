"""How good the forecast is, measured on a quarter that has closed: at each weekly moment
of it, forecast from what was known then (the decisions up to that moment, the deals as
they stood), and compare with what happened: did each deal clear before the close?

The answer is a calibration table (of the forecasts that said 20–30%, how many cleared)
and the Brier score (the mean squared gap between the chance given and what happened:
0 is perfect, 0.25 is what always saying 50% earns).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.policy_book import PolicyBook
from bot.forecast.load import load_forecast
from bot.forecast.simulate import RUNS
from policies.quarters import Quarter
from policies.vocabulary import DealStatus
from store import report_reads

WEEK = timedelta(days=7)
BINS = 10


@dataclass(frozen=True)
class Scored:
    """One deal's forecast at one moment, and what became of it."""

    as_of: datetime
    deal_id: int
    ref: str
    company: str
    p_clear: float
    cleared: bool


@dataclass(frozen=True)
class Bin:
    low: float
    high: float
    count: int
    predicted: float
    """The mean chance the forecasts in it gave."""
    cleared: float
    """The share of them that cleared."""


@dataclass(frozen=True)
class Backtest:
    quarter: Quarter
    as_ofs: tuple[datetime, ...]
    scored: tuple[Scored, ...]

    @property
    def brier(self) -> float | None:
        if not self.scored:
            return None
        return sum((s.p_clear - s.cleared) ** 2 for s in self.scored) / len(self.scored)

    @property
    def bins(self) -> tuple[Bin, ...]:
        found = []
        for index in range(BINS):
            low, high = index / BINS, (index + 1) / BINS
            inside = [
                s for s in self.scored if low <= s.p_clear < high or (high == 1 and s.p_clear == 1)
            ]
            if inside:
                predicted = sum(s.p_clear for s in inside) / len(inside)
                cleared = sum(s.cleared for s in inside) / len(inside)
                found.append(Bin(low, high, len(inside), predicted, cleared))
        return tuple(found)

    def worst(self, count: int = 5) -> list[Scored]:
        """The forecasts furthest from what happened."""
        return sorted(self.scored, key=lambda s: -abs(s.p_clear - s.cleared))[:count]

    def to_json(self) -> dict[str, Any]:
        brier = self.brier
        return {
            "quarter": self.quarter.label,
            "as_of": [moment.isoformat() for moment in self.as_ofs],
            "forecasts": len(self.scored),
            "brier": round(brier, 4) if brier is not None else None,
            "calibration": [
                {
                    "predicted_from": b.low,
                    "predicted_to": b.high,
                    "forecasts": b.count,
                    "mean_predicted": round(b.predicted, 4),
                    "cleared": round(b.cleared, 4),
                }
                for b in self.bins
            ],
            "worst": [
                {
                    "as_of": s.as_of.isoformat(),
                    "id": s.deal_id,
                    "company": s.company,
                    "p_clear": s.p_clear,
                    "cleared": s.cleared,
                }
                for s in self.worst()
            ],
        }


async def run_backtest(
    session: AsyncSession,
    policies: PolicyBook,
    quarter: Quarter,
    now: datetime,
    *,
    runs: int = RUNS,
    seed: int = 0,
) -> Backtest:
    """Forecast ``quarter`` at its start and every week after, up to ``now``; score each
    forecast against the deal's outcome (approved before the close, or not)."""
    zone = policies.current.policy.zone
    opens, closes = quarter.opens_at(zone), quarter.closes_at(zone)
    moments = []
    moment = opens
    while moment < closes and moment <= now:
        moments.append(moment)
        moment += WEEK
    forecasts = [
        (moment, await load_forecast(session, policies, moment, quarter, runs=runs, seed=seed))
        for moment in moments
    ]
    ids = [item.deal.id for _, forecast in forecasts for item in forecast.deals]
    outcomes = await report_reads.list_outcomes(session, ids)
    scored = []
    for moment, forecast in forecasts:
        for item in forecast.deals:
            outcome = outcomes.get(item.deal.id)
            cleared = (
                outcome is not None
                and outcome.status == DealStatus.APPROVED
                and outcome.finished_at is not None
                and outcome.finished_at < closes
            )
            scored.append(
                Scored(
                    moment, item.deal.id, item.deal.ref, item.deal.company, item.p_clear, cleared
                )
            )
    return Backtest(quarter, tuple(moments), tuple(scored))
