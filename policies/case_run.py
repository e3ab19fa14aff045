"""Running policy test cases: each case's deal routed and decided as the engine would
(routing, avatars, backups, revisions; no database, no Slack), compared with what the
case expects, and which conditions and avatar limits no case exercised."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from policies.avatars import Outcome, run_avatar
from policies.cases import ADMINS, Expect, PolicyCase
from policies.conditions import ConditionError, DealFacts
from policies.deal import DealTerms
from policies.model import Approver, Policy
from policies.routing import Plan, build_plan
from policies.watch import review_sign_off

Route = tuple[tuple[str, tuple[str, ...]], ...]
"""The stages a deal goes through, in order, each with the approvals routed in it."""


@dataclass(frozen=True)
class Mismatch:
    what: str
    """The expectation, as written: ``stages``, ``not``, ``avatars.finance``, …"""
    expected: str
    actual: str

    def to_json(self) -> dict[str, str]:
        return {"what": self.what, "expected": self.expected, "actual": self.actual}


@dataclass(frozen=True)
class CaseResult:
    case: PolicyCase
    route: Route
    """What the policy routes the deal to."""
    mismatches: tuple[Mismatch, ...] = ()
    error: str | None = None
    """The case could not be routed at all (a condition's arithmetic failed)."""

    @property
    def passed(self) -> bool:
        return not self.mismatches and self.error is None

    @property
    def expected_route(self) -> Route | None:
        stages = self.case.expect.stages
        if stages is None:
            return None
        return tuple((name, tuple(ids)) for name, ids in stages.items())

    def to_json(self) -> dict[str, Any]:
        expected = self.expected_route
        return {
            "name": self.case.name,
            "file": self.case.source,
            "line": self.case.line,
            "passed": self.passed,
            "error": self.error,
            "failures": [mismatch.to_json() for mismatch in self.mismatches],
            "route": _route_json(self.route),
            "expected_route": _route_json(expected) if expected is not None else None,
        }


@dataclass
class Coverage:
    """What the cases exercised: each ``when`` held and failed, each avatar's outcomes."""

    held: dict[tuple[int, int], set[bool]] = field(default_factory=dict)
    """(stage index, rule index) -> the values its ``when`` took."""
    outcomes: dict[str, set[Outcome]] = field(default_factory=dict)
    """Avatar approver id -> the outcomes it gave."""

    def gaps(self, policy: Policy) -> list[str]:
        """What no case exercised, in the policy's order, one sentence each."""
        found = []
        for s, stage in enumerate(policy.stages):
            for r, rule in enumerate(stage.approvals):
                if rule.when is None:
                    continue
                seen = self.held.get((s, r), set())
                where = f"stages[{s}].approvals[{r}] ({stage.name}, {rule.label})"
                if True not in seen:
                    found.append(f"{where}: no case makes `when: {rule.when.source}` hold")
                if False not in seen:
                    found.append(f"{where}: no case makes `when: {rule.when.source}` false")
        for approver_id, approver in policy.approvers.items():
            if approver.avatar is None:
                continue
            seen_outcomes = self.outcomes.get(approver_id, set())
            limits = _limits(approver.limits.model_dump(exclude_none=True))
            if not seen_outcomes:
                found.append(f"avatar {approver_id}{limits}: no case routes a deal to it")
            elif Outcome.APPROVE not in seen_outcomes:
                found.append(f"avatar {approver_id}{limits}: no case within its limits (approve)")
            elif seen_outcomes == {Outcome.APPROVE}:
                found.append(f"avatar {approver_id}{limits}: no case beyond its limits")
        return found


@dataclass(frozen=True)
class CaseRun:
    results: tuple[CaseResult, ...]
    gaps: tuple[str, ...]
    seconds: tuple[float, ...] = ()
    """How long each case took, in the order of ``results``."""

    @property
    def failed(self) -> list[CaseResult]:
        return [result for result in self.results if not result.passed]


def run_cases(policy: Policy, cases: Sequence[PolicyCase]) -> CaseRun:
    coverage = Coverage()
    results, seconds = [], []
    for case in cases:
        started = time.perf_counter()
        results.append(run_case(policy, case, coverage))
        seconds.append(time.perf_counter() - started)
    return CaseRun(tuple(results), tuple(coverage.gaps(policy)), tuple(seconds))


def run_case(policy: Policy, case: PolicyCase, coverage: Coverage | None = None) -> CaseResult:
    coverage = coverage if coverage is not None else Coverage()
    try:
        plan = build_plan(policy, case.terms)
        before = build_plan(policy, case.was) if case.was is not None else None
    except ConditionError as error:
        return CaseResult(case, (), error=f"the policy cannot route this deal: {error}")
    _cover(policy, case.terms, plan, coverage)
    if case.was is not None and before is not None:
        _cover(policy, case.was, before, coverage)
    route = route_of(plan)
    mismatches = _compare(policy, case, plan, route, before)
    return CaseResult(case, route, tuple(mismatches))


def route_of(plan: Plan) -> Route:
    return tuple(
        (stage.name, tuple(a.approver for a in stage.approvals))
        for stage in plan.stages
        if stage.approvals
    )


def asked_of(policy: Policy, plan: Plan, terms: DealTerms) -> set[str]:
    """Everyone the deal comes to without anyone's timeout: the plan's approvers, and
    whoever an avatar that decides hands over to (and on, while avatars hand over)."""
    asked = {approver for _, ids in route_of(plan) for approver in ids}
    for slot in list(asked):
        asked.update(handed_over(policy, plan, slot, terms))
    return asked


def handed_over(policy: Policy, plan: Plan, slot: str, terms: DealTerms) -> list[str]:
    """Who ``slot``'s approval goes to at once, in order, while its holder is an avatar
    that decides and hands it over: along the slot's backup chain, as the engine moves
    it (bot.workflow.assign.reassign), each one once."""
    reached: list[str] = []
    holder = policy.approvers[slot]
    while decides_at_once(holder) and holder.avatar is not None:
        if run_avatar(holder.avatar, terms, holder.limits).outcome is not Outcome.HAND_OVER:
            break
        backup = next_in_line(policy, plan, slot, terms.owner, tried=[slot, *reached])
        if backup == ADMINS:
            break
        reached.append(backup)
        holder = policy.approvers[backup]
    return reached


def decides_at_once(approver: Approver) -> bool:
    """An avatar that decides at once: alone, or live for its person."""
    return approver.avatar is not None and (approver.slack_user is None or approver.avatar_live)


def next_in_line(
    policy: Policy, plan: Plan, approver_id: str, owner: str, *, tried: Sequence[str] = ()
) -> str:
    """Where ``approver_id``'s approval would move: the first of its backup chain who
    has not held it (``tried``) and may hold it (not the deal's owner; with one person,
    one approval, nobody holding another approval of the deal by then), or ``admins``."""
    stage_index = next(
        (s.index for s in plan.stages if any(a.approver == approver_id for a in s.approvals)),
        len(plan.stages),
    )
    holding = {
        policy.approvers[a.approver].slack_user
        for stage in plan.stages[: stage_index + 1]
        for a in stage.approvals
        if a.approver != approver_id
    } - {None}
    for candidate in policy.backup_chain(approver_id):
        if candidate in tried:
            continue
        person = policy.approvers[candidate].slack_user
        if person is None:
            return candidate
        if person == owner or (policy.one_person_one_approval and person in holding):
            continue
        return candidate
    return ADMINS


def _compare(
    policy: Policy, case: PolicyCase, plan: Plan, route: Route, before: Plan | None
) -> list[Mismatch]:
    expect: Expect = case.expect
    found: list[Mismatch] = []
    reached = asked_of(policy, plan, case.terms)
    if expect.stages is not None:
        wanted = [(name, sorted(ids)) for name, ids in expect.stages.items() if ids]
        if wanted != [(name, sorted(ids)) for name, ids in route]:
            found.append(Mismatch("stages", route_words(expect.stages.items()), route_words(route)))
    asked = sorted(set(expect.not_) & reached)
    if asked:
        found.append(
            Mismatch("not", "not asked: " + ", ".join(expect.not_), "asked: " + ", ".join(asked))
        )
    for approver_id, outcome in expect.avatars.items():
        kind = policy.approvers[approver_id].avatar
        assert kind is not None  # the case file was checked against the policy
        if approver_id not in reached:
            found.append(Mismatch(f"avatars.{approver_id}", outcome.value, "not asked"))
            continue
        decision = run_avatar(kind, case.terms, policy.approvers[approver_id].limits)
        if decision.outcome is not outcome:
            found.append(
                Mismatch(
                    f"avatars.{approver_id}",
                    outcome.value,
                    f"{decision.outcome.value}: {decision.reasoning}",
                )
            )
    for approver_id, words in expect.quorum.items():
        quorum = next(
            (
                a.quorum
                for stage in plan.stages
                for a in stage.approvals
                if a.approver == approver_id and a.quorum is not None
            ),
            None,
        )
        actual = quorum.words if quorum is not None else "not asked as one of a group"
        if _spaced(words) != actual:
            found.append(Mismatch(f"quorum.{approver_id}", _spaced(words), actual))
    for approver_id, backup in expect.backups.items():
        actual = next_in_line(policy, plan, approver_id, case.terms.owner)
        if actual != backup:
            found.append(Mismatch(f"backups.{approver_id}", backup, actual))
    if expect.kept is not None and case.was is not None and before is not None:
        kept = _kept(policy, plan, before, case.was, case.terms)
        if sorted(expect.kept) != kept:
            found.append(
                Mismatch(
                    "kept", ", ".join(sorted(expect.kept)) or "none", ", ".join(kept) or "none"
                )
            )
    return found


def _kept(policy: Policy, plan: Plan, before: Plan, was: DealTerms, terms: DealTerms) -> list[str]:
    """The people routed now whose sign-off on ``was`` the revision keeps (as the
    engine's revision review decides; avatars always decide again)."""
    kept = []
    for stage in plan.stages:
        for a in stage.approvals:
            if not policy.approvers[a.approver].is_human:
                continue
            if before.required(stage.index, a.approver) is None:
                continue
            review = review_sign_off(policy, stage.index, a.approver, [a.approver], was, terms)
            if review.stands:
                kept.append(a.approver)
    return sorted(kept)


def _cover(policy: Policy, terms: DealTerms, plan: Plan, coverage: Coverage) -> None:
    facts = DealFacts(terms.facts())
    for s, stage in enumerate(policy.stages):
        for r, rule in enumerate(stage.approvals):
            if rule.when is not None:
                coverage.held.setdefault((s, r), set()).add(bool(rule.when.evaluate(facts)))
    for approver_id in asked_of(policy, plan, terms):
        approver = policy.approvers[approver_id]
        if approver.avatar is not None:
            outcome = run_avatar(approver.avatar, terms, approver.limits).outcome
            coverage.outcomes.setdefault(approver_id, set()).add(outcome)


def _spaced(words: str) -> str:
    return " ".join(words.split())


def _limits(limits: dict[str, Any]) -> str:
    if not limits:
        return ""
    return " (" + ", ".join(f"{key} {value}" for key, value in limits.items()) + ")"


def route_words(route: Any) -> str:
    """``Qualification: sdr → Deal approval: manager → Reviews: legal, finance``."""
    shown = [f"{name}: {', '.join(ids)}" for name, ids in route if ids]
    return " → ".join(shown) or "no approvals"


def _route_json(route: Route) -> list[dict[str, Any]]:
    return [{"stage": name, "approvers": list(ids)} for name, ids in route]
