"""The five avatars as truth tables: outcome, confidence and reasoning at every boundary."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from policies.avatars import AVATAR_READS, AVATARS, AvatarDecision, Outcome, run_avatar
from policies.avatars.cfo import decide_cfo
from policies.avatars.decision import FactValue
from policies.avatars.finance import decide_finance
from policies.avatars.formatting import money, percent, plain
from policies.avatars.legal import decide_legal
from policies.avatars.manager import decide_manager
from policies.avatars.qualification import decide_qualification
from policies.deal import CONDITION_FIELDS, DealTerms
from policies.model import AvatarKind, Limits

APPROVE, REJECT, HAND_OVER = Outcome.APPROVE, Outcome.REJECT, Outcome.HAND_OVER
NO_LIMITS = Limits()

TECHCORP: dict[str, Any] = {
    "company": "TechCorp",
    "acv": Decimal("500000"),
    "discount": Decimal("12"),
    "term_months": 36,
    "industry": "Technology",
    "employees": 5000,
    "use_case": "Consolidate regional CRMs onto one platform",
    "budget_indicated": True,
    "custom_terms": False,
    "owner": "U0SARAH",
}


def deal(**changes: Any) -> DealTerms:
    """TechCorp with ``changes``; money and percentages given as strings."""
    fields = TECHCORP | changes
    for name in ("acv", "discount"):
        fields[name] = Decimal(fields[name])
    return DealTerms(**fields)


def words(count: int) -> str:
    return " ".join(["word"] * count)


# --- formatters -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ("500000", "$500,000"),
        ("500000.00", "$500,000"),
        ("5E+5", "$500,000"),
        ("250000.01", "$250,000.01"),
        ("1234.5", "$1,234.50"),
        ("0", "$0"),
        ("0.00", "$0"),
        ("0.01", "$0.01"),
        ("999", "$999"),
        ("999999999999.99", "$999,999,999,999.99"),
        ("0.005", "$0.005"),
        ("-5", "-$5"),
        ("-0.00", "$0"),
    ],
)
def test_money(amount: str, expected: str) -> None:
    assert money(Decimal(amount)) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12", "12%"),
        ("12.00", "12%"),
        ("12.5", "12.5%"),
        ("12.50", "12.5%"),
        ("15.01", "15.01%"),
        ("0", "0%"),
        ("0.01", "0.01%"),
        ("100", "100%"),
        ("1E+1", "10%"),
    ],
)
def test_percent(value: str, expected: str) -> None:
    assert percent(Decimal(value)) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("500000.00", "500000"), ("5E+5", "500000"), ("12.50", "12.5"), ("-0.00", "0")],
)
def test_plain_is_exact_without_exponent_or_trailing_zeros(value: str, expected: str) -> None:
    assert plain(Decimal(value)) == expected


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity"])
def test_formatters_refuse_non_finite_values(value: str) -> None:
    for formatter in (money, percent, plain):
        with pytest.raises(ValueError, match="not a finite number"):
            formatter(Decimal(value))


# --- TechCorp through all five (the seeds) ----------------------------------------------


@pytest.mark.parametrize(
    ("kind", "outcome", "confidence", "reasoning", "facts"),
    [
        (
            AvatarKind.QUALIFICATION,
            APPROVE,
            0.95,
            "qualified: score 95/100 (threshold 60): "
            "size 30/30, industry 25/25, use case 20/25, budget 20/20",
            {
                "employees": 5000,
                "industry": "Technology",
                "use_case_words": 6,
                "budget_indicated": True,
                "size_points": 30,
                "industry_points": 25,
                "use_case_points": 20,
                "budget_points": 20,
                "score": 95,
                "threshold": 60,
            },
        ),
        (
            AvatarKind.MANAGER,
            HAND_OVER,
            0.9,
            "ACV $500,000 exceeds the $250,000 manager authority",
            {"acv": "500000", "max_acv": "250000"},
        ),
        (
            AvatarKind.LEGAL,
            APPROVE,
            0.95,
            "MSA: ACV $500,000 is $500,000 or more, master services agreement applies",
            {"acv": "500000", "msa_acv": "500000", "custom_terms": False, "contract_type": "msa"},
        ),
        (
            AvatarKind.FINANCE,
            APPROVE,
            1.0,
            "12% discount is within the 15% authority",
            {"discount": "12", "max_discount": "15"},
        ),
        (
            AvatarKind.CFO,
            APPROVE,
            1.0,
            "strategic deal (ACV $500,000 ≥ $500,000); 12% discount within the 25% authority",
            {
                "acv": "500000",
                "discount": "12",
                "max_discount": "25",
                "strategic_acv": "500000",
                "discount_within_authority": True,
                "strategic": True,
            },
        ),
    ],
)
def test_techcorp(
    kind: AvatarKind,
    outcome: Outcome,
    confidence: float,
    reasoning: str,
    facts: dict[str, FactValue],
) -> None:
    assert run_avatar(kind, deal(), NO_LIMITS) == AvatarDecision(
        outcome, reasoning, confidence, facts
    )


# --- qualification ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("employees", "points"),
    [
        (0, 5),
        (49, 5),
        (50, 10),
        (199, 10),
        (200, 20),
        (999, 20),
        (1000, 25),
        (4999, 25),
        (5000, 30),
        (10_000_000, 30),
    ],
)
def test_qualification_company_size(employees: int, points: int) -> None:
    decision = decide_qualification(deal(employees=employees), NO_LIMITS)
    assert decision.facts["size_points"] == points
    assert f"size {points}/30" in decision.reasoning


@pytest.mark.parametrize(
    ("industry", "points"),
    [
        ("Technology", 25),
        ("SOFTWARE", 25),
        ("  SaaS  ", 25),
        ("internet", 25),
        ("Financial  Services", 20),
        ("Finance", 20),
        ("Banking", 20),
        ("Insurance", 20),
        ("Healthcare", 20),
        ("Manufacturing", 20),
        ("Telecommunications", 20),
        ("Retail", 15),
        ("Media", 15),
        ("Education", 15),
        ("Energy", 15),
        ("Logistics", 15),
        ("Agriculture", 10),
        ("Tech", 10),
        ("", 10),
    ],
)
def test_qualification_industry_fit(industry: str, points: int) -> None:
    decision = decide_qualification(deal(industry=industry), NO_LIMITS)
    assert decision.facts["industry_points"] == points
    assert f"industry {points}/25" in decision.reasoning


@pytest.mark.parametrize(
    ("use_case", "word_count", "points"),
    [
        ("", 0, 5),
        ("CRM", 1, 10),
        (words(5), 5, 10),
        (words(6), 6, 20),
        ("one\ttwo\nthree  four five six", 6, 20),
        (words(11), 11, 20),
        (words(12), 12, 25),
        (words(300), 300, 25),
    ],
)
def test_qualification_use_case_clarity(use_case: str, word_count: int, points: int) -> None:
    decision = decide_qualification(deal(use_case=use_case), NO_LIMITS)
    assert decision.facts["use_case_words"] == word_count
    assert decision.facts["use_case_points"] == points
    assert f"use case {points}/25" in decision.reasoning


@pytest.mark.parametrize(("budget_indicated", "points"), [(True, 20), (False, 0)])
def test_qualification_budget(budget_indicated: bool, points: int) -> None:
    decision = decide_qualification(deal(budget_indicated=budget_indicated), NO_LIMITS)
    assert decision.facts["budget_points"] == points
    assert f"budget {points}/20" in decision.reasoning


# Leads of known scores: 30 + 10 + 20 + 0 = 60, 25 + 10 + 20 + 0 = 55, the least 5 + 10 + 5 + 0
# = 20 and the most 30 + 25 + 25 + 20 = 100.
LEAD_60 = {"employees": 5000, "industry": "", "use_case": words(6), "budget_indicated": False}
LEAD_55 = LEAD_60 | {"employees": 1000}
LEAD_20 = {"employees": 0, "industry": "", "use_case": "", "budget_indicated": False}
LEAD_100 = {"employees": 5000, "use_case": words(12), "budget_indicated": True}


@pytest.mark.parametrize(
    ("lead", "threshold", "score", "outcome", "confidence"),
    [
        (LEAD_60, None, 60, APPROVE, 0.6),  # exactly at the default threshold
        (LEAD_55, None, 55, REJECT, 0.55),  # the next score down
        (LEAD_20, None, 20, REJECT, 0.8),
        ({}, None, 95, APPROVE, 0.95),
        ({}, 95, 95, APPROVE, 0.95),  # a custom threshold, met exactly
        ({}, 96, 95, REJECT, 0.95),
        (LEAD_60, 61, 60, REJECT, 0.6),
        (LEAD_55, 50, 55, APPROVE, 0.55),
        (LEAD_20, 0, 20, APPROVE, 0.8),
        (LEAD_100, 100, 100, APPROVE, 1.0),
    ],
)
def test_qualification_threshold(
    lead: dict[str, Any], threshold: int | None, score: int, outcome: Outcome, confidence: float
) -> None:
    decision = decide_qualification(deal(**lead), Limits(qualify_threshold=threshold))
    assert (decision.outcome, decision.confidence) == (outcome, confidence)
    assert decision.facts["score"] == score
    assert decision.facts["threshold"] == (60 if threshold is None else threshold)
    assert f"score {score}/100 (threshold {decision.facts['threshold']})" in decision.reasoning


@pytest.mark.parametrize(
    ("lead", "reasoning"),
    [
        (
            LEAD_20,
            "not qualified: score 20/100 (threshold 60); "
            "weakest: size 5/30, use case 5/25; others: industry 10/25, budget 0/20",
        ),
        (
            LEAD_55,
            "not qualified: score 55/100 (threshold 60); "
            "weakest: budget 0/20, industry 10/25; others: size 25/30, use case 20/25",
        ),
    ],
)
def test_qualification_rejection_names_the_weakest_parts(
    lead: dict[str, Any], reasoning: str
) -> None:
    assert decide_qualification(deal(**lead), NO_LIMITS).reasoning == reasoning


def test_qualification_rejection_with_one_weak_part_names_only_it() -> None:
    lead = LEAD_100 | {"budget_indicated": False}
    decision = decide_qualification(deal(**lead), Limits(qualify_threshold=90))
    assert decision.reasoning == (
        "not qualified: score 80/100 (threshold 90); weakest: budget 0/20; "
        "others: size 30/30, industry 25/25, use case 25/25"
    )


# --- manager ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("acv", "max_acv", "outcome", "confidence", "reasoning"),
    [
        ("250000", None, APPROVE, 1.0, "ACV $250,000 is within the $250,000 manager authority"),
        ("250000.01", None, HAND_OVER, 0.9, "ACV $250,000.01 exceeds the $250,000 manager"),
        ("0", None, APPROVE, 1.0, "ACV $0 is within the $250,000 manager authority"),
        ("500000", None, HAND_OVER, 0.9, "ACV $500,000 exceeds the $250,000 manager authority"),
        ("500000", "500000", APPROVE, 1.0, "ACV $500,000 is within the $500,000 manager"),
        ("500000.01", "500000", HAND_OVER, 0.9, "ACV $500,000.01 exceeds the $500,000"),
        ("100000", "50000", HAND_OVER, 0.9, "ACV $100,000 exceeds the $50,000 manager"),
        ("0", "0", APPROVE, 1.0, "ACV $0 is within the $0 manager authority"),
        ("0.01", "0", HAND_OVER, 0.9, "ACV $0.01 exceeds the $0 manager authority"),
    ],
)
def test_manager(
    acv: str, max_acv: str | None, outcome: Outcome, confidence: float, reasoning: str
) -> None:
    limits = Limits(max_acv=None if max_acv is None else Decimal(max_acv))
    decision = decide_manager(deal(acv=acv), limits)
    assert (decision.outcome, decision.confidence) == (outcome, confidence)
    assert decision.reasoning.startswith(reasoning)
    assert decision.facts == {"acv": plain(Decimal(acv)), "max_acv": max_acv or "250000"}


# --- legal --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("acv", "custom_terms", "strategic_acv", "outcome", "contract_type", "reasoning"),
    [
        (
            "500000",
            False,
            None,
            APPROVE,
            "msa",
            "MSA: ACV $500,000 is $500,000 or more, master services agreement applies",
        ),
        (
            "499999.99",
            False,
            None,
            APPROVE,
            "standard",
            "standard contract: ACV $499,999.99 is below $500,000 and no custom terms",
        ),
        ("0", False, None, APPROVE, "standard", "standard contract: ACV $0 is below $500,000"),
        ("500000", True, None, HAND_OVER, "custom", "custom terms need a lawyer's review"),
        ("1000", True, None, HAND_OVER, "custom", "custom terms need a lawyer's review"),
        ("500000", False, "750000", APPROVE, "standard", "standard contract: ACV $500,000 is"),
        ("750000", False, "750000", APPROVE, "msa", "MSA: ACV $750,000 is $750,000 or more"),
        ("100000", False, "100000", APPROVE, "msa", "MSA: ACV $100,000 is $100,000 or more"),
        ("750000", True, "750000", HAND_OVER, "custom", "custom terms need a lawyer's review"),
    ],
)
def test_legal(
    acv: str,
    custom_terms: bool,
    strategic_acv: str | None,
    outcome: Outcome,
    contract_type: str,
    reasoning: str,
) -> None:
    limits = Limits(strategic_acv=None if strategic_acv is None else Decimal(strategic_acv))
    decision = decide_legal(deal(acv=acv, custom_terms=custom_terms), limits)
    assert decision.outcome == outcome
    assert decision.confidence == (0.95 if outcome == APPROVE else 0.9)
    assert decision.reasoning.startswith(reasoning)
    assert decision.facts["contract_type"] == contract_type
    assert decision.facts["msa_acv"] == (strategic_acv or "500000")
    assert decision.facts["custom_terms"] is custom_terms


# --- finance ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("discount", "max_discount", "outcome", "confidence", "reasoning"),
    [
        ("12", None, APPROVE, 1.0, "12% discount is within the 15% authority"),
        ("15", None, APPROVE, 1.0, "15% discount is within the 15% authority"),
        ("15.01", None, HAND_OVER, 0.9, "15.01% discount exceeds the 15% finance authority"),
        ("18", None, HAND_OVER, 0.9, "18% discount exceeds the 15% finance authority"),
        ("12.5", None, APPROVE, 1.0, "12.5% discount is within the 15% authority"),
        ("0", None, APPROVE, 1.0, "0% discount is within the 15% authority"),
        ("100", None, HAND_OVER, 0.9, "100% discount exceeds the 15% finance authority"),
        ("18", "20", APPROVE, 1.0, "18% discount is within the 20% authority"),
        ("12", "10", HAND_OVER, 0.9, "12% discount exceeds the 10% finance authority"),
        ("0", "0", APPROVE, 1.0, "0% discount is within the 0% authority"),
        ("0.01", "0", HAND_OVER, 0.9, "0.01% discount exceeds the 0% finance authority"),
        ("17.5", "17.5", APPROVE, 1.0, "17.5% discount is within the 17.5% authority"),
    ],
)
def test_finance(
    discount: str, max_discount: str | None, outcome: Outcome, confidence: float, reasoning: str
) -> None:
    limits = Limits(max_discount=None if max_discount is None else Decimal(max_discount))
    decision = decide_finance(deal(discount=discount), limits)
    assert decision == AvatarDecision(
        outcome,
        reasoning,
        confidence,
        {"discount": plain(Decimal(discount)), "max_discount": max_discount or "15"},
    )


# --- cfo ----------------------------------------------------------------------------------

CFO_CUSTOM = {"max_discount": Decimal("30"), "strategic_acv": Decimal("1000000")}


@pytest.mark.parametrize(
    ("acv", "discount", "limits", "outcome", "confidence", "reasoning"),
    [
        (
            "500000",
            "25",
            {},
            APPROVE,
            1.0,
            "strategic deal (ACV $500,000 ≥ $500,000); 25% discount within the 25% authority",
        ),
        (
            "500000",
            "25.01",
            {},
            APPROVE,
            0.9,
            "strategic deal (ACV $500,000 ≥ $500,000); "
            "25.01% discount is above the 25% authority, allowed for a strategic deal",
        ),
        (
            "499999.99",
            "25",
            {},
            APPROVE,
            0.9,
            "25% discount within the 25% authority; "
            "the deal is not strategic (ACV $499,999.99 below $500,000)",
        ),
        (
            "499999.99",
            "25.01",
            {},
            HAND_OVER,
            0.9,
            "25.01% discount exceeds the 25% CFO authority "
            "and the deal is not strategic (ACV $499,999.99 below $500,000)",
        ),
        (
            "300000",
            "30",
            {},
            HAND_OVER,
            0.9,
            "30% discount exceeds the 25% CFO authority "
            "and the deal is not strategic (ACV $300,000 below $500,000)",
        ),
        (
            "0",
            "0",
            {},
            APPROVE,
            0.9,
            "0% discount within the 25% authority; the deal is not strategic (ACV $0 below",
        ),
        ("2000000", "100", {}, APPROVE, 0.9, "strategic deal (ACV $2,000,000 ≥ $500,000); 100%"),
        ("500000", "30", CFO_CUSTOM, APPROVE, 0.9, "30% discount within the 30% authority; the"),
        ("500000", "30.01", CFO_CUSTOM, HAND_OVER, 0.9, "30.01% discount exceeds the 30% CFO"),
        ("1000000", "40", CFO_CUSTOM, APPROVE, 0.9, "strategic deal (ACV $1,000,000 ≥ $1,000,000)"),
        ("1000000", "30", CFO_CUSTOM, APPROVE, 1.0, "strategic deal (ACV $1,000,000 ≥ $1,000,000)"),
        ("0", "0", {"strategic_acv": Decimal(0)}, APPROVE, 1.0, "strategic deal (ACV $0 ≥ $0)"),
        ("500000", "0.01", {"max_discount": Decimal(0)}, APPROVE, 0.9, "strategic deal"),
    ],
)
def test_cfo(
    acv: str,
    discount: str,
    limits: dict[str, Decimal],
    outcome: Outcome,
    confidence: float,
    reasoning: str,
) -> None:
    decision = decide_cfo(deal(acv=acv, discount=discount), Limits(**limits))
    assert (decision.outcome, decision.confidence) == (outcome, confidence)
    assert decision.reasoning.startswith(reasoning)
    assert decision.facts["acv"] == plain(Decimal(acv))
    assert decision.facts["discount"] == plain(Decimal(discount))


# --- every avatar, over generated deals ---------------------------------------------------

MONEY = st.decimals(min_value=0, max_value=Decimal("999999999999.99"), places=2, allow_nan=False)
PERCENT = st.decimals(min_value=0, max_value=100, places=2, allow_nan=False)
SOME_INDUSTRIES = ["", "Technology", "banking", "Retail", "Mining"]
INDUSTRIES = st.sampled_from(SOME_INDUSTRIES) | st.text(max_size=40)

DEALS = st.builds(
    DealTerms,
    company=st.just("Acme"),
    acv=MONEY,
    discount=PERCENT,
    term_months=st.integers(1, 120),
    industry=INDUSTRIES,
    employees=st.integers(0, 10_000_000),
    use_case=st.text(max_size=200),
    budget_indicated=st.booleans(),
    custom_terms=st.booleans(),
    owner=st.just("U0SARAH"),
)
LIMITS = st.builds(
    Limits,
    qualify_threshold=st.none() | st.integers(0, 100),
    max_acv=st.none() | MONEY,
    max_discount=st.none() | PERCENT,
    strategic_acv=st.none() | MONEY,
)
KINDS = st.sampled_from(list(AvatarKind))


@given(kind=KINDS, terms=DEALS, limits=LIMITS)
def test_same_input_same_decision(kind: AvatarKind, terms: DealTerms, limits: Limits) -> None:
    first = run_avatar(kind, terms, limits)
    again = run_avatar(kind, DealTerms.model_validate(terms.model_dump()), limits.model_copy())
    assert first == again


@given(kind=KINDS, terms=DEALS, limits=LIMITS)
def test_every_decision_is_well_formed(kind: AvatarKind, terms: DealTerms, limits: Limits) -> None:
    decision = run_avatar(kind, terms, limits)
    assert 0 <= decision.confidence <= 1
    assert decision.reasoning.strip()
    assert decision.reasoning.splitlines() == [decision.reasoning]
    assert all(isinstance(value, str | int | bool) for value in decision.facts.values())
    as_json = json.loads(json.dumps(decision.to_json()))
    assert AvatarDecision.from_json(as_json) == decision


@given(kind=KINDS, terms=DEALS, limits=LIMITS)
def test_only_qualification_rejects_and_it_never_hands_over(
    kind: AvatarKind, terms: DealTerms, limits: Limits
) -> None:
    outcome = run_avatar(kind, terms, limits).outcome
    if kind == AvatarKind.QUALIFICATION:
        assert outcome != HAND_OVER
    else:
        assert outcome != REJECT


def _approves_by_facts(kind: AvatarKind, facts: dict[str, Any]) -> bool:
    """The rule, evaluated from the facts alone: a person checking a decision can do this."""

    def number(key: str) -> Decimal:
        return Decimal(facts[key])

    match kind:
        case AvatarKind.QUALIFICATION:
            return bool(facts["score"] >= facts["threshold"])
        case AvatarKind.MANAGER:
            return number("acv") <= number("max_acv")
        case AvatarKind.LEGAL:
            return not facts["custom_terms"]
        case AvatarKind.FINANCE:
            return number("discount") <= number("max_discount")
        case AvatarKind.CFO:
            within = number("discount") <= number("max_discount")
            strategic = number("acv") >= number("strategic_acv")
            return within or strategic
    raise AssertionError(kind)


@given(kind=KINDS, terms=DEALS, limits=LIMITS)
def test_facts_are_enough_to_check_the_outcome(
    kind: AvatarKind, terms: DealTerms, limits: Limits
) -> None:
    decision = run_avatar(kind, terms, limits)
    assert (decision.outcome == APPROVE) == _approves_by_facts(kind, dict(decision.facts))


def test_every_kind_has_an_avatar() -> None:
    assert set(AVATARS) == set(AvatarKind)


@given(kind=KINDS, terms=DEALS, other=DEALS, limits=LIMITS)
def test_a_change_to_a_field_the_avatar_does_not_read_never_changes_its_decision(
    kind: AvatarKind, terms: DealTerms, other: DealTerms, limits: Limits
) -> None:
    """What a resubmission relies on to keep an approval: the fields in AVATAR_READS are
    all the avatar looks at."""
    mixed = other.model_copy(update={name: getattr(terms, name) for name in AVATAR_READS[kind]})
    assert run_avatar(kind, mixed, limits) == run_avatar(kind, terms, limits)


def test_every_avatar_says_what_it_reads() -> None:
    assert set(AVATAR_READS) == set(AvatarKind)
    for reads in AVATAR_READS.values():
        assert reads
        assert reads <= set(CONDITION_FIELDS)
