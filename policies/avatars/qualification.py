"""Sarah Chen, Senior SDR: scores a lead out of 100 and qualifies it at the threshold.

score = company size (5..30) + industry fit (10..25) + use-case clarity (5..25)
        + budget (0..20)

The deal is qualified (approve) when the score is at least ``limits.qualify_threshold``
(default :data:`DEFAULT_QUALIFY_THRESHOLD`), otherwise rejected. Qualification is the
SDR's own call, so this avatar never hands over. TechCorp (5,000 employees, Technology,
a six-word use case, budget indicated) scores 30 + 25 + 20 + 20 = 95.
"""

from __future__ import annotations

from dataclasses import dataclass

from policies.avatars.decision import AvatarDecision, FactValue, Outcome
from policies.deal import DealTerms
from policies.model import Limits

READS = frozenset({"employees", "industry", "use_case", "budget_indicated"})
"""The deal fields this avatar's rule reads: a change to any other cannot change its decision."""
DEFAULT_QUALIFY_THRESHOLD = 60

SIZE_POINTS: tuple[tuple[int, int], ...] = (
    (5000, 30),
    (1000, 25),
    (200, 20),
    (50, 10),
    (0, 5),
)
"""(at least this many employees, points), first match wins."""

INDUSTRY_POINTS: dict[str, int] = {
    **dict.fromkeys(("technology", "software", "saas", "internet"), 25),
    **dict.fromkeys(
        (
            "financial services",
            "finance",
            "banking",
            "insurance",
            "healthcare",
            "manufacturing",
            "telecommunications",
        ),
        20,
    ),
    **dict.fromkeys(("retail", "media", "education", "energy", "logistics"), 15),
}
"""Industry fit by name, compared case-insensitively with runs of spaces collapsed."""

OTHER_INDUSTRY_POINTS = 10
"""Any industry not in :data:`INDUSTRY_POINTS`, or none given."""

USE_CASE_POINTS: tuple[tuple[int, int], ...] = (
    (12, 25),
    (6, 20),
    (1, 10),
    (0, 5),
)
"""(at least this many words in the use case, points), first match wins.

Words are runs of non-space characters: "Consolidate regional CRMs onto one platform" is 6.
"""

BUDGET_POINTS = 20
NO_BUDGET_POINTS = 0

WEAKEST_SHOWN = 2
"""A rejection names at most this many parts, those that lost the most points."""


@dataclass(frozen=True)
class _Part:
    key: str
    label: str
    points: int
    maximum: int

    @property
    def lost(self) -> int:
        return self.maximum - self.points

    def __str__(self) -> str:
        return f"{self.label} {self.points}/{self.maximum}"


def decide_qualification(deal: DealTerms, limits: Limits) -> AvatarDecision:
    """Qualify ``deal`` when its lead score reaches the threshold, reject it otherwise."""
    threshold = (
        DEFAULT_QUALIFY_THRESHOLD if limits.qualify_threshold is None else limits.qualify_threshold
    )
    words = len(deal.use_case.split())
    parts = (
        _Part("size", "size", _first_band(SIZE_POINTS, deal.employees), _top(SIZE_POINTS)),
        _Part("industry", "industry", _industry_points(deal.industry), _top_industry()),
        _Part("use_case", "use case", _first_band(USE_CASE_POINTS, words), _top(USE_CASE_POINTS)),
        _Part(
            "budget",
            "budget",
            BUDGET_POINTS if deal.budget_indicated else NO_BUDGET_POINTS,
            BUDGET_POINTS,
        ),
    )
    score = sum(part.points for part in parts)
    facts: dict[str, FactValue] = {
        "employees": deal.employees,
        "industry": deal.industry,
        "use_case_words": words,
        "budget_indicated": deal.budget_indicated,
        **{f"{part.key}_points": part.points for part in parts},
        "score": score,
        "threshold": threshold,
    }
    confidence = round(max(score, 100 - score) / 100, 2)
    if score >= threshold:
        breakdown = ", ".join(str(part) for part in parts)
        reasoning = f"qualified: score {score}/100 (threshold {threshold}): {breakdown}"
        return AvatarDecision(Outcome.APPROVE, reasoning, confidence, facts)
    return AvatarDecision(Outcome.REJECT, _rejection(score, threshold, parts), confidence, facts)


def _rejection(score: int, threshold: int, parts: tuple[_Part, ...]) -> str:
    # Below a threshold of at most 100, at least one part lost points.
    by_loss = sorted((part for part in parts if part.lost), key=lambda part: -part.lost)
    weakest = by_loss[:WEAKEST_SHOWN]
    others = [part for part in parts if part not in weakest]
    return (
        f"not qualified: score {score}/100 (threshold {threshold}); "
        f"weakest: {', '.join(map(str, weakest))}; others: {', '.join(map(str, others))}"
    )


def _first_band(bands: tuple[tuple[int, int], ...], value: int) -> int:
    return next(points for minimum, points in bands if value >= minimum)


def _top(bands: tuple[tuple[int, int], ...]) -> int:
    return max(points for _, points in bands)


def _industry_points(industry: str) -> int:
    return INDUSTRY_POINTS.get(" ".join(industry.lower().split()), OTHER_INDUSTRY_POINTS)


def _top_industry() -> int:
    return max(*INDUSTRY_POINTS.values(), OTHER_INDUSTRY_POINTS)
