"""``policy explain``: a deal's approval plan in words, without storing anything."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

from policies.avatars import Outcome, run_avatar
from policies.avatars.formatting import money, percent
from policies.deal import DealTerms
from policies.loader import LoadedPolicy
from policies.model import Policy
from policies.routing import Plan, PlannedApproval, build_plan
from policies.watch import review_sign_off


@dataclass(frozen=True)
class ExplainedApproval:
    approver: str
    who: str
    why: str
    avatar: str
    then: str
    revision: str = ""
    """Against a deal signed off before (``--was``): whether that sign-off is kept, and why."""


@dataclass(frozen=True)
class ExplainedStage:
    index: int
    name: str
    approvals: list[ExplainedApproval] = field(default_factory=list)
    not_required: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Explanation:
    headline: str
    policy_name: str
    version: str
    stages: list[ExplainedStage]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def explain_plan(
    loaded: LoadedPolicy, terms: DealTerms, was: DealTerms | None = None
) -> Explanation:
    """The deal's plan; with ``was`` (the values the approvers signed off), which of those
    sign-offs a revision to ``terms`` keeps and which it asks for again."""
    policy = loaded.policy
    plan = build_plan(policy, terms)
    before = build_plan(policy, was) if was is not None else None
    stages = []
    for stage in plan.stages:
        approvals = [
            replace(
                _explain(policy, terms, a.approver, _why(a)),
                revision=_again(policy, before, stage.index, a.approver, was, terms),
            )
            for a in stage.approvals
        ]
        skipped = [f"{a.approver} (when {a.reason})" for a in stage.not_required]
        stages.append(ExplainedStage(stage.index, stage.name, approvals, skipped))
    headline = (
        f"Approval plan for {terms.company}: {money(terms.acv)} ACV, "
        f"{percent(terms.discount)} discount, {terms.term_months} months"
    )
    return Explanation(headline, policy.name, loaded.version, stages)


def _why(planned: PlannedApproval) -> str:
    if planned.quorum is None:
        return planned.reason
    members = ", ".join(planned.quorum.members)
    return f"{planned.reason}; one of a group, {planned.quorum.words} needed ({members})"


def _again(
    policy: Policy,
    before: Plan | None,
    stage_index: int,
    approver_id: str,
    was: DealTerms | None,
    terms: DealTerms,
) -> str:
    if before is None or was is None:
        return ""
    if not policy.approvers[approver_id].is_human:
        return "decides again on the new values"
    if before.required(stage_index, approver_id) is None:
        return "asked: not required before"
    review = review_sign_off(policy, stage_index, approver_id, [approver_id], was, terms)
    if review.stands:
        kept = "; ".join(str(change) for change in review.kept)
        return f"kept: {kept}" if kept else "kept: nothing it depends on changed"
    return "asked again: " + "; ".join(str(change) for change in review.crossed)


def _explain(policy: Policy, terms: DealTerms, approver_id: str, reason: str) -> ExplainedApproval:
    approver = policy.approvers[approver_id]
    chain = policy.backup_chain(approver_id)
    backups = ", ".join(f"{policy.approvers[b].name} ({b})" for b in chain) or "none"
    advice = ""
    if approver.avatar is not None:
        decision = run_avatar(approver.avatar, terms, approver.limits)
        advice = f"{decision.outcome.value.replace('_', ' ')}: {decision.reasoning}"
    if approver.slack_user is not None:
        who = f"{approver.display}, Slack {approver.slack_user}"
        then = f"card in Slack; SLA {approver.effective_sla}; backups: {backups}"
        if approver.avatar is not None:
            advice = f"recommends {advice}"
    else:
        who = f"{approver.display}, avatar ({approver.avatar})"
        if approver.avatar is not None and decision.outcome is Outcome.HAND_OVER:
            then = f"hands over to {chain[0]}" if chain else "escalates to the admins"
        else:
            then = "decides at once"
    return ExplainedApproval(approver_id, who, reason, advice, then)
