"""The desk's forecast: every deal in review, the ACV expected to clear and at risk, and
whom to nudge: the holders of pending approvals carrying the most ACV at risk, each with
the ACV that would likely clear if they answered today (their approvals simulated as
approved now, with the same random draws)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.forecast.route import OpenDeal
from bot.forecast.simulate import DealForecast, Simulator
from policies.quarters import Quarter

NUDGED = 10
"""Holders listed to nudge."""


@dataclass(frozen=True)
class Nudge:
    assignee: str
    approvals: tuple[int, ...]
    acv_at_risk: float
    acv_if_answered: float
    """Of the ACV of their deals, what would likely clear if they approved today."""
    acv_now: float
    """The same deals' ACV expected to clear as things stand."""


@dataclass(frozen=True)
class Forecast:
    quarter: Quarter
    closes_at: datetime
    as_of: datetime
    deals: tuple[DealForecast, ...]
    """At risk first: least likely to clear, then the largest."""
    nudge: tuple[Nudge, ...]
    runs: int
    seed: int
    away: Mapping[str, datetime | None] = field(default_factory=dict)
    """Who on the routes ahead was out of office (their Slack status), and until when."""

    @property
    def last_minute(self) -> datetime:
        """The close as people read it: the last minute of the quarter's last day (a
        date token for ``closes_at`` itself reads "Jan 1 at 12:00 AM")."""
        return self.closes_at - timedelta(minutes=1)

    @property
    def acv_expected(self) -> float:
        return sum(float(item.deal.acv) * item.p_clear for item in self.deals)

    @property
    def acv_at_risk(self) -> float:
        return sum(item.acv_at_risk for item in self.deals)

    def to_json(self) -> dict[str, Any]:
        return {
            "quarter": self.quarter.label,
            "closes_at": self.closes_at.isoformat(),
            "as_of": self.as_of.isoformat(),
            "runs": self.runs,
            "seed": self.seed,
            "deals": [
                {
                    "id": item.deal.id,
                    "ref": item.deal.ref,
                    "company": item.deal.company,
                    "acv": float(item.deal.acv),
                    "p_clear": round(item.p_clear, 4),
                    "p50_finish": _iso(item.p50_finish),
                    "p90_finish": _iso(item.p90_finish),
                    "waiting_on": item.deal.waiting_on,
                    "slowest": item.slowest,
                    "speed_from": {who: basis.value for who, basis in item.bases.items()},
                }
                for item in self.deals
            ],
            "nudge": [
                {
                    "assignee": nudge.assignee,
                    "acv_at_risk": round(nudge.acv_at_risk, 2),
                    "acv_if_answered": round(nudge.acv_if_answered, 2),
                    "approvals": list(nudge.approvals),
                }
                for nudge in self.nudge
            ],
            "acv_expected": round(self.acv_expected, 2),
            "acv_at_risk": round(self.acv_at_risk, 2),
            "away": [
                {"user": user, "back_at": _iso(back)} for user, back in sorted(self.away.items())
            ],
        }


def forecast_desk(
    simulator: Simulator, quarter: Quarter, closes_at: datetime, deals: Sequence[OpenDeal]
) -> Forecast:
    forecasts = [simulator.forecast(deal) for deal in deals]
    ordered = sorted(forecasts, key=lambda item: (item.p_clear, -item.deal.acv, item.deal.id))
    return Forecast(
        quarter=quarter,
        closes_at=closes_at,
        as_of=simulator.as_of,
        deals=tuple(ordered),
        nudge=_nudges(simulator, forecasts),
        runs=simulator.runs,
        seed=simulator.seed,
        away=simulator.away,
    )


def _nudges(simulator: Simulator, forecasts: Sequence[DealForecast]) -> tuple[Nudge, ...]:
    held: dict[str, list[tuple[int, DealForecast]]] = defaultdict(list)
    for item in forecasts:
        for holding in item.deal.held.values():
            held[holding.assignee].append((holding.approval_id, item))
    at_risk = {who: sum(item.acv_at_risk for _, item in rows) for who, rows in held.items()}
    nudges = []
    for who in sorted(at_risk, key=lambda who: (-at_risk[who], who))[:NUDGED]:
        if at_risk[who] <= 0:
            break
        rows = held[who]
        now = sum(float(item.deal.acv) * item.p_clear for _, item in rows)
        answered = sum(
            float(item.deal.acv) * _if_answered(simulator, item, approval_id)
            for approval_id, item in rows
        )
        approvals = tuple(sorted(approval_id for approval_id, _ in rows))
        nudges.append(Nudge(who, approvals, at_risk[who], answered, now))
    return tuple(nudges)


def _if_answered(simulator: Simulator, item: DealForecast, approval_id: int) -> float:
    """The deal's chance to clear were ``approval_id`` approved now, from half as many runs
    (it is summed over the holder's deals; a deal sure to clear is not simulated again)."""
    if item.p_clear >= 1.0:
        return 1.0
    runs = max(100, simulator.runs // 2)
    return simulator.forecast(item.deal, answered=approval_id, runs=runs).p_clear


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None
