"""Policy test cases, run against a policy with every kind of rule: each kind of
expectation holding, each planted wrong one failing with what it is instead, a bad case
file located by line, and coverage naming what no case exercised."""

from __future__ import annotations

from pathlib import Path

import pytest

from policies.case_run import run_case, run_cases
from policies.cases import CaseFileError, case_files_for, load_cases_text
from policies.loader import LoadedPolicy, load_policy_text

POLICY = """\
name: Board matrix
approvers:
  manager: {name: Marcus, avatar: manager, limits: {max_acv: 250000}, backups: [cfo]}
  finance: {name: James, avatar: finance, limits: {max_discount: 15}, backups: [cfo]}
  legal: {name: Priya, slack_user: U0PRIYA, avatar: legal, backups: [counsel]}
  counsel: {name: Omar, slack_user: U0OMAR}
  cfo: {name: Lisa, slack_user: U0LISA, backups: [ceo]}
  ceo: {name: Daniel, slack_user: U0DANIEL}
  lead_a: {name: Ann, slack_user: U0ANN}
  lead_b: {name: Ben, slack_user: U0BEN}
  lead_c: {name: Cat, slack_user: U0CAT}
stages:
  - name: Deal approval
    approvals:
      - approver: manager
  - name: Board
    approvals:
      - group: [lead_a, lead_b, lead_c]
        quorum: 2
        when: acv > 1000000
  - name: Reviews
    approvals:
      - approver: legal
      - approver: finance
        when: discount > 0
"""

CASES = """\
cases:
  - name: a large deal at 12%
    deal: {company: Big Co, acv: 2000000, discount: 12, owner: U0SARAH}
    expect:
      stages:
        Deal approval: [manager]
        Board: [lead_a, lead_b, lead_c]
        Reviews: [legal, finance]
      not: [ceo, counsel]
      avatars: {manager: hand_over, finance: approve, legal: approve}
      quorum: {lead_b: 2 of 3}
      backups: {manager: cfo, cfo: ceo, legal: counsel}
  - name: a small deal at list price
    deal: {company: Small Co, acv: 50000}
    expect:
      stages: {Deal approval: [manager], Reviews: [legal]}
      not: [cfo, finance, lead_a]
      avatars: {manager: approve}
  - name: a longer term keeps legal's sign-off
    was: {company: Small Co, acv: 50000, term_months: 12}
    deal: {company: Small Co, acv: 50000, term_months: 24}
    expect:
      kept: [legal]
"""


@pytest.fixture
def loaded() -> LoadedPolicy:
    return load_policy_text(POLICY)


def test_every_kind_of_expectation_holds(loaded: LoadedPolicy) -> None:
    run = run_cases(loaded.policy, load_cases_text(CASES, loaded.policy))

    assert [(r.case.name, r.passed, r.mismatches) for r in run.results] == [
        ("a large deal at 12%", True, ()),
        ("a small deal at list price", True, ()),
        ("a longer term keeps legal's sign-off", True, ()),
    ]
    assert run.results[0].case.line == 2


PLANTED = [
    # (the right line, the planted wrong one, what then fails, expected, actual)
    (
        "Reviews: [legal, finance]",
        "Reviews: [legal]",
        "stages",
        "Deal approval: manager → Board: lead_a, lead_b, lead_c → Reviews: legal",
        "Deal approval: manager → Board: lead_a, lead_b, lead_c → Reviews: legal, finance",
    ),
    ("not: [ceo, counsel]", "not: [ceo, cfo]", "not", "not asked: ceo, cfo", "asked: cfo"),
    (
        "finance: approve, legal",
        "finance: hand_over, legal",
        "avatars.finance",
        "hand_over",
        "approve: 12% discount is within the 15% authority",
    ),
    ("lead_b: 2 of 3", "lead_b: all 3", "quorum.lead_b", "all 3", "2 of 3"),
    ("cfo: ceo", "cfo: admins", "backups.cfo", "admins", "ceo"),
    ("kept: [legal]", "kept: []", "kept", "none", "legal"),
]


@pytest.mark.parametrize(("right", "wrong", "what", "expected", "actual"), PLANTED)
def test_a_planted_wrong_expectation_fails_with_what_is_instead(
    loaded: LoadedPolicy, right: str, wrong: str, what: str, expected: str, actual: str
) -> None:
    assert right in CASES
    cases = load_cases_text(CASES.replace(right, wrong, 1), loaded.policy)

    failed = [r for r in run_cases(loaded.policy, cases).results if not r.passed]

    assert len(failed) == 1
    [mismatch] = failed[0].mismatches
    assert (mismatch.what, mismatch.expected, mismatch.actual) == (what, expected, actual)


def test_a_handed_over_approval_counts_as_asked(loaded: LoadedPolicy) -> None:
    """The manager's avatar hands a $2M deal to the CFO: `not: [cfo]` does not hold."""
    [case] = load_cases_text(
        "cases:\n  - name: big\n    deal: {company: Big Co, acv: 2000000}\n"
        "    expect: {not: [cfo]}\n",
        loaded.policy,
    )

    [mismatch] = run_case(loaded.policy, case).mismatches

    assert (mismatch.what, mismatch.actual) == ("not", "asked: cfo")


