"""Which sign-offs a new revision keeps: a truth table of changes against limits."""

from __future__ import annotations

from typing import Any

import pytest

from policies.deal import DealTerms
from policies.loader import PolicyError, load_policy_text
from policies.watch import review_sign_off

POLICY = load_policy_text("""\
name: Watch table
approvers:
  finance:
    name: James Rodriguez
    slack_user: U0JAMES
    avatar: finance
    limits: {max_discount: 15}
  cfo:
    name: Lisa Wong
    slack_user: U0LISA
  manager:
    name: Marcus Thompson
    slack_user: U0MARCUS
  legal:
    name: Priya Patel
    slack_user: U0PRIYA
stages:
  - name: Deal desk
    approvals:
      - approver: finance
        when: discount > 0
      - approver: cfo
        when: acv > 250000 or discount > 15
      - approver: manager
  - name: Legal
    approvals:
      - approver: legal
        watch: [term_months, custom_terms]
""").policy

BASE: dict[str, Any] = {"company": "TechCorp", "acv": 500000, "discount": 12, "owner": "U0SARAH"}


def terms(**changes: Any) -> DealTerms:
    return DealTerms.model_validate({**BASE, "term_months": 36, **changes})


@pytest.mark.parametrize(
    ("slot", "stage", "change", "stands", "words"),
    [
        ("finance", 0, {"discount": 14}, True, ["discount 12% → 14% stays within the 15% limit"]),
        ("finance", 0, {"discount": 15}, True, ["discount 12% → 15% stays within the 15% limit"]),
        ("finance", 0, {"discount": 18}, False, ["discount 12% → 18% crosses the 15% limit"]),
        ("finance", 0, {"discount": 0}, False, ["discount 12% → 0% crosses discount > 0"]),
        ("finance", 0, {"discount": 20}, False, ["discount 12% → 20% crosses the 15% limit"]),
        ("cfo", 0, {"discount": 18}, False, ["discount 12% → 18% crosses discount > 15"]),
        ("cfo", 0, {"discount": 14}, False, ["discount 12% → 14% changed"]),
        ("cfo", 0, {"acv": 9000000}, False, ["acv $500,000 → $9,000,000 changed"]),
        ("manager", 0, {"use_case": "Replace two CRMs"}, True, []),
        ("manager", 0, {"term_months": 24}, True, []),
        ("legal", 1, {"discount": 18}, True, []),
        ("legal", 1, {"term_months": 24}, False, ["term_months 36 months → 24 months changed"]),
    ],
)
def test_a_sign_off_stands_while_every_change_stays_within_its_limits(
    slot: str, stage: int, change: dict[str, Any], stands: bool, words: list[str]
) -> None:
    review = review_sign_off(POLICY, stage, slot, [slot], terms(), terms(**change))

    assert review.stands is stands
    assert [str(c) for c in review.changes] == words


@pytest.mark.parametrize(
    ("approved", "now", "stands", "why"),
    [
        (18, 16, True, "is no more than was approved"),
        (18, 15, True, "stays within the 15% limit"),
        (18, 20, False, "goes beyond the 15% limit"),
    ],
)
def test_beyond_the_limit_a_sign_off_covers_up_to_what_was_approved(
    approved: int, now: int, stands: bool, why: str
) -> None:
    """James approved 18% although his limit is 15% (the avatar only advises him)."""
    review = review_sign_off(
        POLICY,
        0,
        "finance",
        ["finance"],
        terms(discount=approved, acv=100000),
        terms(discount=now, acv=100000),
    )

    assert review.stands is stands
    assert review.changes[0].why == why


def test_terms_not_known_ask_again() -> None:
    review = review_sign_off(POLICY, 0, "finance", ["finance"], None, terms())

    assert not review.stands
    assert {c.field for c in review.crossed} == {"acv", "discount"}


def test_a_watched_field_must_be_a_deal_field() -> None:
    text = """\
name: Bad watch
approvers:
  legal: {name: Priya, slack_user: U0PRIYA}
stages:
  - name: Legal
    approvals:
      - approver: legal
        watch: [term]
"""
    with pytest.raises(PolicyError) as raised:
        load_policy_text(text)

    (issue,) = raised.value.issues
    assert issue.line == 8
    assert "'term' is not a deal field; did you mean 'term_months'?" in issue.message