def test_the_owner_is_never_the_backup(loaded: LoadedPolicy) -> None:
    """Lisa owns the deal: the manager's hand-over skips her for the CEO."""
    [case] = load_cases_text(
        "cases:\n  - name: Lisa's own deal\n"
        "    deal: {company: Big Co, acv: 2000000, owner: U0LISA}\n"
        "    expect: {backups: {manager: ceo}, not: [cfo]}\n",
        loaded.policy,
    )

    assert run_case(loaded.policy, case).passed


def test_a_bad_case_file_is_located_by_line(loaded: LoadedPolicy) -> None:
    bad = """\
cases:
  - name: one
    deal: {company: Acme, acv: lots}
    expect:
      avatars: {fiance: approve}
  - name: two
    deal: {company: Acme, acv: 5}
    expect:
      stages: {Reveiws: [legal]}
      avatars: {manager: maybe}
      kept: [legal]
      nott: [cfo]
  - name: one
    deal: {company: Acme, acv: 5}
"""
    with pytest.raises(CaseFileError) as raised:
        load_cases_text(bad, loaded.policy, "board.tests.yml")

    shown = [str(issue) for issue in raised.value.issues]
    assert shown == [
        "line 3: cases[0].deal.acv: expected a number, not 'lots'",
        "line 5: cases[0].expect.avatars.fiance: unknown approver 'fiance'; did you mean "
        "'finance'? (approvers: manager, finance, legal, counsel, cfo, ceo, lead_a, lead_b, "
        "lead_c)",
        "line 10: cases[1].expect.avatars.manager: 'maybe' is not an avatar outcome; "
        "write one of approve, reject, hand_over",
        "line 12: cases[1].expect.nott: unknown key 'nott'; did you mean 'not'?",
        "line 13: cases[2].expect: `expect` is required; say what must hold, as in "
        "expect: {not: [cfo]}",
    ]


def test_names_the_policy_does_not_have_are_located_by_line(loaded: LoadedPolicy) -> None:
    bad = """\
cases:
  - name: one
    deal: {company: Acme, acv: lots}
    expect:
      avatars: {fiance: approve, cfo: approve}
  - name: two
    deal: {company: Acme, acv: 5}
    expect:
      stages: {Reveiws: [legal]}
      kept: [legal]
  - name: one
    deal: {company: Acme, acv: 5}
    expect: {quorum: {legal: 2 of 3}}
"""
    with pytest.raises(CaseFileError) as raised:
        load_cases_text(bad, loaded.policy, "board.tests.yml")

    shown = [str(issue) for issue in raised.value.issues]
    assert shown == [
        "line 3: cases[0].deal.acv: expected a number, not 'lots'",
        "line 5: cases[0].expect.avatars.fiance: unknown approver 'fiance'; did you mean "
        "'finance'? (approvers: manager, finance, legal, counsel, cfo, ceo, lead_a, lead_b, "
        "lead_c)",
        "line 5: cases[0].expect.avatars.cfo: cfo has no avatar in the policy",
        "line 9: cases[1].expect.stages.Reveiws: unknown stage 'Reveiws'; did you mean "
        "'Reviews'? (stages: Deal approval, Board, Reviews)",
        "line 10: cases[1].expect.kept: `kept` needs `was:`, the deal as it was signed off",
        "line 11: cases[2].name: another case is named 'one' already",
        "line 13: cases[2].expect.quorum.legal: legal is in no group of the policy",
    ]


def test_coverage_names_a_when_no_case_makes_hold_and_an_avatar_never_beyond(
    loaded: LoadedPolicy,
) -> None:
    only_small = "cases:\n  - name: small\n    deal: {company: Acme, acv: 50000}\n    expect: {}\n"

    run = run_cases(loaded.policy, load_cases_text(only_small, loaded.policy))

    assert run.gaps == (
        "stages[1].approvals[0] (Board, group:lead_a+lead_b+lead_c): no case makes "
        "`when: acv > 1000000` hold",
        "stages[2].approvals[1] (Reviews, finance): no case makes `when: discount > 0` hold",
        "avatar manager (max_acv 250000): no case beyond its limits",
        "avatar finance (max_discount 15): no case routes a deal to it",
        "avatar legal: no case beyond its limits",
    )
    assert run_cases(loaded.policy, load_cases_text(CASES, loaded.policy)).gaps == (
        "avatar finance (max_discount 15): no case beyond its limits",
        "avatar legal: no case beyond its limits",
    )


def test_the_test_files_are_those_the_policy_lists_else_the_one_beside_it(
    tmp_path: Path,
) -> None:
    policy, plain = tmp_path / "matrix.yml", load_policy_text(POLICY).policy
    assert case_files_for(policy, plain) == []
    (tmp_path / "policy.tests.yml").write_text(CASES, encoding="utf-8")
    assert case_files_for(policy, plain) == [tmp_path / "policy.tests.yml"]
    (tmp_path / "matrix.tests.yml").write_text(CASES, encoding="utf-8")
    assert case_files_for(policy, plain) == [tmp_path / "matrix.tests.yml"]
    listed = load_policy_text(POLICY.replace("approvers:", "tests: [a.yml, b/c.yml]\napprovers:"))
    assert case_files_for(policy, listed.policy) == [tmp_path / "a.yml", tmp_path / "b" / "c.yml"]
    assert listed.version == load_policy_text(POLICY).version  # tests do not change routing
